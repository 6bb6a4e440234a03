package dev.osc4j.internal;

import dev.osc4j.KeyspaceProgress;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Progress arithmetic, pure: rates, ETAs, stalls, and the weighted aggregate across shards. */
public final class ProgressMath {
    /** Time constant of the exponentially weighted copy rate. */
    static final Duration RATE_TIME_CONSTANT = Duration.ofSeconds(30);
    /**
     * Samples closer than this to the previous one are ignored while copying: engines report progress in steps (pt-osc
     * once a second), and a step seen a few milliseconds after the previous sample would look like a huge rate.
     */
    static final Duration MIN_SAMPLE_INTERVAL = Duration.ofMillis(500);

    private ProgressMath() {}

    /**
     * The shard's progress after observing {@code obs} at {@code now}.
     *
     * @param prev the previous progress (live, or as persisted)
     * @param obs the engine's observation, if any
     * @param lag the highest replica lag from the topology, if read
     * @param osc4jThrottle why osc4j itself throttles the shard, if it does
     * @param stallTimeout the policy's stall timeout
     */
    public static ShardProgress next(
            ShardProgress prev,
            @Nullable EngineObservation obs,
            @Nullable Duration lag,
            @Nullable String osc4jThrottle,
            Duration stallTimeout,
            Instant now) {
        if (obs == null) {
            return prev;
        }
        Instant prevAt = prev.sampledAt();
        if (obs.phase() == EnginePhase.COPYING
                && prevAt != null
                && Duration.between(prevAt, now).compareTo(MIN_SAMPLE_INTERVAL) < 0
                && obs.throttled() == prev.throttled()
                && (osc4jThrottle != null) == prev.throttled()) {
            return prev;
        }
        long total = obs.rowsTotal() >= 0 ? obs.rowsTotal() : prev.rowsTotal();
        long copied = Math.max(0, obs.rowsCopied());
        boolean copyDone = phaseAtLeast(obs.phase(), EnginePhase.CATCHING_UP);
        double percent;
        if (copyDone) {
            percent = 100;
        } else if (total > 0) {
            percent = Math.min(100.0, 100.0 * copied / total);
        } else if (total == 0) {
            percent = obs.phase() == EnginePhase.COPYING ? 100 : 0;
        } else {
            percent = prev.percent();
        }

        double rate = prev.rowsPerSecond();
        if (prev.rowsCopied() == 0) {
            // The interval before the first rows includes start-up time (creating tables, triggers, counting rows):
            // a rate from it would make every later ETA too long. The rate starts with the first copied rows.
            rate = 0;
        } else if (prevAt != null && now.isAfter(prevAt) && copied >= prev.rowsCopied()) {
            double seconds = Duration.between(prevAt, now).toNanos() / 1e9;
            double instant = (copied - prev.rowsCopied()) / seconds;
            double alpha = prev.rowsPerSecond() == 0 ? 1 : 1 - Math.exp(-seconds / RATE_TIME_CONSTANT.toSeconds());
            rate = alpha * instant + (1 - alpha) * prev.rowsPerSecond();
        } else if (prevAt != null && copied < prev.rowsCopied()) {
            rate = 0; // the engine restarted its count (a retry); start over
        }

        // An engine that is not throttled but gives a reason says osc4j's throttle has no effect (e.g. Vitess with its
        // tablet throttler disabled): the copy runs, and the progress must not claim otherwise.
        boolean ineffective = osc4jThrottle != null && !obs.throttled() && obs.throttleReason() != null;
        boolean throttled = !ineffective && (obs.throttled() || osc4jThrottle != null);
        // When osc4j throttles, it knows why (the engine only sees a ratio); otherwise the engine's reason stands.
        String throttleReason = ineffective
                ? osc4jThrottle + " has no effect: " + obs.throttleReason()
                : osc4jThrottle != null ? osc4jThrottle : obs.throttleReason();
        if (throttled && throttleReason == null) {
            throttleReason = "throttled by the engine";
        }

        @Nullable Duration eta;
        if (copyDone) {
            eta = Duration.ZERO;
        } else if (total > 0 && rate > 0.0) {
            eta = Duration.ofMillis((long) Math.ceil(Math.max(0, total - copied) / rate * 1000));
        } else {
            eta = obs.engineEta();
        }

        Instant lastProgressAt = prev.lastProgressAt();
        if (lastProgressAt == null || copied > prev.rowsCopied() || throttled || obs.phase() != EnginePhase.COPYING) {
            // Throttled time and phases without row growth do not count towards a stall.
            lastProgressAt = now;
        }
        boolean stalled = obs.phase() == EnginePhase.COPYING
                && Duration.between(lastProgressAt, now).compareTo(stallTimeout) >= 0;

        Duration shownLag = obs.replicaLag() != null ? obs.replicaLag() : lag;
        return new ShardProgress(
                copied, total, percent, eta, rate, throttled, throttleReason, shownLag, lastProgressAt, stalled, now);
    }

    /** Whether {@code phase} is at or past {@code than} on the happy path. */
    public static boolean phaseAtLeast(EnginePhase phase, EnginePhase than) {
        return happyIndex(phase) >= happyIndex(than) && happyIndex(than) >= 0;
    }

    private static int happyIndex(EnginePhase phase) {
        return switch (phase) {
            case STARTING -> 0;
            case COPYING -> 1;
            case CATCHING_UP -> 2;
            case READY_FOR_CUTOVER -> 3;
            case CUTTING_OVER -> 4;
            case COMPLETED -> 5;
            case NOT_FOUND, FAILED, CANCELLED -> -1;
        };
    }

    /** The aggregate of shards with their persisted progress. */
    public static KeyspaceProgress aggregate(List<ShardRecord> shards) {
        ShardProgress[] progress = new ShardProgress[shards.size()];
        MigrationState[] states = new MigrationState[shards.size()];
        for (int i = 0; i < progress.length; i++) {
            progress[i] = shards.get(i).progress();
            states[i] = shards.get(i).state();
        }
        return aggregate(states, progress);
    }

    /**
     * The aggregate of shards: rows summed; percent weighted by each shard's estimated rows (a shard without an
     * estimate weighs as much as the average shard that has one, or all weigh the same when none has one); ETA of
     * the slowest unfinished shard.
     */
    public static KeyspaceProgress aggregate(MigrationState[] states, ShardProgress[] progress) {
        long copied = 0;
        long total = 0;
        int known = 0;
        for (ShardProgress p : progress) {
            copied += p.rowsCopied();
            if (p.rowsTotal() >= 0) {
                total += p.rowsTotal();
                known++;
            }
        }
        double defaultWeight = known == 0 ? 1 : Math.max(1.0, (double) total / known);
        double weighted = 0;
        double weights = 0;
        Duration eta = Duration.ZERO;
        boolean etaKnown = true;
        int throttled = 0;
        int stalled = 0;
        for (int i = 0; i < progress.length; i++) {
            ShardProgress p = progress[i];
            double weight = p.rowsTotal() >= 0 ? Math.max(1.0, (double) p.rowsTotal()) : defaultWeight;
            boolean done = states[i].pathIndex() >= MigrationState.WAITING_FOR_CATCHUP.pathIndex();
            double percent = done ? 100 : p.percent();
            weighted += weight * percent;
            weights += weight;
            if (!done) {
                Duration shardEta = p.eta();
                if (shardEta == null) {
                    etaKnown = false;
                } else if (shardEta.compareTo(eta) > 0) {
                    eta = shardEta;
                }
            }
            if (p.throttled()) {
                throttled++;
            }
            if (p.stalled()) {
                stalled++;
            }
        }
        double percent = weights == 0 ? 0 : Math.min(100, weighted / weights);
        return new KeyspaceProgress(
                copied, known == 0 ? -1 : total, percent, etaKnown ? eta : null, progress.length, throttled, stalled);
    }
}
