package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The live state of a shard's servers, as read by a {@link TopologyProbe}.
 *
 * @param keyspace the keyspace
 * @param shard the shard
 * @param primary the primary's identity (tablet alias or host:port); a change means a reparent
 * @param topologyVersion a number that grows whenever the topology changes
 * @param primaryPosition the primary's current binlog position, when known
 * @param replicas the shard's replicas
 * @param readAt when this was read (by the probe's clock)
 * @param primaryThreadsRunning the primary's {@code Threads_running} status variable when this was read (the load
 *     ceiling of the closed-loop throttle, {@code MigrationPolicy.maxThreadsRunning}, compares it); null when unknown
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record ShardHealth(
        String keyspace,
        String shard,
        String primary,
        long topologyVersion,
        @Nullable ReplicationPosition primaryPosition,
        List<ReplicaHealth> replicas,
        Instant readAt,
        @Nullable Integer primaryThreadsRunning) {

    /** Copies the list. */
    public ShardHealth {
        replicas = List.copyOf(replicas);
    }

    /** Health without the primary's load (threads running unknown). */
    public ShardHealth(
            String keyspace,
            String shard,
            String primary,
            long topologyVersion,
            @Nullable ReplicationPosition primaryPosition,
            List<ReplicaHealth> replicas,
            Instant readAt) {
        this(keyspace, shard, primary, topologyVersion, primaryPosition, replicas, readAt, null);
    }

    /** The highest known lag among the replicas, or zero when there are none. */
    public Duration maxKnownLag() {
        Duration max = Duration.ZERO;
        for (ReplicaHealth r : replicas) {
            Duration lag = r.lag();
            if (lag != null && lag.compareTo(max) > 0) {
                max = lag;
            }
        }
        return max;
    }

    /** The first replica whose lag is unknown, if any. */
    public @Nullable String replicaWithUnknownLag() {
        for (ReplicaHealth r : replicas) {
            if (r.lag() == null) {
                return r.replica();
            }
        }
        return null;
    }
}
