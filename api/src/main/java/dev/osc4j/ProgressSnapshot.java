package dev.osc4j;

import java.time.Instant;
import java.util.List;

/**
 * Live progress of a migration, per shard and aggregated for its keyspace, published to {@link ProgressSink}s after
 * each reconcile pass.
 *
 * @param migrationId the migration
 * @param keyspace its keyspace
 * @param table its table
 * @param state its state
 * @param attempt its attempt
 * @param paused whether paused
 * @param shards per shard, in topology order
 * @param aggregate across shards
 * @param at when taken
 */
public record ProgressSnapshot(
        MigrationId migrationId,
        String keyspace,
        String table,
        MigrationState state,
        int attempt,
        boolean paused,
        List<ShardSnapshot> shards,
        KeyspaceProgress aggregate,
        Instant at) {
    /** Copies the list. */
    public ProgressSnapshot {
        shards = List.copyOf(shards);
    }
}
