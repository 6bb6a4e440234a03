/**
 * An {@link dev.osc4j.spi.ExecutionEngine} that runs and steers Percona's {@code pt-online-schema-change} ({@link
 * dev.osc4j.engine.ptosc.PtOscEngine}), and a {@link dev.osc4j.spi.TopologyProbe} for plain MySQL and MariaDB servers
 * listed statically ({@link dev.osc4j.engine.ptosc.MySqlTopology}).
 */
@NullMarked
package dev.osc4j.engine.ptosc;

import org.jspecify.annotations.NullMarked;
