package dev.osc4j.engine.vitess;

import static dev.osc4j.engine.vitess.VitessFixture.KS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.CutoverMode;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.vitess.FakeVtgate;
import dev.osc4j.testkit.vitess.VtgateFault;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The engine against behaviours of the real Vitess that the fake reproduces (issue 11). */
class VitessFidelityTest {
    private static final Duration LIMIT = Duration.ofMinutes(30);

    private static MigrationSpec spec(String flags) {
        return new MigrationSpec(
                KS,
                "orders",
                "ADD COLUMN a INT",
                "vitess",
                Map.of(VitessEngine.OPTION_STRATEGY_FLAGS, flags),
                List.of());
    }

    @Test
    @DisplayName("an immediate operation (a range partition rotation) waits queued with ready_to_complete=1 at the"
            + " barrier and completes after the release")
    void immediateOperationHoldsAtBarrier() throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards())) {
            MigrationOrchestrator osc = f.orchestrator(
                    MigrationPolicy.builder().cutoverMode(CutoverMode.MANUAL).build());
            MigrationId id = osc.submit(VitessFixture.request(
                    "rotation", "ALTER TABLE orders DROP PARTITION p2025", "--fast-range-rotation"));
            Simulation sim = Simulation.of(osc, f.clock);
            MigrationRecord pending = sim.runUntil(id, MigrationState.CUTOVER_PENDING, LIMIT);
            assertThat(pending.shards()).allMatch(s -> s.state() == MigrationState.CUTOVER_PENDING);
            String uuid = f.vtgate.submissions(KS, "-40").get(0).uuid();
            for (String shard : f.topology.shards(KS)) {
                assertThat(f.vtgate.migration(KS, shard, uuid))
                        .extracting(FakeVtgate.MigrationView::status)
                        .as(shard + " holds queued")
                        .isEqualTo("queued");
                assertThat(f.topology.appliedDdl(KS, shard)).isEmpty();
            }
            osc.releaseCutover(id, "release-1", "operator");
            MigrationRecord done = sim.runUntil(id, MigrationState.COMPLETED, LIMIT);
            assertThat(done.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
            for (String shard : f.topology.shards(KS)) {
                assertThat(f.topology.appliedDdl(KS, shard))
                        .containsExactly(done.spec().ddl());
            }
            AuditTrails.assertSound(osc.audit(id));
        }
    }

    @Test
    @DisplayName("--prefer-instant-ddl is accepted: an INSTANT change is an immediate operation held at the barrier")
    void preferInstantDdl() throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards())) {
            MigrationOrchestrator osc = f.orchestrator(null);
            MigrationId id = osc.submit(VitessFixture.request(
                    "instant", "ALTER TABLE orders ADD COLUMN note VARCHAR(64)", "--prefer-instant-ddl"));
            MigrationRecord done = Simulation.of(osc, f.clock).runUntil(id, MigrationState.COMPLETED, LIMIT);
            assertThat(done.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
            List<dev.osc4j.AuditEntry> trail = osc.audit(id);
            Instant lastReady = VitessFixture.lastEntered(trail, MigrationState.CUTOVER_PENDING).values().stream()
                    .max(Instant::compareTo)
                    .orElseThrow();
            assertThat(f.statements("ALTER VITESS_MIGRATION", "COMPLETE"))
                    .hasSize(4)
                    .allSatisfy(c -> assertThat(c.at()).isAfterOrEqualTo(lastReady));
            AuditTrails.assertSound(trail);
        }
    }

    @Test
    @DisplayName("--cut-over-threshold outside 5s..30s is refused before anything is sent, naming flag, value, range")
    void cutoverThreshold() {
        for (String bad : List.of("2s", "4.5s", "31s", "1m", "1h")) {
            assertThatThrownBy(() -> StrategyFlags.strategy(spec("--cut-over-threshold=" + bad)))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("--cut-over-threshold")
                    .hasMessageContaining(bad)
                    .hasMessageContaining("5s")
                    .hasMessageContaining("30s");
        }
        for (String good : List.of("0", "5s", "10s", "30s", "0.5m", "5000ms")) {
            assertThat(StrategyFlags.strategy(spec("--cut-over-threshold=" + good)))
                    .endsWith("--cut-over-threshold=" + good);
        }
    }

    @Test
    @DisplayName("VTGate's reparent errors on START, RETRY and COMPLETE are retried and the migration completes")
    void reparentErrorsAreRetried() throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards())) {
            f.topology.failAt(KS, "40-80", 40);
            MigrationOrchestrator osc = f.orchestrator(
                    MigrationPolicy.builder().cutoverMode(CutoverMode.MANUAL).build());
            f.vtgate.failNext("ALTER TABLE", VtgateFault.NO_HEALTHY_TABLET);
            MigrationId id = osc.submit(VitessFixture.request("reparent-errors"));
            Simulation sim = Simulation.of(osc, f.clock);
            sim.runUntil(id, MigrationState.FAILED, LIMIT);
            assertThat(f.statements("ALTER TABLE", "")).hasSizeGreaterThan(1);

            f.vtgate.failNext("ALTER VITESS_MIGRATION", VtgateFault.REPARENT_IN_PROGRESS);
            osc.retry(id, "retry-1", "operator");
            MigrationRecord pending = sim.runUntil(
                    id, r -> r.shards().stream().allMatch(s -> s.state() == MigrationState.CUTOVER_PENDING), LIMIT);
            assertThat(pending.attempt()).isEqualTo(2);

            f.vtgate.failNext("ALTER VITESS_MIGRATION", VtgateFault.NOT_SERVING);
            f.vtgate.failNext("ALTER VITESS_MIGRATION", VtgateFault.BUFFER_FULL);
            osc.releaseCutover(id, "release-1", "operator");
            MigrationRecord done = sim.runUntil(id, MigrationState.COMPLETED, LIMIT);
            assertThat(done.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
            assertThat(f.statements("ALTER VITESS_MIGRATION", "RETRY")).hasSize(2);
            assertThat(f.statements("ALTER VITESS_MIGRATION", "COMPLETE")).hasSize(6);
            AuditTrails.assertSound(osc.audit(id));
        }
    }

    @Test
    @DisplayName("the reparent errors of VTGate's source are retryable; a syntax error is not")
    void classification() {
        for (String message : List.of(
                "target: commerce.-80.primary: no healthy tablet available for 'keyspace:\"commerce\" shard:\"-80\"'",
                "target: commerce.-80.primary: vttablet: rpc error: code = ClusterEvent desc = operation not allowed in"
                        + " state NOT_SERVING",
                "target: commerce.-80.primary: primary is not serving, there may be a reparent operation in progress",
                "target: commerce.-80.primary: primary buffer is full",
                "buffer full: request evicted for newer request",
                "context was canceled before failover finished",
                "target: commerce.-80.primary: vttablet: rpc error: code = Unavailable desc = connection refused",
                "The MySQL server is running with the --read-only option so it cannot execute this statement (errno"
                        + " 1290) (sqlstate HY000)")) {
            assertThat(SqlFailures.retryable(new SQLException(message, "HY000", 1105)))
                    .as(message)
                    .isTrue();
        }
        assertThat(SqlFailures.retryable(new SQLException("interrupted", "70100", 1317)))
                .as("ERQueryInterrupted: VTGate's CANCELED, DEADLINE_EXCEEDED and ABORTED")
                .isTrue();
        assertThat(SqlFailures.retryable(new SQLException("syntax error at position 5", "42000", 1064)))
                .isFalse();
        assertThat(SqlFailures.retryable(new SQLException(
                        "The MySQL server is running with the --secure-file-priv option so it cannot execute this"
                                + " statement",
                        "HY000",
                        1290)))
                .isFalse();
        assertThat(SqlFailures.retryable(new SQLException("migration not found", "HY000", 1105)))
                .isFalse();
    }

    @Test
    @DisplayName("after RETRY the row keeps the failed run's progress and ready_to_complete until the new run reports:"
            + " the engine does not read it as ready")
    void staleValuesAfterRetry() {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-80", 20_000L);
        rows.put("80-", 10_000L);
        try (VitessFixture f = new VitessFixture(rows)) {
            VitessEngine engine = f.engine();
            ShardTarget target = new ShardTarget(KS, "-80", KS, null);
            MigrationSpec spec = VitessFixture.request("stale").spec();
            EngineHandle first = engine.start(target, spec, new EngineKey(MigrationId.of("m-stale"), 1, "-80"));
            f.clock.advance(Duration.ofSeconds(10));
            assertThat(engine.observe(first).phase()).isEqualTo(EnginePhase.READY_FOR_CUTOVER);
            engine.cancel(first);
            EngineHandle second = engine.start(target, spec, new EngineKey(MigrationId.of("m-stale"), 2, "-80"));
            String uuid = second.attribute(VitessEngine.UUID, "");
            for (int i = 0; i < 4; i++) {
                f.clock.advance(Duration.ofMillis(600)); // past the engine's 500 ms observation cache
                FakeVtgate.MigrationView row = Objects.requireNonNull(f.vtgate.migration(KS, "-80", uuid));
                EngineObservation o = engine.observe(second);
                if (row.status().equals("running") && row.readyToComplete()) {
                    assertThat(o.phase())
                            .as("a running row with the failed run's ready_to_complete=1")
                            .isEqualTo(EnginePhase.COPYING);
                    assertThat(o.rowsCopied()).isZero();
                } else {
                    assertThat(o.phase()).isIn(EnginePhase.STARTING, EnginePhase.COPYING);
                }
            }
            f.clock.advance(Duration.ofSeconds(10));
            assertThat(engine.observe(second).phase()).isEqualTo(EnginePhase.READY_FOR_CUTOVER);
        }
    }

    @Test
    @DisplayName("a keyspace-wide THROTTLE: one decision for the keyspace, sent with an explicit EXPIRE")
    void keyspaceThrottle() throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards())) {
            assertThat(f.engine().capabilities().keyspaceWideThrottle()).isTrue();
            MigrationOrchestrator osc = f.orchestrator(null);
            MigrationId id = osc.submit(VitessFixture.request("ks-throttle"));
            Simulation sim = Simulation.of(osc, f.clock);
            sim.runUntil(id, r -> r.shard("-40").orElseThrow().state() == MigrationState.COPYING_ROWS, LIMIT);
            f.topology.setReplicaLag(KS, "c0-", Duration.ofSeconds(60));
            for (int i = 0; i < 3; i++) {
                sim.tick();
            }
            MigrationRecord r = osc.get(id);
            assertThat(r.shards().stream()
                            .filter(s -> s.state().isRunning()
                                    && s.state().pathIndex() <= MigrationState.WAITING_FOR_CATCHUP.pathIndex()))
                    .isNotEmpty()
                    .allSatisfy(s ->
                            assertThat(s.appliedThrottleRatio()).as(s.shard()).isEqualTo(1.0));
            assertThat(f.statements("ALTER VITESS_MIGRATION", "RATIO 1"))
                    .isNotEmpty()
                    .allSatisfy(s -> assertThat(s.sql()).contains("THROTTLE EXPIRE '"));
            assertThat(f.statements("ALTER VITESS_MIGRATION", "UNTHROTTLE")).isEmpty();
        }
    }

    @Test
    @DisplayName("with the tablet throttler disabled a THROTTLE slows nothing: progress does not claim throttled")
    void throttlerDisabled() throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards())) {
            f.vtgate.setThrottlerEnabled(KS, false);
            MigrationOrchestrator osc = f.orchestrator(null);
            MigrationId id = osc.submit(VitessFixture.request("disabled"));
            Simulation sim = Simulation.of(osc, f.clock);
            sim.runUntil(id, r -> r.shard("-40").orElseThrow().state() == MigrationState.COPYING_ROWS, LIMIT);
            osc.throttle(id, "throttle-1", 1.0, "operator");
            for (int i = 0; i < 3; i++) {
                sim.tick();
            }
            String uuid = f.vtgate.submissions(KS, "-40").get(0).uuid();
            assertThat(f.vtgate.migration(KS, "-40", uuid))
                    .extracting(FakeVtgate.MigrationView::userThrottleRatio)
                    .isEqualTo(1.0);
            ProgressSnapshot last = f.snapshots.get(f.snapshots.size() - 1);
            assertThat(last.shards().get(0).progress().throttled()).isFalse();
            assertThat(last.shards().get(0).progress().throttleReason())
                    .contains("has no effect")
                    .contains("tablet throttler of commerce/-40 is disabled");
            EngineObservation o = engineObservation(f, uuid);
            assertThat(o.throttled()).isFalse();
            assertThat(o.throttleReason()).contains("disabled");
        }
    }

    private static EngineObservation engineObservation(VitessFixture f, String uuid) {
        EngineHandle h = new EngineHandle(
                VitessEngine.DEFAULT_NAME,
                new EngineKey(MigrationId.of("m-x"), 1, "-40"),
                Map.of(
                        VitessEngine.UUID,
                        uuid,
                        VitessEngine.KEYSPACE,
                        KS,
                        VitessEngine.SHARD,
                        "-40",
                        VitessEngine.CONTEXT,
                        f.vtgate.submissions(KS, "-40").get(0).context()));
        return f.engine().observe(h);
    }

    @ParameterizedTest(name = "Vitess v{0}")
    @ValueSource(ints = {19, 20, 21, 22, 23})
    @DisplayName("the same migration completes against every supported Vitess version, columns read by name")
    void everyVersion(int version) throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards(), b -> b.vitessVersion(version))) {
            MigrationOrchestrator osc = f.orchestrator(null);
            MigrationId id = osc.submit(VitessFixture.request(
                    "v" + version, "ALTER TABLE orders ADD COLUMN note VARCHAR(64)", "--cut-over-threshold=20s"));
            MigrationRecord done = Simulation.of(osc, f.clock).runUntil(id, MigrationState.COMPLETED, LIMIT);
            assertThat(done.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
            assertThat(f.statements("ALTER VITESS_MIGRATION", "COMPLETE")).hasSize(4);
            AuditTrails.assertSound(osc.audit(id));
        }
    }
}
