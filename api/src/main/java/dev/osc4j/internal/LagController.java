package dev.osc4j.internal;

import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The closed-loop throttle: the copy rate a shard may run at, from its replicas' lag, aiming at a target lag below the
 * hard limit. Pure: the next throttle ratio from the applied one and the lag measured now.
 *
 * <p>The law is AIMD on the copy rate ({@code 1 - ratio}), with a dead band, evaluated at each decision (every pass
 * while a shard copies, about once a second):
 *
 * <ul>
 *   <li>lag unknown (a replica stopped, unreachable) or at or over the hard limit: ratio 1, the copy stops (fail
 *       closed);
 *   <li>lag over the target: the rate is halved (multiplicative decrease), down to {@link #MIN_RATE};
 *   <li>lag under half the target: the rate grows by {@link #STEP} (additive increase), up to full speed;
 *   <li>between half the target and the target: the rate is held (the dead band, so a lag near the target does not
 *       make the ratio flap);
 *   <li>a stopped copy whose lag is back within the target starts again at {@link #MIN_RATE}.
 * </ul>
 *
 * Ratios are multiples of {@link #STEP}, so a shard's throttle changes in steps of at least 5 %, each a THROTTLE intent
 * and an audit entry. AIMD is the law TCP's congestion control and Vitess's older rate controller use for the same
 * shape of problem (a producer that cannot see the consumer's capacity, only a delay signal); it is chosen here for
 * bounded oscillation without tuning per server (a PI controller needs gains fitted to each replica's apply speed).
 */
final class LagController {
    /** The rate added per decision while the lag is under half the target, and the ratios' granularity. */
    static final double STEP = 0.05;
    /** The slowest rate the decrease goes to before only the hard limit stops the copy. */
    static final double MIN_RATE = 0.05;

    private LagController() {}

    /**
     * The next throttle ratio.
     *
     * @param applied the ratio the engine runs at now
     * @param lag the largest replica lag measured now, or null when a replica's lag is unknown
     * @param target the lag to aim at
     * @param hardLimit the lag at which the copy stops
     * @return a ratio in [0, 1], a multiple of {@link #STEP}
     */
    static double next(double applied, @Nullable Duration lag, Duration target, Duration hardLimit) {
        if (lag == null || stops(lag, hardLimit)) {
            return 1.0;
        }
        double rate = 1.0 - Math.min(1.0, Math.max(0.0, applied));
        if (rate < MIN_RATE && lag.compareTo(target) <= 0) {
            // Stopped (by the hard limit, or unknown lag) and back within the target: start again, slowly.
            rate = MIN_RATE;
        } else if (lag.compareTo(target) > 0) {
            rate = Math.max(MIN_RATE, rate / 2);
        } else if (lag.compareTo(target.dividedBy(2)) < 0) {
            rate = Math.min(1.0, rate + STEP);
        }
        return quantize(1.0 - rate);
    }

    /** Whether the copy must stop at once, whatever the step: lag unknown, or at or over the hard limit. */
    static boolean stops(@Nullable Duration lag, Duration hardLimit) {
        return lag == null || lag.compareTo(hardLimit) >= 0;
    }

    /** The lag the controller acts on: the largest known replica lag, or null when a replica's lag is unknown. */
    static @Nullable Duration lagOf(ShardHealth health) {
        return health.replicaWithUnknownLag() != null ? null : health.maxKnownLag();
    }

    /** A ratio rounded to a multiple of {@link #STEP}, within [0, 1]. */
    static double quantize(double ratio) {
        double q = Math.round(ratio / STEP) * STEP;
        return Math.min(1.0, Math.max(0.0, Math.round(q * 100) / 100.0));
    }
}
