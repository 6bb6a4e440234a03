package dev.osc4j.engine.vitess;

import static dev.osc4j.engine.vitess.VitessFixture.KS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.osc4j.AuditEntry;
import dev.osc4j.CutoverMode;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardSnapshot;
import dev.osc4j.Trigger;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.vitess.FakeVtgate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The engine drives migrations through the fake VTGate under the real orchestrator: mysql-connector-j over TCP. */
class VitessMigrationTest {
    private static final Duration LIMIT = Duration.ofMinutes(30);

    private static Map<String, Long> unequalShards() {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-40", 400_000L);
        rows.put("40-80", 100_000L);
        rows.put("80-c0", 50_000L);
        rows.put("c0-", 10_000L);
        return rows;
    }

    private static void assertOneSubmissionPerShard(VitessFixture f) {
        for (String shard : f.topology.shards(KS)) {
            assertThat(f.vtgate.submissions(KS, shard))
                    .as("submissions on " + shard)
                    .hasSize(1);
        }
    }

    @Test
    @DisplayName("4 unequal shards complete; every shard waits at CUTOVER_PENDING for the others; progress is weighted")
    void fourUnequalShards() throws Exception {
        try (VitessFixture f = new VitessFixture(unequalShards())) {
            MigrationOrchestrator osc = f.orchestrator(null);
            MigrationId id = osc.submit(VitessFixture.request("four-shards"));
            MigrationRecord done = Simulation.of(osc, f.clock).runUntil(id, MigrationState.COMPLETED, LIMIT);

            assertThat(done.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
            assertOneSubmissionPerShard(f);
            Set<String> uuids = f.vtgate.submissions().stream()
                    .map(FakeVtgate.Submission::uuid)
                    .collect(Collectors.toSet());
            assertThat(uuids).as("one keyspace-wide submission, one uuid").hasSize(1);
            String uuid = uuids.iterator().next();
            for (ShardRecord s : done.shards()) {
                assertThat(Objects.requireNonNull(s.handle()).attribute(VitessEngine.UUID, ""))
                        .isEqualTo(uuid);
                assertThat(f.vtgate.migration(KS, s.shard(), uuid))
                        .extracting(FakeVtgate.MigrationView::status)
                        .isEqualTo("complete");
                assertThat(f.topology.appliedDdl(KS, s.shard()))
                        .containsExactly(done.spec().ddl());
            }

            // The barrier: nobody was released before the last shard was ready; the small shards waited long.
            Map<String, Instant> pending = new java.util.HashMap<>();
            Instant lastReady = releasedTogether(osc.audit(id), pending);
            Instant firstSwitch =
                    Objects.requireNonNull(VitessFixture.firstEntered(osc.audit(id), MigrationState.SWITCHING_TRAFFIC));
            assertThat(Duration.between(pending.get("c0-"), firstSwitch)).isGreaterThan(Duration.ofSeconds(20));
            List<FakeVtgate.Executed> completes = f.statements("ALTER VITESS_MIGRATION", "COMPLETE");
            assertThat(completes).hasSize(4);
            assertThat(completes).allSatisfy(c -> assertThat(c.at()).isAfterOrEqualTo(lastReady));
            assertThat(completes)
                    .extracting(FakeVtgate.Executed::target)
                    .containsExactlyInAnyOrder(
                            "commerce:-40@primary",
                            "commerce:40-80@primary",
                            "commerce:80-c0@primary",
                            "commerce:c0-@primary");

            // Weighted progress: while -40 (400k rows) copies and the small shards are done, the aggregate follows
            // table_rows, not the shard count.
            ProgressSnapshot mid = f.snapshots.stream()
                    .filter(p -> {
                        ShardSnapshot big = p.shards().get(0);
                        return big.state() == MigrationState.COPYING_ROWS
                                && big.progress().percent() > 30
                                && big.progress().percent() < 70
                                && p.shards().stream()
                                        .skip(1)
                                        .allMatch(s -> s.state().pathIndex()
                                                >= MigrationState.WAITING_FOR_CATCHUP.pathIndex());
                    })
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no snapshot with -40 half copied and the others done"));
            double weighted = 0;
            double weights = 0;
            double plain = 0;
            for (ShardSnapshot s : mid.shards()) {
                assertThat(s.progress().rowsTotal()).isEqualTo(f.topology.rows(KS, s.shard()));
                double percent =
                        s.state() == MigrationState.COPYING_ROWS ? s.progress().percent() : 100;
                weighted += s.progress().rowsTotal() * percent;
                weights += s.progress().rowsTotal();
                plain += percent / 4;
            }
            assertThat(mid.aggregate().percent()).isCloseTo(weighted / weights, within(0.01));
            assertThat(plain - mid.aggregate().percent()).isGreaterThan(20);
            assertThat(mid.aggregate().rowsTotal()).isEqualTo(560_000L);
        }
    }

    /**
     * Checks the barrier on a sound trail: every shard entered CUTOVER_PENDING and none left for SWITCHING_TRAFFIC
     * before the last one was ready. Fills {@code pending} with when each shard last became ready; returns the last.
     */
    private static Instant releasedTogether(List<AuditEntry> trail, Map<String, Instant> pending) {
        AuditTrails.assertSound(trail);
        pending.putAll(VitessFixture.lastEntered(trail, MigrationState.CUTOVER_PENDING));
        Instant lastReady = pending.values().stream().max(Instant::compareTo).orElseThrow();
        Instant firstSwitch =
                Objects.requireNonNull(VitessFixture.firstEntered(trail, MigrationState.SWITCHING_TRAFFIC));
        assertThat(pending).hasSize(4);
        assertThat(firstSwitch).as("no shard swapped before the last was ready").isAfterOrEqualTo(lastReady);
        return lastReady;
    }

    @Test
    @DisplayName(
            "a revertible migration on four shards is reverted by one directive: REVERT VITESS_MIGRATION per shard,"
                    + " held at the barrier and released together; the forward ends REVERTED")
    void revertThroughTheBarrier() throws Exception {
        try (VitessFixture f = new VitessFixture(unequalShards())) {
            MigrationOrchestrator osc = f.orchestrator(MigrationPolicy.builder()
                    .revertWindow(java.time.Duration.ofHours(1))
                    .build());
            Simulation sim = Simulation.of(osc, f.clock);
            MigrationId id = osc.submit(VitessFixture.request("revertible"));
            MigrationRecord swapped = sim.runUntil(id, MigrationState.REVERTIBLE, LIMIT);
            assertThat(swapped.spec().revertible()).isTrue();
            MigrationId revertId = osc.revert(id, "revert-1", "alice");
            MigrationRecord revert = sim.runUntil(revertId, MigrationState.COMPLETED, LIMIT);
            sim.runUntil(id, MigrationState.REVERTED, LIMIT);
            List<FakeVtgate.Submission> reverts = f.vtgate.submissions().stream()
                    .filter(sub ->
                            sub.statement().toUpperCase(java.util.Locale.ROOT).startsWith("REVERT"))
                    .toList();
            assertThat(reverts).as("one REVERT per shard").hasSize(4);
            releasedTogether(osc.audit(revertId), new java.util.HashMap<String, Instant>());
            assertThat(revert.shards()).hasSize(4);
            for (ShardRecord s : revert.shards()) {
                assertThat(f.topology.appliedDdl(KS, s.shard())).hasSize(2);
            }
        }
    }

    @Test
    @DisplayName("a shard that rejects the submission fails alone; the retry adopts the uuid of the others and"
            + " submits to that shard only")
    void partialSubmission() throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards())) {
            f.topology.rejectStart(KS, "80-c0", "schema change refused: table orders is locked by a backup");
            MigrationOrchestrator osc = f.orchestrator(null);
            MigrationId id = osc.submit(VitessFixture.request("partial"));
            Simulation sim = Simulation.of(osc, f.clock);
            MigrationRecord failed = sim.runUntil(id, MigrationState.FAILED, LIMIT);
            ShardRecord rejected = failed.shard("80-c0").orElseThrow();
            assertThat(rejected.state()).isEqualTo(MigrationState.FAILED);
            assertThat(Objects.requireNonNull(rejected.failure()).message()).contains("locked by a backup");
            assertThat(f.vtgate.submissions(KS, "80-c0")).isEmpty();
            assertThat(f.vtgate.rejections(KS, "80-c0")).isNotEmpty();
            String uuid = f.vtgate.submissions(KS, "-40").get(0).uuid();
            for (String shard : List.of("-40", "40-80", "c0-")) {
                assertThat(f.vtgate.submissions(KS, shard))
                        .singleElement()
                        .satisfies(s -> assertThat(s.uuid()).isEqualTo(uuid));
            }

            // The others keep going and wait at the barrier; the operator fixes the shard and retries.
            MigrationRecord waiting = sim.runUntil(
                    id, r -> r.shard("-40").orElseThrow().state() == MigrationState.CUTOVER_PENDING, LIMIT);
            assertThat(waiting.state()).isEqualTo(MigrationState.FAILED);
            f.topology.rejectStart(KS, "80-c0", null);
            osc.retry(id, "retry-1", "operator");
            MigrationRecord done = sim.runUntil(id, MigrationState.COMPLETED, LIMIT);

            assertOneSubmissionPerShard(f);
            FakeVtgate.Submission late = f.vtgate.submissions(KS, "80-c0").get(0);
            assertThat(late.context()).isEqualTo("osc4j:" + id.value());
            assertThat(f.vtgate.submissions(KS, "-40").get(0).context()).isEqualTo(late.context());
            assertThat(f.statements("ALTER TABLE", "").stream().map(FakeVtgate.Executed::target))
                    .as("the repair went to the rejected shard only")
                    .contains("commerce:80-c0@primary")
                    .doesNotContain("commerce:-40@primary", "commerce:40-80@primary", "commerce:c0-@primary");
            for (ShardRecord s : done.shards()) {
                String expected = s.shard().equals("80-c0") ? late.uuid() : uuid;
                assertThat(Objects.requireNonNull(s.handle()).attribute(VitessEngine.UUID, ""))
                        .isEqualTo(expected);
                assertThat(f.topology.appliedDdl(KS, s.shard())).hasSize(1);
            }
            AuditTrails.assertSound(osc.audit(id));
        }
    }

    @Test
    @DisplayName("a shard failing mid-copy fails the migration; retry sends RETRY to that shard once and completes")
    void failMidCopyThenRetry() throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards())) {
            f.topology.failAt(KS, "40-80", 40);
            MigrationOrchestrator osc = f.orchestrator(null);
            MigrationId id = osc.submit(VitessFixture.request("fail-retry"));
            Simulation sim = Simulation.of(osc, f.clock);
            MigrationRecord failed = sim.runUntil(id, MigrationState.FAILED, LIMIT);
            ShardRecord shard = failed.shard("40-80").orElseThrow();
            assertThat(Objects.requireNonNull(shard.failure()).reason()).isEqualTo(FailureReason.ENGINE_FAILED);
            assertThat(Objects.requireNonNull(shard.failure()).message()).contains("40.0%");
            assertThat(failed.shards().stream().filter(s -> s.state() == MigrationState.FAILED))
                    .hasSize(1);

            osc.retry(id, "retry-1", "operator");
            MigrationRecord done = sim.runUntil(id, MigrationState.COMPLETED, LIMIT);
            assertThat(done.attempt()).isEqualTo(2);
            assertOneSubmissionPerShard(f);
            List<FakeVtgate.Executed> retries = f.statements("ALTER VITESS_MIGRATION", "RETRY");
            assertThat(retries)
                    .singleElement()
                    .satisfies(r -> assertThat(r.target()).isEqualTo("commerce:40-80@primary"));
            String uuid = f.vtgate.submissions(KS, "40-80").get(0).uuid();
            assertThat(f.vtgate.migration(KS, "40-80", uuid)).satisfies(m -> {
                assertThat(m).isNotNull();
                assertThat(m.retries()).isEqualTo(1);
                assertThat(m.status()).isEqualTo("complete");
            });
            assertThat(Objects.requireNonNull(done.shard("40-80").orElseThrow().handle())
                            .key()
                            .attempt())
                    .isEqualTo(2);
            AuditTrails.assertSound(osc.audit(id));
        }
    }

    @Test
    @DisplayName("aborting a failed migration cancels every running shard and cleans up every shard")
    void failMidCopyThenAbort() throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards())) {
            f.topology.failAt(KS, "40-80", 40);
            MigrationOrchestrator osc = f.orchestrator(null);
            MigrationId id = osc.submit(VitessFixture.request("fail-abort"));
            Simulation sim = Simulation.of(osc, f.clock);
            sim.runUntil(id, MigrationState.FAILED, LIMIT);
            osc.abort(id, "abort-1", "operator");
            MigrationRecord aborted = sim.runUntil(id, MigrationState.ABORTED, LIMIT);

            assertThat(aborted.shards()).allMatch(s -> s.state() == MigrationState.ABORTED);
            String uuid = f.vtgate.submissions(KS, "-40").get(0).uuid();
            for (String shard : f.topology.shards(KS)) {
                FakeVtgate.MigrationView m = Objects.requireNonNull(f.vtgate.migration(KS, shard, uuid));
                assertThat(m.status()).as(shard).isEqualTo(shard.equals("40-80") ? "failed" : "cancelled");
                assertThat(m.cleanedUp()).as(shard + " cleaned up").isTrue();
                assertThat(f.topology.appliedDdl(KS, shard)).isEmpty();
            }
            assertThat(f.statements("ALTER VITESS_MIGRATION", "CANCEL")).hasSize(3);
            assertThat(f.statements("ALTER VITESS_MIGRATION", "CLEANUP")).hasSize(4);
            assertThat(f.statements("ALTER VITESS_MIGRATION", "COMPLETE")).isEmpty();
            AuditTrails.assertSound(osc.audit(id));
        }
    }

    @Test
    @DisplayName("a reparent while shards wait for the cut-over sends the shard back; the cut-over waits for it")
    void reparentHoldsCutover() throws Exception {
        try (VitessFixture f = new VitessFixture(VitessFixture.smallShards())) {
            MigrationPolicy policy =
                    MigrationPolicy.builder().cutoverMode(CutoverMode.MANUAL).build();
            MigrationOrchestrator osc = f.orchestrator(policy);
            MigrationId id = osc.submit(VitessFixture.request("reparent"));
            Simulation sim = Simulation.of(osc, f.clock);
            MigrationRecord pending = sim.runUntil(id, MigrationState.CUTOVER_PENDING, LIMIT);
            String before =
                    Objects.requireNonNull(pending.shard("80-c0").orElseThrow().primary());
            assertThat(before).startsWith("zone1-");

            f.topology.reparent(KS, "80-c0");
            MigrationRecord back = sim.runUntil(
                    id, r -> r.shard("80-c0").orElseThrow().state() == MigrationState.WAITING_FOR_CATCHUP, LIMIT);
            String after =
                    Objects.requireNonNull(back.shard("80-c0").orElseThrow().primary());
            assertThat(after).isNotEqualTo(before);
            osc.releaseCutover(id, "release-1", "operator");

            // Nobody switches while the reparented shard re-validates.
            Instant releasedAt = f.clock.instant();
            MigrationRecord r = osc.get(id);
            while (r.state() != MigrationState.COMPLETED) {
                boolean reparentedReady = r.shard("80-c0").orElseThrow().state().pathIndex()
                        >= MigrationState.CUTOVER_PENDING.pathIndex();
                if (!reparentedReady) {
                    assertThat(r.shards()).noneMatch(s -> s.state() == MigrationState.SWITCHING_TRAFFIC);
                }
                sim.tick();
                r = osc.get(id);
                assertThat(Duration.between(releasedAt, f.clock.instant())).isLessThan(LIMIT);
            }
            List<AuditEntry> trail = osc.audit(id);
            AuditTrails.assertSound(trail);
            assertThat(trail).anySatisfy(e -> {
                assertThat(e.shard()).isEqualTo("80-c0");
                assertThat(e.trigger()).isEqualTo(Trigger.REVALIDATE);
                assertThat(e.detail()).contains("primary changed");
            });
            Instant backReady = VitessFixture.lastEntered(trail, MigrationState.CUTOVER_PENDING)
                    .get("80-c0");
            assertThat(f.statements("ALTER VITESS_MIGRATION", "COMPLETE"))
                    .hasSize(4)
                    .allSatisfy(c -> assertThat(c.at()).isAfterOrEqualTo(backReady));
            String uuid = f.vtgate.submissions(KS, "80-c0").get(0).uuid();
            assertThat(f.vtgate.migration(KS, "80-c0", uuid)).satisfies(m -> {
                assertThat(m).isNotNull();
                assertThat(m.tablet()).isEqualTo(after);
                assertThat(m.status()).isEqualTo("complete");
            });
            assertOneSubmissionPerShard(f);
        }
    }

    @Test
    @DisplayName("a lag spike shows the shard throttled with Vitess's reason; an operator's throttle ratio reaches"
            + " VTGate")
    void throttle() throws Exception {
        try (VitessFixture f = new VitessFixture(unequalShards())) {
            MigrationPolicy policy =
                    MigrationPolicy.builder().throttleOnReplicaLag(false).build();
            MigrationOrchestrator osc = f.orchestrator(policy);
            MigrationId id = osc.submit(VitessFixture.request("throttle"));
            Simulation sim = Simulation.of(osc, f.clock);
            sim.runUntil(id, r -> r.shard("-40").orElseThrow().state() == MigrationState.COPYING_ROWS, LIMIT);
            f.topology.lagSpike(KS, "-40", Duration.ofSeconds(20), Duration.ofSeconds(10));
            int before = f.snapshots.size();
            for (int i = 0; i < 5; i++) {
                sim.tick();
            }
            ProgressSnapshot during = f.snapshots.get(f.snapshots.size() - 1);
            assertThat(f.snapshots.size()).isGreaterThan(before);
            ShardSnapshot big = during.shards().get(0);
            assertThat(big.progress().throttled()).isTrue();
            assertThat(big.progress().throttleReason())
                    .contains("tablet throttler")
                    .contains("vcopier")
                    .contains("lag=20s");
            assertThat(during.shards().subList(1, 4))
                    .noneMatch(s -> s.progress().throttled());
            assertThat(during.aggregate().throttledShards()).isEqualTo(1);

            osc.throttle(id, "throttle-1", 0.5, "operator");
            sim.tick();
            sim.tick();
            String uuid = f.vtgate.submissions(KS, "-40").get(0).uuid();
            assertThat(f.statements("ALTER VITESS_MIGRATION", "THROTTLE EXPIRE '8760h' RATIO 0.5"))
                    .extracting(FakeVtgate.Executed::target)
                    .contains("commerce:-40@primary");
            assertThat(f.vtgate.migration(KS, "-40", uuid))
                    .extracting(FakeVtgate.MigrationView::userThrottleRatio)
                    .isEqualTo(0.5);
            osc.throttle(id, "throttle-2", 0, "operator");
            MigrationRecord done = Simulation.of(osc, f.clock).runUntil(id, MigrationState.COMPLETED, LIMIT);
            assertThat(f.statements("ALTER VITESS_MIGRATION", "UNTHROTTLE"))
                    .extracting(FakeVtgate.Executed::target)
                    .contains("commerce:-40@primary");
            assertThat(done.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
        }
    }
}
