package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.CutoverMode;
import dev.osc4j.Failure;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationWindow;
import dev.osc4j.ShardRecord;
import dev.osc4j.Trigger;
import dev.osc4j.testkit.AuditTrails;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** End-to-end flows on the fake world, each driven deterministically by the simulation. */
class FlowsTest {

    private static boolean allIn(MigrationRecord r, MigrationState s) {
        return r.shards().stream().allMatch(x -> x.state() == s);
    }

    @Test
    @DisplayName(
            "the barrier holds every shard in CUTOVER_PENDING until the last arrives, then releases all in one write")
    void barrierReleasesTogether() {
        World w = new World();
        MigrationId id = w.submit("barrier", null);
        w.topology.stall(World.KS, "-40", true); // the biggest shard stays behind until released below
        MigrationRecord waiting =
                w.runUntil(id, r -> r.shard("c0-").orElseThrow().state() == MigrationState.CUTOVER_PENDING);
        assertThat(waiting.shard("-40").orElseThrow().state()).isEqualTo(MigrationState.COPYING_ROWS);
        w.run(Duration.ofSeconds(15)); // wait reasons are written with the progress, every 10 s
        assertThat(w.osc.get(id).shard("c0-").orElseThrow().waitReason())
                .contains("shards ready")
                .contains("-40");
        assertThat(w.osc.get(id).state()).isEqualTo(MigrationState.COPYING_ROWS);
        w.topology.stall(World.KS, "-40", false);
        w.runUntil(id, MigrationState.COMPLETED);
        List<AuditEntry> cutovers = w.osc.audit(id).stream()
                .filter(e -> e.trigger() == Trigger.CUTOVER && e.shard() != null)
                .toList();
        assertThat(cutovers).hasSize(4);
        // One write: consecutive sequence numbers (transition + intent per shard) at the same instant.
        assertThat(cutovers.get(3).seq() - cutovers.get(0).seq()).isEqualTo(6);
        assertThat(cutovers.stream().map(AuditEntry::at).distinct()).hasSize(1);
        AuditTrails.assertSound(w.osc.audit(id));
    }

    @Test
    @DisplayName("approvals and a manual release hold the migration at each stage until given")
    void approvalsAndManualRelease() {
        World w = new World();
        MigrationPolicy policy = MigrationPolicy.builder()
                .requireStartApproval(true)
                .requireCutoverApproval(true)
                .cutoverMode(CutoverMode.MANUAL)
                .build();
        MigrationId id = w.submit("manual", policy);
        w.run(Duration.ofMinutes(2));
        MigrationRecord held = w.osc.get(id);
        assertThat(held.state()).isEqualTo(MigrationState.QUEUED);
        assertThat(held.shards().get(0).waitReason()).contains("start approval");
        assertThat(w.engine.runsStarted()).isZero();

        w.osc.approve(id, "start-ok", ApprovalStage.START, "dba");
        w.runUntil(id, r -> allIn(r, MigrationState.CUTOVER_PENDING));
        w.run(Duration.ofMinutes(5));
        assertThat(w.osc.get(id).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(w.osc.get(id).shards().get(0).waitReason()).contains("cutover approval");

        w.osc.approve(id, "cutover-ok", ApprovalStage.CUTOVER, "dba");
        w.run(Duration.ofMinutes(1));
        assertThat(w.osc.get(id).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(w.osc.get(id).shards().get(0).waitReason()).contains("released");

        w.osc.releaseCutover(id, "go", "dba");
        w.runUntil(id, MigrationState.COMPLETED);
        AuditTrails.assertSound(w.osc.audit(id));
    }

    @Test
    @DisplayName("a closed cut-over window holds the cut-over until it opens")
    void window() {
        World w = new World();
        // The clock starts at 00:00 UTC; the window opens at 01:00.
        MigrationPolicy policy = MigrationPolicy.builder()
                .cutoverWindow(MigrationWindow.daily(LocalTime.of(1, 0), LocalTime.of(2, 0), ZoneOffset.UTC))
                .build();
        MigrationId id = w.submit("window", policy);
        w.runUntil(id, r -> allIn(r, MigrationState.CUTOVER_PENDING));
        w.run(Duration.ofMinutes(10));
        assertThat(w.osc.get(id).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(w.osc.get(id).shards().get(0).waitReason()).contains("window closed");
        MigrationRecord done = w.runUntil(id, MigrationState.COMPLETED);
        assertThat(done.updatedAt()).isAfterOrEqualTo(java.time.Instant.parse("2026-01-01T01:00:00Z"));
    }

    @Test
    @DisplayName("a shard failing mid-copy fails the migration; retry cleans up its artifacts and completes it")
    void failAndRetry() {
        World w = new World();
        w.topology.failAt(World.KS, "40-80", 40);
        MigrationId id = w.submit("fail-retry", null);
        MigrationRecord failed = w.runUntil(id, MigrationState.FAILED);
        ShardRecord shard = failed.shard("40-80").orElseThrow();
        Failure failure = Objects.requireNonNull(shard.failure());
        assertThat(failure.reason()).isEqualTo(FailureReason.ENGINE_FAILED);
        assertThat(failure.message()).contains("40");
        assertThat(w.engine.artifacts(World.KS, "40-80")).isNotEmpty();
        // The healthy shards keep going to the barrier and wait there.
        w.run(Duration.ofMinutes(1));
        assertThat(w.osc.get(id).shard("-40").orElseThrow().state()).isEqualTo(MigrationState.CUTOVER_PENDING);

        w.osc.retry(id, "retry", "dba");
        w.runUntil(id, MigrationState.COMPLETED);
        assertThat(w.engine.runsOn(World.KS, "40-80"))
                .extracting(k -> k.attempt())
                .containsExactly(1, 2);
        assertThat(w.engine.runsOn(World.KS, "-40")).hasSize(1);
        for (String s : w.topology.shards(World.KS)) {
            assertThat(w.engine.artifacts(World.KS, s)).as(s).isEmpty();
        }
        AuditTrails.assertSound(w.osc.audit(id));
    }

    @Test
    @DisplayName("abort during the copy cancels every run, drops every artifact and ends ABORTED")
    void abortDuringCopy() {
        World w = new World();
        MigrationId id = w.submit("abort", null);
        w.runUntil(id, MigrationState.COPYING_ROWS);
        w.osc.abort(id, "stop", "dba");
        MigrationRecord aborted = w.runUntil(id, MigrationState.ABORTED);
        assertThat(aborted.shards()).allMatch(s -> s.state() == MigrationState.ABORTED && s.handle() == null);
        for (String s : w.topology.shards(World.KS)) {
            assertThat(w.engine.artifacts(World.KS, s)).as(s).isEmpty();
            assertThat(w.topology.appliedDdl(World.KS, s)).isEmpty();
        }
        assertThat(w.engine.phases().values()).allMatch(p -> p == dev.osc4j.spi.EnginePhase.CANCELLED);
        AuditTrails.assertSound(w.osc.audit(id));
    }

    @Test
    @DisplayName("a reparent while waiting at the barrier sends the shard back to re-validation and holds the cut-over")
    void reparentHoldsCutover() {
        World w = new World();
        MigrationId id = w.submit("reparent", null);
        w.runUntil(id, r -> r.shard("c0-").orElseThrow().state() == MigrationState.CUTOVER_PENDING);
        String before =
                Objects.requireNonNull(w.osc.get(id).shard("c0-").orElseThrow().primary());
        String after = w.topology.reparent(World.KS, "c0-");
        w.run(Duration.ofSeconds(1));
        ShardRecord s = w.osc.get(id).shard("c0-").orElseThrow();
        assertThat(after).isNotEqualTo(before);
        assertThat(w.osc.audit(id)).anySatisfy(e -> {
            assertThat(e.trigger()).isEqualTo(Trigger.REVALIDATE);
            assertThat(e.shard()).isEqualTo("c0-");
            assertThat(e.detail()).contains(before).contains(after);
        });
        assertThat(s.primary()).isEqualTo(after);
        MigrationRecord done = w.runUntil(id, MigrationState.COMPLETED);
        assertThat(done.shard("c0-").orElseThrow().primary()).isEqualTo(after);
        AuditTrails.assertSound(w.osc.audit(id));
    }

    @Test
    @DisplayName(
            "replica lag over the threshold throttles the shard with the lag as the reason, and holds the cut-over")
    void lagThrottles() {
        World w = new World();
        MigrationId id = w.submit("lag", null);
        w.runUntil(id, MigrationState.COPYING_ROWS);
        w.topology.setReplicaLag(World.KS, "-40", Duration.ofSeconds(30));
        w.run(Duration.ofSeconds(3));
        ShardRecord s = w.osc.get(id).shard("-40").orElseThrow();
        assertThat(s.appliedThrottleRatio()).isEqualTo(1.0);
        long copied = w.osc.get(id).shard("-40").orElseThrow().progress().rowsCopied();
        w.run(Duration.ofSeconds(20));
        MigrationRecord r = w.osc.get(id);
        assertThat(r.shard("-40").orElseThrow().progress().throttled()).isTrue();
        assertThat(r.shard("-40").orElseThrow().progress().throttleReason()).contains("replica lag 30s > 10s");
        assertThat(r.shard("-40").orElseThrow().progress().rowsCopied()).isEqualTo(copied);
        w.topology.setReplicaLag(World.KS, "-40", Duration.ZERO);
        MigrationRecord done = w.runUntil(id, MigrationState.COMPLETED);
        assertThat(done.shard("-40").orElseThrow().appliedThrottleRatio()).isZero();
    }

    @Test
    @DisplayName("pause throttles every copy fully and starts nothing; resume lets it finish")
    void pauseResume() {
        World w = new World();
        MigrationId id = w.submit("pause", null);
        w.runUntil(id, MigrationState.COPYING_ROWS);
        w.osc.pause(id, "p", "dba");
        w.run(Duration.ofSeconds(3));
        long copied = w.osc.get(id).shard("-40").orElseThrow().progress().rowsCopied();
        w.run(Duration.ofMinutes(5));
        MigrationRecord paused = w.osc.get(id);
        assertThat(paused.shard("-40").orElseThrow().progress().rowsCopied()).isEqualTo(copied);
        assertThat(paused.shard("-40").orElseThrow().progress().throttleReason())
                .contains("paused");
        assertThat(paused.state()).isNotEqualTo(MigrationState.SWITCHING_TRAFFIC);
        w.osc.resume(id, "r", "dba");
        w.runUntil(id, MigrationState.COMPLETED);
    }

    @Test
    @DisplayName("a stalled copy is marked stalled; with fail-on-stall the shard fails with reason STALLED")
    void stall() {
        World w = new World();
        MigrationPolicy policy =
                MigrationPolicy.builder().stallTimeout(Duration.ofMinutes(2)).build();
        MigrationId id = w.submit("stall", policy);
        w.runUntil(id, MigrationState.COPYING_ROWS);
        w.topology.stall(World.KS, "-40", true);
        w.run(Duration.ofMinutes(3));
        assertThat(w.osc.get(id).shard("-40").orElseThrow().progress().stalled())
                .isTrue();
        assertThat(w.osc.audit(id)).anySatisfy(e -> assertThat(e.stepId()).contains("stalled"));
        w.topology.stall(World.KS, "-40", false);
        w.runUntil(id, MigrationState.COMPLETED);

        World strict = new World();
        MigrationId id2 = strict.submit(
                "stall-fail",
                MigrationPolicy.builder()
                        .stallTimeout(Duration.ofMinutes(2))
                        .failOnStall(true)
                        .build());
        strict.runUntil(id2, MigrationState.COPYING_ROWS);
        strict.topology.stall(World.KS, "-40", true);
        MigrationRecord failed = strict.runUntil(id2, MigrationState.FAILED);
        assertThat(Objects.requireNonNull(failed.shard("-40").orElseThrow().failure())
                        .reason())
                .isEqualTo(FailureReason.STALLED);
    }

    @Test
    @DisplayName("an engine that is unreachable for a while holds the migration without failing it")
    void engineUnavailable() {
        World w = new World();
        MigrationId id = w.submit("unavailable", null);
        w.runUntil(id, MigrationState.COPYING_ROWS);
        w.engine.unavailable(true);
        w.run(Duration.ofMinutes(2));
        assertThat(w.osc.get(id).state()).isEqualTo(MigrationState.COPYING_ROWS);
        w.engine.unavailable(false);
        w.runUntil(id, MigrationState.COMPLETED);
        assertThat(w.engine.runsStarted()).isEqualTo(4);
    }
}
