package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The durable state of a migration: everything a controller needs to continue it after a crash. Immutable; every
 * change is written with a compare-and-set on {@link #version()}.
 *
 * @param schemaVersion the record format; a store refuses records newer than {@link #SCHEMA_VERSION}
 * @param id the migration id
 * @param version the store's version of this record (assigned by the store; 0 before creation)
 * @param idempotencyKey the key it was submitted under
 * @param fingerprint a digest of the request content, to tell a repeated submission from a conflicting one
 * @param spec what to change
 * @param policy how it is gated
 * @param requestedBy who asked
 * @param state the migration's state, derived from its shards' states
 * @param attempt 1, plus one per retry
 * @param shards one entry per shard, in topology order
 * @param controls the operator's standing instructions
 * @param directives the outcome of every directive received, by directive id
 * @param auditSeq the sequence number of the last audit entry written for this migration
 * @param progressPersistedAt when shard progress was last written
 * @param createdAt when submitted
 * @param updatedAt when last written
 * @param owner the controller that drives it and since when, or null before any controller took it
 * @param auditHead the hash of the last audit entry ({@link dev.osc4j.spi.AuditChain}), which makes the trail
 *     tamper-evident; null before the first chained entry (records written before 0.2)
 */
@API(status = MAINTAINED, since = "0.1")
public record MigrationRecord(
        int schemaVersion,
        MigrationId id,
        long version,
        String idempotencyKey,
        String fingerprint,
        MigrationSpec spec,
        MigrationPolicy policy,
        String requestedBy,
        MigrationState state,
        int attempt,
        List<ShardRecord> shards,
        Controls controls,
        Map<String, DirectiveResult> directives,
        long auditSeq,
        @Nullable Instant progressPersistedAt,
        Instant createdAt,
        Instant updatedAt,
        @Nullable Owner owner,
        @Nullable String auditHead) {

    /** The record format this code writes and the newest it reads. */
    public static final int SCHEMA_VERSION = 1;

    /** Validates and copies. */
    public MigrationRecord {
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be >= 1, got " + schemaVersion);
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, got " + attempt);
        }
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("a migration has at least one shard");
        }
        shards = List.copyOf(shards);
        directives = Map.copyOf(new LinkedHashMap<>(directives));
    }

    /** The shard with this name. */
    public Optional<ShardRecord> shard(String name) {
        return shards.stream().filter(s -> s.shard().equals(name)).findFirst();
    }

    /**
     * Until when the migration can be reverted: its earliest swap into {@link MigrationState#REVERTIBLE} plus the
     * policy's revert window; empty when no shard is in its revert window. An operator may close the window earlier
     * ({@link Controls#closeRevertWindow()}).
     */
    public Optional<Instant> revertibleUntil() {
        java.time.Duration window = policy.revertWindowOrDefault();
        return shards.stream()
                .filter(s -> s.state() == MigrationState.REVERTIBLE)
                .map(ShardRecord::stateSince)
                .min(Instant::compareTo)
                .map(t -> t.plus(window));
    }

    /** Whether any shard has a side effect recorded but not confirmed. */
    public boolean hasPendingIntents() {
        return shards.stream().anyMatch(s -> s.intent() != null);
    }

    /** A copy with the given store version. */
    public MigrationRecord withVersion(long value) {
        return new MigrationRecord(
                schemaVersion,
                id,
                value,
                idempotencyKey,
                fingerprint,
                spec,
                policy,
                requestedBy,
                state,
                attempt,
                shards,
                controls,
                directives,
                auditSeq,
                progressPersistedAt,
                createdAt,
                updatedAt,
                owner,
                auditHead);
    }

    /** A copy with another owner, written at {@code now}. */
    public MigrationRecord withOwner(@Nullable Owner value, Instant now) {
        return new MigrationRecord(
                schemaVersion,
                id,
                version,
                idempotencyKey,
                fingerprint,
                spec,
                policy,
                requestedBy,
                state,
                attempt,
                shards,
                controls,
                directives,
                auditSeq,
                progressPersistedAt,
                createdAt,
                now,
                value,
                auditHead);
    }

    /** A copy with another state, attempt, shards, controls and bookkeeping. */
    public MigrationRecord with(
            MigrationState newState,
            int newAttempt,
            List<ShardRecord> newShards,
            Controls newControls,
            Map<String, DirectiveResult> newDirectives,
            long newAuditSeq,
            @Nullable Instant newProgressPersistedAt,
            Instant now) {
        return new MigrationRecord(
                schemaVersion,
                id,
                version,
                idempotencyKey,
                fingerprint,
                spec,
                policy,
                requestedBy,
                newState,
                newAttempt,
                newShards,
                newControls,
                newDirectives,
                newAuditSeq,
                newProgressPersistedAt,
                createdAt,
                now,
                owner,
                auditHead);
    }

    /** A copy with one shard replaced. */
    public MigrationRecord withShard(String name, UnaryOperator<ShardRecord> change) {
        List<ShardRecord> next = new ArrayList<>(shards.size());
        for (ShardRecord s : shards) {
            next.add(s.shard().equals(name) ? change.apply(s) : s);
        }
        return with(state, attempt, next, controls, directives, auditSeq, progressPersistedAt, updatedAt);
    }

    /**
     * A record without a chained audit trail yet: the components of 0.1 (its {@link #auditHead} is null until the next
     * write chains the trail).
     */
    public MigrationRecord(
            int schemaVersion,
            MigrationId id,
            long version,
            String idempotencyKey,
            String fingerprint,
            MigrationSpec spec,
            MigrationPolicy policy,
            String requestedBy,
            MigrationState state,
            int attempt,
            List<ShardRecord> shards,
            Controls controls,
            Map<String, DirectiveResult> directives,
            long auditSeq,
            @Nullable Instant progressPersistedAt,
            Instant createdAt,
            Instant updatedAt,
            @Nullable Owner owner) {
        this(
                schemaVersion,
                id,
                version,
                idempotencyKey,
                fingerprint,
                spec,
                policy,
                requestedBy,
                state,
                attempt,
                shards,
                controls,
                directives,
                auditSeq,
                progressPersistedAt,
                createdAt,
                updatedAt,
                owner,
                null);
    }

    /** A copy whose audit trail ends with the entry of hash {@code value}. */
    public MigrationRecord withAuditHead(@Nullable String value) {
        return new MigrationRecord(
                schemaVersion,
                id,
                version,
                idempotencyKey,
                fingerprint,
                spec,
                policy,
                requestedBy,
                state,
                attempt,
                shards,
                controls,
                directives,
                auditSeq,
                progressPersistedAt,
                createdAt,
                updatedAt,
                owner,
                value);
    }
}
