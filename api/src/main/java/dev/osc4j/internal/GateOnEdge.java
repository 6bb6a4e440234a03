package dev.osc4j.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import dev.osc4j.MigrationState;
import dev.osc4j.spi.Gate;
import org.apiguardian.api.API;

/**
 * A user's gate on an edge, as the orchestrator's builder collects them. Public only because the builder lives in
 * {@code dev.osc4j}.
 *
 * @param from the edge's source state
 * @param to the edge's target state
 * @param gate the gate
 */
@API(status = INTERNAL, since = "0.1")
public record GateOnEdge(MigrationState from, MigrationState to, Gate gate) {}
