package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Duration;
import org.apiguardian.api.API;

/**
 * What osc4j does to the new table before the swap, after the checksum, for engines that can ({@link
 * dev.osc4j.spi.EngineCapabilities#analyze()}, {@link dev.osc4j.spi.EngineCapabilities#warm()}). Each step is a
 * write-ahead intent; a step that fails holds the swap with the failure as its wait reason and is started again on the
 * next pass (see docs/warming.md for why a failure blocks rather than lets the swap go).
 *
 * @param analyze run a replicated {@code ANALYZE TABLE} of the new table (engines whose tool already does, pt-osc, are
 *     not asked twice)
 * @param warm read the original table's hot key ranges of the new table, so the swap does not start on a cold table
 *     (experimental, off by default: not yet shown to help, see docs/warming.md)
 * @param warmBudget how long warming may read; at the end of the budget it stops and reports what it read as done
 * @param warmChunkRows rows read per chunk while warming
 * @param warmPause the pause between two chunks (the pacing)
 */
@API(status = MAINTAINED, since = "0.4")
public record PreSwapPolicy(boolean analyze, boolean warm, Duration warmBudget, int warmChunkRows, Duration warmPause) {

    /** Default {@link #warmBudget()}: 60 seconds. */
    public static final Duration DEFAULT_WARM_BUDGET = Duration.ofSeconds(60);
    /** Default {@link #warmChunkRows()}: 1,000 rows. */
    public static final int DEFAULT_WARM_CHUNK_ROWS = 1000;
    /** Default {@link #warmPause()}: 5 ms. */
    public static final Duration DEFAULT_WARM_PAUSE = Duration.ofMillis(5);

    private static final PreSwapPolicy DEFAULTS =
            new PreSwapPolicy(true, false, DEFAULT_WARM_BUDGET, DEFAULT_WARM_CHUNK_ROWS, DEFAULT_WARM_PAUSE);

    /** Validates. */
    public PreSwapPolicy {
        if (warmBudget.isNegative() || warmBudget.isZero()) {
            throw new InvalidRequestException("policy preSwap warmBudget must be positive, got " + warmBudget, null);
        }
        if (warmChunkRows < 1 || warmChunkRows > 1_000_000) {
            throw new InvalidRequestException(
                    "policy preSwap warmChunkRows must be 1-1000000, got " + warmChunkRows, null);
        }
        if (warmPause.isNegative()) {
            throw new InvalidRequestException("policy preSwap warmPause must not be negative, got " + warmPause, null);
        }
    }

    /**
     * ANALYZE on; warming off (opt in with {@link #withWarm}: in the benchmark of docs/warming.md it did not help
     * measurably); for warming, 60 s in chunks of 1,000 rows with 5 ms between them.
     */
    public static PreSwapPolicy defaults() {
        return DEFAULTS;
    }

    /** Neither step. */
    public static PreSwapPolicy off() {
        return new PreSwapPolicy(false, false, DEFAULT_WARM_BUDGET, DEFAULT_WARM_CHUNK_ROWS, DEFAULT_WARM_PAUSE);
    }

    /** These settings with {@link #analyze()} set to {@code value}. */
    public PreSwapPolicy withAnalyze(boolean value) {
        return new PreSwapPolicy(value, warm, warmBudget, warmChunkRows, warmPause);
    }

    /** These settings with {@link #warm()} set to {@code value}. */
    public PreSwapPolicy withWarm(boolean value) {
        return new PreSwapPolicy(analyze, value, warmBudget, warmChunkRows, warmPause);
    }

    /** These settings with the warming's budget and pacing. */
    public PreSwapPolicy withWarming(Duration budget, int chunkRows, Duration pause) {
        return new PreSwapPolicy(analyze, warm, budget, chunkRows, pause);
    }
}
