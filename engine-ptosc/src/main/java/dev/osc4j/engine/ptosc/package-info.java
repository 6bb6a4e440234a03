/**
 * An {@link dev.osc4j.spi.ExecutionEngine} that runs and steers Percona's {@code pt-online-schema-change} ({@link
 * dev.osc4j.engine.ptosc.PtOscEngine}). For the topology of plain MySQL and MariaDB servers, use the
 * {@code osc4j-mysql} module's {@code MySqlTopology}.
 */
@NullMarked
package dev.osc4j.engine.ptosc;

import org.jspecify.annotations.NullMarked;
