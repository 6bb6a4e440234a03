package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/** What causes a transition; each edge of {@link Transitions} has one. */
@API(status = MAINTAINED, since = "0.1")
public enum Trigger {
    /** A controller starts the engine once the start gates pass. */
    START,
    /** The engine reports that it copies rows. */
    COPY_STARTED,
    /** The engine reports that the row copy is complete. */
    COPY_COMPLETE,
    /** The engine is ready to cut over and the shard is aligned with its primary and replicas. */
    CAUGHT_UP,
    /** A ready shard must be validated again (the engine fell behind, or the primary changed). */
    REVALIDATE,
    /** Every shard is ready and every cut-over gate passes: the cut-over is released. */
    CUTOVER,
    /** The engine reports the swap done. */
    SWITCHED,
    /** The engine failed, a gate failed, or an abort stopped the run. */
    FAIL,
    /** An operator asked to run the failed migration again. */
    RETRY,
    /** An operator asked to abort, or the fallback chain of a final failure ran; the artifacts were cleaned up. */
    ABORT,
    /** The revert window ended (its time passed, or an operator closed it) and what kept the old table was retired. */
    WINDOW_CLOSED,
    /** A revert of this migration swapped the tables back. */
    REVERTED,
    /** The bake time of a migration that cannot be reverted passed without a breach of its health signals. */
    BAKED,
    /** A health signal breached while a migration that cannot be reverted baked: nothing to revert, so an alert. */
    HEALTH_BREACH,
    /** An operator acknowledged the alert of a migration whose health signals breached after its swap. */
    ACKNOWLEDGED
}
