package dev.osc4j.testkit.sim;

import static dev.osc4j.testkit.sim.FaultSimulator.LEASE_TTL;
import static dev.osc4j.testkit.sim.FaultSimulator.ROWS_PER_SECOND;
import static dev.osc4j.testkit.sim.FaultSimulator.SETTLE_STEPS;
import static dev.osc4j.testkit.sim.FaultSimulator.describe;
import static dev.osc4j.testkit.sim.FaultSimulator.policy;

import dev.osc4j.ApprovalStage;
import dev.osc4j.CutoverMode;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.Osc4jException;
import dev.osc4j.ShardRecord;
import dev.osc4j.TableBusyException;
import dev.osc4j.internal.DefaultMigrationOrchestrator;
import dev.osc4j.internal.DefaultMigrationOrchestrator.Mutation;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.HealthVerdict;
import dev.osc4j.testkit.CrashInjection.SimulatedCrash;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.FakeTrafficSwitch;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.sim.FaultSimulator.Result;
import dev.osc4j.testkit.sim.Scenario.MigrationShape;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** One run of one scenario. */
final class SimRun {
    final Scenario scenario;
    final Set<Mutation> mutations;
    final SettableClock clock = SettableClock.startingAtEpoch2026();
    final InMemoryStateStore base = new InMemoryStateStore(clock);
    final FakeTopology topology = new FakeTopology(clock);
    /** The engine that cannot revert ({@link FakeEngine#DEFAULT_NAME}). */
    final FakeEngine engine;
    /** The engine that can ({@link FaultSimulator#REVERT_ENGINE}); both copy on the same topology. */
    final FakeEngine revertEngine;
    /** The proxy every controller holds traffic with, when the scenario has one. */
    final @Nullable FakeTrafficSwitch routing;

    final HealthSignal health = new ScriptedSignal();
    final Checks checks;
    final List<Slot> slots = new ArrayList<>();
    final FaultyStore operatorStore;
    final MigrationClient operator;
    final MigrationOrchestrator submitter;
    final Map<Integer, MigrationId> submitted = new LinkedHashMap<>();
    /** Every migration in the store, the reverts included, in the order the run first saw them. */
    final List<MigrationId> tracked = new ArrayList<>();
    /** The latest revert of each forward migration, by its index. */
    final Map<Integer, MigrationId> latestRevert = new LinkedHashMap<>();

    final Map<Integer, List<Runnable>> heals = new TreeMap<>();
    final Map<MigrationId, Integer> retries = new LinkedHashMap<>();
    final Map<MigrationId, String> lastDescribed = new LinkedHashMap<>();
    final List<String> trace = new ArrayList<>();
    int step;
    int outageUntil = -1;
    int faultsApplied;
    int directives;
    int crashes;
    int revertsAsked;

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
            if (scenario.migrations().get(m).reverting().sameTableAs() < 0) {
                topology.addKeyspace(keyspace(m), byShard);
            }
        }
        // Every run compares its tables before the swap (3 simulated seconds), so the VERIFY intent meets the faults.
        engine = FakeEngine.builder(topology)
                .rowsPerSecond(ROWS_PER_SECOND)
                .checksumTime(Duration.ofSeconds(3))
                .build();
        revertEngine = FakeEngine.builder(topology)
                .name(FaultSimulator.REVERT_ENGINE)
                .revert(true)
                .rowsPerSecond(ROWS_PER_SECOND)
                .checksumTime(Duration.ofSeconds(3))
                .build();
        routing = scenario.trafficSwitch() ? new FakeTrafficSwitch() : null;
        checks = new Checks(this);
        operatorStore = new FaultyStore(checks.store(), this, null);
        operator = MigrationClient.of(operatorStore, clock);
        submitter = MigrationOrchestrator.builder()
                .store(operatorStore)
                .topology(topology)
                .engine(engine)
                .engine(revertEngine)
                .healthSignal(health)
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
        MigrationOrchestrator.Builder b = MigrationOrchestrator.builder()
                .store(slot.store())
                .topology(topology)
                .engine(checks.engine(engine, slot))
                .engine(checks.engine(revertEngine, slot))
                .healthSignal(health)
                .clock(clock)
                .leaseTtl(LEASE_TTL)
                // One release after another: a crash "after k actions" then means the same actions in every run.
                .releaseParallelism(1)
                .controllerName("c" + slot.index);
        FakeTrafficSwitch proxy = routing;
        if (proxy != null) {
            b.trafficSwitch(checks.trafficSwitch(proxy, slot));
        }
        MigrationOrchestrator built = b.build();
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
            discover();
            checks.recorded();
            checks.registered();
            checks.afterStep();
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
            for (int m = 0; m < scenario.migrations().size(); m++) {
                if (!submitted.containsKey(m)) {
                    stuck.add("m" + m + " never submitted");
                }
            }
            for (MigrationId id : tracked) {
                read(id).ifPresent(r -> stuck.add(describe(r) + waitReasons(r)));
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
        int reverted = 0;
        int reverts = 0;
        for (MigrationId id : tracked) {
            MigrationRecord r = read(id).orElse(null);
            MigrationState s = r == null ? MigrationState.QUEUED : r.state();
            completed += s == MigrationState.COMPLETED ? 1 : 0;
            aborted += s == MigrationState.ABORTED ? 1 : 0;
            reverted += s == MigrationState.REVERTED ? 1 : 0;
            reverts += r != null && r.spec().revertOf() != null ? 1 : 0;
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
                reverts,
                reverted,
                revertsAsked,
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

    /**
     * A migration's record as the store holds it now, decoded once per version: the checks read every record at every
     * step, and the in-memory store decodes its JSON at every read.
     */
    java.util.Optional<MigrationRecord> read(MigrationId id) {
        long version = base.currentVersion(id);
        if (version < 0) {
            return java.util.Optional.empty();
        }
        MigrationRecord cached = decoded.get(id);
        if (cached == null || cached.version() != version) {
            cached = base.read(id).orElse(null);
            if (cached == null) {
                return java.util.Optional.empty();
            }
            decoded.put(id, cached);
        }
        return java.util.Optional.of(cached);
    }

    private final Map<MigrationId, MigrationRecord> decoded = new java.util.HashMap<>();

    boolean allSettled() {
        if (submitted.size() < scenario.migrations().size()) {
            return false;
        }
        for (MigrationId id : tracked) {
            MigrationRecord r = read(id).orElse(null);
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

    /**
     * Tracks every migration the store holds, so that reverts (started by an operator, by a health signal, or created
     * by a controller after the client died) are checked and driven to an end like the migrations the run submitted.
     */
    void discover() {
        if (tracked.size() == submitted.size() && latestRevert.isEmpty() && !anyReverting()) {
            return;
        }
        for (dev.osc4j.MigrationSummary s : base.list(MigrationFilter.all())) {
            if (!tracked.contains(s.id())) {
                tracked.add(s.id());
                read(s.id()).ifPresent(r -> {
                    dev.osc4j.RevertOf of = r.spec().revertOf();
                    Integer m = of == null ? null : indexOf(of.migration());
                    if (m != null) {
                        latestRevert.put(m, r.id());
                    }
                    trace("tracking " + r.id().value() + (of == null ? "" : " (revert of m" + m + ")"));
                });
            }
        }
    }

    /** Whether a submitted migration names a revert (it may have been created by a controller or a signal). */
    private boolean anyReverting() {
        for (MigrationId id : submitted.values()) {
            MigrationRecord r = read(id).orElse(null);
            if (r != null && r.controls().revertedBy() != null) {
                return true;
            }
        }
        return false;
    }

    /** The index of a submitted migration, or null. */
    @Nullable
    Integer indexOf(MigrationId id) {
        for (Map.Entry<Integer, MigrationId> e : submitted.entrySet()) {
            if (e.getValue().equals(id)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The keyspace of migration {@code m}: its own, or that of the earlier migration whose table it changes again. */
    String keyspace(int m) {
        int at = m;
        while (scenario.migrations().get(at).reverting().sameTableAs() >= 0) {
            at = scenario.migrations().get(at).reverting().sameTableAs();
        }
        return FaultSimulator.keyspace(at);
    }

    void traceStates() {
        for (MigrationId id : tracked) {
            read(id).ifPresent(r -> {
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
            if (submitted.containsKey(m) || shape.submitStep() > step || !tableFree(m, shape)) {
                continue;
            }
            try {
                MigrationId id = submitter.submit(MigrationRequest.builder()
                        .idempotencyKey("sim-" + scenario.seed() + "-" + m)
                        .keyspace(keyspace(m))
                        .table("orders")
                        .ddl(FaultSimulator.ddl(shape))
                        .engine(
                                shape.reverting().revertEngine()
                                        ? FaultSimulator.REVERT_ENGINE
                                        : FakeEngine.DEFAULT_NAME)
                        .requestedBy("sim")
                        .policy(policy(shape))
                        .build());
                submitted.put(m, id);
                if (!tracked.contains(id)) {
                    tracked.add(id);
                }
                trace("submitted m" + m + " as " + id.value());
            } catch (TableBusyException e) {
                // The table's previous migration still runs or is in its revert window: expected; again next step.
                if (!e.busyWith().equals(lastRefusal.put(m, e.busyWith()))) {
                    trace("submit m" + m + " refused: table busy with "
                            + e.busyWith().value());
                }
            } catch (InvalidRequestException e) {
                checks.violate("directive", "submit of m" + m + " refused for good: " + e.getMessage());
            } catch (Osc4jException e) {
                trace("submit m" + m + " refused: " + e.getClass().getSimpleName()); // outage: again next step
            }
        }
    }

    private final Map<Integer, MigrationId> lastRefusal = new LinkedHashMap<>();

    /**
     * Whether a migration of an earlier migration's table may be submitted now: always when it is submitted while
     * the earlier one runs, otherwise once that one and every other migration of the table submitted so far swapped
     * or ended.
     */
    private boolean tableFree(int m, MigrationShape shape) {
        if (shape.reverting().sameTableAs() < 0 || shape.reverting().whileRunning()) {
            return true;
        }
        if (!submitted.containsKey(shape.reverting().sameTableAs())) {
            return false;
        }
        for (Map.Entry<Integer, MigrationId> e : submitted.entrySet()) {
            if (e.getKey() == m || !keyspace(e.getKey()).equals(keyspace(m))) {
                continue;
            }
            MigrationRecord r = read(e.getValue()).orElse(null);
            if (r == null || !(r.state().isSwitched() || r.state().isTerminal())) {
                return false;
            }
        }
        return true;
    }

    void later(int steps, Runnable heal) {
        heals.computeIfAbsent(step + Math.max(1, steps), k -> new ArrayList<>()).add(heal);
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
        revertEngine.unavailable(false);
        if (routing != null) {
            routing.unavailable(false);
        }
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
                MigrationRecord r = read(id).orElse(null);
                // The shard's current run: the forward one, or, once it swapped, that of a revert linked to it.
                if (r != null && !lose(r, sh)) {
                    MigrationId revert = r.controls().revertedBy();
                    if (revert != null) {
                        read(revert).ifPresent(rr -> lose(rr, sh));
                    }
                }
            }
        } else if (fault instanceof Fault.EngineUnavailable f) {
            engine.unavailable(true);
            revertEngine.unavailable(true);
            later(f.steps(), () -> {
                engine.unavailable(false);
                revertEngine.unavailable(false);
            });
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
        } else if (fault instanceof Fault.Revert f) {
            revert(f);
        } else if (fault instanceof Fault.CloseRevertWindow f) {
            MigrationId id = submitted.get(f.migration());
            if (id != null) {
                answer(
                        "close-window d" + f.idNumber(),
                        id,
                        () -> operator.closeRevertWindow(id, "d" + f.idNumber(), "op")
                                .toString());
            }
        } else if (fault instanceof Fault.RevertDirective f) {
            MigrationId forward = submitted.get(f.migration());
            MigrationRecord r = forward == null ? null : read(forward).orElse(null);
            MigrationId linked = r == null ? null : r.controls().revertedBy();
            MigrationId revert = linked != null ? linked : latestRevert.get(f.migration());
            if (revert != null && read(revert).isPresent()) {
                send(revert, f.kind(), "d" + f.idNumber(), f.ratio());
            }
        } else if (fault instanceof Fault.ProxyUnavailable f) {
            FakeTrafficSwitch proxy = routing;
            if (proxy != null) {
                proxy.unavailable(true);
                later(f.steps(), () -> proxy.unavailable(false));
            }
        }
    }

    private boolean lose(MigrationRecord r, String shard) {
        EngineHandle h = r.shard(shard).map(ShardRecord::handle).orElse(null);
        if (h != null && (engine.lose(h.key()) || revertEngine.lose(h.key()))) {
            trace("lost run " + h.key());
            return true;
        }
        return false;
    }

    void revert(Fault.Revert f) {
        MigrationId id = submitted.get(f.migration());
        if (id == null) {
            return;
        }
        List<String> shards = f.shard() < 0 ? List.of() : List.of(shard(f.migration(), f.shard()));
        String actor = f.actor() == 0 ? "alice" : "bob";
        revertsAsked++;
        answer("revert d" + f.idNumber() + " " + shards, id, () -> {
            MigrationId revert = operator.revert(id, "d" + f.idNumber(), shards, actor);
            latestRevert.put(f.migration(), revert);
            if (!tracked.contains(revert) && read(revert).isPresent()) {
                tracked.add(revert);
            }
            return "revert " + revert.value();
        });
    }

    /** Sends one directive; a typed refusal is an expected answer, anything else breaks the directive invariant. */
    private void answer(String what, MigrationId id, java.util.function.Supplier<String> call) {
        directives++;
        String outcome;
        try {
            outcome = call.get();
        } catch (Osc4jException e) {
            outcome = "refused: " + e.getClass().getSimpleName();
        } catch (RuntimeException e) {
            checks.violate("directive", what + " on " + id.value() + " threw " + e);
            return;
        }
        trace(what + " " + id.value() + ": " + outcome);
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
                case THROTTLE -> operator.throttle(id, directiveId, ratio, "op").toString();
                case ABORT -> operator.abort(id, directiveId, "op").toString();
                case RETRY -> operator.retry(id, directiveId, "op").toString();
                case APPROVE_START ->
                    operator.approve(id, directiveId, ApprovalStage.START, "op").toString();
                case APPROVE_CUTOVER ->
                    operator.approve(id, directiveId, ApprovalStage.CUTOVER, "op")
                            .toString();
                case RELEASE -> operator.releaseCutover(id, directiveId, "op").toString();
                case ACKNOWLEDGE ->
                    operator.acknowledgeAlert(id, directiveId, "op").toString();
            };
        } catch (Osc4jException e) {
            outcome = "refused: " + e.getClass().getSimpleName();
        } catch (RuntimeException e) {
            checks.violate("directive", kind + " " + directiveId + " on " + id.value() + " threw " + e);
            return;
        }
        trace(kind + " " + directiveId + " " + id.value() + ": " + outcome.length());
    }

    /**
     * What an operator does once faults stop, every 10 steps, to bring every migration (reverts too) to an end, by
     * what its policy waits for. A revert window is left to end on its own.
     */
    void tidyUp() {
        for (MigrationId tracked : List.copyOf(this.tracked)) {
            MigrationRecord r = read(tracked).orElse(null);
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
            if (r.policy().requireStartApproval() && r.state() == MigrationState.QUEUED) {
                send(id, Fault.DirectiveKind.APPROVE_START, round + "-approve-start", 0);
            }
            boolean pending = r.shards().stream().anyMatch(s -> s.state() == MigrationState.CUTOVER_PENDING);
            if (pending && r.policy().requireCutoverApproval()) {
                send(id, Fault.DirectiveKind.APPROVE_CUTOVER, round + "-approve-cutover", 0);
            }
            if (pending && r.policy().cutoverMode() == CutoverMode.MANUAL) {
                send(id, Fault.DirectiveKind.RELEASE, round + "-release", 0);
            }
            if (r.shards().stream().anyMatch(s -> s.state() == MigrationState.ALERTED)) {
                send(id, Fault.DirectiveKind.ACKNOWLEDGE, round + "-acknowledge", 0);
            }
            if (r.state() == MigrationState.FAILED && !r.hasPendingIntents()) {
                int tried = retries.merge(id, 1, Integer::sum);
                send(id, tried <= 2 ? Fault.DirectiveKind.RETRY : Fault.DirectiveKind.ABORT, round, 0);
            }
        }
    }

    /**
     * The health signal every controller registers: its verdict on a migration at a step is drawn from the seed, the
     * migration and the step (so every controller that asks in one step hears the same), with the odds of that
     * migration's {@link Scenario.Health}; half of its unknown verdicts are thrown exceptions.
     */
    private final class ScriptedSignal implements HealthSignal {
        @Override
        public String name() {
            return FaultSimulator.HEALTH_SIGNAL;
        }

        @Override
        public HealthVerdict check(MigrationRecord migration) {
            Integer m = indexOf(migration.id());
            Scenario.Health h =
                    m == null ? null : scenario.migrations().get(m).reverting().health();
            if (h == null) {
                return HealthVerdict.healthy("not scripted");
            }
            Random r = new Random(scenario.seed() * 31 + migration.id().value().hashCode() * 17L + step);
            int roll = r.nextInt(100);
            if (roll < h.unhealthyPercent()) {
                return HealthVerdict.unhealthy("scripted p99 " + (200 + roll) + " ms");
            }
            if (roll < h.unhealthyPercent() + h.unknownPercent()) {
                if (r.nextBoolean()) {
                    throw new IllegalStateException("scripted signal source unreachable");
                }
                return HealthVerdict.unknown("scripted: no data");
            }
            return HealthVerdict.healthy("scripted p99 " + (20 + roll) + " ms");
        }
    }
}
