package dev.osc4j;

import static dev.osc4j.MigrationState.ABORTED;
import static dev.osc4j.MigrationState.ALERTED;
import static dev.osc4j.MigrationState.BAKING;
import static dev.osc4j.MigrationState.COMPLETED;
import static dev.osc4j.MigrationState.COPYING_ROWS;
import static dev.osc4j.MigrationState.CUTOVER_PENDING;
import static dev.osc4j.MigrationState.FAILED;
import static dev.osc4j.MigrationState.INITIALIZING;
import static dev.osc4j.MigrationState.QUEUED;
import static dev.osc4j.MigrationState.REVERTED;
import static dev.osc4j.MigrationState.REVERTIBLE;
import static dev.osc4j.MigrationState.SWITCHING_TRAFFIC;
import static dev.osc4j.MigrationState.WAITING_FOR_CATCHUP;
import static org.apiguardian.api.API.Status.MAINTAINED;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * The transition table: every allowed edge, with its trigger and gates. This is the one place the state machine is
 * defined; the orchestrator refuses any change that is not an edge here, and the README's diagram is generated from
 * {@link #mermaid()}.
 */
@API(status = MAINTAINED, since = "0.1")
public final class Transitions {
    private static final List<Transition> ALL;

    static {
        List<Transition> t = new ArrayList<>();
        t.add(new Transition(
                QUEUED,
                INITIALIZING,
                Trigger.START,
                List.of(GateId.START_APPROVAL, GateId.COPY_WINDOW, GateId.REPLICA_LAG)));
        t.add(new Transition(INITIALIZING, COPYING_ROWS, Trigger.COPY_STARTED, List.of()));
        t.add(new Transition(COPYING_ROWS, WAITING_FOR_CATCHUP, Trigger.COPY_COMPLETE, List.of()));
        t.add(new Transition(
                WAITING_FOR_CATCHUP, CUTOVER_PENDING, Trigger.CAUGHT_UP, List.of(GateId.BINLOG_ALIGNMENT)));
        t.add(new Transition(CUTOVER_PENDING, WAITING_FOR_CATCHUP, Trigger.REVALIDATE, List.of()));
        t.add(new Transition(
                CUTOVER_PENDING,
                SWITCHING_TRAFFIC,
                Trigger.CUTOVER,
                List.of(
                        GateId.BARRIER,
                        GateId.CUTOVER_APPROVAL,
                        GateId.CUTOVER_RELEASE,
                        GateId.WINDOW,
                        GateId.TOPOLOGY_FRESH,
                        GateId.REPLICA_LAG)));
        t.add(new Transition(SWITCHING_TRAFFIC, COMPLETED, Trigger.SWITCHED, List.of()));
        t.add(new Transition(SWITCHING_TRAFFIC, REVERTIBLE, Trigger.SWITCHED, List.of()));
        t.add(new Transition(REVERTIBLE, COMPLETED, Trigger.WINDOW_CLOSED, List.of()));
        t.add(new Transition(REVERTIBLE, REVERTED, Trigger.REVERTED, List.of()));
        t.add(new Transition(SWITCHING_TRAFFIC, BAKING, Trigger.SWITCHED, List.of()));
        t.add(new Transition(BAKING, COMPLETED, Trigger.BAKED, List.of()));
        t.add(new Transition(BAKING, ALERTED, Trigger.HEALTH_BREACH, List.of()));
        t.add(new Transition(ALERTED, COMPLETED, Trigger.ACKNOWLEDGED, List.of()));
        for (MigrationState s : MigrationState.values()) {
            // Nothing after the swap can fail: the new schema is live whatever happens next.
            if (!s.isTerminal() && s != FAILED && !s.isSwitched()) {
                t.add(new Transition(s, FAILED, Trigger.FAIL, List.of()));
            }
        }
        t.add(new Transition(FAILED, QUEUED, Trigger.RETRY, List.of()));
        t.add(new Transition(FAILED, ABORTED, Trigger.ABORT, List.of()));
        ALL = List.copyOf(t);
    }

    private Transitions() {}

    /** Every edge, in a stable order. */
    public static List<Transition> all() {
        return ALL;
    }

    /** The edge from {@code from} to {@code to}, if there is one. */
    public static Optional<Transition> find(MigrationState from, MigrationState to) {
        return ALL.stream().filter(t -> t.from() == from && t.to() == to).findFirst();
    }

    /** Whether the table has an edge from {@code from} to {@code to}. */
    public static boolean allowed(MigrationState from, MigrationState to) {
        return find(from, to).isPresent();
    }

    /** The table as a Mermaid state diagram, as shown in the README. */
    public static String mermaid() {
        StringBuilder out = new StringBuilder("stateDiagram-v2\n");
        out.append("    [*] --> QUEUED\n");
        for (Transition t : ALL) {
            out.append("    ").append(t.from()).append(" --> ").append(t.to()).append(" : ");
            out.append(t.trigger().name().toLowerCase(Locale.ROOT));
            if (!t.gates().isEmpty()) {
                out.append(" [");
                for (int i = 0; i < t.gates().size(); i++) {
                    out.append(i == 0 ? "" : ", ")
                            .append(t.gates().get(i).name().toLowerCase(Locale.ROOT));
                }
                out.append(']');
            }
            out.append('\n');
        }
        out.append("    COMPLETED --> [*]\n");
        out.append("    ABORTED --> [*]\n");
        out.append("    REVERTED --> [*]\n");
        return out.toString();
    }
}
