package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import java.time.Duration;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * One replica of a shard, as the topology probe saw it.
 *
 * @param replica the replica's identity (tablet alias, host:port)
 * @param lag its replication lag, or {@code null} when unknown (replication stopped or broken)
 * @param position the position it has applied, when known
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record ReplicaHealth(
        String replica, @Nullable Duration lag, @Nullable ReplicationPosition position) {}
