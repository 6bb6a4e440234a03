package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Duration;
import java.time.Instant;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Progress of one shard, as osc4j computed it from the engine's observations. The rate and ETA are osc4j's own,
 * from successive observations; the engine's figures are inputs, not truth.
 *
 * @param rowsCopied rows copied so far
 * @param rowsTotal estimated rows to copy, or -1 when unknown
 * @param percent 0-100
 * @param eta estimated time until the copy is done, or {@code null} when unknown
 * @param rowsPerSecond smoothed copy rate
 * @param throttled whether the copy is throttled now
 * @param throttleReason why, when throttled
 * @param replicaLag the highest replica lag seen for the shard, when known
 * @param lastProgressAt when the row count last grew
 * @param stalled whether no progress was seen for longer than the policy's stall timeout
 * @param sampledAt when the engine was last observed for these figures
 */
@API(status = MAINTAINED, since = "0.1")
public record ShardProgress(
        long rowsCopied,
        long rowsTotal,
        double percent,
        @Nullable Duration eta,
        double rowsPerSecond,
        boolean throttled,
        @Nullable String throttleReason,
        @Nullable Duration replicaLag,
        @Nullable Instant lastProgressAt,
        boolean stalled,
        @Nullable Instant sampledAt) {

    /** Progress before anything was observed. */
    public static final ShardProgress NONE = new ShardProgress(0, -1, 0, null, 0, false, null, null, null, false, null);

    /** Validates. */
    public ShardProgress {
        if (percent < 0 || percent > 100 || Double.isNaN(percent)) {
            throw new IllegalArgumentException("percent must be 0-100, got " + percent);
        }
        if (rowsCopied < 0) {
            throw new IllegalArgumentException("rowsCopied must be >= 0, got " + rowsCopied);
        }
    }
}
