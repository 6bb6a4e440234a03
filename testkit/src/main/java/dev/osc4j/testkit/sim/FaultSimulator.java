package dev.osc4j.testkit.sim;

import dev.osc4j.ApprovalStage;
import dev.osc4j.CutoverMode;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.Osc4jException;
import dev.osc4j.ShardRecord;
import dev.osc4j.WindowSchedule;
import dev.osc4j.internal.DefaultMigrationOrchestrator;
import dev.osc4j.internal.DefaultMigrationOrchestrator.Mutation;
import dev.osc4j.testkit.CrashInjection.SimulatedCrash;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.sim.Scenario.MigrationShape;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A deterministic simulator of whole fleets under faults, in the manner of FoundationDB's and TigerBeetle's simulation
 * testing: several controllers share one in-memory store and one fake engine on a {@link SettableClock}; each step
 * (one simulated second) applies the faults its {@link Scenario} schedules there, runs one reconcile pass of every live
 * controller ({@link Simulation#pass}, the loop's deterministic driver), and moves the clock. One seed decides
 * everything, so a failure replays from its seed ({@code -Dosc4j.sim.seed=...} in the tests).
 *
 * <p>Invariants are checked as the run goes, at every store write and every engine call, not only at the end:
 *
 * <ul>
 *   <li><b>fencing</b>: writes of one lease epoch come from one controller, and no epoch writes after a later one;
 *   <li><b>lease</b>: an engine side effect comes from the controller that holds the migration's lease then;
 *   <li><b>edges</b>: every change of a migration's or a shard's state is an edge of the transition table;
 *   <li><b>barrier</b>: no shard is released or switches while another shard of its migration is not ready;
 *   <li><b>window</b>: no shard is released or switches outside its migration's cut-over schedule, or less than the
 *       expected cut-over time before the schedule closes;
 *   <li><b>write-ahead</b>: an engine run starts, and a cut-over is released, only under a matching intent that is
 *       already durable in the store; no run of one attempt of a shard is created twice, none after its cleanup;
 *   <li><b>recorded</b>: at the end of every step, every run that left tables is named by its migration's record;
 *   <li><b>pass</b>: a reconcile pass never throws (one migration's error stays that migration's);
 *   <li><b>directive</b>: an operator's directive is answered or refused with a typed error, never a bare exception;
 *   <li><b>audit</b>: every trail is gap-free and only table edges (checked every 50 steps and at the end);
 *   <li><b>liveness</b>: once faults stop and an operator tidies up (resumes, approves, releases, retries a failed
 *       migration twice, then aborts it), every migration ends COMPLETED or ABORTED within {@link #SETTLE_STEPS}
 *       steps, and no table an engine created is left.
 * </ul>
 *
 * <p>{@link #shrink} reduces a failing scenario's fault schedule (delta debugging) to a short one that still breaks
 * the same invariant, and {@link Result#report()} prints it as a ready-to-run test. {@link #withMutations} builds the
 * controllers with deliberate bugs, to show that the invariants catch them.
 */
public final class FaultSimulator {
    /** Steps after the faults stop within which every migration must end. */
    public static final int SETTLE_STEPS = 1_800;

    static final Duration LEASE_TTL = Duration.ofSeconds(6);

    /** The copy schedule of a windowed migration: copies start from 30 s after midnight UTC (the run starts at 00:00). */
    public static final String COPY_SCHEDULE = "daily 00:00:30-23:00 UTC";

    /** The cut-over schedule of a windowed migration: any of two windows, each long enough for a 1-minute cut-over. */
    public static final String CUTOVER_SCHEDULE = "any: daily 00:02-00:04 UTC, daily 00:06-00:40 UTC";

    static final long ROWS_PER_SECOND = 1_000;

    private final Set<Mutation> mutations;

    private FaultSimulator(Set<Mutation> mutations) {
        this.mutations = mutations;
    }

    /** A simulator of osc4j as built. */
    public static FaultSimulator create() {
        return new FaultSimulator(Set.of());
    }

    /** A simulator whose controllers carry deliberate bugs (the mutation check). */
    public static FaultSimulator withMutations(Set<Mutation> value) {
        return new FaultSimulator(value.isEmpty() ? Set.of() : EnumSet.copyOf(value));
    }

    /**
     * A broken invariant.
     *
     * @param step the step at which it was seen
     * @param invariant which invariant (see the class comment)
     * @param detail what was seen
     */
    public record Violation(int step, String invariant, String detail) {
        @Override
        public String toString() {
            return invariant + " broken at step " + step + ": " + detail;
        }
    }

    /**
     * What a run did.
     *
     * @param scenario the scenario run
     * @param violation the first broken invariant, or null
     * @param steps steps run
     * @param writes store writes committed
     * @param engineCalls engine side effects performed
     * @param faults faults applied
     * @param directives directives sent
     * @param crashes controllers that died
     * @param completed migrations that ended COMPLETED
     * @param aborted migrations that ended ABORTED
     * @param trace what happened, step by step (states that changed, faults, directives), for replay comparisons
     */
    public record Result(
            Scenario scenario,
            @Nullable Violation violation,
            int steps,
            long writes,
            long engineCalls,
            int faults,
            int directives,
            int crashes,
            int completed,
            int aborted,
            List<String> trace) {

        /** Whether every invariant held. */
        public boolean held() {
            return violation == null;
        }

        /** The name of the broken invariant, or {@code "none"}. */
        public String brokenInvariant() {
            Violation v = violation;
            return v == null ? "none" : v.invariant();
        }

        /** The violation and the scenario as a test that replays it. */
        public String report() {
            if (violation == null) {
                return "seed " + scenario.seed() + ": all invariants held";
            }
            return "osc4j fault simulator: seed " + scenario.seed() + " ("
                    + scenario.faults().size() + " fault(s)) "
                    + violation + "\nReplay with -Dosc4j.sim.seed=" + scenario.seed() + ", or as a test:\n\n"
                    + "    @Test\n    void seed" + Long.toUnsignedString(scenario.seed()) + "() {\n"
                    + "        FaultSimulator.assertHolds(" + scenario.toJava().replace("\n", "\n        ") + ");\n"
                    + "    }\n";
        }
    }

    /** Runs {@code scenario} with osc4j as built and throws an {@link AssertionError} with the report if it breaks. */
    public static void assertHolds(Scenario scenario) {
        Result r = create().run(scenario);
        if (!r.held()) {
            throw new AssertionError(r.report());
        }
    }

    /** Runs one scenario. Deterministic: the same scenario gives the same result and trace. */
    public Result run(Scenario scenario) {
        return new SimRun(scenario, mutations).run();
    }

    /**
     * Shrinks a failing scenario: removes faults from its schedule (delta debugging, at most {@code maxRuns} runs) as
     * long as the same invariant still breaks, and returns the result of the smallest schedule found.
     */
    public Result shrink(Result failing, int maxRuns) {
        Violation v = failing.violation();
        if (v == null) {
            throw new IllegalArgumentException("seed " + failing.scenario().seed() + " did not fail");
        }
        Result best = failing;
        List<Scenario.Timed> faults = failing.scenario().faults();
        int runs = 0;
        int n = 2;
        while (!faults.isEmpty() && runs < maxRuns) {
            boolean reduced = false;
            int chunk = Math.max(1, (faults.size() + n - 1) / n);
            for (int start = 0; start < faults.size() && runs < maxRuns; start += chunk) {
                List<Scenario.Timed> rest = new ArrayList<>(faults.subList(0, start));
                rest.addAll(faults.subList(Math.min(faults.size(), start + chunk), faults.size()));
                Result r = run(failing.scenario().withFaults(rest));
                runs++;
                if (r.brokenInvariant().equals(v.invariant())) {
                    best = r;
                    faults = rest;
                    n = Math.max(n - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (chunk == 1) {
                    break;
                }
                n = Math.min(n * 2, faults.size());
            }
        }
        return best;
    }

    /** The invariants' names, as {@link Violation#invariant()} gives them. */
    public static List<String> invariants() {
        return List.of(
                "fencing",
                "lease",
                "edges",
                "barrier",
                "window",
                "write-ahead",
                "recorded",
                "pass",
                "directive",
                "audit",
                "liveness",
                "cleanup");
    }

    /** Sorted map helper for the trace: state of each migration as a short string. */
    static String describe(MigrationRecord r) {
        Map<MigrationState, Integer> counts = new TreeMap<>();
        for (ShardRecord s : r.shards()) {
            counts.merge(s.state(), 1, Integer::sum);
        }
        return r.id().value() + "=" + r.state() + counts + (r.hasPendingIntents() ? "+intents" : "");
    }

    static MigrationPolicy policy(MigrationShape m) {
        MigrationPolicy.Builder b = MigrationPolicy.builder()
                .requireStartApproval(m.startApproval())
                .requireCutoverApproval(m.cutoverApproval())
                .cutoverMode(m.manualCutover() ? CutoverMode.MANUAL : CutoverMode.AUTOMATIC);
        if (m.failOnStall()) {
            b.failOnStall(true).stallTimeout(Duration.ofSeconds(30));
        }
        if (m.windowed()) {
            b.copySchedule(WindowSchedule.parse(COPY_SCHEDULE))
                    .cutoverSchedule(WindowSchedule.parse(CUTOVER_SCHEDULE))
                    .expectedCutoverTime(Duration.ofMinutes(1));
        }
        return b.build();
    }

    static String keyspace(int migration) {
        return "ks" + migration;
    }

    /** One run of one scenario. */
    static final class SimRun {
        final Scenario scenario;
        final Set<Mutation> mutations;
        final SettableClock clock = SettableClock.startingAtEpoch2026();
        final InMemoryStateStore base = new InMemoryStateStore(clock);
        final FakeTopology topology = new FakeTopology(clock);
        final FakeEngine engine;
        final Checks checks;
        final List<Slot> slots = new ArrayList<>();
        final FaultyStore operatorStore;
        final MigrationClient operator;
        final MigrationOrchestrator submitter;
        final Map<Integer, MigrationId> submitted = new LinkedHashMap<>();
        final Map<Integer, List<Runnable>> heals = new TreeMap<>();
        final Map<Integer, Integer> retries = new LinkedHashMap<>();
        final Map<MigrationId, String> lastDescribed = new LinkedHashMap<>();
        final List<String> trace = new ArrayList<>();
        int step;
        int outageUntil = -1;
        int faultsApplied;
        int directives;
        int crashes;

        SimRun(Scenario scenario, Set<Mutation> mutations) {
            this.scenario = scenario;
            this.mutations = mutations;
            for (int m = 0; m < scenario.migrations().size(); m++) {
                List<Long> rows = scenario.migrations().get(m).rowsPerShard();
                Map<String, Long> byShard = new LinkedHashMap<>();
                List<String> names = FakeTopology.shardNames(rows.size());
                for (int s = 0; s < rows.size(); s++) {
                    byShard.put(names.get(s), rows.get(s));
                }
                topology.addKeyspace(keyspace(m), byShard);
            }
            engine = FakeEngine.builder(topology).rowsPerSecond(ROWS_PER_SECOND).build();
            checks = new Checks(this);
            operatorStore = new FaultyStore(checks.store(), this, null);
            operator = MigrationClient.of(operatorStore, clock);
            submitter = MigrationOrchestrator.builder()
                    .store(operatorStore)
                    .topology(topology)
                    .engine(engine)
                    .clock(clock)
                    .controllerName("operator")
                    .build();
            for (int c = 0; c < scenario.controllers(); c++) {
                Slot slot = new Slot(c);
                slot.store = new FaultyStore(checks.store(), this, slot);
                slots.add(slot);
                start(slot);
            }
        }

        void start(Slot slot) {
            MigrationOrchestrator built = MigrationOrchestrator.builder()
                    .store(slot.store())
                    .topology(topology)
                    .engine(checks.engine(engine, slot))
                    .clock(clock)
                    .leaseTtl(LEASE_TTL)
                    // One release after another: a crash "after k actions" then means the same actions in every run.
                    .releaseParallelism(1)
                    .controllerName("c" + slot.index)
                    .build();
            slot.osc = mutations.isEmpty() ? built : DefaultMigrationOrchestrator.mutated(built, mutations);
            slot.deadUntil = -1;
            slot.crashAfter = -1;
        }

        Result run() {
            int end = Scenario.FAULT_STEPS + SETTLE_STEPS;
            boolean settled = false;
            List<Scenario.Timed> faults = scenario.faults();
            int next = 0;
            for (step = 0; step < end && checks.violation == null; step++) {
                if (step == Scenario.FAULT_STEPS) {
                    heal();
                }
                runHeals();
                while (next < faults.size() && faults.get(next).step() == step) {
                    apply(faults.get(next).fault());
                    next++;
                }
                submitDue();
                for (Slot slot : slots) {
                    if (slot.deadUntil >= 0 && slot.deadUntil <= step) {
                        start(slot);
                        trace("restart c" + slot.index);
                    }
                    if (slot.deadUntil >= 0 || slot.pausedUntil > step) {
                        continue;
                    }
                    try {
                        Simulation.pass(slot.osc());
                    } catch (SimulatedCrash crash) {
                        kill(slot);
                    } catch (RuntimeException e) {
                        checks.violate("pass", "a pass of c" + slot.index + " threw " + e);
                    }
                }
                checks.recorded();
                if (step % 50 == 49) {
                    checks.audits();
                }
                traceStates();
                if (step >= Scenario.FAULT_STEPS) {
                    if (allSettled()) {
                        settled = true;
                        break;
                    }
                    if ((step - Scenario.FAULT_STEPS) % 10 == 0) {
                        tidyUp();
                    }
                }
                clock.advance(Duration.ofSeconds(1));
            }
            if (checks.violation == null) {
                checks.audits();
            }
            if (checks.violation == null && !settled) {
                List<String> stuck = new ArrayList<>();
                for (MigrationId id : submitted.values()) {
                    base.read(id).ifPresent(r -> stuck.add(describe(r) + waitReasons(r)));
                }
                checks.violate(
                        "liveness",
                        "not every migration ended within " + SETTLE_STEPS + " steps after the faults: " + stuck);
            }
            if (checks.violation == null) {
                checks.noArtifactsLeft();
            }
            int completed = 0;
            int aborted = 0;
            for (MigrationId id : submitted.values()) {
                MigrationState s = base.read(id).map(MigrationRecord::state).orElse(MigrationState.QUEUED);
                completed += s == MigrationState.COMPLETED ? 1 : 0;
                aborted += s == MigrationState.ABORTED ? 1 : 0;
            }
            return new Result(
                    scenario,
                    checks.violation,
                    step,
                    base.writes(),
                    checks.engineCalls,
                    faultsApplied,
                    directives,
                    crashes,
                    completed,
                    aborted,
                    List.copyOf(trace));
        }

        private static String waitReasons(MigrationRecord r) {
            List<String> reasons = new ArrayList<>();
            for (ShardRecord s : r.shards()) {
                if (s.waitReason() != null && reasons.size() < 3) {
                    reasons.add(s.shard() + ": " + s.waitReason());
                }
            }
            return reasons.isEmpty() ? "" : " " + reasons;
        }

        boolean allSettled() {
            if (submitted.size() < scenario.migrations().size()) {
                return false;
            }
            for (MigrationId id : submitted.values()) {
                MigrationRecord r = base.read(id).orElse(null);
                if (r == null || !r.state().isTerminal() || r.hasPendingIntents()) {
                    return false;
                }
            }
            return true;
        }

        void kill(Slot slot) {
            slot.deadUntil = step + Math.max(1, slot.downSteps);
            slot.crashAfter = -1;
            crashes++;
            trace("crash c" + slot.index);
        }

        boolean outage() {
            return step < outageUntil;
        }

        void trace(String what) {
            trace.add(step + " " + what);
        }

        void traceStates() {
            for (MigrationId id : submitted.values()) {
                base.read(id).ifPresent(r -> {
                    String d = describe(r);
                    if (!d.equals(lastDescribed.put(id, d))) {
                        trace(d);
                    }
                });
            }
        }

        void submitDue() {
            for (int m = 0; m < scenario.migrations().size(); m++) {
                MigrationShape shape = scenario.migrations().get(m);
                if (submitted.containsKey(m) || shape.submitStep() > step) {
                    continue;
                }
                try {
                    MigrationId id = submitter.submit(MigrationRequest.builder()
                            .idempotencyKey("sim-" + scenario.seed() + "-" + m)
                            .keyspace(keyspace(m))
                            .table("orders")
                            .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(64)")
                            .engine(FakeEngine.DEFAULT_NAME)
                            .requestedBy("sim")
                            .policy(policy(shape))
                            .build());
                    submitted.put(m, id);
                    trace("submitted m" + m + " as " + id.value());
                } catch (Osc4jException e) {
                    trace("submit m" + m + " refused: " + e.getClass().getSimpleName()); // outage: again next step
                }
            }
        }

        void later(int steps, Runnable heal) {
            heals.computeIfAbsent(step + Math.max(1, steps), k -> new ArrayList<>())
                    .add(heal);
        }

        void runHeals() {
            List<Runnable> due = heals.remove(step);
            if (due != null) {
                due.forEach(Runnable::run);
            }
        }

        /** The faults stop: everything that is broken is mended, paused and dead controllers come back. */
        void heal() {
            for (List<Runnable> due : heals.values()) {
                due.forEach(Runnable::run);
            }
            heals.clear();
            outageUntil = -1;
            engine.unavailable(false);
            for (int m = 0; m < scenario.migrations().size(); m++) {
                for (String shard : topology.shards(keyspace(m))) {
                    topology.stall(keyspace(m), shard, false);
                    topology.stopReplication(keyspace(m), shard, false);
                    topology.setReplicaLag(keyspace(m), shard, Duration.ZERO);
                    if (topology.failAtPercent(keyspace(m), shard) != null) {
                        topology.consumeFailure(keyspace(m), shard);
                    }
                }
            }
            for (Slot slot : slots) {
                slot.store().armed.clear();
                slot.pausedUntil = 0;
                slot.crashAfter = -1;
                if (slot.deadUntil >= 0) {
                    slot.deadUntil = step;
                }
            }
            trace("faults stop");
        }

        String shard(int migration, int shard) {
            List<String> shards = topology.shards(keyspace(migration));
            if (shard < 0 || shard >= shards.size()) {
                throw new IllegalArgumentException(
                        "migration " + migration + " has " + shards.size() + " shards, not a shard " + shard);
            }
            return shards.get(shard);
        }

        void apply(Fault fault) {
            faultsApplied++;
            trace("fault " + fault);
            if (fault instanceof Fault.StoreConflict f) {
                slots.get(f.controller()).store().armed.add(f);
            } else if (fault instanceof Fault.StoreTimeout f) {
                slots.get(f.controller()).store().armed.add(f);
            } else if (fault instanceof Fault.UnknownOutcome f) {
                slots.get(f.controller()).store().armed.add(f);
            } else if (fault instanceof Fault.StoreOutage f) {
                outageUntil = Math.max(outageUntil, step + f.steps());
            } else if (fault instanceof Fault.EngineFailure f) {
                topology.failAt(keyspace(f.migration()), shard(f.migration(), f.shard()), f.percent());
            } else if (fault instanceof Fault.EngineStall f) {
                String ks = keyspace(f.migration());
                String sh = shard(f.migration(), f.shard());
                topology.stall(ks, sh, true);
                later(f.steps(), () -> topology.stall(ks, sh, false));
            } else if (fault instanceof Fault.RunLost f) {
                MigrationId id = submitted.get(f.migration());
                String sh = shard(f.migration(), f.shard());
                if (id != null) {
                    base.read(id)
                            .flatMap(r -> r.shard(sh))
                            .map(ShardRecord::handle)
                            .ifPresent(h -> {
                                if (engine.lose(h.key())) {
                                    trace("lost run " + h.key());
                                }
                            });
                }
            } else if (fault instanceof Fault.EngineUnavailable f) {
                engine.unavailable(true);
                later(f.steps(), () -> engine.unavailable(false));
            } else if (fault instanceof Fault.LagSpike f) {
                topology.lagSpike(
                        keyspace(f.migration()),
                        shard(f.migration(), f.shard()),
                        Duration.ofSeconds(f.seconds()),
                        Duration.ofSeconds(f.steps()));
            } else if (fault instanceof Fault.ReplicaStopped f) {
                String ks = keyspace(f.migration());
                String sh = shard(f.migration(), f.shard());
                topology.stopReplication(ks, sh, true);
                later(f.steps(), () -> topology.stopReplication(ks, sh, false));
            } else if (fault instanceof Fault.Reparent f) {
                topology.reparent(keyspace(f.migration()), shard(f.migration(), f.shard()));
            } else if (fault instanceof Fault.ControllerCrash f) {
                Slot slot = slots.get(f.controller());
                if (slot.deadUntil >= 0) {
                    return;
                }
                slot.downSteps = f.downSteps();
                if (f.afterActions() == 0) {
                    kill(slot);
                } else {
                    slot.crashAfter = f.afterActions();
                }
            } else if (fault instanceof Fault.ControllerPause f) {
                Slot slot = slots.get(f.controller());
                slot.pausedUntil = Math.max(slot.pausedUntil, step + f.steps());
            } else if (fault instanceof Fault.Directive f) {
                directive(f);
            }
        }

        void directive(Fault.Directive f) {
            MigrationId id = submitted.get(f.migration());
            if (id == null) {
                return;
            }
            send(id, f.kind(), "d" + f.idNumber(), f.ratio());
        }

        void send(MigrationId id, Fault.DirectiveKind kind, String directiveId, double ratio) {
            directives++;
            String outcome;
            try {
                outcome = switch (kind) {
                    case PAUSE -> operator.pause(id, directiveId, "op").toString();
                    case RESUME -> operator.resume(id, directiveId, "op").toString();
                    case THROTTLE ->
                        operator.throttle(id, directiveId, ratio, "op").toString();
                    case ABORT -> operator.abort(id, directiveId, "op").toString();
                    case RETRY -> operator.retry(id, directiveId, "op").toString();
                    case APPROVE_START ->
                        operator.approve(id, directiveId, ApprovalStage.START, "op")
                                .toString();
                    case APPROVE_CUTOVER ->
                        operator.approve(id, directiveId, ApprovalStage.CUTOVER, "op")
                                .toString();
                    case RELEASE ->
                        operator.releaseCutover(id, directiveId, "op").toString();
                };
            } catch (Osc4jException e) {
                outcome = "refused: " + e.getClass().getSimpleName();
            } catch (RuntimeException e) {
                checks.violate("directive", kind + " " + directiveId + " on " + id.value() + " threw " + e);
                return;
            }
            trace(kind + " " + directiveId + " " + id.value() + ": " + outcome.length());
        }

        /** What an operator does once faults stop, every 10 steps, to bring every migration to an end. */
        void tidyUp() {
            for (Map.Entry<Integer, MigrationId> e : submitted.entrySet()) {
                MigrationRecord r = base.read(e.getValue()).orElse(null);
                if (r == null || r.state().isTerminal()) {
                    continue;
                }
                MigrationId id = r.id();
                String round = "tidy-" + step;
                if (r.controls().paused()) {
                    send(id, Fault.DirectiveKind.RESUME, round + "-resume", 0);
                }
                if (r.controls().throttleRatio() > 0) {
                    send(id, Fault.DirectiveKind.THROTTLE, round + "-throttle", 0);
                }
                MigrationShape shape = scenario.migrations().get(e.getKey());
                if (shape.startApproval() && r.state() == MigrationState.QUEUED) {
                    send(id, Fault.DirectiveKind.APPROVE_START, round + "-approve-start", 0);
                }
                boolean pending = r.shards().stream().anyMatch(s -> s.state() == MigrationState.CUTOVER_PENDING);
                if (pending && shape.cutoverApproval()) {
                    send(id, Fault.DirectiveKind.APPROVE_CUTOVER, round + "-approve-cutover", 0);
                }
                if (pending && shape.manualCutover()) {
                    send(id, Fault.DirectiveKind.RELEASE, round + "-release", 0);
                }
                if (r.state() == MigrationState.FAILED && !r.hasPendingIntents()) {
                    int tried = retries.merge(e.getKey(), 1, Integer::sum);
                    send(id, tried <= 2 ? Fault.DirectiveKind.RETRY : Fault.DirectiveKind.ABORT, round, 0);
                }
            }
        }
    }

    /** A controller's place in the fleet: its store (with its armed faults), its controller, its faults' state. */
    static final class Slot {
        final int index;

        @Nullable
        FaultyStore store;

        @Nullable
        MigrationOrchestrator osc;
        /** Step at which a dead controller comes back; -1 while alive. */
        int deadUntil = -1;

        int downSteps;
        /** Dies after this many more actions; -1: no crash pending. */
        int crashAfter = -1;

        int pausedUntil;

        Slot(int index) {
            this.index = index;
        }

        FaultyStore store() {
            return Objects.requireNonNull(store, "store");
        }

        MigrationOrchestrator osc() {
            return Objects.requireNonNull(osc, "controller");
        }

        /** Counts one store write or engine call towards a pending crash. */
        void acted() {
            if (crashAfter > 0 && --crashAfter == 0) {
                throw new SimulatedCrash("controller c" + index + " after an action");
            }
        }
    }
}
