package dev.osc4j.internal;

import static dev.osc4j.TestRecords.ABORTING;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.handle;
import static dev.osc4j.TestRecords.healthy;
import static dev.osc4j.TestRecords.key;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.internal.Decisions.ACTOR;
import static dev.osc4j.internal.Decisions.decide;
import static dev.osc4j.internal.Decisions.everyShard;
import static dev.osc4j.internal.Decisions.input;
import static dev.osc4j.internal.Decisions.intent;
import static dev.osc4j.internal.Decisions.observed;
import static dev.osc4j.internal.Decisions.shard;
import static dev.osc4j.internal.Decisions.transitions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayName("Decider: an abort")
class DeciderAbortTest {
    private static final String S = "-80";

    private static FailureReason reason(Decision d) {
        return Objects.requireNonNull(shard(d, S).failure()).reason();
    }

    @Test
    @DisplayName("fails a queued shard as CANCELLED without starting it")
    void queuedFails() {
        Decision d = decide(migration(S).controls(ABORTING).build(), Map.of(S, input(null, healthy(S))));
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(reason(d)).isEqualTo(FailureReason.CANCELLED);
        assertThat(shard(d, S).intent()).isNull();
    }

    @ParameterizedTest
    @EnumSource(
            value = MigrationState.class,
            names = {"INITIALIZING", "COPYING_ROWS", "WAITING_FOR_CATCHUP", "CUTOVER_PENDING"})
    @DisplayName("cancels a running shard's engine run first")
    void runningIsCancelled(MigrationState state) {
        MigrationRecord rec = migration(S).in(state).controls(ABORTING).build();
        Decision d = decide(rec, everyShard(rec, EnginePhase.READY_FOR_CUTOVER));
        assertThat(shard(d, S).state()).isEqualTo(state);
        Intent cancel = intent(d, S);
        assertThat(cancel.kind()).isEqualTo(IntentKind.CANCEL);
        assertThat(cancel.key()).isEqualTo(handle(S, 1).key());
        assertThat(transitions(d.audit(), S)).isEmpty();
    }

    @Test
    @DisplayName("fails a running shard that has no engine run yet")
    void runningWithoutHandleFails() {
        MigrationRecord rec = migration(S)
                .in(MigrationState.INITIALIZING)
                .controls(ABORTING)
                .shard(S, s -> s.withHandle(null))
                .build();
        Decision d = decide(rec, Map.of());
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(reason(d)).isEqualTo(FailureReason.CANCELLED);
    }

    @ParameterizedTest
    @EnumSource(
            value = EnginePhase.class,
            names = {"FAILED", "CANCELLED", "NOT_FOUND"})
    @DisplayName("fails a running shard whose engine run already ended, without cancelling it")
    void endedRunFails(EnginePhase phase) {
        MigrationRecord rec =
                migration(S).in(MigrationState.COPYING_ROWS).controls(ABORTING).build();
        Decision d = decide(rec, Map.of(S, input(EngineObservation.of(phase), healthy(S))));
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(reason(d)).isEqualTo(FailureReason.CANCELLED);
        assertThat(Objects.requireNonNull(shard(d, S).failure()).message())
                .isEqualTo("aborted by operator; engine run already " + phase);
    }

    @Test
    @DisplayName("lets a released cut-over finish")
    void switchingIsLetFinish() {
        MigrationRecord rec = migration(S)
                .in(MigrationState.SWITCHING_TRAFFIC)
                .controls(ABORTING)
                .build();
        Decision swapping = decide(rec, Map.of(S, observed(S, EnginePhase.CUTTING_OVER)));
        assertThat(shard(swapping, S).state()).isEqualTo(MigrationState.SWITCHING_TRAFFIC);
        assertThat(shard(swapping, S).intent()).isNull();

        Decision done = decide(rec, Map.of(S, observed(S, EnginePhase.COMPLETED)));
        assertThat(shard(done, S).state()).isEqualTo(MigrationState.COMPLETED);
    }

    @Test
    @DisplayName("does not release a cut-over once an abort is requested")
    void noCutoverDuringAbort() {
        MigrationRecord rec = migration(S, "80-")
                .in(MigrationState.CUTOVER_PENDING)
                .controls(ABORTING)
                .build();
        Decision d = decide(rec, everyShard(rec, EnginePhase.READY_FOR_CUTOVER));
        assertThat(d.record().shards()).allSatisfy(s -> {
            assertThat(s.state()).isEqualTo(MigrationState.CUTOVER_PENDING);
            assertThat(Objects.requireNonNull(s.intent()).kind()).isEqualTo(IntentKind.CANCEL);
        });
    }

    @Test
    @DisplayName("cleans up a failed shard's run before the shard is aborted")
    void failedWithHandleIsCleanedUp() {
        MigrationRecord rec =
                migration(S).in(MigrationState.FAILED).controls(ABORTING).build();
        Decision d = decide(rec, Map.of());
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(intent(d, S).kind()).isEqualTo(IntentKind.CLEANUP);
        assertThat(intent(d, S).key()).isEqualTo(handle(S, 1).key());
    }

    @Test
    @DisplayName("cleans up an earlier attempt's leftovers before the shard is aborted")
    void failedWithLeftoversIsCleanedUp() {
        MigrationRecord rec = migration(S)
                .attempt(2)
                .in(MigrationState.FAILED)
                .controls(ABORTING)
                .shard(S, s -> s.withHandle(null).withLeftovers(List.of(key(S, 1))))
                .build();
        Decision d = decide(rec, Map.of());
        assertThat(intent(d, S).kind()).isEqualTo(IntentKind.CLEANUP);
        assertThat(intent(d, S).key()).isEqualTo(key(S, 1));
    }

    @Test
    @DisplayName("aborts a failed shard with nothing left to clean up")
    void cleanFailedIsAborted() {
        MigrationRecord rec = migration(S)
                .in(MigrationState.FAILED)
                .controls(ABORTING)
                .shard(S, s -> s.withHandle(null))
                .build();
        Decision d = decide(rec, Map.of());
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.ABORTED);
        assertThat(d.record().state()).isEqualTo(MigrationState.ABORTED);
    }

    @Test
    @DisplayName("walks a copying shard through cancel, cleanup and abort, with the outcomes recorded in between")
    void fullAbort() {
        MigrationRecord rec =
                migration(S).in(MigrationState.COPYING_ROWS).controls(ABORTING).build();
        Map<String, Decider.ShardInput> copying = Map.of(S, observed(S, EnginePhase.COPYING));

        Decision d1 = decide(rec, copying);
        Intent cancel = intent(d1, S);
        MigrationRecord r1 = Objects.requireNonNull(
                        Outcomes.apply(d1.record(), S, cancel, new Outcomes.Done(null, null), ACTOR, T0))
                .record();
        assertThat(shard(r1, S).state()).isEqualTo(MigrationState.FAILED);

        Decision d2 = decide(r1, Map.of(S, input(EngineObservation.of(EnginePhase.CANCELLED), healthy(S))));
        Intent cleanup = intent(d2, S);
        assertThat(cleanup.kind()).isEqualTo(IntentKind.CLEANUP);
        MigrationRecord r2 = Objects.requireNonNull(Outcomes.apply(
                        d2.record(), S, cleanup, new Outcomes.Done(null, CleanupReport.nothing()), ACTOR, T0))
                .record();
        assertThat(shard(r2, S).handle()).isNull();

        Decision d3 = decide(r2, Map.of());
        ShardRecord s = shard(d3, S);
        assertThat(s.state()).isEqualTo(MigrationState.ABORTED);
        assertThat(d3.record().state()).isEqualTo(MigrationState.ABORTED);
        assertThat(Decisions.transitions(d3.audit(), null))
                .extracting(AuditEntry::from, AuditEntry::to)
                .singleElement()
                .isEqualTo(org.assertj.core.groups.Tuple.tuple(MigrationState.FAILED, MigrationState.ABORTED));
    }
}
