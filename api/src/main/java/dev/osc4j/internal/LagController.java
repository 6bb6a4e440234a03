package dev.osc4j.internal;

import dev.osc4j.MigrationPolicy;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The closed-loop throttle: the copy rate a shard may run at, from its replicas' lag, aiming at a target lag below the
 * hard limit. Pure: the next throttle ratio from the applied one, the lag measured now and the lag at the previous step.
 *
 * <p>The law is AIMD on the copy rate ({@code 1 - ratio}) with a slow start, a dead band and a trend check, evaluated
 * once a second while a shard copies:
 *
 * <ul>
 *   <li>lag unknown (a replica stopped, unreachable, its heartbeat gone) or at or over the hard limit: ratio 1, the
 *       copy stops (fail closed);
 *   <li>with a load ceiling ({@code MigrationPolicy.maxThreadsRunning}): the primary's threads running unknown stops
 *       the copy as an unknown lag does; threads running over the ceiling halves the rate as a lag over the target
 *       does; over half the ceiling the rate grows by {@link #STEP} only, never by half (the other rules apply to the
 *       lag alone);
 *   <li>lag over the target: the rate is halved (multiplicative decrease), down to {@link #MIN_RATE};
 *   <li>the first step of a copy (no previous lag), and a stopped copy whose lag is back within the target: the rate
 *       starts at {@link #MIN_RATE} (slow start: a copy let loose at full speed builds a backlog the replica needs
 *       seconds to drain before the first step can act);
 *   <li>lag under a quarter of the aim ({@link #AIM} of the target) and not rising: the rate grows by half (at least
 *       {@link #STEP}), so the slow start reaches the replica's pace in a few seconds;
 *   <li>lag under half the aim and not rising: the rate grows by {@link #STEP} (additive increase);
 *   <li>lag at half the aim or more and rising (by more than a tenth of the target since the previous step): the rate
 *       goes down by a fifth (at least {@link #STEP}), before the lag crosses the target;
 *   <li>otherwise held (the dead band).
 * </ul>
 *
 * Ratios are multiples of {@link #STEP}, so a shard's throttle changes in steps of at least 5 %, each a THROTTLE intent
 * and an audit entry. AIMD is the law TCP's congestion control and Vitess's older rate controller use for the same
 * shape of problem (a producer that cannot see the consumer's capacity, only a delay signal). The slow start and the
 * trend check come from measurements on real MariaDB ({@code LagControlBenchmark}, docs/throttling.md): without them
 * the copy's first seconds at full speed, and the dead band holding a rate the replica cannot follow, put lag p95 at
 * five times the target.
 */
final class LagController {
    /** The rate added per decision while the lag is under half the aim, and the ratios' granularity. */
    static final double STEP = 0.05;
    /** The slowest rate the decrease goes to before only the hard limit stops the copy; where a copy starts. */
    static final double MIN_RATE = 0.05;
    /**
     * The share of the target the increase aims at. Measured ({@code LagControlBenchmark}, docs/throttling.md): aiming
     * at the target itself, a cycle's overshoot put lag p95 at 1.48x the target.
     */
    static final double AIM = 0.7;

    private LagController() {}

    /**
     * The next throttle ratio, from the lag alone (no load ceiling).
     *
     * @param applied the ratio the engine runs at now
     * @param lag the largest replica lag measured now, or null when a replica's lag is unknown
     * @param previous the lag measured at the previous step of this copy, or null at its first step
     * @param target the lag to aim at
     * @param hardLimit the lag at which the copy stops
     * @return a ratio in [0, 1], a multiple of {@link #STEP}
     */
    static double next(
            double applied, @Nullable Duration lag, @Nullable Duration previous, Duration target, Duration hardLimit) {
        return next(applied, lag, previous, target, hardLimit, null, null);
    }

    /**
     * The next throttle ratio, from the lag and the primary's load.
     *
     * @param applied the ratio the engine runs at now
     * @param lag the largest replica lag measured now, or null when a replica's lag is unknown
     * @param previous the lag measured at the previous step of this copy, or null at its first step
     * @param target the lag to aim at
     * @param hardLimit the lag at which the copy stops
     * @param threadsRunning the primary's threads running now, or null when unknown
     * @param ceiling the load ceiling on {@code threadsRunning}, or null for none
     * @return a ratio in [0, 1], a multiple of {@link #STEP}
     */
    static double next(
            double applied,
            @Nullable Duration lag,
            @Nullable Duration previous,
            Duration target,
            Duration hardLimit,
            @Nullable Integer threadsRunning,
            @Nullable Integer ceiling) {
        if (lag == null || stops(lag, hardLimit) || (ceiling != null && threadsRunning == null)) {
            return 1.0;
        }
        double rate = 1.0 - Math.min(1.0, Math.max(0.0, applied));
        Duration aim = aimOf(target);
        boolean rising = previous != null && lag.minus(previous).compareTo(target.dividedBy(10)) > 0;
        if (lag.compareTo(target) > 0 || overCeiling(threadsRunning, ceiling)) {
            rate = Math.max(MIN_RATE, rate / 2);
        } else if (previous == null || rate < MIN_RATE) {
            // The copy's first step, or a stopped copy back within the target: start again, slowly.
            rate = MIN_RATE;
        } else if (rising && lag.compareTo(aim.dividedBy(2)) >= 0) {
            rate = Math.max(MIN_RATE, Math.min(rate - STEP, rate * 0.8));
        } else if (!rising && lag.compareTo(aim.dividedBy(4)) < 0 && !nearCeiling(threadsRunning, ceiling)) {
            rate = Math.min(1.0, Math.max(rate + STEP, rate * 1.5));
        } else if (!rising && lag.compareTo(aim.dividedBy(2)) < 0) {
            rate = Math.min(1.0, rate + STEP);
        }
        return quantize(1.0 - rate);
    }

    /**
     * Whether the load is over half the ceiling: the rate then grows by {@link #STEP} only, not by half (measured on
     * the simulated primary of {@code LagControllerTest.loadCeilingOnASimulatedPrimary}: growing by half up to the
     * ceiling overshot it one second in three).
     */
    private static boolean nearCeiling(@Nullable Integer threadsRunning, @Nullable Integer ceiling) {
        return ceiling != null && threadsRunning != null && threadsRunning * 2L > ceiling;
    }

    private static boolean overCeiling(@Nullable Integer threadsRunning, @Nullable Integer ceiling) {
        return ceiling != null && threadsRunning != null && threadsRunning > ceiling;
    }

    /**
     * Whether the copy must stop at once, whatever the step: a replica's lag unknown or at or over the hard limit, or,
     * with a load ceiling, the primary's threads running unknown.
     */
    static boolean stops(ShardHealth health, MigrationPolicy policy) {
        return stops(lagOf(health), policy.maxReplicaLag())
                || (policy.maxThreadsRunning() != null && health.primaryThreadsRunning() == null);
    }

    /**
     * Why the closed loop throttles the copy at {@code ratio}, naming the signal that decided: an unknown lag, an
     * unknown load, the load over the ceiling, or the lag.
     */
    static String reason(ShardHealth health, MigrationPolicy policy, double ratio) {
        String unknown = health.replicaWithUnknownLag();
        if (unknown != null) {
            return "replica " + unknown + " lag unknown (replication stopped?): copy stopped";
        }
        Integer ceiling = policy.maxThreadsRunning();
        Integer threads = health.primaryThreadsRunning();
        if (ceiling != null && threads == null) {
            return "primary threads running unknown (ceiling " + ceiling + "): copy stopped";
        }
        String at = String.format(Locale.ROOT, "copy at %.0f%% (closed loop)", 100 * (1 - ratio));
        if (overCeiling(threads, ceiling) && !stops(lagOf(health), policy.maxReplicaLag())) {
            return "threads running " + threads + " > ceiling " + ceiling + ": " + at;
        }
        return "replica lag " + Durations.format(health.maxKnownLag()) + ", target "
                + Durations.format(java.util.Objects.requireNonNull(policy.targetReplicaLag())) + ", limit "
                + Durations.format(policy.maxReplicaLag()) + ": " + at;
    }

    /**
     * Where the increase and the trend check aim: {@link #AIM} of the target, so that the overshoot of a cycle (the
     * replica's queue shows in the lag seconds after the rate that built it) ends near the target, not above it.
     */
    static Duration aimOf(Duration target) {
        return Duration.ofNanos((long) (target.toNanos() * AIM));
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
