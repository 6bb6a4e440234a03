package dev.osc4j.internal;

import static dev.osc4j.TestRecords.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.osc4j.KeyspaceProgress;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardProgress;
import dev.osc4j.TestRecords;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("ProgressMath")
class ProgressMathTest {
    private static final Duration STALL = Duration.ofMinutes(5);

    private static EngineObservation copying(long copied, long total) {
        return EngineObservation.of(EnginePhase.COPYING).withRows(copied, total);
    }

    private static ShardProgress sample(long copied, long total, double rate, Instant at) {
        double percent = total > 0 ? Math.min(100, 100.0 * copied / total) : 0;
        return new ShardProgress(copied, total, percent, null, rate, false, null, null, at, false, at);
    }

    private static ShardProgress next(ShardProgress prev, EngineObservation obs, Instant now) {
        return ProgressMath.next(prev, obs, null, null, STALL, now);
    }

    @Nested
    @DisplayName("one shard")
    class OneShard {
        @Test
        @DisplayName("without an observation, stays as it was")
        void noObservation() {
            ShardProgress prev = sample(10, 100, 1, T0);
            assertThat(ProgressMath.next(prev, null, Duration.ofSeconds(3), "paused", STALL, T0.plusSeconds(60)))
                    .isSameAs(prev);
        }

        @Test
        @DisplayName("takes the percentage from rows copied over rows to copy")
        void percent() {
            ShardProgress p = next(ShardProgress.NONE, copying(250, 1000), T0);
            assertThat(p.percent()).isEqualTo(25.0);
            assertThat(p.rowsCopied()).isEqualTo(250);
            assertThat(p.rowsTotal()).isEqualTo(1000);
            assertThat(p.sampledAt()).isEqualTo(T0);
        }

        @Test
        @DisplayName("caps the percentage at 100 when the engine copied more than it estimated")
        void percentCapped() {
            assertThat(next(ShardProgress.NONE, copying(1500, 1000), T0).percent())
                    .isEqualTo(100.0);
        }

        @Test
        @DisplayName("keeps the previous estimate when the engine has none this time")
        void unknownTotalKeepsEstimate() {
            ShardProgress p = next(sample(100, 1000, 0, T0), copying(200, -1), T0.plusSeconds(1));
            assertThat(p.rowsTotal()).isEqualTo(1000);
            assertThat(p.percent()).isEqualTo(20.0);
            ShardProgress unknown = next(ShardProgress.NONE, copying(200, -1), T0);
            assertThat(unknown.rowsTotal()).isEqualTo(-1);
            assertThat(unknown.percent()).isZero();
        }

        @Test
        @DisplayName("counts an empty table as copied, and a finished copy as 100% with a zero ETA")
        void emptyAndDone() {
            assertThat(next(ShardProgress.NONE, copying(0, 0), T0).percent()).isEqualTo(100.0);
            assertThat(next(
                                    ShardProgress.NONE,
                                    EngineObservation.of(EnginePhase.STARTING).withRows(0, 0),
                                    T0)
                            .percent())
                    .isZero();
            ShardProgress done = next(
                    sample(10, 1000, 5, T0),
                    EngineObservation.of(EnginePhase.CATCHING_UP).withRows(900, 1000),
                    T0);
            assertThat(done.percent()).isEqualTo(100.0);
            assertThat(done.eta()).isEqualTo(Duration.ZERO);
        }

        @Test
        @DisplayName("measures the rate from the first two samples, then smooths it exponentially (30s time constant)")
        void rateEwma() {
            ShardProgress first = next(ShardProgress.NONE, copying(1000, 100_000), T0);
            assertThat(first.rowsPerSecond()).as("one sample measures nothing").isZero();

            ShardProgress second = next(first, copying(2000, 100_000), T0.plusSeconds(10));
            assertThat(second.rowsPerSecond()).isEqualTo(100.0);

            ShardProgress third = next(second, copying(8000, 100_000), T0.plusSeconds(40));
            double alpha = 1 - Math.exp(-1);
            assertThat(third.rowsPerSecond()).isCloseTo(alpha * 200 + (1 - alpha) * 100, within(1e-9));
        }

        @Test
        @DisplayName("a short interval moves the smoothed rate only a little")
        void shortIntervalSmallStep() {
            ShardProgress prev = sample(1000, 100_000, 100, T0);
            ShardProgress p = next(prev, copying(2000, 100_000), T0.plusSeconds(1));
            // Instantaneous 1000 rows/s, but only 1s of 30s weighs in.
            assertThat(p.rowsPerSecond()).isBetween(120.0, 140.0);
        }

        @Test
        @DisplayName("does not take a rate from the interval before the first rows (it includes start-up time)")
        void noRateFromStartup() {
            ShardProgress first = next(sample(0, 10_000, 0, T0), copying(1000, 10_000), T0.plusSeconds(60));
            assertThat(first.rowsPerSecond()).isZero();
            assertThat(first.rowsCopied()).isEqualTo(1000);
            ShardProgress second = next(first, copying(2000, 10_000), T0.plusSeconds(61));
            assertThat(second.rowsPerSecond()).isEqualTo(1000.0);
        }

        @Test
        @DisplayName("ignores a sample taken less than half a second after the previous one while copying")
        void ignoresCloseSamples() {
            ShardProgress prev = sample(1000, 100_000, 200, T0);
            assertThat(next(prev, copying(1100, 100_000), T0.plusMillis(20))).isSameAs(prev);
            assertThat(next(prev, copying(1100, 100_000), T0.plusMillis(500)).rowsCopied())
                    .isEqualTo(1100);
        }

        @Test
        @DisplayName("starts the rate over when the engine's count goes backwards (a new run)")
        void rateResetsOnRestart() {
            ShardProgress p = next(sample(5000, 10_000, 250, T0), copying(100, 10_000), T0.plusSeconds(5));
            assertThat(p.rowsPerSecond()).isZero();
            assertThat(p.rowsCopied()).isEqualTo(100);
        }

        @Test
        @DisplayName("computes the ETA from the remaining rows and the rate, else takes the engine's")
        void eta() {
            ShardProgress p = next(sample(1000, 10_000, 0, T0), copying(2000, 10_000), T0.plusSeconds(10));
            assertThat(p.rowsPerSecond()).isEqualTo(100.0);
            assertThat(p.eta()).isEqualTo(Duration.ofSeconds(80));

            EngineObservation withEngineEta = copying(1000, -1).withEngineEta(Duration.ofMinutes(7));
            assertThat(next(ShardProgress.NONE, withEngineEta, T0).eta()).isEqualTo(Duration.ofMinutes(7));
            assertThat(next(ShardProgress.NONE, copying(1000, 10_000), T0).eta())
                    .as("no rate, no engine ETA")
                    .isNull();
        }

        @Test
        @DisplayName("shows the engine's throttle, or osc4j's own, with a reason")
        void throttle() {
            // When osc4j throttles it knows why; the engine only sees a ratio, so osc4j's reason wins.
            ShardProgress both = ProgressMath.next(
                    ShardProgress.NONE,
                    copying(1, 10).withThrottle(true, "throttle ratio 1.0"),
                    null,
                    "paused",
                    STALL,
                    T0);
            assertThat(both.throttled()).isTrue();
            assertThat(both.throttleReason()).isEqualTo("paused");
            ShardProgress engine = ProgressMath.next(
                    ShardProgress.NONE, copying(1, 10).withThrottle(true, "max-load"), null, null, STALL, T0);
            assertThat(engine.throttled()).isTrue();
            assertThat(engine.throttleReason()).isEqualTo("max-load");
            ShardProgress anonymous = ProgressMath.next(
                    ShardProgress.NONE, copying(1, 10).withThrottle(true, null), null, null, STALL, T0);
            assertThat(anonymous.throttleReason()).isEqualTo("throttled by the engine");
            ShardProgress ours =
                    ProgressMath.next(ShardProgress.NONE, copying(1, 10), null, "paused by operator", STALL, T0);
            assertThat(ours.throttled()).isTrue();
            assertThat(ours.throttleReason()).isEqualTo("paused by operator");
            ShardProgress none = ProgressMath.next(ShardProgress.NONE, copying(1, 10), null, null, STALL, T0);
            assertThat(none.throttled()).isFalse();
            assertThat(none.throttleReason()).isNull();
        }

        @Test
        @DisplayName("an engine that says osc4j's throttle has no effect (not throttled, with a reason) is believed")
        void ineffectiveThrottle() {
            ShardProgress p = ProgressMath.next(
                    ShardProgress.NONE,
                    copying(1, 10).withThrottle(false, "the tablet throttler of ks/-80 is disabled"),
                    null,
                    "paused by operator",
                    STALL,
                    T0);
            assertThat(p.throttled()).isFalse();
            assertThat(p.throttleReason())
                    .isEqualTo("paused by operator has no effect: the tablet throttler of ks/-80 is disabled");
        }

        @Test
        @DisplayName("shows the lag the engine measures, else the topology's")
        void lag() {
            ShardProgress topo =
                    ProgressMath.next(ShardProgress.NONE, copying(1, 10), Duration.ofSeconds(3), null, STALL, T0);
            assertThat(topo.replicaLag()).isEqualTo(Duration.ofSeconds(3));
            ShardProgress engine = ProgressMath.next(
                    ShardProgress.NONE,
                    copying(1, 10).withReplication(Duration.ofSeconds(1), null),
                    Duration.ofSeconds(3),
                    null,
                    STALL,
                    T0);
            assertThat(engine.replicaLag()).isEqualTo(Duration.ofSeconds(1));
        }
    }

    @Nested
    @DisplayName("stall detection")
    class Stall {
        private final ShardProgress idleSince =
                new ShardProgress(100, 1000, 10, null, 0, false, null, null, T0, false, T0);

        private ShardProgress after(Duration d, EngineObservation obs, @Nullable String osc4jThrottle) {
            return ProgressMath.next(idleSince, obs, null, osc4jThrottle, STALL, T0.plus(d));
        }

        @Test
        @DisplayName("marks a copy with no new rows for the stall timeout as stalled")
        void stalls() {
            assertThat(after(STALL.minusSeconds(1), copying(100, 1000), null).stalled())
                    .isFalse();
            ShardProgress stalled = after(STALL, copying(100, 1000), null);
            assertThat(stalled.stalled()).isTrue();
            assertThat(stalled.lastProgressAt()).isEqualTo(T0);
        }

        @Test
        @DisplayName("new rows reset the clock")
        void progressResets() {
            ShardProgress p = after(Duration.ofHours(1), copying(101, 1000), null);
            assertThat(p.stalled()).isFalse();
            assertThat(p.lastProgressAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
        }

        @Test
        @DisplayName("a throttled copy, by the engine or by osc4j, is not stalled")
        void throttledIsNotStalled() {
            assertThat(after(Duration.ofHours(1), copying(100, 1000).withThrottle(true, "lag"), null)
                            .stalled())
                    .isFalse();
            assertThat(after(Duration.ofHours(1), copying(100, 1000), "paused by operator")
                            .stalled())
                    .isFalse();
        }

        @Test
        @DisplayName("only a copy can stall: other phases do not grow rows and are not stalled")
        void onlyWhileCopying() {
            for (EnginePhase phase : List.of(
                    EnginePhase.STARTING,
                    EnginePhase.CATCHING_UP,
                    EnginePhase.READY_FOR_CUTOVER,
                    EnginePhase.CUTTING_OVER)) {
                assertThat(after(
                                        Duration.ofHours(1),
                                        EngineObservation.of(phase).withRows(100, 1000),
                                        null)
                                .stalled())
                        .as("%s", phase)
                        .isFalse();
            }
        }

        @Test
        @DisplayName("after a throttle ends, the stall clock starts from the end of the throttle")
        void clockRestartsAfterThrottle() {
            ShardProgress throttled = after(Duration.ofMinutes(10), copying(100, 1000), "lag");
            ShardProgress later = ProgressMath.next(
                    throttled, copying(100, 1000), null, null, STALL, T0.plus(Duration.ofMinutes(14)));
            assertThat(later.stalled()).isFalse();
            ShardProgress muchLater =
                    ProgressMath.next(later, copying(100, 1000), null, null, STALL, T0.plus(Duration.ofMinutes(15)));
            assertThat(muchLater.stalled()).isTrue();
        }
    }

    @Test
    @DisplayName("orders engine phases along the happy path; failure phases are never at least anything")
    void phaseOrder() {
        assertThat(ProgressMath.phaseAtLeast(EnginePhase.COMPLETED, EnginePhase.READY_FOR_CUTOVER))
                .isTrue();
        assertThat(ProgressMath.phaseAtLeast(EnginePhase.CUTTING_OVER, EnginePhase.READY_FOR_CUTOVER))
                .isTrue();
        assertThat(ProgressMath.phaseAtLeast(EnginePhase.READY_FOR_CUTOVER, EnginePhase.READY_FOR_CUTOVER))
                .isTrue();
        assertThat(ProgressMath.phaseAtLeast(EnginePhase.CATCHING_UP, EnginePhase.READY_FOR_CUTOVER))
                .isFalse();
        assertThat(ProgressMath.phaseAtLeast(EnginePhase.FAILED, EnginePhase.STARTING))
                .isFalse();
        assertThat(ProgressMath.phaseAtLeast(EnginePhase.NOT_FOUND, EnginePhase.STARTING))
                .isFalse();
        assertThat(ProgressMath.phaseAtLeast(EnginePhase.COMPLETED, EnginePhase.CANCELLED))
                .isFalse();
    }

    @Nested
    @DisplayName("the aggregate across shards")
    class Aggregate {
        private ShardProgress shard(long copied, long total, double percent, @Nullable Duration eta) {
            return new ShardProgress(copied, total, percent, eta, 0, false, null, null, null, false, null);
        }

        private KeyspaceProgress of(MigrationState[] states, ShardProgress... p) {
            return ProgressMath.aggregate(states, p);
        }

        private MigrationState[] copying(int n) {
            MigrationState[] s = new MigrationState[n];
            java.util.Arrays.fill(s, MigrationState.COPYING_ROWS);
            return s;
        }

        @Test
        @DisplayName("weighs each shard's percentage by its size, so a large shard dominates")
        void largeShardDominates() {
            KeyspaceProgress k = of(copying(2), shard(100_000, 1_000_000, 10, null), shard(1000, 1000, 100, null));
            assertThat(k.percent()).isCloseTo((1_000_000 * 10.0 + 1000 * 100.0) / 1_001_000, within(1e-9));
            assertThat(k.percent()).isLessThan(11);
            assertThat(k.rowsCopied()).isEqualTo(101_000);
            assertThat(k.rowsTotal()).isEqualTo(1_001_000);
            assertThat(k.shards()).isEqualTo(2);
        }

        @Test
        @DisplayName("weighs a shard of unknown size as the average shard of known size")
        void unknownWeighsAsAverage() {
            KeyspaceProgress k =
                    of(copying(3), shard(0, 100, 0, null), shard(300, 300, 100, null), shard(10, -1, 50, null));
            // Average known size 200: (100*0 + 300*100 + 200*50) / 600.
            assertThat(k.percent()).isCloseTo(40_000.0 / 600, within(1e-9));
            assertThat(k.rowsTotal()).isEqualTo(400);
            assertThat(k.rowsCopied()).isEqualTo(310);
        }

        @Test
        @DisplayName("weighs shards equally when none has a size, and reports the total as unknown")
        void noSizes() {
            KeyspaceProgress k = of(copying(2), shard(5, -1, 20, null), shard(5, -1, 60, null));
            assertThat(k.percent()).isCloseTo(40.0, within(1e-9));
            assertThat(k.rowsTotal()).isEqualTo(-1);
        }

        @Test
        @DisplayName("counts a shard past the copy as 100%, and an all-done migration as exactly 100%")
        void doneShards() {
            MigrationState[] states = {MigrationState.WAITING_FOR_CATCHUP, MigrationState.COMPLETED};
            KeyspaceProgress k = of(states, shard(3, 10, 30, null), shard(7, 7, 100, null));
            assertThat(k.percent()).isEqualTo(100.0);
            assertThat(k.eta()).isEqualTo(Duration.ZERO);
        }

        @Test
        @DisplayName("takes the ETA of the slowest unfinished shard, ignoring finished ones")
        void slowestEta() {
            MigrationState[] states = {
                MigrationState.COPYING_ROWS, MigrationState.COPYING_ROWS, MigrationState.CUTOVER_PENDING
            };
            KeyspaceProgress k = of(
                    states,
                    shard(1, 10, 10, Duration.ofMinutes(3)),
                    shard(1, 10, 10, Duration.ofMinutes(9)),
                    shard(10, 10, 100, Duration.ofHours(5)));
            assertThat(k.eta()).isEqualTo(Duration.ofMinutes(9));
        }

        @Test
        @DisplayName("has no ETA when an unfinished shard has none")
        void unknownEtaPropagates() {
            KeyspaceProgress k = of(copying(2), shard(1, 10, 10, Duration.ofMinutes(3)), shard(1, 10, 10, null));
            assertThat(k.eta()).isNull();
        }

        @Test
        @DisplayName("counts throttled and stalled shards")
        void counts() {
            ShardProgress throttled = new ShardProgress(1, 10, 10, null, 0, true, "lag", null, null, false, null);
            ShardProgress stalled = new ShardProgress(1, 10, 10, null, 0, false, null, null, null, true, null);
            KeyspaceProgress k = of(copying(3), throttled, stalled, shard(1, 10, 10, null));
            assertThat(k.throttledShards()).isEqualTo(1);
            assertThat(k.stalledShards()).isEqualTo(1);
        }

        @Test
        @DisplayName("reads the same from shard records as from their states and progress")
        void fromRecords() {
            ShardProgress half = shard(50, 100, 50, Duration.ofSeconds(50));
            KeyspaceProgress k = ProgressMath.aggregate(List.of(
                    TestRecords.shard("a", MigrationState.COPYING_ROWS, 1).withProgress(half),
                    TestRecords.shard("b", MigrationState.COMPLETED, 1)));
            // b has no size recorded and weighs as the average known shard.
            assertThat(k.percent()).isCloseTo(75.0, within(1e-9));
            assertThat(k.eta()).isEqualTo(Duration.ofSeconds(50));
        }
    }
}
