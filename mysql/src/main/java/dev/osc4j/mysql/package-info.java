/**
 * A {@link dev.osc4j.spi.TopologyProbe} for plain MySQL and MariaDB servers listed statically: {@link
 * dev.osc4j.mysql.MySqlTopology}, configured with one {@link dev.osc4j.mysql.MySqlShard} per shard.
 * It serves any engine that connects to the servers directly (pt-online-schema-change, gh-ost). Everything else in
 * this package is its implementation.
 */
@NullMarked
package dev.osc4j.mysql;

import org.jspecify.annotations.NullMarked;
