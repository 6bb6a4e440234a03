package dev.osc4j.store.jdbc;

import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Records and audit entries for the tests. */
final class Records {
    private Records() {}

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    /** A queued migration of {@code shards} shards of keyspace {@code commerce}, not yet stored. */
    static MigrationRecord queued(String key, int shards) {
        Instant now = now();
        List<ShardRecord> list = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            list.add(ShardRecord.queued(new ShardTarget("commerce", "s" + i, "commerce", null), now));
        }
        return new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                MigrationId.forIdempotencyKey(key),
                0,
                key,
                "fp-" + key,
                new MigrationSpec("commerce", "orders", "ADD COLUMN note VARCHAR(64)", "fake", Map.of(), List.of()),
                MigrationPolicy.defaults(),
                "test",
                MigrationState.QUEUED,
                1,
                list,
                Controls.NONE,
                Map.of(),
                1,
                null,
                now,
                now,
                null);
    }

    static AuditEntry submitted(MigrationRecord r) {
        return new AuditEntry(
                r.id(),
                1,
                r.createdAt(),
                "test",
                AuditEntry.Kind.SUBMITTED,
                null,
                null,
                MigrationState.QUEUED,
                null,
                "submit",
                "created");
    }

    /** {@code r} moved to {@code to}, with the transition's audit entry written by {@code actor}. */
    static Change transition(MigrationRecord r, MigrationState to, String actor, String detail) {
        long seq = r.auditSeq() + 1;
        MigrationRecord next =
                r.with(to, r.attempt(), r.shards(), r.controls(), r.directives(), seq, r.progressPersistedAt(), now());
        AuditEntry e = new AuditEntry(
                r.id(),
                seq,
                now(),
                actor,
                AuditEntry.Kind.TRANSITION,
                null,
                r.state(),
                to,
                dev.osc4j.Transitions.find(r.state(), to).orElseThrow().trigger(),
                actor + "-" + seq,
                detail);
        return new Change(next, List.of(e));
    }

    /**
     * A record and the audit entries of its change.
     *
     * @param record the new record
     * @param audit the entries
     */
    record Change(MigrationRecord record, List<AuditEntry> audit) {}
}
