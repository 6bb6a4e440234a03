package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/**
 * Where an engine's comparison of the original table with its copy stands, before the swap (see {@link
 * ExecutionEngine#verify}).
 *
 * @param state running, matched or mismatched
 * @param rowsChecked rows of the original compared so far
 * @param rowsEstimate the original's row count as the server estimates it, or 0 when unknown
 * @param recopiedChunks chunks that differed and were copied again from the original
 * @param detail for a mismatch, the chunks that still differ; otherwise a short note or empty
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record ChecksumStatus(State state, long rowsChecked, long rowsEstimate, int recopiedChunks, String detail) {

    /** Where a comparison stands. */
    public enum State {
        /** Comparing. */
        RUNNING,
        /** Every chunk matched, after copies again where needed: the copy may be swapped in. */
        MATCHED,
        /** A chunk still differs after the copies again allowed: the copy must not be swapped in. */
        MISMATCHED
    }

    /** Percent of the estimated rows compared, 0 to 100. */
    public double percent() {
        if (state == State.MATCHED) {
            return 100;
        }
        return rowsEstimate <= 0 ? 0 : Math.min(100, 100.0 * rowsChecked / rowsEstimate);
    }

    /** For a wait reason: "checksum 45% (450,000 of ~1,000,000 rows), 1 chunk copied again". */
    public String describe() {
        String s = String.format(
                java.util.Locale.ROOT,
                "checksum %s %.0f%% (%,d of ~%,d rows)",
                state.name().toLowerCase(java.util.Locale.ROOT),
                percent(),
                rowsChecked,
                rowsEstimate);
        if (recopiedChunks > 0) {
            s += ", " + recopiedChunks + (recopiedChunks == 1 ? " chunk" : " chunks") + " copied again";
        }
        return detail.isEmpty() ? s : s + ": " + detail;
    }
}
