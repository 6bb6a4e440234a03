package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Duration;
import org.apiguardian.api.API;

/**
 * A staged rollout: the shards cut over in waves instead of all at once. The first {@code canaryShards} shards (in
 * topology order) are the canary wave; the others follow in waves of {@code waveShards}. The barrier holds within each
 * wave (its shards swap together, in one release), and a wave is released only once every shard of the waves before
 * it has swapped and {@code bakeTime} has passed since the last of them did. With health signals ({@link AutoRevert}),
 * a breach while a wave bakes stops the rollout: the waves already switched are reverted and the shards still waiting
 * are aborted. Every shard copies from the start; only the swaps are staged.
 *
 * @param canaryShards shards in the first wave, at least 1
 * @param waveShards shards in each following wave, at least 1
 * @param bakeTime how long a wave runs on the new schema before the next wave may swap; zero for none
 */
@API(status = MAINTAINED, since = "0.3")
public record Rollout(int canaryShards, int waveShards, Duration bakeTime) {

    /** Validates. */
    public Rollout {
        if (canaryShards < 1 || waveShards < 1) {
            throw new InvalidRequestException(
                    "rollout canaryShards and waveShards must be at least 1, got " + canaryShards + " and "
                            + waveShards,
                    null);
        }
        if (bakeTime.isNegative()) {
            throw new InvalidRequestException("rollout bakeTime must not be negative, got " + bakeTime, null);
        }
    }

    /** One canary shard, then the rest in one wave, after {@code bakeTime}. */
    public static Rollout canary(Duration bakeTime) {
        return new Rollout(1, Integer.MAX_VALUE, bakeTime);
    }

    /** The wave (0 for the canary) of the shard at {@code index} in the migration's shard order. */
    public int waveOf(int index) {
        return index < canaryShards ? 0 : 1 + (index - canaryShards) / waveShards;
    }

    /** How many waves {@code shards} shards make. */
    public int waves(int shards) {
        return shards == 0 ? 0 : waveOf(shards - 1) + 1;
    }
}
