/**
 * A fake VTGate for tests: {@link dev.osc4j.testkit.vitess.FakeVtgate} speaks the MySQL protocol on a loopback port
 * (through {@link dev.osc4j.testkit.mysql.MySqlProtocolServer}), keeps a {@code _vt.schema_migrations} table per shard
 * of a {@link dev.osc4j.testkit.FakeTopology}, and runs Vitess Online DDL migrations on the topology's settable clock,
 * so that an engine's real JDBC code path can be tested without Vitess.
 */
@NullMarked
package dev.osc4j.testkit.vitess;

import org.jspecify.annotations.NullMarked;
