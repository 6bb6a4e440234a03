package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Instant;
import java.util.List;
import org.apiguardian.api.API;

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
@API(status = MAINTAINED, since = "0.1")
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
