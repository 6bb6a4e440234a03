package dev.osc4j.internal;

import dev.osc4j.Intent;
import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardProgress;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.ReplicationPosition;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a controller keeps in memory about a migration it owns. All of it can be rebuilt from the store: a controller
 * that takes the migration over starts with a fresh one (and so tries failed effects at once).
 */
final class OwnedMigration {
    Lease lease;
    Map<String, ShardProgress> live = Map.of();
    boolean reattached;

    /** The last problem logged for this migration, so a repeated one is logged once. */
    @Nullable
    String lastProblem;

    /** The record as this controller last read or wrote it; re-read only when the store's version differs. */
    @Nullable
    MigrationRecord record;

    /** Per shard, the intent whose last attempts failed and when to try it again (see {@link EffectRunner}). */
    final Map<String, FailedIntent> failedIntents = new HashMap<>();

    /** Per shard, how many engine observations in a row failed. */
    final Map<String, Integer> observationFailures = new HashMap<>();

    /**
     * Per shard waiting for catch-up, the primary position the binlog-alignment gate compares with: read once, just
     * after the engine was first seen ready, and kept (see {@link Reconciler}); re-read after a reparent.
     */
    final Map<String, AlignmentTarget> alignmentTargets = new HashMap<>();

    /** The health signals' counts while the migration bakes after its swap. */
    final HealthWatch health = new HealthWatch();

    /** A fixed catch-up target: the primary it was read from and its position then. */
    record AlignmentTarget(String primary, ReplicationPosition position) {}

    /** Reconcile passes of this migration that threw, in a row; the migration is not tried before {@link #notBefore}. */
    int failedPasses;

    @Nullable
    Instant notBefore;

    OwnedMigration(Lease lease) {
        this.lease = lease;
    }

    /**
     * An intent that stays pending after {@code failures} failed attempts in a row; not tried before
     * {@code notBefore}.
     */
    record FailedIntent(Intent intent, int failures, Instant notBefore) {}
}
