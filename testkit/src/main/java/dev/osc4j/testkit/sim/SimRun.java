package dev.osc4j.testkit.sim;

import static dev.osc4j.testkit.sim.FaultSimulator.LEASE_TTL;
import static dev.osc4j.testkit.sim.FaultSimulator.ROWS_PER_SECOND;
import static dev.osc4j.testkit.sim.FaultSimulator.SETTLE_STEPS;
import static dev.osc4j.testkit.sim.FaultSimulator.describe;
import static dev.osc4j.testkit.sim.FaultSimulator.keyspace;
import static dev.osc4j.testkit.sim.FaultSimulator.policy;

import dev.osc4j.ApprovalStage;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.Osc4jException;
import dev.osc4j.ShardRecord;
import dev.osc4j.internal.DefaultMigrationOrchestrator;
import dev.osc4j.internal.DefaultMigrationOrchestrator.Mutation;
import dev.osc4j.testkit.CrashInjection.SimulatedCrash;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
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
import java.util.Set;
import java.util.TreeMap;

/** One run of one scenario. */
final class SimRun {
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
        // Every run compares its tables before the swap (3 simulated seconds), so the VERIFY intent meets the faults.
        engine = FakeEngine.builder(topology)
                .rowsPerSecond(ROWS_PER_SECOND)
                .checksumTime(Duration.ofSeconds(3))
                .build();
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
                base.read(id).flatMap(r -> r.shard(sh)).map(ShardRecord::handle).ifPresent(h -> {
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
                case THROTTLE -> operator.throttle(id, directiveId, ratio, "op").toString();
                case ABORT -> operator.abort(id, directiveId, "op").toString();
                case RETRY -> operator.retry(id, directiveId, "op").toString();
                case APPROVE_START ->
                    operator.approve(id, directiveId, ApprovalStage.START, "op").toString();
                case APPROVE_CUTOVER ->
                    operator.approve(id, directiveId, ApprovalStage.CUTOVER, "op")
                            .toString();
                case RELEASE -> operator.releaseCutover(id, directiveId, "op").toString();
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
