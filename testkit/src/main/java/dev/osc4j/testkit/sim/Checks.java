package dev.osc4j.testkit.sim;

import dev.osc4j.Artifact;
import dev.osc4j.AuditEntry;
import dev.osc4j.Intent;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import dev.osc4j.Transitions;
import dev.osc4j.WindowSchedule;
import dev.osc4j.spi.AuditChain;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import dev.osc4j.spi.TrafficSwitch;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTrafficSwitch;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.ForwardingStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The invariants of {@link FaultSimulator}, checked where things happen: a store that sees every committed write
 * (below the faults, so it sees what really committed), an engine wrapper per controller that sees every side effect,
 * and the checks run at the end of a step or of the run. Records the first violation.
 */
final class Checks {
    private final SimRun run;
    private final StateStore store;
    private final Map<String, String> ownerOfEpoch = new HashMap<>();
    private final Map<MigrationId, Long> latestEpoch = new HashMap<>();
    private final Set<EngineKey> created = new HashSet<>();
    private final Set<EngineKey> cleaned = new HashSet<>();
    FaultSimulator.@Nullable Violation violation;
    long engineCalls;

    Checks(SimRun run) {
        this.run = run;
        this.store = new CheckingStore(run.base);
    }

    StateStore store() {
        return store;
    }

    ExecutionEngine engine(FakeEngine fake, Slot slot) {
        return new CheckingEngine(fake, slot);
    }

    TrafficSwitch trafficSwitch(FakeTrafficSwitch proxy, Slot slot) {
        return new CheckingSwitch(proxy, slot);
    }

    private List<FakeEngine> engines() {
        return List.of(run.engine, run.revertEngine);
    }

    private Map<EngineKey, Set<String>> artifactsByRun() {
        Map<EngineKey, Set<String>> out = new LinkedHashMap<>();
        for (FakeEngine e : engines()) {
            out.putAll(e.artifactsByRun());
        }
        return out;
    }

    void violate(String invariant, String detail) {
        if (violation == null) {
            violation = new FaultSimulator.Violation(run.step, invariant, detail);
        }
    }

    /** Every run that left tables is named by its migration's record (handle, intent or leftovers). */
    void recorded() {
        for (Map.Entry<EngineKey, Set<String>> e : artifactsByRun().entrySet()) {
            EngineKey key = e.getKey();
            MigrationRecord r = run.read(key.migrationId()).orElse(null);
            ShardRecord s = r == null ? null : r.shard(key.shard()).orElse(null);
            if (s == null || !names(s, key)) {
                violate(
                        "recorded",
                        "run " + key + " left " + e.getValue() + " but its record does not name it"
                                + (s == null
                                        ? ""
                                        : " (shard " + s.state() + ", handle " + handleKey(s) + ", intent "
                                                + (s.intent() == null
                                                        ? null
                                                        : s.intent().kind() + " "
                                                                + s.intent().key())
                                                + ", leftovers " + s.leftovers() + ")"));
                return;
            }
        }
    }

    /**
     * Every table and trigger a run has on the server is in its shard record's artifact registry (write-ahead: the
     * registry is written with the START intent, before the engine can create anything), so a controller that dies
     * right after the creation leaves nothing that only naming rules could find.
     */
    void registered() {
        for (Map.Entry<EngineKey, Set<String>> e : artifactsByRun().entrySet()) {
            EngineKey key = e.getKey();
            MigrationRecord r = run.read(key.migrationId()).orElse(null);
            ShardRecord s = r == null ? null : r.shard(key.shard()).orElse(null);
            Set<String> registry = new HashSet<>();
            if (s != null) {
                s.artifactsOf(key).forEach(a -> registry.add(a.name()));
            }
            if (!registry.containsAll(e.getValue())) {
                Set<String> missing = new HashSet<>(e.getValue());
                missing.removeAll(registry);
                violate(
                        "registered",
                        "run " + key + " has " + missing + " on the server but its record's artifact registry does not"
                                + " list them (registry " + registry + ")");
                return;
            }
        }
    }

    private static boolean names(ShardRecord s, EngineKey key) {
        Intent i = s.intent();
        return key.equals(handleKey(s))
                || (i != null && key.equals(i.key()))
                || s.leftovers().contains(key);
    }

    private static @Nullable EngineKey handleKey(ShardRecord s) {
        EngineHandle h = s.handle();
        return h == null ? null : h.key();
    }

    /** Every trail is gap-free and takes only table edges. */
    void audits() {
        for (MigrationId id : run.tracked) {
            List<AuditEntry> trail = run.base.audit(id, 0, Integer.MAX_VALUE);
            List<String> problems = new ArrayList<>(AuditTrails.problems(trail));
            MigrationRecord record = run.read(id).orElse(null);
            if (record != null) {
                problems.addAll(AuditChain.verify(
                        record,
                        trail.stream().filter(e -> e.seq() <= record.auditSeq()).toList()));
            }
            if (!problems.isEmpty()) {
                violate("audit", "trail of " + id.value() + ": " + problems);
                return;
            }
        }
    }

    /** At the end: no run left a table behind. */
    void noArtifactsLeft() {
        Map<EngineKey, Set<String>> left = artifactsByRun();
        if (!left.isEmpty()) {
            violate("cleanup", "tables left after every migration ended: " + left);
        }
    }

    /**
     * At the end of every step: no traffic stays held for a shard that is done with its swap (terminal or in its revert
     * window); the original table an engine keeps for a revert exists only for a shard in its revert window (or one
     * whose swap the controller has not recorded yet); no two forward migrations of one table are in their revert
     * windows at once.
     */
    void afterStep() {
        FakeTrafficSwitch proxy = run.routing;
        if (proxy != null) {
            for (EngineKey key : proxy.held()) {
                ShardRecord s = shardOf(key);
                if (s != null && (s.state().isTerminal() || s.state().isSwitched())) {
                    violate("routing", "traffic of " + key + " is still held, its shard is " + s.state());
                    return;
                }
            }
        }
        for (Map.Entry<EngineKey, Set<String>> e : artifactsByRun().entrySet()) {
            boolean kept = e.getValue().stream().anyMatch(a -> a.endsWith("_old") || a.endsWith("_reverse_triggers"));
            if (!kept) {
                continue;
            }
            EngineKey key = e.getKey();
            MigrationRecord r = run.read(key.migrationId()).orElse(null);
            ShardRecord s = r == null ? null : r.shard(key.shard()).orElse(null);
            if (r == null
                    || s == null
                    || !key.equals(handleKey(s))
                    || (s.state() != MigrationState.REVERTIBLE && s.state() != MigrationState.SWITCHING_TRAFFIC)) {
                violate(
                        "kept",
                        "run " + key + " keeps " + e.getValue() + " for a revert, but its shard is "
                                + (r == null || s == null ? "unknown" : s.state() + " (run " + handleKey(s) + ")"));
                return;
            }
        }
        Map<String, MigrationId> open = new HashMap<>();
        for (MigrationId id : run.tracked) {
            MigrationRecord r = run.read(id).orElse(null);
            if (r == null
                    || r.spec().revertOf() != null
                    || r.shards().stream().noneMatch(s -> s.state() == MigrationState.REVERTIBLE)) {
                continue;
            }
            MigrationId other =
                    open.putIfAbsent(r.spec().keyspace() + "." + r.spec().table(), id);
            if (other != null) {
                violate(
                        "one-window",
                        "migrations " + other.value() + " and " + id.value() + " of "
                                + r.spec().keyspace() + "." + r.spec().table() + " are both in their revert windows");
                return;
            }
        }
    }

    private @Nullable ShardRecord shardOf(EngineKey key) {
        MigrationRecord r = run.read(key.migrationId()).orElse(null);
        return r == null ? null : r.shard(key.shard()).orElse(null);
    }

    /** Sees every committed write, with the record it replaced. */
    private final class CheckingStore extends ForwardingStateStore {
        CheckingStore(StateStore delegate) {
            super(delegate);
        }

        @Override
        public MigrationRecord compareAndSet(
                MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
            MigrationRecord prev = run.read(next.id()).orElse(null);
            MigrationRecord stored = super.compareAndSet(next, expectedVersion, fence, audit);
            if (prev != null) {
                written(prev, stored, fence);
            }
            return stored;
        }
    }

    private void written(MigrationRecord prev, MigrationRecord next, @Nullable Lease fence) {
        MigrationId id = next.id();
        if (fence != null) {
            String epoch = id.value() + "#" + fence.fencingToken();
            String first = ownerOfEpoch.putIfAbsent(epoch, fence.owner());
            if (first != null && !first.equals(fence.owner())) {
                violate(
                        "fencing",
                        "epoch " + fence.fencingToken() + " of " + id.value() + " wrote as " + first + " and as "
                                + fence.owner());
            }
            Long latest = latestEpoch.merge(id, fence.fencingToken(), Math::max);
            if (latest > fence.fencingToken()) {
                violate(
                        "fencing",
                        "epoch " + fence.fencingToken() + " of " + id.value() + " (" + fence.owner()
                                + ") wrote after epoch " + latest);
            }
        }
        if (prev.state() != next.state() && !Transitions.allowed(prev.state(), next.state())) {
            violate("edges", id.value() + " went " + prev.state() + " -> " + next.state());
        }
        if (prev.shards().size() != next.shards().size()) {
            violate(
                    "edges",
                    id.value() + " changed its shards from " + prev.shards().size() + " to "
                            + next.shards().size());
            return;
        }
        for (ShardRecord s : next.shards()) {
            ShardRecord before = prev.shard(s.shard()).orElse(null);
            if (before == null) {
                violate("edges", id.value() + " gained shard " + s.shard());
                return;
            }
            if (before.state() != s.state() && !Transitions.allowed(before.state(), s.state())) {
                violate("edges", id.value() + "/" + s.shard() + " went " + before.state() + " -> " + s.state());
            }
            if (s.state() == MigrationState.REVERTED && before.state() != MigrationState.REVERTED) {
                revertedAfterRevert(prev, next, s.shard());
            }
            boolean switching =
                    s.state() == MigrationState.SWITCHING_TRAFFIC && before.state() != MigrationState.SWITCHING_TRAFFIC;
            boolean released = isRelease(s.intent()) && !isRelease(before.intent());
            if (released && run.routing != null && !s.routeHeld()) {
                violate("routing", id.value() + "/" + s.shard() + " is released for its swap without its traffic held");
            }
            if (switching || released) {
                WindowSchedule schedule = next.policy().cutoverSchedule();
                Duration expected = next.policy().expectedCutoverTimeOrDefault();
                if (schedule != null && !schedule.isOpenFor(run.clock.instant(), expected)) {
                    violate(
                            "window",
                            id.value() + "/" + s.shard() + " cuts over at " + run.clock.instant() + ", outside '"
                                    + schedule + "' or less than " + expected + " before it closes");
                }
                List<String> notReady = notReady(next, s.shard());
                if (!notReady.isEmpty()) {
                    violate(
                            "barrier",
                            id.value() + "/" + s.shard() + (switching ? " switches" : " is released") + " while "
                                    + notReady + " are not ready");
                }
            }
        }
    }

    /** A forward shard goes REVERTED only once its revert's shard has COMPLETED (swapped back). */
    private void revertedAfterRevert(MigrationRecord prev, MigrationRecord next, String shard) {
        MigrationId linked = next.controls().revertedBy();
        MigrationId revertId = linked != null ? linked : prev.controls().revertedBy();
        MigrationRecord revert = revertId == null ? null : run.read(revertId).orElse(null);
        ShardRecord back = revert == null ? null : revert.shard(shard).orElse(null);
        if (back == null || back.state() != MigrationState.COMPLETED) {
            violate(
                    "reverted",
                    next.id().value() + "/" + shard + " went REVERTED while its revert "
                            + (revertId == null ? "is not linked" : revertId.value())
                            + (back == null ? " has no such shard" : "'s shard is " + back.state()));
        }
    }

    private static boolean isRelease(@Nullable Intent i) {
        return i != null && i.kind() == IntentKind.RELEASE_CUTOVER;
    }

    /**
     * The shards that keep {@code shard} from its swap: without a rollout, every shard not ready (not yet {@code
     * CUTOVER_PENDING} or past it); with one, the shards of its wave not ready and the shards of earlier waves not
     * swapped.
     */
    private static List<String> notReady(MigrationRecord r, String shard) {
        dev.osc4j.Rollout rollout = r.policy().rollout();
        List<ShardRecord> all = r.shards();
        int wave = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).shard().equals(shard) && rollout != null) {
                wave = rollout.waveOf(i);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            ShardRecord s = all.get(i);
            int w = rollout == null ? 0 : rollout.waveOf(i);
            boolean ready =
                    s.state().isSwitched() || s.state().pathIndex() >= MigrationState.CUTOVER_PENDING.pathIndex();
            if (w == wave && !ready) {
                out.add(s.shard() + " " + s.state());
            } else if (w < wave && !s.state().isSwitched()) {
                out.add(s.shard() + " " + s.state() + " (an earlier wave)");
            }
        }
        return out;
    }

    /** Sees every side effect one controller performs on the engine. */
    private final class CheckingEngine extends ForwardingExecutionEngine {
        private final FakeEngine fake;
        private final Slot slot;

        CheckingEngine(FakeEngine fake, Slot slot) {
            super(fake);
            this.fake = fake;
            this.slot = slot;
        }

        private void effect(EngineKey key, IntentKind kind) {
            MigrationRecord r = run.read(key.migrationId()).orElse(null);
            ShardRecord s = r == null ? null : r.shard(key.shard()).orElse(null);
            Intent i = s == null ? null : s.intent();
            // A start with the closed loop on throttles its run as part of the start, under the START intent.
            boolean startThrottle = kind == IntentKind.THROTTLE
                    && i != null
                    && i.kind() == IntentKind.START
                    && i.ratio() != null
                    && i.key().equals(key);
            if (!startThrottle && (i == null || i.kind() != kind || !i.key().equals(key))) {
                violate(
                        "write-ahead",
                        kind + " of " + key + " by c" + slot.index + " without that intent durable"
                                + " (the store holds " + (i == null ? "no intent" : i.kind() + " of " + i.key()) + ")");
            }
            Optional<Lease> lease = run.base.lease(key.migrationId());
            String me = slot.osc().controllerId();
            if (lease.isEmpty()
                    || !lease.get().owner().equals(me)
                    || !lease.get().expiresAt().isAfter(run.clock.instant())) {
                violate(
                        "lease",
                        kind + " of " + key + " by c" + slot.index + " (" + me + ") while the lease is "
                                + lease.map(l -> "held by " + l.owner() + " until " + l.expiresAt())
                                        .orElse("free"));
            }
            FakeTrafficSwitch proxy = run.routing;
            if (kind == IntentKind.RELEASE_CUTOVER
                    && proxy != null
                    && !proxy.held().contains(key)) {
                violate("routing", "release of " + key + " reached the engine while its traffic is not held");
            }
            if (kind == IntentKind.RELEASE_CUTOVER && r != null) {
                List<String> notReady = notReady(r, key.shard());
                if (!notReady.isEmpty()) {
                    violate(
                            "barrier",
                            "release of " + key + " reached the engine while " + notReady + " are not ready");
                }
            }
        }

        private void performed() {
            engineCalls++;
            slot.acted();
        }

        @Override
        public EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key) {
            effect(key, IntentKind.START);
            if (cleaned.contains(key)) {
                violate("write-ahead", "run " + key + " started again after its cleanup");
            }
            int before = fake.runsCreated();
            EngineHandle h = super.start(target, spec, key);
            if (fake.runsCreated() > before && !created.add(key)) {
                violate("write-ahead", "a second run was created for " + key);
            }
            registered(); // at the moment of creation, before anything else is recorded
            performed();
            return h;
        }

        @Override
        public void verify(EngineHandle handle) {
            effect(handle.key(), IntentKind.VERIFY);
            super.verify(handle);
            performed();
        }

        @Override
        public void analyze(EngineHandle handle) {
            effect(handle.key(), IntentKind.ANALYZE);
            super.analyze(handle);
            performed();
        }

        @Override
        public void warm(EngineHandle handle, dev.osc4j.PreSwapPolicy policy) {
            effect(handle.key(), IntentKind.WARM);
            super.warm(handle, policy);
            performed();
        }

        @Override
        public void releaseCutover(EngineHandle handle) {
            effect(handle.key(), IntentKind.RELEASE_CUTOVER);
            super.releaseCutover(handle);
            performed();
        }

        @Override
        public void throttle(EngineHandle handle, double ratio) {
            effect(handle.key(), IntentKind.THROTTLE);
            super.throttle(handle, ratio);
            performed();
        }

        @Override
        public void cancel(EngineHandle handle) {
            effect(handle.key(), IntentKind.CANCEL);
            super.cancel(handle);
            performed();
        }

        @Override
        public CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key, List<Artifact> registered) {
            effect(key, IntentKind.CLEANUP);
            CleanupReport report = super.cleanup(target, spec, key, registered);
            cleaned.add(key);
            performed();
            return report;
        }

        @Override
        public CleanupReport retire(ShardTarget target, MigrationSpec spec, EngineKey key) {
            effect(key, IntentKind.RETIRE);
            CleanupReport report = super.retire(target, spec, key);
            performed();
            return report;
        }
    }

    /** Sees every hold and restore one controller asks of the shared proxy: each under its intent and the lease. */
    private final class CheckingSwitch implements TrafficSwitch {
        private final FakeTrafficSwitch proxy;
        private final CheckingEngine effects;

        CheckingSwitch(FakeTrafficSwitch proxy, Slot slot) {
            this.proxy = proxy;
            this.effects = new CheckingEngine(run.engine, slot);
        }

        @Override
        public void hold(ShardTarget target, MigrationSpec spec, EngineKey key) {
            effects.effect(key, IntentKind.ROUTE_HOLD);
            proxy.hold(target, spec, key);
            effects.performed();
        }

        @Override
        public void restore(ShardTarget target, MigrationSpec spec, EngineKey key) {
            effects.effect(key, IntentKind.ROUTE_RESTORE);
            proxy.restore(target, spec, key);
            effects.performed();
        }

        @Override
        public String name() {
            return proxy.name();
        }
    }
}
