package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import java.util.Locale;
import org.apiguardian.api.API;

/**
 * Where one step an engine runs on the new table before the swap stands: the replicated ANALYZE ({@link
 * ExecutionEngine#analyze}) or the warming ({@link ExecutionEngine#warm}).
 *
 * @param state running, done or failed
 * @param done units done so far (hot ranges read; 0 or 1 for ANALYZE)
 * @param total units in all, or 0 when not yet known
 * @param detail for a failure, why; otherwise a short note or empty
 */
@API(status = EXPERIMENTAL, since = "0.4")
public record PreSwapStatus(State state, long done, long total, String detail) {

    /** Where a step stands. */
    public enum State {
        /** Running. */
        RUNNING,
        /** Ended (for warming: every hot range read, or the budget spent). */
        DONE,
        /** Could not run or ended in an error: the swap waits (see {@link dev.osc4j.PreSwapPolicy}). */
        FAILED
    }

    /** A step that is running, with {@code done} of {@code total} units. */
    public static PreSwapStatus running(long done, long total) {
        return new PreSwapStatus(State.RUNNING, done, total, "");
    }

    /** A step that ended. */
    public static PreSwapStatus done(long done, long total, String detail) {
        return new PreSwapStatus(State.DONE, done, total, detail);
    }

    /** A step that failed, and why. */
    public static PreSwapStatus failed(String detail) {
        return new PreSwapStatus(State.FAILED, 0, 0, detail);
    }

    /** Percent done, 0 to 100. */
    public double percent() {
        return total <= 0 ? (state == State.DONE ? 100 : 0) : Math.min(100, 100.0 * done / total);
    }

    /**
     * For a wait reason, with {@code step} "analyzing" or "warming": "warming: 40% of hot ranges read (4 of 10)",
     * "analyzing", "warming failed: ...".
     */
    public String describe(String step) {
        return switch (state) {
            case FAILED -> step + " failed: " + detail;
            case DONE -> step + " done" + (detail.isEmpty() ? "" : ": " + detail);
            case RUNNING ->
                total <= 0
                        ? step
                        : String.format(
                                Locale.ROOT,
                                "%s: %.0f%% of hot ranges read (%,d of %,d)",
                                step,
                                percent(),
                                done,
                                total);
        };
    }
}
