package dev.osc4j;

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
public record ShardTarget(
        String keyspace,
        String shard,
        String schema,
        @Nullable Endpoint primary) {}
