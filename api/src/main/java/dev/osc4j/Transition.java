package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.util.List;
import org.apiguardian.api.API;

/**
 * One edge of the state machine.
 *
 * @param from the state left
 * @param to the state entered
 * @param trigger what causes it
 * @param gates the built-in gates that must pass, in evaluation order (user gates may be added per edge)
 */
@API(status = MAINTAINED, since = "0.1")
public record Transition(MigrationState from, MigrationState to, Trigger trigger, List<GateId> gates) {
    /** Copies the list. */
    public Transition {
        gates = List.copyOf(gates);
    }
}
