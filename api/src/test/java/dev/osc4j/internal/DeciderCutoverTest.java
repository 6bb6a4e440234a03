package dev.osc4j.internal;

import static dev.osc4j.TestRecords.KEYSPACE;
import static dev.osc4j.TestRecords.PAUSED;
import static dev.osc4j.TestRecords.RELEASED;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.approved;
import static dev.osc4j.TestRecords.handle;
import static dev.osc4j.TestRecords.health;
import static dev.osc4j.TestRecords.key;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.TestRecords.primaryOf;
import static dev.osc4j.TestRecords.replicaOf;
import static dev.osc4j.internal.Decisions.ACTOR;
import static dev.osc4j.internal.Decisions.CAPS;
import static dev.osc4j.internal.Decisions.decide;
import static dev.osc4j.internal.Decisions.everyShard;
import static dev.osc4j.internal.Decisions.input;
import static dev.osc4j.internal.Decisions.intent;
import static dev.osc4j.internal.Decisions.observed;
import static dev.osc4j.internal.Decisions.shard;
import static dev.osc4j.internal.Decisions.transitions;
import static dev.osc4j.internal.Decisions.waitReason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.CutoverMode;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationWindow;
import dev.osc4j.ShardRecord;
import dev.osc4j.Trigger;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.internal.Decider.ShardInput;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Decider: the cut-over")
class DeciderCutoverTest {
    private static final String A = "-40";
    private static final String B = "40-80";
    private static final String C = "80-";
    private static final List<String> ALL = List.of(A, B, C);

    private static MigrationRecord allReady() {
        return migration(A, B, C).in(MigrationState.CUTOVER_PENDING).build();
    }

    private static Map<String, ShardInput> ready(MigrationRecord rec) {
        return everyShard(rec, EnginePhase.READY_FOR_CUTOVER);
    }

    private static void assertHeld(Decision d, String reason) {
        for (String s : ALL) {
            assertThat(shard(d, s).state()).as(s).isEqualTo(MigrationState.CUTOVER_PENDING);
            assertThat(shard(d, s).intent()).as(s).isNull();
            assertThat(waitReason(d, s)).as(s).isEqualTo(reason);
        }
        assertThat(transitions(d.audit(), null)).isEmpty();
    }

    @Test
    @DisplayName("releases every ready shard together, in one decision, with a RELEASE_CUTOVER intent each")
    void releasesAllTogether() {
        MigrationRecord rec = allReady();
        Decision d = decide(rec, ready(rec));
        for (String s : ALL) {
            assertThat(shard(d, s).state()).isEqualTo(MigrationState.SWITCHING_TRAFFIC);
            Intent release = intent(d, s);
            assertThat(release.kind()).isEqualTo(IntentKind.RELEASE_CUTOVER);
            assertThat(release.key()).isEqualTo(handle(s, 1).key());
        }
        assertThat(transitions(d.audit(), null))
                .singleElement()
                .satisfies(e -> assertThat(e.to()).isEqualTo(MigrationState.SWITCHING_TRAFFIC));
        assertThat(d.audit().stream().filter(e -> e.shard() != null && e.trigger() == Trigger.CUTOVER))
                .hasSize(3)
                .allSatisfy(e -> assertThat(e.detail()).isEqualTo("barrier and cut-over gates passed for 3 shard(s)"));
        assertThat(d.write()).isTrue();
    }

    @Test
    @DisplayName("the barrier: one shard not ready holds every other shard")
    void barrierHoldsAll() {
        MigrationRecord rec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .shard(C, MigrationState.WAITING_FOR_CATCHUP)
                .state(MigrationState.WAITING_FOR_CATCHUP)
                .build();
        Map<String, ShardInput> in = new HashMap<>(ready(rec));
        in.put(C, observed(C, EnginePhase.CATCHING_UP));
        Decision d = decide(rec, in);
        for (String s : List.of(A, B)) {
            assertThat(shard(d, s).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
            assertThat(shard(d, s).intent()).isNull();
            assertThat(waitReason(d, s))
                    .isEqualTo("barrier: 2/3 shards ready; waiting for " + C + " WAITING_FOR_CATCHUP");
        }
        assertThat(waitReason(d, C)).isEqualTo("engine catching up");
        assertThat(d.audit()).isEmpty();
    }

    @Test
    @DisplayName("the barrier: a failed shard holds every other shard")
    void failedShardHoldsAll() {
        MigrationRecord rec = migration(A, B)
                .in(MigrationState.CUTOVER_PENDING)
                .shard(B, MigrationState.FAILED)
                .state(MigrationState.FAILED)
                .build();
        Decision d = decide(rec, Map.of(A, observed(A, EnginePhase.READY_FOR_CUTOVER)));
        assertThat(shard(d, A).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(waitReason(d, A)).isEqualTo("barrier: 1/2 shards ready; waiting for " + B + " FAILED");
    }

    @Test
    @DisplayName("does not release a shard in the decision in which it arrived, nor the others with it")
    void justArrivedIsNotReleased() {
        MigrationRecord rec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .shard(C, MigrationState.WAITING_FOR_CATCHUP)
                .state(MigrationState.WAITING_FOR_CATCHUP)
                .build();
        Decision d = decide(rec, ready(rec));
        assertThat(shard(d, C).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        for (String s : ALL) {
            assertThat(shard(d, s).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
            assertThat(shard(d, s).intent()).isNull();
        }
        assertThat(d.record().state()).isEqualTo(MigrationState.CUTOVER_PENDING);

        Decision next = decide(d.record(), ready(d.record()));
        for (String s : ALL) {
            assertThat(shard(next, s).state()).isEqualTo(MigrationState.SWITCHING_TRAFFIC);
        }
    }

    @Test
    @DisplayName("does not release anyone while a ready shard has an intent pending")
    void pendingIntentHoldsRelease() {
        MigrationRecord rec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .shard(A, s -> s.withIntent(new Intent(IntentKind.THROTTLE, key(A, 1), "t", 0.0, T0)))
                .build();
        Decision d = decide(rec, ready(rec));
        for (String s : ALL) {
            assertThat(shard(d, s).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        }
        assertThat(d.audit()).isEmpty();
    }

    @Test
    @DisplayName("holds every shard while the cut-over window is closed")
    void windowClosed() {
        MigrationWindow night = MigrationWindow.daily(LocalTime.of(2, 0), LocalTime.of(5, 0), ZoneOffset.UTC);
        MigrationRecord rec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.cutoverWindow(night))
                .build();
        Decision d = decide(rec, ready(rec));
        assertThat(shard(d, A).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(waitReason(d, A))
                .startsWith("window: cut-over window closed (opens ")
                .contains("02:00-05:00 Z");
        assertThat(waitReason(d, B)).isEqualTo(waitReason(d, A));
    }

    @Test
    @DisplayName("releases inside the cut-over window")
    void windowOpen() {
        MigrationWindow morning = MigrationWindow.daily(LocalTime.of(9, 0), LocalTime.of(11, 0), ZoneOffset.UTC);
        MigrationRecord rec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.cutoverWindow(morning))
                .build();
        assertThat(shard(decide(rec, ready(rec)), A).state()).isEqualTo(MigrationState.SWITCHING_TRAFFIC);
    }

    @Test
    @DisplayName("holds every shard until the cut-over is approved, when the policy asks for an approval")
    void cutoverApproval() {
        MigrationRecord rec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.requireCutoverApproval(true))
                .build();
        assertHeld(decide(rec, ready(rec)), "cutover_approval: waiting for cutover approval");

        MigrationRecord approvedRec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.requireCutoverApproval(true))
                .controls(approved(ApprovalStage.CUTOVER))
                .build();
        assertThat(shard(decide(approvedRec, ready(approvedRec)), A).state())
                .isEqualTo(MigrationState.SWITCHING_TRAFFIC);
    }

    @Test
    @DisplayName("holds every shard in MANUAL mode until an operator releases the cut-over")
    void manualRelease() {
        MigrationRecord rec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.cutoverMode(CutoverMode.MANUAL))
                .build();
        assertHeld(decide(rec, ready(rec)), "cutover_release: waiting for the cut-over to be released");

        MigrationRecord released = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.cutoverMode(CutoverMode.MANUAL))
                .controls(RELEASED)
                .build();
        assertThat(shard(decide(released, ready(released)), C).state()).isEqualTo(MigrationState.SWITCHING_TRAFFIC);
    }

    @Test
    @DisplayName("evaluates the cut-over gates in the declared order: the approval is named before the window")
    void gatesInDeclaredOrder() {
        MigrationWindow night = MigrationWindow.daily(LocalTime.of(2, 0), LocalTime.of(5, 0), ZoneOffset.UTC);
        MigrationRecord rec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.cutoverWindow(night).requireCutoverApproval(true).cutoverMode(CutoverMode.MANUAL))
                .build();
        assertHeld(decide(rec, ready(rec)), "cutover_approval: waiting for cutover approval");
    }

    @Test
    @DisplayName("holds a shard whose topology was read too long ago")
    void staleTopology() {
        MigrationRecord rec = allReady();
        Map<String, ShardInput> in = new HashMap<>(ready(rec));
        ShardHealth old = new ShardHealth(
                KEYSPACE,
                B,
                primaryOf(B),
                1,
                null,
                List.of(new ReplicaHealth(replicaOf(B), Duration.ZERO, null)),
                T0.minusSeconds(31));
        in.put(B, input(EngineObservation.of(EnginePhase.READY_FOR_CUTOVER), old));
        Decision d = decide(rec, in);
        assertThat(waitReason(d, B)).isEqualTo("topology_fresh: topology read 31s ago, older than 30s");
        assertThat(waitReason(d, A)).isEqualTo("waiting for other shards' cut-over gates");
        assertThat(shard(d, A).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
    }

    @Test
    @DisplayName("holds every shard while one shard's replica lags")
    void replicaLagAtCutover() {
        MigrationRecord rec = allReady();
        Map<String, ShardInput> in = new HashMap<>(ready(rec));
        in.put(A, input(EngineObservation.of(EnginePhase.READY_FOR_CUTOVER), health(A, Duration.ofSeconds(12))));
        Decision d = decide(rec, in);
        assertThat(waitReason(d, A)).isEqualTo("replica_lag: replica lag 12s > 10s");
        assertThat(shard(d, B).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(d.audit()).isEmpty();
    }

    @Test
    @DisplayName("sends a shard whose primary changed back to WAITING_FOR_CATCHUP and records the new primary")
    void reparentRevalidates() {
        MigrationRecord rec = allReady();
        Map<String, ShardInput> in = new HashMap<>(ready(rec));
        ShardHealth moved = new ShardHealth(
                KEYSPACE, B, "new-primary", 2, null, List.of(new ReplicaHealth(replicaOf(B), Duration.ZERO, null)), T0);
        in.put(B, input(EngineObservation.of(EnginePhase.READY_FOR_CUTOVER), moved));
        Decision d = decide(rec, in);
        ShardRecord b = shard(d, B);
        assertThat(b.state()).isEqualTo(MigrationState.WAITING_FOR_CATCHUP);
        assertThat(b.primary()).isEqualTo("new-primary");
        assertThat(transitions(d.audit(), B)).singleElement().satisfies(e -> {
            assertThat(e.trigger()).isEqualTo(Trigger.REVALIDATE);
            assertThat(e.detail()).contains("primary changed from " + primaryOf(B) + " to new-primary");
        });
        assertThat(shard(d, A).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(d.record().state()).isEqualTo(MigrationState.WAITING_FOR_CATCHUP);
    }

    @Test
    @DisplayName("holds, re-validating, a shard whose primary changed while its engine was not observed")
    void reparentUnobserved() {
        MigrationRecord rec = allReady();
        Map<String, ShardInput> in = new HashMap<>(ready(rec));
        ShardHealth moved = new ShardHealth(
                KEYSPACE, B, "new-primary", 2, null, List.of(new ReplicaHealth(replicaOf(B), Duration.ZERO, null)), T0);
        in.put(B, input(null, moved));
        Decision d = decide(rec, in);
        assertThat(waitReason(d, B))
                .isEqualTo("topology_fresh: primary is new-primary, recorded " + primaryOf(B) + ": re-validating");
        assertThat(shard(d, B).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(shard(d, A).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
    }

    @Test
    @DisplayName("does not release while paused")
    void pausedHolds() {
        MigrationRecord rec = migration(A, B, C)
                .in(MigrationState.CUTOVER_PENDING)
                .controls(PAUSED)
                .build();
        assertHeld(decide(rec, ready(rec)), "paused by operator");
    }

    @Test
    @DisplayName("fails the shard whose cut-over gate fails, and holds the others")
    void gateFailureFailsOneShard() {
        Gate notOnB = new Gate() {
            @Override
            public String name() {
                return "not-b";
            }

            @Override
            public GateResult evaluate(GateContext context) {
                return context.shard().shard().equals(B) ? GateResult.fail("B is special") : GateResult.pass();
            }
        };
        Decider decider = new Decider(
                GateSet.defaults().with(MigrationState.CUTOVER_PENDING, MigrationState.SWITCHING_TRAFFIC, notOnB),
                Decisions.SOFT_WRITE_INTERVAL);
        MigrationRecord rec = allReady();
        Decision d = decider.decide(rec, ready(rec), CAPS, ACTOR, T0);
        assertThat(shard(d, B).state()).isEqualTo(MigrationState.FAILED);
        assertThat(Objects.requireNonNull(shard(d, B).failure()).reason()).isEqualTo(FailureReason.GATE_FAILED);
        assertThat(Objects.requireNonNull(shard(d, B).failure()).message()).isEqualTo("not-b: B is special");
        assertThat(shard(d, A).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(waitReason(d, A)).isEqualTo("waiting for other shards' cut-over gates");
        assertThat(d.record().state()).isEqualTo(MigrationState.FAILED);
        assertThat(d.audit()).extracting(AuditEntry::trigger).doesNotContain(Trigger.CUTOVER);
    }
}
