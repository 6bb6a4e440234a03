package dev.osc4j.internal;

import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.handle;
import static dev.osc4j.TestRecords.key;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.internal.Decisions.shard;
import static dev.osc4j.internal.Decisions.transitions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.AuditEntry;
import dev.osc4j.EngineException;
import dev.osc4j.Failure;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayName("Outcomes")
class OutcomesTest {
    private static final String S = "-80";
    private static final Outcomes.Done DONE = new Outcomes.Done(null, null);

    private static Intent intent(IntentKind kind, EngineKey key, @Nullable Double ratio) {
        return new Intent(kind, key, "a1:" + S + ":" + kind, ratio, T0);
    }

    private static MigrationRecord pending(MigrationState state, Intent intent) {
        return migration(S)
                .in(state)
                .shard(S, s -> s.withIntent(intent))
                .auditSeq(20)
                .build();
    }

    private static Outcomes.Result apply(MigrationRecord rec, Intent intent, Outcomes.Outcome outcome) {
        return Objects.requireNonNull(Outcomes.apply(rec, S, intent, outcome, "ctl", T0.plusSeconds(1)));
    }

    private static Outcomes.Failed permanent(FailureReason reason, String message) {
        return new Outcomes.Failed(EngineException.permanent(reason, message));
    }

    private static Failure failure(MigrationRecord rec) {
        return Objects.requireNonNull(shard(rec, S).failure());
    }

    @Test
    @DisplayName("a START done records the run's handle, clears the intent and audits the effect")
    void startDone() {
        Intent start = intent(IntentKind.START, key(S, 1), null);
        MigrationRecord rec = pending(MigrationState.INITIALIZING, start);
        rec = rec.withShard(S, s -> s.withHandle(null).withAppliedThrottleRatio(0.5));
        EngineHandle run = handle(S, 1);
        Outcomes.Result r = apply(rec, start, new Outcomes.Done(run, null));
        ShardRecord s = shard(r.record(), S);
        assertThat(s.handle()).isEqualTo(run);
        assertThat(s.intent()).isNull();
        assertThat(s.appliedThrottleRatio()).isZero();
        assertThat(s.state()).isEqualTo(MigrationState.INITIALIZING);
        assertThat(r.audit()).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(AuditEntry.Kind.EFFECT);
            assertThat(e.stepId()).isEqualTo(start.stepId() + ":done");
            assertThat(e.seq()).isEqualTo(21);
            assertThat(e.actor()).isEqualTo("ctl");
        });
        assertThat(r.record().auditSeq()).isEqualTo(21);
    }

    @Test
    @DisplayName("a START done without a handle is a programming error")
    void startDoneNeedsHandle() {
        Intent start = intent(IntentKind.START, key(S, 1), null);
        assertThatThrownBy(() -> Outcomes.apply(pending(MigrationState.INITIALIZING, start), S, start, DONE, "c", T0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("a START refused for good fails the shard with the engine's reason")
    void startRefused() {
        Intent start = intent(IntentKind.START, key(S, 1), null);
        Outcomes.Result r = apply(
                pending(MigrationState.INITIALIZING, start), start, permanent(FailureReason.NO_UNIQUE_KEY, "no pk"));
        ShardRecord s = shard(r.record(), S);
        assertThat(s.state()).isEqualTo(MigrationState.FAILED);
        assertThat(s.intent()).isNull();
        assertThat(failure(r.record()).reason()).isEqualTo(FailureReason.NO_UNIQUE_KEY);
        assertThat(failure(r.record()).message()).isEqualTo("no pk");
        assertThat(r.record().state()).isEqualTo(MigrationState.FAILED);
        assertThat(r.audit())
                .extracting(AuditEntry::kind)
                .containsExactly(AuditEntry.Kind.EFFECT, AuditEntry.Kind.TRANSITION, AuditEntry.Kind.TRANSITION);
        assertThat(r.audit().get(0).detail()).isEqualTo("START done: refused: no pk");
    }

    @ParameterizedTest
    @EnumSource(IntentKind.class)
    @DisplayName("a retryable failure keeps the intent, to be performed again with the same key, and says why")
    void retryableKeepsIntent(IntentKind kind) {
        MigrationState state =
                switch (kind) {
                    case START -> MigrationState.INITIALIZING;
                    case RELEASE_CUTOVER -> MigrationState.SWITCHING_TRAFFIC;
                    case VERIFY, ANALYZE, WARM -> MigrationState.WAITING_FOR_CATCHUP;
                    case THROTTLE, CANCEL -> MigrationState.COPYING_ROWS;
                    case CLEANUP -> MigrationState.QUEUED;
                    case RETIRE -> MigrationState.REVERTIBLE;
                    case ROUTE_HOLD, ROUTE_RESTORE -> MigrationState.SWITCHING_TRAFFIC;
                };
        Intent intent = intent(kind, key(S, 1), kind == IntentKind.THROTTLE ? 1.0 : null);
        MigrationRecord rec = pending(state, intent);
        Outcomes.Result r =
                apply(rec, intent, new Outcomes.Failed(EngineException.transientFailure("connection reset", null)));
        ShardRecord s = shard(r.record(), S);
        assertThat(s.intent()).isEqualTo(intent);
        assertThat(s.state()).isEqualTo(state);
        assertThat(s.waitReason()).isEqualTo(kind + " failed, will retry: connection reset");
        assertThat(r.audit()).isEmpty();
    }

    @Test
    @DisplayName("a RELEASE_CUTOVER refused for good fails the shard as CUTOVER_FAILED, unless the engine says better")
    void releaseRefused() {
        Intent release = intent(IntentKind.RELEASE_CUTOVER, key(S, 1), null);
        MigrationRecord rec = pending(MigrationState.SWITCHING_TRAFFIC, release);
        MigrationRecord unknown = apply(rec, release, permanent(FailureReason.UNKNOWN, "swap failed"))
                .record();
        assertThat(shard(unknown, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(failure(unknown).reason()).isEqualTo(FailureReason.CUTOVER_FAILED);
        MigrationRecord lost =
                apply(rec, release, permanent(FailureReason.RUN_LOST, "gone")).record();
        assertThat(failure(lost).reason()).isEqualTo(FailureReason.RUN_LOST);
    }

    @Test
    @DisplayName("a VERIFY done clears the intent and leaves the shard waiting; refused for good, it fails the shard")
    void verify() {
        Intent verify = intent(IntentKind.VERIFY, key(S, 1), null);
        MigrationRecord rec = pending(MigrationState.WAITING_FOR_CATCHUP, verify);
        Outcomes.Result done = apply(rec, verify, DONE);
        assertThat(shard(done.record(), S).state()).isEqualTo(MigrationState.WAITING_FOR_CATCHUP);
        assertThat(shard(done.record(), S).intent()).isNull();
        assertThat(done.audit())
                .singleElement()
                .satisfies(e -> assertThat(e.detail()).isEqualTo("VERIFY done: checksum started"));
        MigrationRecord refused = apply(rec, verify, permanent(FailureReason.ENGINE_CONFIGURATION, "cannot compare"))
                .record();
        assertThat(shard(refused, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(failure(refused).reason()).isEqualTo(FailureReason.ENGINE_CONFIGURATION);
        assertThat(failure(refused).message()).contains("checksum", "cannot compare");
    }

    @ParameterizedTest
    @EnumSource(
            value = IntentKind.class,
            names = {"ANALYZE", "WARM"})
    @DisplayName("an ANALYZE or WARM done clears the intent; refused for good, it stays pending with the failure as"
            + " the wait reason and the shard does not fail")
    void preSwapStep(IntentKind kind) {
        Intent step = intent(kind, key(S, 1), null);
        MigrationRecord rec = pending(MigrationState.WAITING_FOR_CATCHUP, step);
        Outcomes.Result done = apply(rec, step, DONE);
        assertThat(shard(done.record(), S).intent()).isNull();
        assertThat(shard(done.record(), S).state()).isEqualTo(MigrationState.WAITING_FOR_CATCHUP);
        ShardRecord refused = shard(
                apply(rec, step, permanent(FailureReason.ENGINE_CONFIGURATION, "no PROCESS privilege"))
                        .record(),
                S);
        assertThat(refused.state()).isEqualTo(MigrationState.WAITING_FOR_CATCHUP);
        assertThat(refused.intent()).isEqualTo(step);
        assertThat(refused.waitReason())
                .isEqualTo(kind.name().toLowerCase(java.util.Locale.ROOT) + " failed: no PROCESS privilege");
    }

    @Test
    @DisplayName("a RELEASE_CUTOVER done only clears the intent; the engine's COMPLETED moves the shard")
    void releaseDone() {
        Intent release = intent(IntentKind.RELEASE_CUTOVER, key(S, 1), null);
        MigrationRecord rec = pending(MigrationState.SWITCHING_TRAFFIC, release);
        ShardRecord s = shard(apply(rec, release, DONE).record(), S);
        assertThat(s.state()).isEqualTo(MigrationState.SWITCHING_TRAFFIC);
        assertThat(s.intent()).isNull();
    }

    @Test
    @DisplayName("a THROTTLE done records the applied ratio; refused for good, it records it too, to stop asking")
    void throttle() {
        Intent throttle = intent(IntentKind.THROTTLE, key(S, 1), 0.75);
        MigrationRecord rec = pending(MigrationState.COPYING_ROWS, throttle);
        ShardRecord done = shard(apply(rec, throttle, DONE).record(), S);
        assertThat(done.appliedThrottleRatio()).isEqualTo(0.75);
        assertThat(done.intent()).isNull();
        ShardRecord refused = shard(
                apply(rec, throttle, permanent(FailureReason.ENGINE_CONFIGURATION, "no ratios"))
                        .record(),
                S);
        assertThat(refused.appliedThrottleRatio()).isEqualTo(0.75);
        assertThat(refused.intent()).isNull();
        assertThat(refused.state()).isEqualTo(MigrationState.COPYING_ROWS);
    }

    @Test
    @DisplayName("a CANCEL done fails the shard as CANCELLED")
    void cancelDone() {
        Intent cancel = intent(IntentKind.CANCEL, key(S, 1), null);
        MigrationRecord r = apply(pending(MigrationState.WAITING_FOR_CATCHUP, cancel), cancel, DONE)
                .record();
        assertThat(shard(r, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(shard(r, S).intent()).isNull();
        assertThat(failure(r).reason()).isEqualTo(FailureReason.CANCELLED);
        assertThat(failure(r).message()).isEqualTo("aborted by operator");
        assertThat(shard(r, S).handle()).as("kept for the cleanup").isEqualTo(handle(S, 1));
    }

    @Test
    @DisplayName("a CANCEL refused for good still fails the shard as CANCELLED, saying so")
    void cancelRefused() {
        Intent cancel = intent(IntentKind.CANCEL, key(S, 1), null);
        MigrationRecord r = apply(
                        pending(MigrationState.COPYING_ROWS, cancel),
                        cancel,
                        permanent(FailureReason.RUN_LOST, "no such run"))
                .record();
        assertThat(shard(r, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(failure(r).reason()).isEqualTo(FailureReason.CANCELLED);
        assertThat(failure(r).message()).isEqualTo("aborted; cancel refused: no such run");
    }

    @Test
    @DisplayName("a CLEANUP done removes its key from the leftovers and reports what was dropped")
    void cleanupLeftover() {
        Intent cleanup = intent(IntentKind.CLEANUP, key(S, 1), null);
        MigrationRecord rec = migration(S)
                .attempt(3)
                .shard(
                        S,
                        s -> s.withLeftovers(List.of(key(S, 1), key(S, 2)))
                                .withWaitReason("cleanup failed: earlier")
                                .withIntent(cleanup))
                .build();
        Outcomes.Result r =
                apply(rec, cleanup, new Outcomes.Done(null, new CleanupReport(List.of("_orders_gho"), List.of())));
        ShardRecord s = shard(r.record(), S);
        assertThat(s.leftovers()).containsExactly(key(S, 2));
        assertThat(s.intent()).isNull();
        assertThat(s.waitReason()).isNull();
        assertThat(s.state()).isEqualTo(MigrationState.QUEUED);
        assertThat(r.audit())
                .singleElement()
                .satisfies(e -> assertThat(e.detail()).isEqualTo("CLEANUP done: dropped [_orders_gho]"));
    }

    @Test
    @DisplayName("a CLEANUP done of the current run removes the handle")
    void cleanupHandle() {
        Intent cleanup = intent(IntentKind.CLEANUP, key(S, 1), null);
        MigrationRecord r = apply(pending(MigrationState.FAILED, cleanup), cleanup, new Outcomes.Done(null, null))
                .record();
        assertThat(shard(r, S).handle()).isNull();
        assertThat(shard(r, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(shard(r, S).failure()).isNotNull();
    }

    @Test
    @DisplayName("a CLEANUP refused for good keeps the intent and shows why: the next start waits for an operator")
    void cleanupRefused() {
        Intent cleanup = intent(IntentKind.CLEANUP, key(S, 1), null);
        MigrationRecord rec = migration(S)
                .attempt(2)
                .shard(S, s -> s.withLeftovers(List.of(key(S, 1))).withIntent(cleanup))
                .build();
        ShardRecord s = shard(
                apply(rec, cleanup, permanent(FailureReason.CONNECTION, "access denied"))
                        .record(),
                S);
        assertThat(s.intent()).isEqualTo(cleanup);
        assertThat(s.leftovers()).containsExactly(key(S, 1));
        assertThat(s.waitReason()).isEqualTo("cleanup failed: access denied");
    }

    @Test
    @DisplayName("an outcome for an intent that is no longer pending changes nothing")
    void stale() {
        Intent start = intent(IntentKind.START, key(S, 1), null);
        Outcomes.Done done = new Outcomes.Done(handle(S, 1), null);
        MigrationRecord none = migration(S).in(MigrationState.INITIALIZING).build();
        assertThat(Outcomes.apply(none, S, start, done, "c", T0)).isNull();
        Intent other = new Intent(IntentKind.START, key(S, 1), "another-step", null, T0);
        assertThat(Outcomes.apply(pending(MigrationState.INITIALIZING, other), S, start, done, "c", T0))
                .isNull();
        MigrationRecord after =
                apply(pending(MigrationState.INITIALIZING, start), start, done).record();
        assertThat(Outcomes.apply(after, S, start, done, "c", T0)).isNull();
    }

    @Test
    @DisplayName("a run found again under a refreshed handle is recorded with a note")
    void reattached() {
        EngineHandle refreshed = new EngineHandle("fake", key(S, 1), Map.of("pid", "4242"));
        MigrationRecord rec = migration(S).in(MigrationState.COPYING_ROWS).build();
        Outcomes.Result r = Outcomes.reattached(rec, S, refreshed, "ctl-2", T0);
        assertThat(shard(r.record(), S).handle()).isEqualTo(refreshed);
        assertThat(r.audit()).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(AuditEntry.Kind.NOTE);
            assertThat(e.detail()).isEqualTo("reattached to run {pid=4242}");
        });
        assertThat(transitions(r.audit(), S)).isEmpty();
    }
}
