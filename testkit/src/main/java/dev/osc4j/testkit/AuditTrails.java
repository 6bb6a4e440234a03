package dev.osc4j.testkit;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationState;
import dev.osc4j.Transitions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks an audit trail for the properties osc4j promises: no gap, no duplicate, only legal transitions. */
public final class AuditTrails {
    private AuditTrails() {}

    /**
     * The problems of a trail: sequence numbers that do not run 1, 2, 3...; transitions that are not edges of the
     * table; transitions of a shard (or of the migration) that do not start where the previous one ended, which is
     * what a lost or duplicated transition looks like. Empty when the trail is sound.
     */
    public static List<String> problems(List<AuditEntry> trail) {
        List<String> problems = new ArrayList<>();
        Map<String, MigrationState> lastBySubject = new HashMap<>();
        long expected = 1;
        for (AuditEntry e : trail) {
            if (e.seq() != expected) {
                problems.add("seq " + e.seq() + " where " + expected + " was expected");
            }
            expected = e.seq() + 1;
            if (e.kind() == AuditEntry.Kind.SUBMITTED) {
                lastBySubject.put("migration", MigrationState.QUEUED);
            }
            if (e.kind() != AuditEntry.Kind.TRANSITION) {
                continue;
            }
            MigrationState from = e.from();
            MigrationState to = e.to();
            if (from == null || to == null) {
                problems.add("transition " + e.seq() + " lacks from/to");
                continue;
            }
            if (!Transitions.allowed(from, to)) {
                problems.add("transition " + e.seq() + " " + from + " -> " + to + " is not in the table");
            }
            String subject = e.shard() == null ? "migration" : "shard " + e.shard();
            MigrationState last = lastBySubject.getOrDefault(subject, MigrationState.QUEUED);
            if (last != from) {
                problems.add("transition " + e.seq() + " of " + subject + " starts at " + from + " but it was " + last);
            }
            lastBySubject.put(subject, to);
        }
        return problems;
    }

    /** Throws an {@link AssertionError} listing the problems, if there are any. */
    public static void assertSound(List<AuditEntry> trail) {
        List<String> problems = problems(trail);
        if (!problems.isEmpty()) {
            throw new AssertionError("audit trail has " + problems.size() + " problem(s): " + problems);
        }
    }

    /** The transitions of one shard (or of the migration, for {@code null}), as "FROM>TO" strings, in order. */
    public static List<String> path(List<AuditEntry> trail, @org.jspecify.annotations.Nullable String shard) {
        List<String> out = new ArrayList<>();
        for (AuditEntry e : trail) {
            if (e.kind() == AuditEntry.Kind.TRANSITION && java.util.Objects.equals(e.shard(), shard)) {
                out.add(e.from() + ">" + e.to());
            }
        }
        return out;
    }
}
