package dev.osc4j.spi;

import dev.osc4j.InvalidRequestException;

/**
 * Reads the topology: which shards a keyspace has, and for each its primary, replicas, lag and positions. Feeds the
 * gates. Implementations: a fixed list of servers, Vitess through VTGate, the testkit's fake topology; each must pass
 * the testkit's {@code TopologyProbeContract}.
 */
public interface TopologyProbe {

    /**
     * The shards of a keyspace.
     *
     * @throws InvalidRequestException when the keyspace is unknown
     */
    KeyspaceTopology describe(String keyspace);

    /**
     * The live state of one shard. Read fresh on each call, or say in {@link ShardHealth#readAt()} how old it is.
     *
     * @throws InvalidRequestException when the shard is unknown
     */
    ShardHealth health(String keyspace, String shard);

    /** An estimate of the table's rows on the shard, for weighting before the engine reports one; -1 if unknown. */
    default long estimateRows(String keyspace, String shard, String table) {
        return -1;
    }
}
