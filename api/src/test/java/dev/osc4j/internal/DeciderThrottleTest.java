package dev.osc4j.internal;

import static dev.osc4j.TestRecords.PAUSED;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.handle;
import static dev.osc4j.TestRecords.health;
import static dev.osc4j.TestRecords.healthy;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.TestRecords.replicaOf;
import static dev.osc4j.TestRecords.throttled;
import static dev.osc4j.internal.Decisions.decide;
import static dev.osc4j.internal.Decisions.input;
import static dev.osc4j.internal.Decisions.intent;
import static dev.osc4j.internal.Decisions.ofKind;
import static dev.osc4j.internal.Decisions.shard;
import static dev.osc4j.internal.Decisions.waitReason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.Intent;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.internal.Decider.ShardInput;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayName("Decider: throttling")
class DeciderThrottleTest {
    private static final String S = "-80";

    private static Decision copying(Controls controls, double applied, @Nullable ShardHealth health) {
        return copying(MigrationPolicy.defaults(), controls, applied, health);
    }

    private static Decision copying(
            MigrationPolicy policy, Controls controls, double applied, @Nullable ShardHealth health) {
        MigrationRecord rec = migration(S)
                .in(MigrationState.COPYING_ROWS)
                .policy(policy)
                .controls(controls)
                .shard(S, s -> s.withAppliedThrottleRatio(applied))
                .build();
        return decide(rec, Map.of(S, input(EngineObservation.of(EnginePhase.COPYING), health)));
    }

    private static void assertThrottle(Decision d, double ratio, String detail) {
        Intent t = intent(d, S);
        assertThat(t.kind()).isEqualTo(IntentKind.THROTTLE);
        assertThat(t.ratio()).isEqualTo(ratio);
        assertThat(t.key()).isEqualTo(handle(S, 1).key());
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.COPYING_ROWS);
        assertThat(ofKind(d.audit(), AuditEntry.Kind.INTENT))
                .singleElement()
                .satisfies(e -> assertThat(e.detail()).endsWith(": " + detail));
    }

    private static void assertNoThrottle(Decision d) {
        assertThat(shard(d, S).intent()).isNull();
        assertThat(d.audit()).isEmpty();
    }

    @Test
    @DisplayName("with a target lag the run starts slowed, at the slow start's rate, written ahead with its start;"
            + " without one it starts at full speed")
    void closedLoopStartsSlowed() {
        MigrationRecord closedLoop = migration(S)
                .policy(p -> p.targetReplicaLag(Duration.ofSeconds(1)))
                .build();
        Intent start = intent(decide(closedLoop, Map.of(S, input(null, healthy(S)))), S);
        assertThat(start.kind()).isEqualTo(IntentKind.START);
        assertThat(start.ratio()).isEqualTo(0.95);
        Intent plain = intent(decide(migration(S).build(), Map.of(S, input(null, healthy(S)))), S);
        assertThat(plain.kind()).isEqualTo(IntentKind.START);
        assertThat(plain.ratio()).isNull();
    }

    @Test
    @DisplayName("a pause throttles the running copy fully")
    void pauseThrottlesFully() {
        Decision d = copying(PAUSED, 0, healthy(S));
        assertThrottle(d, 1.0, "paused by operator");
        assertThat(shard(d, S).progress().throttled()).isTrue();
        assertThat(shard(d, S).progress().throttleReason()).isEqualTo("paused by operator");
    }

    @Test
    @DisplayName("the operator's ratio is applied as set")
    void operatorRatio() {
        assertThrottle(copying(throttled(0.5), 0, healthy(S)), 0.5, "throttle ratio 0.5 set by operator");
    }

    @Test
    @DisplayName("nothing is asked of the engine when the applied ratio is already the desired one")
    void alreadyApplied() {
        assertNoThrottle(copying(throttled(0.5), 0.5, healthy(S)));
        assertNoThrottle(copying(PAUSED, 1.0, healthy(S)));
    }

    @Test
    @DisplayName("replica lag above the threshold throttles fully")
    void lagThrottles() {
        assertThrottle(copying(Controls.NONE, 0, health(S, Duration.ofSeconds(11))), 1.0, "replica lag 11s > 10s");
    }

    @Test
    @DisplayName("an unknown replica lag throttles fully")
    void unknownLagThrottles() {
        assertThrottle(
                copying(Controls.NONE, 0, health(S, null)),
                1.0,
                "replica " + replicaOf(S) + " lag unknown (replication stopped?)");
    }

    @Test
    @DisplayName("lag throttling has hysteresis: it starts above the threshold and ends only under half of it")
    void lagHysteresis() {
        // Not throttled: 6s is under the 10s threshold.
        assertNoThrottle(copying(Controls.NONE, 0, health(S, Duration.ofSeconds(6))));
        // Throttled by lag: 6s is still above half the threshold, so it stays throttled.
        assertNoThrottle(copying(Controls.NONE, 1.0, health(S, Duration.ofSeconds(6))));
        // Not above the threshold: the throttle does not start.
        assertNoThrottle(copying(Controls.NONE, 0, health(S, Duration.ofSeconds(10))));
        // Under half the threshold: the throttle ends.
        assertThrottle(copying(Controls.NONE, 1.0, health(S, Duration.ofSeconds(4))), 0.0, "unthrottle");
    }

    @Test
    @DisplayName("lag throttling ends at the operator's ratio, not at zero")
    void lagThrottleEndsAtOperatorRatio() {
        assertThrottle(
                copying(throttled(0.25), 1.0, health(S, Duration.ZERO)), 0.25, "throttle ratio 0.25 set by operator");
    }

    @Test
    @DisplayName("replica lag does not throttle when the policy leaves throttling to the engine")
    void lagThrottleDisabled() {
        MigrationPolicy policy =
                MigrationPolicy.builder().throttleOnReplicaLag(false).build();
        assertNoThrottle(copying(policy, Controls.NONE, 0, health(S, Duration.ofMinutes(5))));
        assertNoThrottle(copying(policy, Controls.NONE, 0, health(S, null)));
    }

    @Test
    @DisplayName("a shard without a handle yet is not throttled")
    void noHandleNoThrottle() {
        MigrationRecord rec = migration(S)
                .in(MigrationState.INITIALIZING)
                .controls(PAUSED)
                .shard(S, s -> s.withHandle(null))
                .build();
        Decision d = decide(rec, Map.of(S, input(EngineObservation.of(EnginePhase.STARTING), healthy(S))));
        assertThat(shard(d, S).intent()).isNull();
    }

    @ParameterizedTest
    @EnumSource(
            value = MigrationState.class,
            names = {"INITIALIZING", "WAITING_FOR_CATCHUP"})
    @DisplayName("throttles in the other states where the engine copies or applies")
    void throttlesWhileStartingAndCatchingUp(MigrationState state) {
        MigrationRecord rec = migration(S).in(state).controls(PAUSED).build();
        Decision d = decide(rec, Map.of(S, input(EngineObservation.of(EnginePhase.STARTING), healthy(S))));
        assertThat(intent(d, S).kind()).isEqualTo(IntentKind.THROTTLE);
        assertThat(intent(d, S).ratio()).isEqualTo(1.0);
    }

    @Test
    @DisplayName("a throttle change comes before any transition of the same shard")
    void throttleFirst() {
        MigrationRecord rec =
                migration(S).in(MigrationState.COPYING_ROWS).controls(PAUSED).build();
        Decision d = decide(rec, Map.of(S, input(EngineObservation.of(EnginePhase.CATCHING_UP), healthy(S))));
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.COPYING_ROWS);
        assertThat(intent(d, S).kind()).isEqualTo(IntentKind.THROTTLE);
    }

    @Test
    @DisplayName("a shard ready to cut over is not throttled; a pause holds its cut-over instead")
    void readyShardIsNotThrottled() {
        MigrationRecord rec =
                migration(S).in(MigrationState.CUTOVER_PENDING).controls(PAUSED).build();
        Decision d = decide(rec, Map.of(S, input(EngineObservation.of(EnginePhase.READY_FOR_CUTOVER), healthy(S))));
        assertThat(shard(d, S).intent()).isNull();
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(waitReason(d, S)).isEqualTo("paused by operator");
    }

    @Test
    @DisplayName(
            "a keyspace-wide throttle is one decision for the keyspace: every shard gets the strongest ratio, and a"
                    + " calm shard does not lift a lagging shard's throttle")
    void keyspaceWideThrottle() {
        String s2 = "80-";
        MigrationRecord rec = migration(S, s2)
                .in(MigrationState.COPYING_ROWS)
                .controls(throttled(0.25))
                .shard(S, s -> s.withAppliedThrottleRatio(1.0))
                .shard(s2, s -> s.withAppliedThrottleRatio(0.25))
                .build();
        Map<String, Decider.ShardInput> inputs = Map.of(
                S, input(EngineObservation.of(EnginePhase.COPYING), health(S, Duration.ofSeconds(11))),
                s2, input(EngineObservation.of(EnginePhase.COPYING), healthy(s2)));
        EngineCapabilities keyspaceWide = new EngineCapabilities(true, true, true, false, true, true);

        Decision perShard = Decisions.decider().decide(rec, inputs, Decisions.CAPS, Decisions.ACTOR, T0);
        assertThat(shard(perShard, S).intent()).isNull();
        assertThat(shard(perShard, s2).intent())
                .as("per shard, 80- keeps its own 0.25")
                .isNull();

        Decision d = Decisions.decider().decide(rec, inputs, keyspaceWide, Decisions.ACTOR, T0);
        assertThat(shard(d, S).intent())
                .as("-80 already applied the keyspace's 1.0")
                .isNull();
        Intent t = intent(d, s2);
        assertThat(t.kind()).isEqualTo(IntentKind.THROTTLE);
        assertThat(t.ratio()).as("the keyspace's throttle, not 80-'s own 0.25").isEqualTo(1.0);
        assertThat(shard(d, s2).progress().throttleReason())
                .contains("replica lag 11s > 10s")
                .contains(S);

        // Once the lag is gone, every shard goes back to the operator's ratio together.
        MigrationRecord both = migration(S, s2)
                .in(MigrationState.COPYING_ROWS)
                .controls(throttled(0.25))
                .shard(S, s -> s.withAppliedThrottleRatio(1.0))
                .shard(s2, s -> s.withAppliedThrottleRatio(1.0))
                .build();
        Decision calm = Decisions.decider()
                .decide(
                        both,
                        Map.of(
                                S, input(EngineObservation.of(EnginePhase.COPYING), healthy(S)),
                                s2, input(EngineObservation.of(EnginePhase.COPYING), healthy(s2))),
                        keyspaceWide,
                        Decisions.ACTOR,
                        T0);
        assertThat(intent(calm, S).ratio()).isEqualTo(0.25);
        assertThat(intent(calm, s2).ratio()).isEqualTo(0.25);
    }

    @Test
    @DisplayName(
            "with a target lag, a closed-loop step sets the ratio; with no step due the applied ratio holds; a lag at"
                    + " the limit stops the copy at once")
    void closedLoop() {
        MigrationPolicy policy = MigrationPolicy.builder()
                .targetReplicaLag(Duration.ofSeconds(1))
                .build();
        MigrationRecord rec = migration(S)
                .in(MigrationState.COPYING_ROWS)
                .policy(policy)
                .shard(S, s -> s.withAppliedThrottleRatio(0))
                .build();
        EngineObservation copying = EngineObservation.of(EnginePhase.COPYING);
        Decision step =
                decide(rec, Map.of(S, new ShardInput(copying, health(S, Duration.ofSeconds(3)), null, null, 0.5)));
        assertThrottle(step, 0.5, "replica lag 3s, target 1s, limit 10s: copy at 50% (closed loop)");
        Decision hold =
                decide(rec, Map.of(S, new ShardInput(copying, health(S, Duration.ofSeconds(3)), null, null, null)));
        assertNoThrottle(hold);
        Decision limit =
                decide(rec, Map.of(S, new ShardInput(copying, health(S, Duration.ofSeconds(10)), null, null, null)));
        assertThrottle(limit, 1.0, "replica lag 10s, target 1s, limit 10s: copy at 0% (closed loop)");
    }
}
