package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.internal.ProgressMath;
import java.time.Duration;
import java.time.Instant;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * One line of a dashboard: a migration's state and aggregate progress, without its shards' details.
 *
 * @param id the migration
 * @param keyspace its keyspace
 * @param table its table
 * @param engine its engine
 * @param state its state
 * @param attempt its attempt
 * @param shards how many shards
 * @param percent aggregate progress, weighted by shard size, as last persisted
 * @param eta aggregate ETA (the slowest shard's), as last persisted
 * @param paused whether paused
 * @param updatedAt when last written
 * @param owner the controller that drives it, its lease epoch and since when; null when no controller holds it
 *     (never taken, given up cleanly, or terminal). A controller that died keeps its name here until another takes
 *     over: its lease, not this field, decides who may act.
 */
@API(status = MAINTAINED, since = "0.1")
public record MigrationSummary(
        MigrationId id,
        String keyspace,
        String table,
        String engine,
        MigrationState state,
        int attempt,
        int shards,
        double percent,
        @Nullable Duration eta,
        boolean paused,
        Instant updatedAt,
        @Nullable Owner owner) {

    /** The summary of a record. */
    public static MigrationSummary of(MigrationRecord r) {
        KeyspaceProgress aggregate = ProgressMath.aggregate(r.shards());
        return new MigrationSummary(
                r.id(),
                r.spec().keyspace(),
                r.spec().table(),
                r.spec().engine(),
                r.state(),
                r.attempt(),
                r.shards().size(),
                aggregate.percent(),
                aggregate.eta(),
                r.controls().paused(),
                r.updatedAt(),
                holding(r));
    }

    private static @Nullable Owner holding(MigrationRecord r) {
        Owner owner = r.owner();
        boolean finished = r.state().isTerminal() && !r.hasPendingIntents();
        return owner == null || owner.releasedAt() != null || finished ? null : owner;
    }
}
