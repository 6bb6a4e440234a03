/**
 * Deterministic fault simulation of whole fleets: {@link dev.osc4j.testkit.sim.FaultSimulator} runs a
 * {@link dev.osc4j.testkit.sim.Scenario} (one seed: controllers, migrations, a schedule of
 * {@link dev.osc4j.testkit.sim.Fault faults}) and checks osc4j's safety and liveness invariants at every step.
 */
@NullMarked
package dev.osc4j.testkit.sim;

import org.jspecify.annotations.NullMarked;
