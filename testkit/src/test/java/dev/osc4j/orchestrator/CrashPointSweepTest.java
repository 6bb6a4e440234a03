package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crashes the controller after every persisted step, and before and after every side effect, of a 4-shard
 * migration, starts a new controller each time, and checks that every run completes, that no shard's engine run was started twice, and
 * that the audit trail has no gap and no duplicated transition.
 */
class CrashPointSweepTest {
    private static final Duration LEASE_TTL = Duration.ofSeconds(15);
    private static final String KEYSPACE = "commerce";

    /** A crash: an Error, so nothing in the controller catches it, as with a process kill. */
    static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String where) {
            super("simulated crash " + where);
        }
    }

    /** Counts events and throws once when the count reaches the chosen point. */
    static final class CrashPoint {
        final String kind;
        final int at;
        int count;
        boolean fired;

        CrashPoint(String kind, int at) {
            this.kind = kind;
            this.at = at;
        }

        void tick(String what) {
            count++;
            if (!fired && count == at) {
                fired = true;
                throw new SimulatedCrash(kind + " #" + at + " (" + what + ")");
            }
        }
    }

    /** Crashes right after the n-th successful write. */
    static final class CrashingStore implements StateStore {
        final StateStore delegate;
        final CrashPoint point;

        CrashingStore(StateStore delegate, CrashPoint point) {
            this.delegate = delegate;
            this.point = point;
        }

        @Override
        public Optional<MigrationRecord> read(MigrationId id) {
            return delegate.read(id);
        }

        @Override
        public CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
            CreateResult r = delegate.create(record, audit);
            if (r.created()) {
                point.tick("after create");
            }
            return r;
        }

        @Override
        public MigrationRecord compareAndSet(
                MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
            MigrationRecord r = delegate.compareAndSet(next, expectedVersion, fence, audit);
            point.tick(
                    "after write of " + audit.stream().map(AuditEntry::stepId).toList());
            return r;
        }

        @Override
        public List<MigrationSummary> list(MigrationFilter filter) {
            return delegate.list(filter);
        }

        @Override
        public List<AuditEntry> audit(MigrationId id, long afterSeq, int limit) {
            return delegate.audit(id, afterSeq, limit);
        }

        @Override
        public Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
            return delegate.tryAcquire(id, owner, ttl);
        }

        @Override
        public List<Lease> renew(String owner, Duration ttl) {
            return delegate.renew(owner, ttl);
        }

        @Override
        public void release(Lease lease) {
            delegate.release(lease);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /** Crashes right before the n-th side effect, or right after it (before its outcome is recorded). */
    static final class CrashingEngine implements ExecutionEngine {
        final ExecutionEngine delegate;
        final CrashPoint point;
        final CrashPoint after;

        CrashingEngine(ExecutionEngine delegate, CrashPoint point, CrashPoint after) {
            this.delegate = delegate;
            this.point = point;
            this.after = after;
        }

        private <T> T effect(String what, java.util.function.Supplier<T> action) {
            point.tick("before " + what);
            T result = action.get();
            after.tick("after " + what);
            return result;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public EngineCapabilities capabilities() {
            return delegate.capabilities();
        }

        @Override
        public EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key) {
            return effect("start " + key, () -> delegate.start(target, spec, key));
        }

        @Override
        public EngineObservation observe(EngineHandle handle) {
            return delegate.observe(handle);
        }

        @Override
        public void releaseCutover(EngineHandle handle) {
            effect("release " + handle.key(), () -> {
                delegate.releaseCutover(handle);
                return handle;
            });
        }

        @Override
        public void throttle(EngineHandle handle, double ratio) {
            effect("throttle " + handle.key(), () -> {
                delegate.throttle(handle, ratio);
                return handle;
            });
        }

        @Override
        public void cancel(EngineHandle handle) {
            effect("cancel " + handle.key(), () -> {
                delegate.cancel(handle);
                return handle;
            });
        }

        @Override
        public CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key) {
            return effect("cleanup " + key, () -> delegate.cleanup(target, spec, key));
        }

        @Override
        public Optional<EngineHandle> reattach(
                ShardTarget target, MigrationSpec spec, EngineKey key, @Nullable EngineHandle recorded) {
            return delegate.reattach(target, spec, key, recorded);
        }
    }

    /** The scenarios swept: a plain run, and a run whose shard fails at 40% and is retried. */
    enum Scenario {
        HAPPY_PATH,
        FAIL_AND_RETRY
    }

    /** One run of a scenario with one crash point; returns how many writes and effects it saw. */
    private static int[] run(Scenario scenario, @Nullable String crashKind, int crashAt) {
        SettableClock clock = SettableClock.startingAtEpoch2026();
        FakeTopology topology = new FakeTopology(clock)
                .addKeyspace(KEYSPACE, Map.of("-40", 30_000L, "40-80", 20_000L, "80-c0", 10_000L, "c0-", 5_000L));
        if (scenario == Scenario.FAIL_AND_RETRY) {
            topology.failAt(KEYSPACE, "40-80", 40);
        }
        FakeEngine fake = FakeEngine.on(topology);
        CrashPoint writes = new CrashPoint("write", "write".equals(crashKind) ? crashAt : -1);
        CrashPoint effects = new CrashPoint("effect", "effect".equals(crashKind) ? crashAt : -1);
        CrashPoint afterEffects = new CrashPoint("after-effect", "after-effect".equals(crashKind) ? crashAt : -1);
        StateStore store = new CrashingStore(new InMemoryStateStore(clock), writes);
        ExecutionEngine engine = new CrashingEngine(fake, effects, afterEffects);
        MigrationRequest request = MigrationRequest.builder()
                .idempotencyKey("sweep")
                .keyspace(KEYSPACE)
                .table("orders")
                .ddl("ADD COLUMN note VARCHAR(64)")
                .engine("fake")
                .build();

        MigrationOrchestrator osc = controller(store, topology, engine, clock);
        MigrationId id = null;
        int crashes = 0;
        for (int tick = 0; tick < 2000; tick++) {
            try {
                if (id == null) {
                    id = osc.submit(request);
                }
                MigrationRecord r = osc.get(id);
                if (r.state() == MigrationState.COMPLETED) {
                    break;
                }
                if (r.state() == MigrationState.FAILED) {
                    osc.retry(id, "retry-1", "sweep");
                }
                osc.reconcileNow();
                clock.advance(Duration.ofSeconds(1));
            } catch (SimulatedCrash crash) {
                crashes++;
                // The process died: no close(), no lease release. A new controller starts once the lease expired.
                osc = controller(store, topology, engine, clock);
                clock.advance(LEASE_TTL.plusSeconds(1));
            }
        }
        String where = scenario + " crash " + crashKind + " #" + crashAt;
        assertThat(id).as(where).isNotNull();
        MigrationId submitted = java.util.Objects.requireNonNull(id);
        MigrationRecord done = osc.get(submitted);
        assertThat(done.state()).as(where + ": " + done.shards()).isEqualTo(MigrationState.COMPLETED);
        if (crashKind != null) {
            assertThat(crashes).as(where + " crashed").isEqualTo(1);
        }
        for (String shard : topology.shards(KEYSPACE)) {
            List<EngineKey> runs = fake.runsOn(KEYSPACE, shard);
            int attempts = scenario == Scenario.FAIL_AND_RETRY && shard.equals("40-80") ? 2 : 1;
            assertThat(runs).as(where + ": runs of shard " + shard).hasSize(attempts);
            assertThat(runs.stream().map(EngineKey::attempt).distinct().count())
                    .as(where)
                    .isEqualTo(attempts);
            assertThat(topology.appliedDdl(KEYSPACE, shard)).as(where).hasSize(1);
            assertThat(fake.artifacts(KEYSPACE, shard))
                    .as(where + ": artifacts left on " + shard)
                    .isEmpty();
        }
        List<AuditEntry> trail = osc.audit(submitted);
        assertThat(AuditTrails.problems(trail)).as(where).isEmpty();
        List<Long> seqs = trail.stream().map(AuditEntry::seq).toList();
        assertThat(seqs).as(where).doesNotHaveDuplicates();
        return new int[] {writes.count, effects.count};
    }

    private static MigrationOrchestrator controller(
            StateStore store, FakeTopology topology, ExecutionEngine engine, SettableClock clock) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .clock(clock)
                .leaseTtl(LEASE_TTL)
                .build();
    }

    static Stream<Arguments> crashPoints() {
        List<Arguments> points = new ArrayList<>();
        for (Scenario scenario : Scenario.values()) {
            int[] baseline = run(scenario, null, -1);
            IntStream.rangeClosed(1, baseline[0]).forEach(i -> points.add(Arguments.of(scenario, "write", i)));
            IntStream.rangeClosed(1, baseline[1]).forEach(i -> points.add(Arguments.of(scenario, "effect", i)));
            IntStream.rangeClosed(1, baseline[1]).forEach(i -> points.add(Arguments.of(scenario, "after-effect", i)));
        }
        return points.stream();
    }

    @DisplayName(
            "a crash at any persisted step, or before or after any side effect, never loses, repeats or duplicates work")
    @ParameterizedTest(name = "{0}: crash at {1} #{2}")
    @MethodSource("crashPoints")
    void crashAnywhere(Scenario scenario, String kind, int at) {
        run(scenario, kind, at);
    }
}
