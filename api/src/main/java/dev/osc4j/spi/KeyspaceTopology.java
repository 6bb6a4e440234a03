package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.ShardTarget;
import java.util.List;
import org.apiguardian.api.API;

/**
 * The shards of a keyspace.
 *
 * @param keyspace the keyspace
 * @param shards one target per shard, in a stable order
 * @param version grows whenever the topology changes
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record KeyspaceTopology(String keyspace, List<ShardTarget> shards, long version) {
    /** Copies the list. */
    public KeyspaceTopology {
        shards = List.copyOf(shards);
    }
}
