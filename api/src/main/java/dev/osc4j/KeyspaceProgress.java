package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Duration;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Progress of a migration across its shards. The percentage is weighted by each shard's size, so a large shard
 * dominates as it should; the ETA is the slowest shard's, since the cut-over waits for every shard.
 *
 * @param rowsCopied rows copied on all shards
 * @param rowsTotal estimated rows on all shards, or -1 when no shard has an estimate
 * @param percent weighted percentage, 0-100
 * @param eta the slowest unfinished shard's ETA; {@code null} when any unfinished shard has none
 * @param shards number of shards
 * @param throttledShards shards throttled now
 * @param stalledShards shards marked stalled
 */
@API(status = MAINTAINED, since = "0.1")
public record KeyspaceProgress(
        long rowsCopied,
        long rowsTotal,
        double percent,
        @Nullable Duration eta,
        int shards,
        int throttledShards,
        int stalledShards) {}
