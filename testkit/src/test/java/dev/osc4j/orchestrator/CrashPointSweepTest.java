package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.ApprovalStage;
import dev.osc4j.Artifact;
import dev.osc4j.AuditEntry;
import dev.osc4j.AutoRevert;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.PreSwapPolicy;
import dev.osc4j.Rollout;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.HealthSignals;
import dev.osc4j.spi.HealthVerdict;
import dev.osc4j.spi.StateStore;
import dev.osc4j.spi.TrafficSwitch;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.CrashInjection;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.FakeTrafficSwitch;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crashes the controller after every persisted step, and before and after every side effect (the checksum before the
 * swap, the traffic switch's hold and restore, the retire of a revert window, a revert's own steps and the fallback
 * chain's included), of a 4-shard migration, starts a new controller each time, and checks that every run completes, that no shard's engine run was started twice, and
 * that the audit trail has no gap and no duplicated transition.
 */
class CrashPointSweepTest {
    private static final Duration LEASE_TTL = Duration.ofSeconds(15);
    private static final String KEYSPACE = "commerce";
    private static final Duration WINDOW = Duration.ofHours(1);

    /**
     * The scenarios swept: a plain run; a run whose shard fails at 40% and is retried; a revertible run behind a
     * traffic switch, reverted in its window (the revert is a migration of its own, swept too); a revertible run whose
     * window ends (the retire); a run whose shard fails once and whose policy runs the fallback chain; a staged rollout
     * (a canary, a bake, then waves of two); start and cut-over approvals, then a health signal that reverts the
     * migration on its own while it bakes; the same signal on a run that cannot be reverted, whose breach raises an
     * alert an operator acknowledges; and an amended request that supersedes one waiting for its start approval.
     */
    enum Scenario {
        HAPPY_PATH,
        FAIL_AND_RETRY,
        REVERT,
        WINDOW_END,
        FALLBACK,
        WAVES,
        AUTO_REVERT,
        ALERT,
        SUPERSEDE
    }

    /** One run of a scenario with one crash point; returns how many writes and effects it saw. */
    private static int[] run(Scenario scenario, @Nullable String crashKind, int crashAt) {
        SettableClock clock = SettableClock.startingAtEpoch2026();
        FakeTopology topology = new FakeTopology(clock)
                .addKeyspace(KEYSPACE, Map.of("-40", 30_000L, "40-80", 20_000L, "80-c0", 10_000L, "c0-", 5_000L));
        if (scenario == Scenario.FAIL_AND_RETRY || scenario == Scenario.FALLBACK) {
            topology.failAt(KEYSPACE, "40-80", 40);
        }
        boolean revertible =
                scenario == Scenario.REVERT || scenario == Scenario.WINDOW_END || scenario == Scenario.AUTO_REVERT;
        // With a checksum, an ANALYZE and a warming before the swap: their requests are side effects like the
        // others, swept too.
        FakeEngine fake = FakeEngine.builder(topology)
                .checksumTime(Duration.ofSeconds(3))
                .preSwapTime(Duration.ofSeconds(2))
                .revert(revertible)
                .build();
        FakeTrafficSwitch routing = new FakeTrafficSwitch();
        CrashInjection.Point writes = point("write", crashKind, crashAt);
        CrashInjection.Point effects = point("effect", crashKind, crashAt);
        CrashInjection.Point afterEffects = point("after-effect", crashKind, crashAt);
        StateStore store = CrashInjection.crashAfterWrite(new InMemoryStateStore(clock), writes);
        ExecutionEngine engine = CrashInjection.crashAroundEffects(fake, effects, afterEffects);
        TrafficSwitch traffic = CrashInjection.crashAroundEffects(routing, effects, afterEffects);
        MigrationPolicy policy =
                switch (scenario) {
                    case REVERT, WINDOW_END ->
                        MigrationPolicy.builder().revertWindow(WINDOW).build();
                    case FALLBACK ->
                        MigrationPolicy.builder().fallbackOnFailure(true).build();
                    case WAVES ->
                        MigrationPolicy.builder()
                                .revertWindow(Duration.ZERO)
                                .rollout(new Rollout(1, 2, Duration.ofSeconds(20)))
                                .build();
                    case ALERT ->
                        MigrationPolicy.builder()
                                .revertWindow(Duration.ZERO)
                                .autoRevert(AutoRevert.on(Duration.ofMinutes(10), "errors"))
                                .build();
                    case AUTO_REVERT ->
                        MigrationPolicy.builder()
                                .revertWindow(WINDOW)
                                .requireStartApproval(true)
                                .requireCutoverApproval(true)
                                .autoRevert(AutoRevert.on(Duration.ofMinutes(10), "errors"))
                                .build();
                    default -> null;
                };
        // Warming is opt-in: swept on, so that its intent is swept too.
        policy = (policy == null ? MigrationPolicy.builder() : policy.toBuilder())
                .preSwap(PreSwapPolicy.defaults().withWarm(true))
                .build();
        MigrationRequest request = request("sweep", "ADD COLUMN note VARCHAR(64)", policy, null);
        // SUPERSEDE: a first request waits for a start approval nobody gives; the amended one replaces it.
        MigrationRequest first = request(
                "sweep-first",
                "ADD COLUMN note VARCHAR(32)",
                policy.toBuilder().requireStartApproval(true).build(),
                null);
        MigrationId firstId = null;
        MigrationState end =
                switch (scenario) {
                    case REVERT, AUTO_REVERT -> MigrationState.REVERTED;
                    case FALLBACK -> MigrationState.ABORTED;
                    default -> MigrationState.COMPLETED;
                };

        MigrationOrchestrator osc = controller(store, topology, engine, traffic, clock);
        MigrationId id = null;
        MigrationId revertId = null;
        int crashes = 0;
        for (int tick = 0; tick < 2000; tick++) {
            try {
                if (scenario == Scenario.SUPERSEDE && firstId == null) {
                    firstId = osc.submit(first);
                    clock.advance(Duration.ofSeconds(1));
                    continue;
                }
                if (id == null) {
                    id = osc.submit(
                            firstId == null
                                    ? request
                                    : request("sweep", "ADD COLUMN note VARCHAR(64)", policy, firstId));
                }
                MigrationRecord r = osc.get(id);
                if (r.state() == end) {
                    break;
                }
                if (scenario == Scenario.AUTO_REVERT) {
                    // Approvals in play, each sent again after a crash under the same directive id.
                    if (r.state() == MigrationState.QUEUED) {
                        osc.approve(id, "start-ok", ApprovalStage.START, "dave");
                    } else if (r.state() == MigrationState.CUTOVER_PENDING) {
                        osc.approve(id, "cutover-ok", ApprovalStage.CUTOVER, "dave");
                    }
                    revertId = r.controls().revertedBy();
                }
                if (r.state() == MigrationState.ALERTED) {
                    osc.acknowledgeAlert(id, "ack-1", "sweep"); // again after a crash: the same acknowledgement
                }
                if (r.state() == MigrationState.FAILED && scenario != Scenario.FALLBACK) {
                    osc.retry(id, "retry-1", "sweep");
                }
                if (r.state() == MigrationState.REVERTIBLE) {
                    if (scenario == Scenario.REVERT) {
                        revertId = osc.revert(id, "revert-1", "sweep"); // again after a crash: the same revert
                    } else if (scenario == Scenario.WINDOW_END
                            && Duration.between(r.updatedAt(), clock.instant()).compareTo(Duration.ofMinutes(1)) < 0) {
                        clock.advance(WINDOW);
                    }
                }
                Simulation.pass(osc);
                clock.advance(Duration.ofSeconds(1));
            } catch (CrashInjection.SimulatedCrash crash) {
                crashes++;
                // The process died: no close(), no lease release. A new controller starts once the lease expired.
                osc = controller(store, topology, engine, traffic, clock);
                clock.advance(LEASE_TTL.plusSeconds(1));
            }
            // Write-ahead: whatever the engine has created so far, a crash right after its creation included, is in the
            // record's artifact registry.
            assertRegistered(scenario + " crash " + crashKind + " #" + crashAt + " tick " + tick, fake, osc);
        }
        String where = scenario + " crash " + crashKind + " #" + crashAt;
        assertThat(id).as(where).isNotNull();
        MigrationId submitted = java.util.Objects.requireNonNull(id);
        MigrationRecord done = osc.get(submitted);
        assertThat(done.state()).as(where + ": " + done.shards()).isEqualTo(end);
        if (crashKind != null) {
            assertThat(crashes).as(where + " crashed").isEqualTo(1);
        }
        for (String shard : topology.shards(KEYSPACE)) {
            List<EngineKey> runs = fake.runsOn(KEYSPACE, shard);
            List<EngineKey> forwardRuns =
                    runs.stream().filter(k -> k.migrationId().equals(submitted)).toList();
            int attempts = scenario == Scenario.FAIL_AND_RETRY && shard.equals("40-80") ? 2 : 1;
            assertThat(forwardRuns).as(where + ": runs of shard " + shard).hasSize(attempts);
            assertThat(forwardRuns.stream().map(EngineKey::attempt).distinct().count())
                    .as(where)
                    .isEqualTo(attempts);
            assertThat(runs.size() - forwardRuns.size())
                    .as(where + ": revert runs of shard " + shard)
                    .isEqualTo(scenario == Scenario.REVERT || scenario == Scenario.AUTO_REVERT ? 1 : 0);
            int applied = scenario == Scenario.FALLBACK && shard.equals("40-80") ? 0 : 1;
            assertThat(topology.appliedDdl(KEYSPACE, shard))
                    .as(where)
                    .hasSize(
                            scenario == Scenario.REVERT || scenario == Scenario.AUTO_REVERT
                                    ? 2
                                    : scenario == Scenario.FALLBACK ? 0 : applied);
            assertThat(fake.artifacts(KEYSPACE, shard))
                    .as(where + ": artifacts left on " + shard)
                    .isEmpty();
        }
        assertThat(routing.held()).as(where + ": traffic still held").isEmpty();
        if (scenario != Scenario.FALLBACK) {
            assertThat(fake.verifyCalls()).as(where + ": checksums asked for").isGreaterThanOrEqualTo(4);
            assertThat(fake.analyzeCalls()).as(where + ": ANALYZEs asked for").isGreaterThanOrEqualTo(4);
            assertThat(fake.warmCalls()).as(where + ": warmings asked for").isGreaterThanOrEqualTo(4);
        }
        if (scenario == Scenario.WINDOW_END) {
            assertThat(fake.retireCalls()).as(where + ": retires").isGreaterThanOrEqualTo(4);
        }
        if (scenario == Scenario.AUTO_REVERT) {
            revertId = done.controls().revertedBy();
            assertThat(revertId).as(where + ": the policy's revert").isNotNull();
            assertThat(osc.get(java.util.Objects.requireNonNull(revertId)).requestedBy())
                    .isEqualTo("osc4j-policy");
        }
        if (scenario == Scenario.ALERT) {
            assertThat(osc.audit(submitted))
                    .as(where + ": alerted, then acknowledged, once per shard")
                    .filteredOn(e -> e.shard() != null && e.kind() == AuditEntry.Kind.TRANSITION)
                    .extracting(e -> e.from() + ">" + e.to())
                    .containsSubsequence("SWITCHING_TRAFFIC>BAKING", "BAKING>ALERTED", "ALERTED>COMPLETED")
                    .filteredOn(move -> move.equals("ALERTED>COMPLETED"))
                    .hasSize(4);
        }
        List<MigrationId> ids = new ArrayList<>(List.of(submitted));
        if (firstId != null) {
            ids.add(firstId);
            MigrationRecord superseded = osc.get(firstId);
            assertThat(superseded.state())
                    .as(where + ": the superseded request")
                    .isEqualTo(MigrationState.ABORTED);
            assertThat(superseded.controls().supersededBy()).isEqualTo(submitted);
        }
        if (revertId != null) {
            ids.add(revertId);
            assertThat(osc.get(revertId).state()).as(where).isEqualTo(MigrationState.COMPLETED);
        }
        for (MigrationId m : ids) {
            assertThat(osc.get(m).shards())
                    .as(where + ": nothing registered is left")
                    .allSatisfy(s -> assertThat(s.artifacts()).isEmpty());
            List<AuditEntry> trail = osc.audit(m);
            assertThat(AuditTrails.problems(trail)).as(where).isEmpty();
            List<Long> seqs = trail.stream().map(AuditEntry::seq).toList();
            assertThat(seqs).as(where).doesNotHaveDuplicates();
        }
        return new int[] {writes.count(), effects.count()};
    }

    private static MigrationRequest request(
            String key, String ddl, MigrationPolicy policy, @Nullable MigrationId supersedes) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(KEYSPACE)
                .table("orders")
                .ddl(ddl)
                .engine("fake")
                .requestedBy("test")
                .policy(policy)
                .supersedes(supersedes)
                .build();
    }

    private static void assertRegistered(String where, FakeEngine fake, MigrationOrchestrator osc) {
        for (Map.Entry<EngineKey, Set<String>> e : fake.artifactsByRun().entrySet()) {
            EngineKey key = e.getKey();
            ShardRecord s = osc.get(key.migrationId()).shard(key.shard()).orElseThrow();
            assertThat(s.artifactsOf(key).stream().map(Artifact::name))
                    .as(where + ": registry of run " + key)
                    .containsAll(e.getValue());
        }
    }

    private static CrashInjection.Point point(String kind, @Nullable String crashKind, int at) {
        return kind.equals(crashKind) ? CrashInjection.at(at) : CrashInjection.never();
    }

    private static MigrationOrchestrator controller(
            StateStore store,
            FakeTopology topology,
            ExecutionEngine engine,
            TrafficSwitch traffic,
            SettableClock clock) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .trafficSwitch(traffic)
                .healthSignal(HealthSignals.of("errors", m -> HealthVerdict.unhealthy("error rate 9 %")))
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
