package dev.osc4j.cli;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.RevertOf;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the command line says about reverts: until when a migration in its revert window can be reverted, and the links
 * between a forward migration and its revert, and between an amended request and the one it superseded.
 */
final class RevertNotes {
    private RevertNotes() {}

    /**
     * The notes on {@code r} at {@code now}, each a few words: "revertible until 2026-01-01T12:00:00Z (23h59m left)"
     * (or "revert window closing" once an operator closed it), "health alert: look, then osc4j acknowledge ID",
     * "reverted by ID", "reverts ID", "superseded by ID", "supersedes ID"; empty when none applies.
     */
    static List<String> of(MigrationRecord r, Instant now) {
        List<String> notes = new ArrayList<>();
        if (r.state() == MigrationState.REVERTIBLE) {
            Optional<Instant> until = r.revertibleUntil();
            if (r.controls().closeRevertWindow()) {
                notes.add("revert window closing");
            } else if (until.isPresent()) {
                Duration left = Duration.between(now, until.get());
                notes.add("revertible until " + until.get().truncatedTo(ChronoUnit.SECONDS) + " ("
                        + (left.isNegative() || left.isZero()
                                ? "ended, closing"
                                : ProgressView.duration(left) + " left")
                        + ")");
            }
        }
        if (r.shards().stream().anyMatch(s -> s.state() == MigrationState.ALERTED)) {
            notes.add("health alert: look, then osc4j acknowledge " + r.id().value());
        }
        MigrationId revertedBy = r.controls().revertedBy();
        if (revertedBy != null) {
            notes.add("reverted by " + revertedBy.value());
        }
        RevertOf revertOf = r.spec().revertOf();
        if (revertOf != null) {
            notes.add("reverts " + revertOf.migration().value());
        }
        MigrationId supersededBy = r.controls().supersededBy();
        if (supersededBy != null) {
            notes.add("superseded by " + supersededBy.value());
        }
        MigrationId supersedes = r.spec().supersedes();
        if (supersedes != null) {
            notes.add("supersedes " + supersedes.value());
        }
        return notes;
    }
}
