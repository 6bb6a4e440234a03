package dev.osc4j.spi;

import dev.osc4j.ShardTarget;
import java.util.List;

/**
 * The shards of a keyspace.
 *
 * @param keyspace the keyspace
 * @param shards one target per shard, in a stable order
 * @param version grows whenever the topology changes
 */
public record KeyspaceTopology(String keyspace, List<ShardTarget> shards, long version) {
    /** Copies the list. */
    public KeyspaceTopology {
        shards = List.copyOf(shards);
    }
}
