package dev.osc4j.internal;

import static dev.osc4j.TestRecords.KEYSPACE;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.healthy;
import static dev.osc4j.TestRecords.key;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.TestRecords.primaryOf;
import static dev.osc4j.TestRecords.replicaOf;
import static dev.osc4j.internal.Decisions.decide;
import static dev.osc4j.internal.Decisions.input;
import static dev.osc4j.internal.Decisions.observed;
import static dev.osc4j.internal.Decisions.ofKind;
import static dev.osc4j.internal.Decisions.shard;
import static dev.osc4j.internal.Decisions.transitions;
import static dev.osc4j.internal.Decisions.waitReason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.Failure;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.TestRecords;
import dev.osc4j.Trigger;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Decider: a running shard")
class DeciderRunningTest {
    private static final String S = "-80";

    private static Failure failure(Decision d) {
        return Objects.requireNonNull(shard(d, S).failure(), "no failure");
    }

    @Nested
    @DisplayName("whose engine run ends badly")
    class EngineFailures {
        static Stream<Arguments> cases() {
            return Stream.of(
                    Arguments.of(
                            EngineObservation.failed(FailureReason.NO_UNIQUE_KEY, "no primary key"),
                            FailureReason.NO_UNIQUE_KEY,
                            "no primary key"),
                    Arguments.of(
                            EngineObservation.of(EnginePhase.FAILED).withMessage("exit 1"),
                            FailureReason.ENGINE_FAILED,
                            "exit 1"),
                    Arguments.of(
                            EngineObservation.of(EnginePhase.FAILED),
                            FailureReason.ENGINE_FAILED,
                            "engine reported failure"),
                    Arguments.of(
                            EngineObservation.of(EnginePhase.CANCELLED).withMessage("killed by dba"),
                            FailureReason.CANCELLED,
                            "killed by dba"),
                    Arguments.of(
                            EngineObservation.of(EnginePhase.CANCELLED),
                            FailureReason.CANCELLED,
                            "engine run cancelled"),
                    Arguments.of(
                            EngineObservation.of(EnginePhase.NOT_FOUND),
                            FailureReason.RUN_LOST,
                            "the engine has no run for " + key(S, 1).value()));
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @MethodSource("cases")
        @DisplayName("fails the shard with the engine's reason and message")
        void failsWithReason(EngineObservation obs, FailureReason reason, String message) {
            Decision d =
                    decide(migration(S).in(MigrationState.COPYING_ROWS).build(), Map.of(S, input(obs, healthy(S))));
            assertThat(shard(d, S).state()).isEqualTo(MigrationState.FAILED);
            assertThat(failure(d).reason()).isEqualTo(reason);
            assertThat(failure(d).message()).isEqualTo(message);
            assertThat(failure(d).at()).isEqualTo(T0);
            assertThat(transitions(d.audit(), S))
                    .singleElement()
                    .satisfies(e -> assertThat(e.detail()).isEqualTo(reason + ": " + message));
        }

        @ParameterizedTest
        @EnumSource(
                value = MigrationState.class,
                names = {"INITIALIZING", "COPYING_ROWS", "WAITING_FOR_CATCHUP", "CUTOVER_PENDING", "SWITCHING_TRAFFIC"})
        @DisplayName("fails in every running state")
        void failsInEveryRunningState(MigrationState state) {
            Decision d = decide(
                    migration(S).in(state).build(),
                    Map.of(S, input(EngineObservation.of(EnginePhase.NOT_FOUND), healthy(S))));
            assertThat(shard(d, S).state()).isEqualTo(MigrationState.FAILED);
            assertThat(failure(d).reason()).isEqualTo(FailureReason.RUN_LOST);
        }
    }

    @Nested
    @DisplayName("while catching up")
    class CatchUp {
        private final ReplicationPosition primaryAt = ReplicationPosition.of("mysql-bin.000010:500");

        private ShardHealth withPositions(@Nullable ReplicationPosition replicaAt, @Nullable Duration lag) {
            return new ShardHealth(
                    KEYSPACE,
                    S,
                    primaryOf(S),
                    1,
                    primaryAt,
                    List.of(new ReplicaHealth(replicaOf(S), lag, replicaAt)),
                    T0);
        }

        private Decision ready(@Nullable ReplicationPosition applied, ShardHealth health) {
            EngineObservation obs =
                    EngineObservation.of(EnginePhase.READY_FOR_CUTOVER).withReplication(null, applied);
            return decide(migration(S).in(MigrationState.WAITING_FOR_CATCHUP).build(), Map.of(S, input(obs, health)));
        }

        private void assertWaits(Decision d, String reason) {
            assertThat(shard(d, S).state()).isEqualTo(MigrationState.WAITING_FOR_CATCHUP);
            assertThat(waitReason(d, S)).isEqualTo(reason);
            assertThat(d.audit()).isEmpty();
        }

        @Test
        @DisplayName("waits while the engine is catching up")
        void engineCatchingUp() {
            assertWaits(
                    decide(
                            migration(S).in(MigrationState.WAITING_FOR_CATCHUP).build(),
                            Map.of(S, observed(S, EnginePhase.CATCHING_UP))),
                    "engine catching up");
        }

        @Test
        @DisplayName("waits while the engine's applied position is behind the primary's")
        void engineBehindPrimary() {
            assertWaits(
                    ready(ReplicationPosition.of("mysql-bin.000010:400"), withPositions(primaryAt, Duration.ZERO)),
                    "binlog_alignment: engine applied mysql-bin.000010:400, primary at mysql-bin.000010:500");
        }

        @Test
        @DisplayName("waits while a replica is behind the primary's position")
        void replicaBehind() {
            assertWaits(
                    ready(primaryAt, withPositions(ReplicationPosition.of("mysql-bin.000010:100"), Duration.ZERO)),
                    "binlog_alignment: replica " + replicaOf(S)
                            + " at mysql-bin.000010:100, primary at mysql-bin.000010:500");
        }

        @Test
        @DisplayName("waits, without positions, while a replica's lag is not zero")
        void replicaLagsWithoutPositions() {
            EngineObservation obs = EngineObservation.of(EnginePhase.READY_FOR_CUTOVER);
            assertWaits(
                    decide(
                            migration(S).in(MigrationState.WAITING_FOR_CATCHUP).build(),
                            Map.of(S, input(obs, TestRecords.health(S, Duration.ofSeconds(2))))),
                    "binlog_alignment: replica " + replicaOf(S) + " not caught up (lag 2000ms)");
        }

        @Test
        @DisplayName("waits while the topology has not been read")
        void topologyNotRead() {
            assertWaits(
                    decide(
                            migration(S).in(MigrationState.WAITING_FOR_CATCHUP).build(),
                            Map.of(S, input(EngineObservation.of(EnginePhase.READY_FOR_CUTOVER), null))),
                    "binlog_alignment: alignment unknown: topology not read");
        }

        @Test
        @DisplayName("becomes ready to cut over once engine and replicas have caught up with the primary")
        void caughtUp() {
            Decision d = ready(
                    ReplicationPosition.of("mysql-bin.000010:600"),
                    withPositions(ReplicationPosition.of("mysql-bin.000011:4"), Duration.ZERO));
            assertThat(shard(d, S).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
            assertThat(transitions(d.audit(), S))
                    .singleElement()
                    .satisfies(e -> assertThat(e.trigger()).isEqualTo(Trigger.CAUGHT_UP));
            // Arrived in this decision: not released in the same one.
            assertThat(shard(d, S).intent()).isNull();
        }
    }

    @Test
    @DisplayName("records a new primary seen during the copy, with a note, and keeps copying")
    void reparentDuringCopy() {
        ShardHealth moved = new ShardHealth(
                KEYSPACE, S, "new-primary", 2, null, List.of(new ReplicaHealth(replicaOf(S), Duration.ZERO, null)), T0);
        Decision d = decide(
                migration(S).in(MigrationState.COPYING_ROWS).build(),
                Map.of(S, input(EngineObservation.of(EnginePhase.COPYING), moved)));
        ShardRecord s = shard(d, S);
        assertThat(s.state()).isEqualTo(MigrationState.COPYING_ROWS);
        assertThat(s.primary()).isEqualTo("new-primary");
        assertThat(ofKind(d.audit(), AuditEntry.Kind.NOTE))
                .singleElement()
                .satisfies(e ->
                        assertThat(e.detail()).isEqualTo("primary changed from " + primaryOf(S) + " to new-primary"));
        assertThat(d.write()).isTrue();
    }

    @Nested
    @DisplayName("that makes no progress while copying")
    class Stall {
        private final ShardProgress sixMinutesIdle = new ShardProgress(
                100, 1000, 10, null, 0, false, null, null, T0.minus(Duration.ofMinutes(6)), false, T0.minusSeconds(60));

        private MigrationRecord copying(boolean failOnStall) {
            return migration(S)
                    .in(MigrationState.COPYING_ROWS)
                    .policy(p -> p.failOnStall(failOnStall))
                    .shard(S, s -> s.withProgress(sixMinutesIdle))
                    .build();
        }

        private final Map<String, Decider.ShardInput> noRowsCopied =
                Map.of(S, input(EngineObservation.of(EnginePhase.COPYING).withRows(100, 1000), healthy(S)));

        @Test
        @DisplayName("is marked stalled, with a note, and keeps running")
        void marksStalled() {
            Decision d = decide(copying(false), noRowsCopied);
            ShardRecord s = shard(d, S);
            assertThat(s.state()).isEqualTo(MigrationState.COPYING_ROWS);
            assertThat(s.progress().stalled()).isTrue();
            assertThat(ofKind(d.audit(), AuditEntry.Kind.NOTE)).singleElement().satisfies(e -> {
                assertThat(e.stepId()).isEqualTo("a1:-80:stalled");
                assertThat(e.detail()).isEqualTo("no progress for 5m00s");
            });
            assertThat(d.write()).isTrue();
        }

        @Test
        @DisplayName("fails with STALLED when the policy says so")
        void failsOnStall() {
            Decision d = decide(copying(true), noRowsCopied);
            assertThat(shard(d, S).state()).isEqualTo(MigrationState.FAILED);
            assertThat(failure(d).reason()).isEqualTo(FailureReason.STALLED);
            assertThat(failure(d).message()).isEqualTo("no progress for 5m00s");
        }

        @Test
        @DisplayName("is not stalled when rows were copied")
        void progressIsNoStall() {
            Decision d = decide(
                    copying(true),
                    Map.of(S, input(EngineObservation.of(EnginePhase.COPYING).withRows(101, 1000), healthy(S))));
            assertThat(shard(d, S).state()).isEqualTo(MigrationState.COPYING_ROWS);
            assertThat(shard(d, S).progress().stalled()).isFalse();
            assertThat(ofKind(d.audit(), AuditEntry.Kind.NOTE)).isEmpty();
        }
    }
}
