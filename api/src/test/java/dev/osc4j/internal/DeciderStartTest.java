package dev.osc4j.internal;

import static dev.osc4j.TestRecords.ID;
import static dev.osc4j.TestRecords.PAUSED;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.approved;
import static dev.osc4j.TestRecords.health;
import static dev.osc4j.TestRecords.healthy;
import static dev.osc4j.TestRecords.key;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.TestRecords.primaryOf;
import static dev.osc4j.TestRecords.replicaOf;
import static dev.osc4j.internal.Decisions.ACTOR;
import static dev.osc4j.internal.Decisions.CAPS;
import static dev.osc4j.internal.Decisions.RETRY_IN_PLACE;
import static dev.osc4j.internal.Decisions.decide;
import static dev.osc4j.internal.Decisions.input;
import static dev.osc4j.internal.Decisions.intent;
import static dev.osc4j.internal.Decisions.observed;
import static dev.osc4j.internal.Decisions.shard;
import static dev.osc4j.internal.Decisions.transitions;
import static dev.osc4j.internal.Decisions.waitReason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Decider: starting a queued shard")
class DeciderStartTest {
    private static final String S = "-80";

    private static void assertWaits(Decision d, String reason) {
        ShardRecord s = shard(d, S);
        assertThat(s.state()).isEqualTo(MigrationState.QUEUED);
        assertThat(s.intent()).isNull();
        assertThat(waitReason(d, S)).isEqualTo(reason);
        assertThat(d.audit()).isEmpty();
    }

    @Test
    @DisplayName(
            "starts when the gates pass: records the primary and a START intent keyed by migration, attempt and shard")
    void startsWhenGatesPass() {
        MigrationRecord rec = migration(S).attempt(3).build();
        Decision d = decide(rec, Map.of(S, input(null, healthy(S))));

        ShardRecord s = shard(d, S);
        assertThat(s.state()).isEqualTo(MigrationState.INITIALIZING);
        assertThat(s.stateSince()).isEqualTo(T0);
        assertThat(s.primary()).isEqualTo(primaryOf(S));
        Intent intent = intent(d, S);
        assertThat(intent.kind()).isEqualTo(IntentKind.START);
        assertThat(intent.key()).isEqualTo(key(S, 3));
        assertThat(intent.key().migrationId()).isEqualTo(ID);
        assertThat(intent.recordedAt()).isEqualTo(T0);
        assertThat(d.record().state()).isEqualTo(MigrationState.INITIALIZING);
        assertThat(d.audit())
                .extracting(AuditEntry::kind)
                .containsExactly(AuditEntry.Kind.TRANSITION, AuditEntry.Kind.INTENT, AuditEntry.Kind.TRANSITION);
        assertThat(d.audit()).allMatch(e -> e.actor().equals(ACTOR));
        assertThat(d.audit().get(1).stepId()).isEqualTo(intent.stepId());
    }

    @Test
    @DisplayName("waits for the start approval when the policy asks for one, and starts once it is given")
    void startApproval() {
        MigrationRecord rec =
                migration(S).policy(p -> p.requireStartApproval(true)).build();
        assertWaits(decide(rec, Map.of(S, input(null, healthy(S)))), "start_approval: waiting for start approval");

        MigrationRecord approvedRec = migration(S)
                .policy(p -> p.requireStartApproval(true))
                .controls(approved(ApprovalStage.START))
                .build();
        assertThat(shard(decide(approvedRec, Map.of(S, input(null, healthy(S)))), S)
                        .state())
                .isEqualTo(MigrationState.INITIALIZING);
    }

    @Test
    @DisplayName("a cut-over approval does not count as a start approval")
    void cutoverApprovalIsNotAStartApproval() {
        MigrationRecord rec = migration(S)
                .policy(p -> p.requireStartApproval(true))
                .controls(approved(ApprovalStage.CUTOVER))
                .build();
        assertWaits(decide(rec, Map.of(S, input(null, healthy(S)))), "start_approval: waiting for start approval");
    }

    @Test
    @DisplayName("waits while a replica lags more than the policy allows; a lag equal to the threshold passes")
    void replicaLag() {
        MigrationRecord rec = migration(S).build();
        assertWaits(
                decide(rec, Map.of(S, input(null, health(S, Duration.ofSeconds(11))))),
                "replica_lag: replica lag 11s > 10s");
        assertThat(shard(decide(rec, Map.of(S, input(null, health(S, Duration.ofSeconds(10))))), S)
                        .state())
                .isEqualTo(MigrationState.INITIALIZING);
    }

    @Test
    @DisplayName("waits while a replica's lag is unknown")
    void unknownLag() {
        assertWaits(
                decide(migration(S).build(), Map.of(S, input(null, health(S, null)))),
                "replica_lag: replica " + replicaOf(S) + " lag unknown (replication stopped?)");
    }

    @Test
    @DisplayName("waits while the topology has not been read")
    void topologyNotRead() {
        assertWaits(decide(migration(S).build(), Map.of()), "replica_lag: replica lag unknown: topology not read");
    }

    @Test
    @DisplayName("checks the start approval before the replica lag")
    void gateOrder() {
        MigrationRecord rec =
                migration(S).policy(p -> p.requireStartApproval(true)).build();
        assertWaits(
                decide(rec, Map.of(S, input(null, health(S, Duration.ofMinutes(1))))),
                "start_approval: waiting for start approval");
    }

    @Test
    @DisplayName("does not start while paused, even when every gate passes")
    void pausedDoesNotStart() {
        assertWaits(
                decide(migration(S).controls(PAUSED).build(), Map.of(S, input(null, healthy(S)))),
                "paused by operator");
    }

    @Test
    @DisplayName("fails the shard when a user gate on the start edge fails")
    void userGateFails() {
        Gate never = new Gate() {
            @Override
            public String name() {
                return "freeze";
            }

            @Override
            public GateResult evaluate(GateContext context) {
                return GateResult.fail("release freeze");
            }
        };
        Decider decider = new Decider(
                GateSet.defaults().with(MigrationState.QUEUED, MigrationState.INITIALIZING, never),
                Decisions.SOFT_WRITE_INTERVAL);
        Decision d = decider.decide(migration(S).build(), Map.of(S, input(null, healthy(S))), CAPS, ACTOR, T0);
        ShardRecord s = shard(d, S);
        assertThat(s.state()).isEqualTo(MigrationState.FAILED);
        assertThat(Objects.requireNonNull(s.failure()).reason()).isEqualTo(FailureReason.GATE_FAILED);
        assertThat(Objects.requireNonNull(s.failure()).message()).isEqualTo("freeze: release freeze");
        assertThat(d.record().state()).isEqualTo(MigrationState.FAILED);
    }

    @Test
    @DisplayName("cleans up an earlier attempt's leftovers before it starts again")
    void cleansUpLeftoversFirst() {
        MigrationRecord rec = migration(S)
                .attempt(2)
                .shard(S, s -> s.withLeftovers(List.of(key(S, 1))))
                .build();
        Decision d = decide(rec, Map.of(S, input(null, healthy(S))));
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.QUEUED);
        Intent cleanup = intent(d, S);
        assertThat(cleanup.kind()).isEqualTo(IntentKind.CLEANUP);
        assertThat(cleanup.key()).isEqualTo(key(S, 1));
        assertThat(cleanup.stepId()).isEqualTo("cleanup:" + key(S, 1).value());
        assertThat(transitions(d.audit(), S)).isEmpty();
    }

    @Test
    @DisplayName("leaves the leftovers to an engine that retries in place, and starts the next attempt")
    void retryInPlaceSkipsCleanup() {
        MigrationRecord rec = migration(S)
                .attempt(2)
                .shard(S, s -> s.withLeftovers(List.of(key(S, 1))))
                .build();
        Decision d = Decisions.decider().decide(rec, Map.of(S, input(null, healthy(S))), RETRY_IN_PLACE, ACTOR, T0);
        ShardRecord s = shard(d, S);
        assertThat(s.state()).isEqualTo(MigrationState.INITIALIZING);
        assertThat(s.leftovers()).isEmpty();
        assertThat(intent(d, S).kind()).isEqualTo(IntentKind.START);
        assertThat(intent(d, S).key()).isEqualTo(key(S, 2));
    }

    @Test
    @DisplayName("does not move a shard whose intent is still pending")
    void pendingIntentHoldsTheShard() {
        Intent start = new Intent(IntentKind.START, key(S, 1), "a1:-80:start", null, T0);
        MigrationRecord rec = migration(S)
                .in(MigrationState.INITIALIZING)
                .shard(S, s -> s.withHandle(null).withIntent(start))
                .build();
        Decision d = decide(rec, Map.of(S, observed(S, EnginePhase.COPYING)));
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.INITIALIZING);
        assertThat(shard(d, S).intent()).isEqualTo(start);
        assertThat(d.audit()).isEmpty();

        MigrationRecord failing = migration(S)
                .in(MigrationState.COPYING_ROWS)
                .shard(S, s -> s.withIntent(new Intent(IntentKind.THROTTLE, key(S, 1), "t", 1.0, T0)))
                .build();
        Decision d2 = decide(
                failing, Map.of(S, input(EngineObservation.failed(FailureReason.ENGINE_FAILED, "x"), healthy(S))));
        assertThat(shard(d2, S).state()).isEqualTo(MigrationState.COPYING_ROWS);
        assertThat(d2.audit()).isEmpty();
    }

    @Test
    @DisplayName("moves each shard one edge at most, even when the engine is further ahead")
    void oneEdgePerDecision() {
        MigrationRecord rec = migration(S).in(MigrationState.INITIALIZING).build();
        Decision d = decide(rec, Map.of(S, observed(S, EnginePhase.READY_FOR_CUTOVER)));
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.COPYING_ROWS);
        Decision d2 = decide(d.record(), Map.of(S, observed(S, EnginePhase.READY_FOR_CUTOVER)));
        assertThat(shard(d2, S).state()).isEqualTo(MigrationState.WAITING_FOR_CATCHUP);
        Decision d3 = decide(d2.record(), Map.of(S, observed(S, EnginePhase.READY_FOR_CUTOVER)));
        assertThat(shard(d3, S).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        Decision d4 = decide(d3.record(), Map.of(S, observed(S, EnginePhase.READY_FOR_CUTOVER)));
        assertThat(shard(d4, S).state()).isEqualTo(MigrationState.SWITCHING_TRAFFIC);
        assertThat(intent(d4, S).kind()).isEqualTo(IntentKind.RELEASE_CUTOVER);
    }

    @Test
    @DisplayName("keeps waiting, without any change, while a running shard's engine is not observed")
    void unobservedRunningShardWaits() {
        MigrationRecord rec = migration(S).in(MigrationState.COPYING_ROWS).build();
        Decision d = decide(rec, Map.of(S, input(null, healthy(S))));
        assertThat(d.write()).isFalse();
        assertThat(d.record()).isSameAs(rec);
        assertThat(d.audit()).isEmpty();
    }
}
