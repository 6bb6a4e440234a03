package dev.osc4j.internal;

import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.healthy;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.internal.Decisions.decide;
import static dev.osc4j.internal.Decisions.input;
import static dev.osc4j.internal.Decisions.shard;
import static dev.osc4j.internal.Decisions.waitReason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardProgress;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.internal.Decider.ShardInput;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Progress figures and wait reasons change on every poll; they are written with a hard change or every interval. */
@DisplayName("Decider: soft writes")
class DeciderSoftWriteTest {
    private static final String S = "-80";
    private static final Map<String, ShardInput> MORE_ROWS =
            Map.of(S, input(EngineObservation.of(EnginePhase.COPYING).withRows(500, 1000), healthy(S)));

    private static MigrationRecord copying(@Nullable Instant persistedAt) {
        return migration(S)
                .in(MigrationState.COPYING_ROWS)
                .progressPersistedAt(persistedAt)
                .auditSeq(7)
                .build();
    }

    @Test
    @DisplayName("new progress alone is not written before the interval elapsed, but is shown live")
    void progressWithinInterval() {
        MigrationRecord rec = copying(T0.minusSeconds(9));
        Decision d = decide(rec, MORE_ROWS);
        assertThat(d.write()).isFalse();
        assertThat(d.record()).isSameAs(rec);
        assertThat(d.audit()).isEmpty();
        ShardProgress live = Objects.requireNonNull(d.live().get(S)).progress();
        assertThat(live.rowsCopied()).isEqualTo(500);
        assertThat(live.percent()).isEqualTo(50.0);
    }

    @Test
    @DisplayName("new progress is written once the interval elapsed")
    void progressAfterInterval() {
        Decision d = decide(copying(T0.minusSeconds(10)), MORE_ROWS);
        assertThat(d.write()).isTrue();
        assertThat(shard(d, S).progress().rowsCopied()).isEqualTo(500);
        assertThat(d.record().progressPersistedAt()).isEqualTo(T0);
        assertThat(d.record().auditSeq()).isEqualTo(7);
        assertThat(d.audit()).isEmpty();
    }

    @Test
    @DisplayName("progress is written the first time, when it was never written")
    void progressNeverWritten() {
        Decision d = decide(copying(null), MORE_ROWS);
        assertThat(d.write()).isTrue();
        assertThat(d.record().progressPersistedAt()).isEqualTo(T0);
    }

    @Test
    @DisplayName("progress is written with a hard change, whatever the interval")
    void progressWithHardChange() {
        MigrationRecord rec = copying(T0.minusSeconds(1));
        Decision d = decide(
                rec,
                Map.of(S, input(EngineObservation.of(EnginePhase.CATCHING_UP).withRows(1000, 1000), healthy(S))));
        assertThat(d.write()).isTrue();
        assertThat(shard(d, S).state()).isEqualTo(MigrationState.WAITING_FOR_CATCHUP);
        assertThat(shard(d, S).progress().rowsCopied()).isEqualTo(1000);
        assertThat(shard(d, S).progress().percent()).isEqualTo(100.0);
        assertThat(d.record().progressPersistedAt()).isEqualTo(T0);
        assertThat(d.record().auditSeq()).isEqualTo(7 + d.audit().size());
    }

    @Test
    @DisplayName("a new wait reason is not written before the interval elapsed, but is shown live")
    void waitReasonWithinInterval() {
        MigrationRecord rec = migration(S)
                .policy(p -> p.requireStartApproval(true))
                .progressPersistedAt(T0.minusSeconds(3))
                .build();
        Decision d = decide(rec, Map.of(S, input(null, healthy(S))));
        assertThat(d.write()).isFalse();
        assertThat(shard(d, S).waitReason()).isNull();
        assertThat(waitReason(d, S)).isEqualTo("start_approval: waiting for start approval");

        Decision later = Decisions.decider()
                .decide(rec, Map.of(S, input(null, healthy(S))), Decisions.CAPS, Decisions.ACTOR, T0.plusSeconds(7));
        assertThat(later.write()).isTrue();
        assertThat(shard(later, S).waitReason()).isEqualTo("start_approval: waiting for start approval");
    }

    @Test
    @DisplayName("nothing is written when nothing changed, however long ago the last write was")
    void nothingChanged() {
        MigrationRecord rec = migration(S)
                .policy(p -> p.requireStartApproval(true))
                .shard(S, s -> s.withWaitReason("start_approval: waiting for start approval"))
                .progressPersistedAt(T0.minus(Duration.ofHours(1)))
                .build();
        Decision d = decide(rec, Map.of(S, input(null, healthy(S))));
        assertThat(d.write()).isFalse();
        assertThat(d.record()).isSameAs(rec);
    }

    @Test
    @DisplayName("the live figures start from the caller's live progress rather than the persisted one")
    void liveProgressIsTheBase() {
        ShardProgress liveBefore = new ShardProgress(
                400, 1000, 40, null, 0, false, null, null, T0.minusSeconds(1), false, T0.minusSeconds(1));
        MigrationRecord rec = copying(T0.minusSeconds(1));
        Decision d = decide(
                rec,
                Map.of(
                        S,
                        new ShardInput(
                                EngineObservation.of(EnginePhase.COPYING).withRows(500, 1000),
                                healthy(S),
                                liveBefore)));
        ShardProgress live = Objects.requireNonNull(d.live().get(S)).progress();
        // 100 rows in the second since the live sample; the persisted progress has no sample to measure from.
        assertThat(live.rowsPerSecond()).isEqualTo(100.0);
        assertThat(live.eta()).isEqualTo(Duration.ofSeconds(5));
    }
}
