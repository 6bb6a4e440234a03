package dev.osc4j.internal;

import dev.osc4j.ApprovalStage;
import dev.osc4j.GateId;
import dev.osc4j.MigrationState;
import dev.osc4j.Transition;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The gates of every edge: the built-in ones the transition table names, then the user's, in that order. */
final class GateSet {
    private final Map<GateId, Gate> builtIns;
    private final Map<String, List<Gate>> custom;

    private GateSet(Map<GateId, Gate> builtIns, Map<String, List<Gate>> custom) {
        this.builtIns = builtIns;
        this.custom = custom;
    }

    /** The built-in gates only. */
    public static GateSet defaults() {
        Map<GateId, Gate> b = new EnumMap<>(GateId.class);
        b.put(GateId.START_APPROVAL, new ApprovalGate(ApprovalStage.START));
        b.put(GateId.REPLICA_LAG, new ReplicaLagGate());
        b.put(GateId.BINLOG_ALIGNMENT, new BinlogAlignmentGate());
        b.put(GateId.BARRIER, new BarrierGate());
        b.put(GateId.CUTOVER_APPROVAL, new ApprovalGate(ApprovalStage.CUTOVER));
        b.put(GateId.CUTOVER_RELEASE, new CutoverReleaseGate());
        b.put(GateId.WINDOW, new WindowGate());
        b.put(GateId.COPY_WINDOW, new CopyWindowGate());
        b.put(GateId.TOPOLOGY_FRESH, new TopologyFreshGate());
        for (GateId id : GateId.values()) {
            if (!b.containsKey(id)) {
                throw new IllegalStateException("no implementation for built-in gate " + id);
            }
        }
        return new GateSet(b, Map.of());
    }

    /** This set with {@code gate} in place of the built-in gate {@code id}. */
    GateSet replacing(GateId id, Gate gate) {
        Map<GateId, Gate> b = new EnumMap<>(builtIns);
        b.put(id, gate);
        return new GateSet(b, custom);
    }

    /** This set plus {@code gate} on the edge {@code from → to}. */
    public GateSet with(MigrationState from, MigrationState to, Gate gate) {
        Map<String, List<Gate>> next = new HashMap<>(custom);
        List<Gate> list = new ArrayList<>(next.getOrDefault(key(from, to), List.of()));
        list.add(gate);
        next.put(key(from, to), List.copyOf(list));
        return new GateSet(builtIns, Map.copyOf(next));
    }

    /** The gates of an edge, in evaluation order. */
    public List<Gate> gatesFor(Transition transition) {
        List<Gate> out = new ArrayList<>();
        for (GateId id : transition.gates()) {
            Gate gate = builtIns.get(id);
            if (gate != null) {
                out.add(gate);
            }
        }
        out.addAll(custom.getOrDefault(key(transition.from(), transition.to()), List.of()));
        return out;
    }

    /**
     * Evaluates the edge's gates in order and returns the first that does not pass, or a pass. A gate that throws is
     * treated as a wait with the exception's message, so a buggy user gate holds the migration instead of failing it.
     */
    public GateResult evaluate(GateContext context) {
        for (Gate gate : gatesFor(context.transition())) {
            GateResult result;
            try {
                result = gate.evaluate(context);
            } catch (RuntimeException e) {
                result = GateResult.waitFor("threw " + e);
            }
            if (!result.passed()) {
                return new GateResult(result.verdict(), gate.name() + ": " + result.reason());
            }
        }
        return GateResult.pass();
    }

    private static String key(MigrationState from, MigrationState to) {
        return from + ">" + to;
    }
}
