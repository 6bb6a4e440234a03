package dev.osc4j;

import static dev.osc4j.MigrationState.ABORTED;
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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayName("The transition table")
class TransitionsTest {

    /** The design, written out independently of the table: "FROM>TO" to trigger and gates. */
    private static Map<String, String> design() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("QUEUED>INITIALIZING", "START [START_APPROVAL, COPY_WINDOW, REPLICA_LAG]");
        d.put("INITIALIZING>COPYING_ROWS", "COPY_STARTED []");
        d.put("COPYING_ROWS>WAITING_FOR_CATCHUP", "COPY_COMPLETE []");
        d.put("WAITING_FOR_CATCHUP>CUTOVER_PENDING", "CAUGHT_UP [BINLOG_ALIGNMENT]");
        d.put("CUTOVER_PENDING>WAITING_FOR_CATCHUP", "REVALIDATE []");
        d.put(
                "CUTOVER_PENDING>SWITCHING_TRAFFIC",
                "CUTOVER [BARRIER, CUTOVER_APPROVAL, CUTOVER_RELEASE, WINDOW, TOPOLOGY_FRESH, REPLICA_LAG]");
        d.put("SWITCHING_TRAFFIC>COMPLETED", "SWITCHED []");
        d.put("SWITCHING_TRAFFIC>REVERTIBLE", "SWITCHED []");
        d.put("REVERTIBLE>COMPLETED", "WINDOW_CLOSED []");
        d.put("REVERTIBLE>REVERTED", "REVERTED []");
        d.put("SWITCHING_TRAFFIC>BAKING", "SWITCHED []");
        d.put("BAKING>COMPLETED", "BAKED []");
        d.put("BAKING>ALERTED", "HEALTH_BREACH []");
        d.put("ALERTED>COMPLETED", "ACKNOWLEDGED []");
        for (MigrationState s :
                List.of(QUEUED, INITIALIZING, COPYING_ROWS, WAITING_FOR_CATCHUP, CUTOVER_PENDING, SWITCHING_TRAFFIC)) {
            d.put(s + ">FAILED", "FAIL []");
        }
        d.put("FAILED>QUEUED", "RETRY []");
        d.put("FAILED>ABORTED", "ABORT []");
        return d;
    }

    private static Map<String, String> table() {
        Map<String, String> t = new LinkedHashMap<>();
        for (Transition e : Transitions.all()) {
            String previous = t.put(e.from() + ">" + e.to(), e.trigger() + " " + e.gates());
            assertThat(previous).as("duplicate edge %s", e).isNull();
        }
        return t;
    }

    @Test
    @DisplayName("has exactly the edges of the design, with their triggers and gates in evaluation order")
    void hasExactlyTheDesignedEdges() {
        assertThat(table()).containsExactlyInAnyOrderEntriesOf(design());
        assertThat(Transitions.all()).hasSize(22);
    }

    @Test
    @DisplayName("lists the happy path first, in order")
    void happyPathFirst() {
        assertThat(Transitions.all().subList(0, 7))
                .extracting(t -> t.from() + ">" + t.to())
                .containsExactly(
                        "QUEUED>INITIALIZING",
                        "INITIALIZING>COPYING_ROWS",
                        "COPYING_ROWS>WAITING_FOR_CATCHUP",
                        "WAITING_FOR_CATCHUP>CUTOVER_PENDING",
                        "CUTOVER_PENDING>WAITING_FOR_CATCHUP",
                        "CUTOVER_PENDING>SWITCHING_TRAFFIC",
                        "SWITCHING_TRAFFIC>COMPLETED");
    }

    @ParameterizedTest
    @EnumSource(
            value = MigrationState.class,
            names = {"COMPLETED", "ABORTED", "REVERTED"})
    @DisplayName("has no edge leaving a terminal state")
    void noEdgeLeavesTerminalStates(MigrationState terminal) {
        assertThat(terminal.isTerminal()).isTrue();
        assertThat(Transitions.all()).noneMatch(t -> t.from() == terminal);
        for (MigrationState to : MigrationState.values()) {
            assertThat(Transitions.allowed(terminal, to)).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = MigrationState.class,
            names = {"COMPLETED", "ABORTED", "REVERTED", "FAILED", "REVERTIBLE", "BAKING", "ALERTED"},
            mode = EnumSource.Mode.EXCLUDE)
    @DisplayName("lets every state before the swap fail, without gates")
    void everyLiveStateCanFail(MigrationState from) {
        Transition edge = Transitions.find(from, FAILED).orElseThrow();
        assertThat(edge.trigger()).isEqualTo(Trigger.FAIL);
        assertThat(edge.gates()).isEmpty();
    }

    @Test
    @DisplayName("cannot fail in the revert window: the swap is done; only its end or a revert leaves it")
    void revertibleCannotFail() {
        assertThat(Transitions.allowed(REVERTIBLE, FAILED)).isFalse();
        assertThat(Transitions.all().stream().filter(t -> t.from() == REVERTIBLE))
                .extracting(t -> t.to() + ":" + t.trigger())
                .containsExactlyInAnyOrder("COMPLETED:WINDOW_CLOSED", "REVERTED:REVERTED");
    }

    @Test
    @DisplayName(
            "cannot fail while baking or alerted: the swap is done; the bake ends, or a breach alerts until acknowledged")
    void bakingAndAlertedCannotFail() {
        assertThat(Transitions.allowed(MigrationState.BAKING, FAILED)).isFalse();
        assertThat(Transitions.allowed(MigrationState.ALERTED, FAILED)).isFalse();
        assertThat(Transitions.all().stream().filter(t -> t.from() == MigrationState.BAKING))
                .extracting(t -> t.to() + ":" + t.trigger())
                .containsExactlyInAnyOrder("COMPLETED:BAKED", "ALERTED:HEALTH_BREACH");
        assertThat(Transitions.all().stream().filter(t -> t.from() == MigrationState.ALERTED))
                .extracting(t -> t.to() + ":" + t.trigger())
                .containsExactly("COMPLETED:ACKNOWLEDGED");
        assertThat(MigrationState.BAKING.isSwitched()).isTrue();
        assertThat(MigrationState.ALERTED.isSwitched()).isTrue();
        assertThat(MigrationState.ALERTED.isTerminal()).isFalse();
    }

    @Test
    @DisplayName("leaves FAILED only by a retry to QUEUED or an abort to ABORTED")
    void failedIsLeftByRetryOrAbort() {
        assertThat(Transitions.all().stream().filter(t -> t.from() == FAILED))
                .extracting(t -> t.to() + ":" + t.trigger())
                .containsExactlyInAnyOrder("QUEUED:RETRY", "ABORTED:ABORT");
        assertThat(Transitions.allowed(FAILED, FAILED)).isFalse();
    }

    @Test
    @DisplayName("uses FAIL only on the failure edges, SWITCHED on the three edges out of the swap, every other once")
    void triggersAreUsedAsDesigned() {
        Map<Trigger, Long> uses =
                Transitions.all().stream().collect(Collectors.groupingBy(Transition::trigger, Collectors.counting()));
        assertThat(uses).containsEntry(Trigger.FAIL, 6L);
        assertThat(uses).containsEntry(Trigger.SWITCHED, 3L);
        for (Trigger t : Trigger.values()) {
            if (t != Trigger.FAIL && t != Trigger.SWITCHED) {
                assertThat(uses).as("uses of %s", t).containsEntry(t, 1L);
            }
        }
        assertThat(Transitions.all().stream().filter(t -> t.trigger() == Trigger.FAIL))
                .allMatch(t -> t.to() == FAILED);
    }

    @Test
    @DisplayName("names every built-in gate on some edge, and REPLICA_LAG on both the start and the cut-over")
    void everyGateIsUsed() {
        Set<GateId> used = EnumSet.noneOf(GateId.class);
        Transitions.all().forEach(t -> used.addAll(t.gates()));
        assertThat(used).containsExactlyInAnyOrder(GateId.values());
        assertThat(Transitions.all().stream().filter(t -> t.gates().contains(GateId.REPLICA_LAG)))
                .extracting(Transition::trigger)
                .containsExactly(Trigger.START, Trigger.CUTOVER);
    }

    @Test
    @DisplayName("refuses edges that skip a step or go backwards other than the re-validation")
    void refusesOtherMoves() {
        assertThat(Transitions.allowed(QUEUED, COPYING_ROWS)).isFalse();
        assertThat(Transitions.allowed(INITIALIZING, QUEUED)).isFalse();
        assertThat(Transitions.allowed(WAITING_FOR_CATCHUP, SWITCHING_TRAFFIC)).isFalse();
        assertThat(Transitions.allowed(SWITCHING_TRAFFIC, CUTOVER_PENDING)).isFalse();
        assertThat(Transitions.allowed(FAILED, COPYING_ROWS)).isFalse();
        assertThat(Transitions.allowed(QUEUED, ABORTED)).isFalse();
        assertThat(Transitions.allowed(QUEUED, QUEUED)).isFalse();
        assertThat(Transitions.find(QUEUED, COMPLETED)).isEmpty();
        assertThat(Transitions.find(CUTOVER_PENDING, WAITING_FOR_CATCHUP))
                .hasValueSatisfying(t -> assertThat(t.trigger()).isEqualTo(Trigger.REVALIDATE));
    }

    @Test
    @DisplayName("reaches every state from QUEUED, and a terminal state from every state")
    void everyStateIsReachableAndCanEnd() {
        assertThat(reachableFrom(QUEUED)).containsExactlyInAnyOrder(MigrationState.values());
        for (MigrationState s : MigrationState.values()) {
            assertThat(reachableFrom(s)).as("from %s", s).containsAnyOf(COMPLETED, ABORTED, REVERTED);
        }
    }

    private static Set<MigrationState> reachableFrom(MigrationState start) {
        Set<MigrationState> seen = EnumSet.of(start);
        Deque<MigrationState> todo = new ArrayDeque<>(List.of(start));
        while (!todo.isEmpty()) {
            MigrationState s = todo.pop();
            for (Transition t : Transitions.all()) {
                if (t.from() == s && seen.add(t.to())) {
                    todo.push(t.to());
                }
            }
        }
        return seen;
    }

    @Test
    @DisplayName("cannot be changed by its callers")
    void isImmutable() {
        List<Transition> all = Transitions.all();
        assertThatThrownBy(() -> all.remove(0)).isInstanceOf(UnsupportedOperationException.class);
        Transition first = all.get(0);
        assertThatThrownBy(() -> first.gates().clear()).isInstanceOf(UnsupportedOperationException.class);
        List<GateId> gates = new ArrayList<>(List.of(GateId.WINDOW));
        Transition copy = new Transition(QUEUED, INITIALIZING, Trigger.START, gates);
        gates.add(GateId.BARRIER);
        assertThat(copy.gates()).containsExactly(GateId.WINDOW);
    }

    @Test
    @DisplayName("renders as a Mermaid diagram with one line per edge, its trigger and its gates")
    void mermaidListsEveryEdge() {
        String mermaid = Transitions.mermaid();
        List<String> lines = mermaid.lines().toList();
        assertThat(lines.get(0)).isEqualTo("stateDiagram-v2");
        assertThat(lines)
                .contains("    [*] --> QUEUED", "    COMPLETED --> [*]", "    ABORTED --> [*]", "    REVERTED --> [*]");
        assertThat(lines).hasSize(Transitions.all().size() + 5);
        for (Transition t : Transitions.all()) {
            String label = t.trigger().name().toLowerCase(Locale.ROOT)
                    + (t.gates().isEmpty()
                            ? ""
                            : t.gates().stream()
                                    .map(g -> g.name().toLowerCase(Locale.ROOT))
                                    .collect(Collectors.joining(", ", " [", "]")));
            assertThat(lines).contains("    " + t.from() + " --> " + t.to() + " : " + label);
        }
        assertThat(lines)
                .contains("    QUEUED --> INITIALIZING : start [start_approval, copy_window, replica_lag]")
                .contains("    FAILED --> QUEUED : retry");
        assertThat(mermaid).endsWith("\n");
    }
}
