/**
 * The Vitess engine: {@link dev.osc4j.engine.vitess.VitessEngine} runs a migration as Vitess native Online DDL through
 * VTGate over the MySQL protocol, and {@link dev.osc4j.engine.vitess.VitessTopologyProbe} reads tablets and replica lag
 * from VTGate for the gates. Everything else in the package is implementation.
 */
@NullMarked
package dev.osc4j.engine.vitess;

import org.jspecify.annotations.NullMarked;
