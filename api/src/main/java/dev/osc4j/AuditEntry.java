package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Instant;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a migration's audit trail, written in the same atomic operation as the change it records. Sequence
 * numbers start at 1 and have no gaps.
 *
 * @param migrationId the migration
 * @param seq position in the migration's trail
 * @param at when
 * @param actor the controller or user that caused it
 * @param kind what kind of entry
 * @param shard the shard concerned, or {@code null} for the migration as a whole
 * @param from the state before, for transitions
 * @param to the state after, for transitions
 * @param trigger what caused a transition
 * @param stepId names the step: a directive id, or an id derived from attempt, shard and step (a step repeated, such
 *     as a throttle turned on twice, repeats its id; {@code seq} is what is unique)
 * @param detail human-readable details
 * @param hash this entry's link in the trail's hash chain ({@link dev.osc4j.spi.AuditChain}); null until sealed, and
 *     in entries written before 0.2
 */
@API(status = MAINTAINED, since = "0.1")
public record AuditEntry(
        MigrationId migrationId,
        long seq,
        Instant at,
        String actor,
        Kind kind,
        @Nullable String shard,
        @Nullable MigrationState from,
        @Nullable MigrationState to,
        @Nullable Trigger trigger,
        String stepId,
        String detail,
        @Nullable String hash) {

    /** What an audit entry records. */
    public enum Kind {
        /** The migration was submitted. */
        SUBMITTED,
        /** A state transition of the migration or a shard. */
        TRANSITION,
        /** A side effect was recorded before being performed. */
        INTENT,
        /** A side effect was performed. */
        EFFECT,
        /** A directive was accepted. */
        DIRECTIVE,
        /** Something worth knowing that is not a transition (a reparent seen, a stall). */
        NOTE,
        /**
         * A change of owner: a controller took the migration (first, after a clean hand-over, or after the previous
         * owner's lease expired) or gave it up cleanly; the detail names both controllers and the lease epochs.
         */
        OWNER
    }

    /** Validates. */
    public AuditEntry {
        if (seq < 1) {
            throw new IllegalArgumentException("audit seq must be >= 1, got " + seq);
        }
    }

    /** An entry not sealed into the hash chain yet (the store's write seals it). */
    public AuditEntry(
            MigrationId migrationId,
            long seq,
            Instant at,
            String actor,
            Kind kind,
            @Nullable String shard,
            @Nullable MigrationState from,
            @Nullable MigrationState to,
            @Nullable Trigger trigger,
            String stepId,
            String detail) {
        this(migrationId, seq, at, actor, kind, shard, from, to, trigger, stepId, detail, null);
    }

    /** This entry with its link in the hash chain. */
    public AuditEntry withHash(@Nullable String value) {
        return new AuditEntry(migrationId, seq, at, actor, kind, shard, from, to, trigger, stepId, detail, value);
    }
}
