package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Where an engine runs for one shard.
 *
 * @param keyspace the keyspace
 * @param shard the shard name, such as {@code -80} or {@code db1}
 * @param schema the MySQL schema (database) holding the table on that shard
 * @param primary the shard's primary server, for engines that connect to it directly (gh-ost, pt-osc); {@code null}
 *     for engines that go through a proxy (Vitess)
 */
@API(status = MAINTAINED, since = "0.1")
public record ShardTarget(
        String keyspace,
        String shard,
        String schema,
        @Nullable Endpoint primary) {}
