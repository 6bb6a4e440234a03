package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/**
 * The states a migration and each of its shards move through.
 *
 * <p>The happy path is {@code QUEUED → INITIALIZING → COPYING_ROWS → WAITING_FOR_CATCHUP → CUTOVER_PENDING →
 * SWITCHING_TRAFFIC → COMPLETED}; a revertible migration passes through {@link #REVERTIBLE} after the swap, for its
 * revert window, and ends {@link #COMPLETED} when the window closes or {@link #REVERTED} when a revert swapped the
 * tables back. A migration that cannot be reverted but is watched by health signals ({@link
 * MigrationPolicy#autoRevert()}) passes through {@link #BAKING} instead, and a breach there raises {@link #ALERTED}
 * until an operator acknowledges it. Any state before the swap may go to {@link #FAILED}; a failed migration is retried
 * (back to {@link #QUEUED}) or aborted (to {@link #ABORTED}). The allowed edges are listed, as data, in {@link
 * Transitions}.
 */
@API(status = MAINTAINED, since = "0.1")
public enum MigrationState {
    /** Accepted and waiting for a controller, its approvals and its start gates. */
    QUEUED,
    /** The engine is preparing the shadow table (create, alter, triggers or binlog streaming). */
    INITIALIZING,
    /** The engine copies rows from the original table to the shadow table. */
    COPYING_ROWS,
    /** The copy is done; the engine applies the remaining changes and replicas catch up. */
    WAITING_FOR_CATCHUP,
    /** Ready to cut over; held here until every shard is here and the cut-over gates pass. */
    CUTOVER_PENDING,
    /** The engine swaps the tables. */
    SWITCHING_TRAFFIC,
    /**
     * The new schema is live, and the original table is kept in sync with it for the revert window: a revert swaps
     * back without losing a write. The migration's work is done; only its window's end or a revert moves it on.
     */
    REVERTIBLE,
    /**
     * The new schema is live and cannot be swapped back (the engine keeps no original table, or the policy has no revert
     * window), and the policy's health signals watch it for their bake time ({@link AutoRevert#bakeTime()}). Ends
     * {@link #COMPLETED} when the bake time passes, or {@link #ALERTED} when a signal breaches.
     */
    BAKING,
    /**
     * A health signal breached while a migration that cannot be reverted baked: the new schema stays live (there is no
     * revert to run), and an operator must look. The breach is in the shard's wait reason and the audit trail; an
     * acknowledgement ({@link MigrationClient#acknowledgeAlert}) ends it {@link #COMPLETED}.
     */
    ALERTED,
    /** The new schema is live. Terminal. */
    COMPLETED,
    /** The run failed or was stopped; waits for a retry or an abort. */
    FAILED,
    /** Aborted after the artifacts of the failed run were cleaned up. Terminal. */
    ABORTED,
    /** A revert swapped the tables back within the revert window: the old schema is live again. Terminal. */
    REVERTED;

    /** Whether no transition leaves this state. */
    public boolean isTerminal() {
        return this == COMPLETED || this == ABORTED || this == REVERTED;
    }

    /**
     * Whether the new schema is live: the swap is done ({@link #REVERTIBLE}, {@link #BAKING}, {@link #ALERTED} or {@link
     * #COMPLETED}).
     */
    public boolean isSwitched() {
        return this == REVERTIBLE || this == BAKING || this == ALERTED || this == COMPLETED;
    }

    /** Whether an engine run may be in progress in this state (between the start and the swap). */
    public boolean isRunning() {
        return this == INITIALIZING
                || this == COPYING_ROWS
                || this == WAITING_FOR_CATCHUP
                || this == CUTOVER_PENDING
                || this == SWITCHING_TRAFFIC;
    }

    /**
     * Position on the happy path, used to find the least advanced shard; {@link #FAILED}, {@link #ALERTED}, {@link
     * #ABORTED} and {@link #REVERTED} have none and return -1. {@link #REVERTIBLE} and {@link #BAKING} share 6.
     */
    public int pathIndex() {
        return switch (this) {
            case QUEUED -> 0;
            case INITIALIZING -> 1;
            case COPYING_ROWS -> 2;
            case WAITING_FOR_CATCHUP -> 3;
            case CUTOVER_PENDING -> 4;
            case SWITCHING_TRAFFIC -> 5;
            case REVERTIBLE, BAKING -> 6;
            case COMPLETED -> 7;
            case FAILED, ALERTED, ABORTED, REVERTED -> -1;
        };
    }
}
