package dev.osc4j;

import java.util.List;

/**
 * One edge of the state machine.
 *
 * @param from the state left
 * @param to the state entered
 * @param trigger what causes it
 * @param gates the built-in gates that must pass, in evaluation order (user gates may be added per edge)
 */
public record Transition(MigrationState from, MigrationState to, Trigger trigger, List<GateId> gates) {
    /** Copies the list. */
    public Transition {
        gates = List.copyOf(gates);
    }
}
