package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/** Where an engine run is, in the engine's own terms, mapped by each engine from what it can see. */
@API(status = EXPERIMENTAL, since = "0.1")
public enum EnginePhase {
    /** The engine knows no run for the handle (process gone, migration not found). */
    NOT_FOUND,
    /** Starting: validating, creating the shadow table, installing triggers or the binlog streamer. */
    STARTING,
    /** Copying rows. */
    COPYING,
    /** Row copy done; applying the backlog and waiting for replicas. */
    CATCHING_UP,
    /** Ready to swap and holding until released. */
    READY_FOR_CUTOVER,
    /** Swapping tables. */
    CUTTING_OVER,
    /** Done; the new table is live. */
    COMPLETED,
    /** Failed; the observation's failure reason and message say why. */
    FAILED,
    /** Cancelled. */
    CANCELLED
}
