package dev.osc4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The lag controller on a simulated replica: each simulated second the copy, at its rate, produces {@code copyLoad}
 * seconds of replication work, the foreground {@code foreground} seconds, and the replica applies {@code capacity}
 * seconds; lag grows by the difference (never below zero). Deterministic, one decision per simulated second, as the
 * controller's loop decides about once a second.
 */
@DisplayName("The closed-loop lag controller")
class LagControllerTest {
    private static final Duration TARGET = Duration.ofSeconds(1);
    private static final Duration HARD = Duration.ofSeconds(10);

    /** The simulated replica and the ratios the controller chose. */
    private static final class Replica {
        double lag;
        double ratio;
        double copyLoad = 2.0;
        double foreground = 0.3;
        double capacity = 1.0;
        boolean stopped;
        boolean lagUnknown;
        final List<Double> lags = new ArrayList<>();
        final List<Double> ratios = new ArrayList<>();
        double copied;

        @Nullable
        Duration previous;

        void second() {
            @Nullable Duration measured = lagUnknown ? null : Duration.ofMillis((long) (lag * 1000));
            ratio = LagController.next(ratio, measured, previous, TARGET, HARD);
            previous = measured;
            double rate = 1 - ratio;
            copied += rate;
            double work = rate * copyLoad + foreground;
            lag = Math.max(0, lag + work - (stopped ? 0 : capacity));
            lags.add(lag);
            ratios.add(ratio);
        }

        void run(int seconds) {
            for (int i = 0; i < seconds; i++) {
                second();
            }
        }

        double p95(int fromSecond) {
            List<Double> tail = new ArrayList<>(lags.subList(fromSecond, lags.size()));
            tail.sort(null);
            return tail.get((int) Math.ceil(tail.size() * 0.95) - 1);
        }

        double max(int fromSecond) {
            return lags.subList(fromSecond, lags.size()).stream()
                    .mapToDouble(Double::doubleValue)
                    .max()
                    .orElse(0);
        }

        /** How often the ratio changed direction in the window: a measure of oscillation. */
        int reversals(int fromSecond) {
            int reversals = 0;
            int lastSign = 0;
            for (int i = fromSecond + 1; i < ratios.size(); i++) {
                int sign = Double.compare(ratios.get(i), ratios.get(i - 1));
                if (sign != 0) {
                    if (lastSign != 0 && sign != lastSign) {
                        reversals++;
                    }
                    lastSign = sign;
                }
            }
            return reversals;
        }
    }

    @Test
    @DisplayName("a copy that would outrun its replica is slowed until the lag stays near the target, and copies at"
            + " the rate the replica can follow")
    void settlesNearTheTarget() {
        Replica r = new Replica();
        r.run(600);
        assertThat(r.p95(120)).as("lag p95 after settling, target 1 s").isLessThanOrEqualTo(1.2 * 1.0 + 1e-9);
        assertThat(r.max(120)).isLessThan((double) HARD.toSeconds());
        // The replica has 0.7 s/s left for the copy, which costs 2 s/s at full speed: a rate of 0.35 holds the lag.
        double rateHeld = r.copied / 600;
        assertThat(rateHeld).as("average copy rate").isBetween(0.85 * 0.35, 0.35 + 0.01);
        assertThat(r.reversals(120))
                .as("direction changes of the ratio in 480 s")
                .isLessThan(120);
    }

    @Test
    @DisplayName("with a replica that keeps up, the copy runs at full speed")
    void fullSpeedWhenTheReplicaKeepsUp() {
        Replica r = new Replica();
        r.capacity = 3.0;
        r.run(60);
        assertThat(r.ratios.subList(10, 60)).containsOnly(0.0);
        assertThat(r.max(0)).isZero();
    }

    @Test
    @DisplayName("a step up in foreground load slows the copy within seconds and the lag returns near the target")
    void stepChangeInLoad() {
        Replica r = new Replica();
        r.run(300);
        double before = r.copied;
        r.foreground = 0.8; // the replica now has 0.2 s/s left for the copy: a rate of 0.1
        r.run(300);
        double rateAfter = (r.copied - before) / 300;
        assertThat(r.p95(360)).as("lag p95 after the step").isLessThanOrEqualTo(1.2);
        assertThat(rateAfter).isLessThan(0.2);
    }

    @Test
    @DisplayName(
            "a replica that stops (its lag unknown, as MariaDB reports a stopped SQL thread) stops the copy at once"
                    + " for as long as it is stopped (fail closed); once it runs again and has caught up, the copy starts again,"
                    + " slowly")
    void replicaStops() {
        Replica r = new Replica();
        r.run(120);
        r.stopped = true;
        r.lagUnknown = true;
        double before = r.copied;
        r.run(60);
        assertThat(r.ratios.subList(120, 180)).containsOnly(1.0);
        assertThat(r.copied).as("nothing copied while the replica is stopped").isEqualTo(before);
        r.stopped = false;
        r.lagUnknown = false;
        r.run(120);
        assertThat(r.ratios.get(r.ratios.size() - 1)).as("copying again").isLessThan(1.0);
        assertThat(r.lag).as("and near the target").isLessThanOrEqualTo(1.2);
    }

    @Test
    @DisplayName("lag that cannot be measured stops the copy at once (fail closed)")
    void unknownLagFailsClosed() {
        Replica r = new Replica();
        r.run(30);
        r.lagUnknown = true;
        r.second();
        assertThat(r.ratio).isEqualTo(1.0);
        assertThat(LagController.next(0.0, null, Duration.ZERO, TARGET, HARD)).isEqualTo(1.0);
        assertThat(LagController.next(0.0, HARD, Duration.ZERO, TARGET, HARD)).isEqualTo(1.0);
    }

    @Test
    @DisplayName("a copy starts slowly (slow start) and reaches the replica's pace within seconds without a burst")
    void slowStart() {
        Replica r = new Replica();
        r.copyLoad = 4.0; // a copy that would outrun its replica four times over
        r.second();
        assertThat(r.ratio).as("first step: the slowest rate").isEqualTo(1 - LagController.MIN_RATE);
        r.run(29);
        assertThat(r.max(0)).as("no burst of lag while it ramps up").isLessThanOrEqualTo(1.2);
        // 0.7 s/s left for a copy costing 4 s/s: 0.175 holds the target; the ramp gets near it within 30 s.
        assertThat(1 - r.ratio).isGreaterThanOrEqualTo(0.1);
    }

    @Test
    @DisplayName("a lag rising inside the dead band slows the copy before it crosses the target")
    void risingLagInTheDeadBand() {
        double next = LagController.next(
                0.5, Duration.ofMillis(700), Duration.ofMillis(500), TARGET, HARD); // +0.2 s in a step
        assertThat(next).as("rate 0.5 down by a fifth").isEqualTo(0.6);
        assertThat(LagController.next(0.5, Duration.ofMillis(700), Duration.ofMillis(690), TARGET, HARD))
                .as("a steady lag in the band is held")
                .isEqualTo(0.5);
        assertThat(LagController.next(0.5, Duration.ofMillis(100), Duration.ofMillis(0), TARGET, HARD))
                .as("far under the target, not rising: the rate grows by half")
                .isEqualTo(0.25);
    }

    @Test
    @DisplayName("lag that disappears mid-copy stops it at once; when it comes back within the target the copy starts"
            + " again at the slowest rate, not where it was")
    void lagThatDisappears() {
        Replica r = new Replica();
        r.run(120);
        r.lagUnknown = true; // the heartbeat row is gone, the replica still applies
        r.run(5);
        assertThat(r.ratios.subList(120, 125)).containsOnly(1.0);
        r.lagUnknown = false;
        r.second();
        assertThat(r.ratio).isEqualTo(1 - LagController.MIN_RATE);
    }

    @Test
    @DisplayName("ratios are multiples of 5 % within [0, 1], from any input")
    void quantized() {
        for (double applied = 0; applied <= 1.0; applied += 0.013) {
            for (long lagMs : new long[] {0, 400, 700, 1500, 9_999}) {
                for (int i = 0; i < 3; i++) {
                    @Nullable Duration previous = i == 0 ? null : Duration.ofMillis(i == 1 ? 0 : lagMs / 2);
                    double next = LagController.next(applied, Duration.ofMillis(lagMs), previous, TARGET, HARD);
                    assertThat(next).isBetween(0.0, 1.0);
                    assertThat(Math.abs(next / LagController.STEP - Math.round(next / LagController.STEP)))
                            .isLessThan(1e-9);
                }
            }
        }
    }

    @Test
    @DisplayName("load ceiling: threads running over it halves the rate as a lag over the target does; at it, the lag"
            + " decides; unknown with a ceiling stops the copy, unknown without one is ignored")
    void loadCeilingLaw() {
        Duration low = Duration.ofMillis(100);
        assertThat(LagController.next(0.5, low, Duration.ZERO, TARGET, HARD, 57, 40))
                .as("over the ceiling, lag low: halved")
                .isEqualTo(0.75);
        assertThat(LagController.next(0.5, low, Duration.ZERO, TARGET, HARD, 40, 40))
                .as("at the ceiling, over half of it: grows by a step, not by half")
                .isEqualTo(0.45);
        assertThat(LagController.next(0.5, low, Duration.ZERO, TARGET, HARD, 20, 40))
                .as("at half the ceiling: the lag's rule (grow by half)")
                .isEqualTo(0.25);
        assertThat(LagController.next(0.5, low, Duration.ZERO, TARGET, HARD, null, 40))
                .as("unknown with a ceiling: stop")
                .isEqualTo(1.0);
        assertThat(LagController.next(0.5, low, Duration.ZERO, TARGET, HARD, null, null))
                .as("unknown without a ceiling: the lag alone")
                .isEqualTo(0.25);
        assertThat(LagController.next(0.5, low, Duration.ZERO, TARGET, HARD, 500, null))
                .as("no ceiling: threads running is not a signal")
                .isEqualTo(0.25);
        assertThat(LagController.next(0.95, low, Duration.ZERO, TARGET, HARD, 57, 40))
                .as("the decrease stops at the slowest rate, not at zero")
                .isEqualTo(1 - LagController.MIN_RATE);
    }

    @Test
    @DisplayName("load ceiling on a simulated primary whose threads running grows with the copy rate: the copy settles"
            + " at the rate the ceiling allows, over the ceiling in few seconds, and follows a step in the foreground")
    void loadCeilingOnASimulatedPrimary() {
        int ceiling = 40;
        double foreground = 10; // threads of the application
        double perRate = 60; // threads the copy adds at full speed
        double ratio = 0;
        @Nullable Duration previous = null;
        int over = 0;
        List<Double> rates = new ArrayList<>();
        for (int second = 0; second < 300; second++) {
            if (second == 150) {
                foreground = 25; // a step up in the application's load: room for a quarter of the copy
            }
            int threads = (int) Math.round(foreground + perRate * (1 - ratio));
            if ((second >= 30 && second < 150) || second >= 180) {
                over += threads > ceiling ? 1 : 0;
            }
            ratio = LagController.next(ratio, Duration.ZERO, previous, TARGET, HARD, threads, ceiling);
            previous = Duration.ZERO;
            rates.add(1 - ratio);
        }
        System.out.println("load ceiling rates 120-150: " + rates.subList(120, 150) + ", 270-300: "
                + rates.subList(270, 300) + ", seconds over the ceiling after settling: " + over);
        double mean1 =
                rates.subList(30, 150).stream().mapToDouble(d -> d).average().orElseThrow();
        double mean2 =
                rates.subList(180, 300).stream().mapToDouble(d -> d).average().orElseThrow();
        // Room: (40 - 10) / 60 = 0.5 of full speed, then (40 - 25) / 60 = 0.25.
        assertThat(mean1)
                .as("copies at most what the ceiling allows, and not far below")
                .isBetween(0.4, 0.5);
        assertThat(mean2).as("after the step").isBetween(0.2, 0.25);
        assertThat(rates.subList(30, 150))
                .as("over the room by one step at most")
                .allMatch(r -> r <= 0.55 + 1e-9);
        assertThat(rates.subList(180, 300)).allMatch(r -> r <= 0.3 + 1e-9);
        assertThat(over)
                .as("seconds over the ceiling out of 240 settled ones (AIMD probes it)")
                .isLessThan(60);
    }
}
