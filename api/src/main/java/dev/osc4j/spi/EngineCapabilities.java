package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/**
 * What an engine can do, so the orchestrator does not ask for the impossible.
 *
 * @param postponedCutover the engine can hold before the swap until released (required for the global barrier)
 * @param throttleRatio the engine honours partial throttle ratios; otherwise any ratio above 0 pauses the copy
 * @param reattach the engine can find a run again from another process
 * @param retryInPlace a retry resumes the engine's own failed run (Vitess RETRY) instead of cleaning up and starting
 *     anew
 * @param reportsAppliedPosition observations carry the binlog position the engine has applied
 * @param keyspaceWideThrottle a throttle sent for one shard applies to every shard of the migration (Vitess keeps one
 *     throttler rule per keyspace): the orchestrator then makes one throttle decision for the keyspace, the strongest
 *     any shard needs, and sends that same ratio for every shard
 * @param checksum the engine compares the original table with its copy before the swap when asked ({@link
 *     ExecutionEngine#verify}), and reports it in {@link EngineObservation#checksum()}
 * @param revert the engine can keep the original table at the swap ({@link dev.osc4j.MigrationSpec#revertible()}) and
 *     run a revert ({@link dev.osc4j.MigrationSpec#revertOf()}) that swaps it back without losing a write made since
 * @param analyze osc4j asks the engine for a replicated ANALYZE of the new table before the swap ({@link
 *     ExecutionEngine#analyze}); false for engines whose tool does it itself (pt-osc) or that cannot
 * @param warm the engine can read the original's hot key ranges of the new table before the swap ({@link
 *     ExecutionEngine#warm})
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record EngineCapabilities(
        boolean postponedCutover,
        boolean throttleRatio,
        boolean reattach,
        boolean retryInPlace,
        boolean reportsAppliedPosition,
        boolean keyspaceWideThrottle,
        boolean checksum,
        boolean revert,
        boolean analyze,
        boolean warm) {

    /** Capabilities of an engine that neither analyzes nor warms the new table. */
    public EngineCapabilities(
            boolean postponedCutover,
            boolean throttleRatio,
            boolean reattach,
            boolean retryInPlace,
            boolean reportsAppliedPosition,
            boolean keyspaceWideThrottle,
            boolean checksum,
            boolean revert) {
        this(
                postponedCutover,
                throttleRatio,
                reattach,
                retryInPlace,
                reportsAppliedPosition,
                keyspaceWideThrottle,
                checksum,
                revert,
                false,
                false);
    }

    /** Capabilities of an engine that cannot revert a swap. */
    public EngineCapabilities(
            boolean postponedCutover,
            boolean throttleRatio,
            boolean reattach,
            boolean retryInPlace,
            boolean reportsAppliedPosition,
            boolean keyspaceWideThrottle,
            boolean checksum) {
        this(
                postponedCutover,
                throttleRatio,
                reattach,
                retryInPlace,
                reportsAppliedPosition,
                keyspaceWideThrottle,
                checksum,
                false);
    }

    /** Capabilities of an engine that throttles each shard on its own. */
    public EngineCapabilities(
            boolean postponedCutover,
            boolean throttleRatio,
            boolean reattach,
            boolean retryInPlace,
            boolean reportsAppliedPosition) {
        this(postponedCutover, throttleRatio, reattach, retryInPlace, reportsAppliedPosition, false, false);
    }

    /** Capabilities of an engine that does not compare the tables before the swap. */
    public EngineCapabilities(
            boolean postponedCutover,
            boolean throttleRatio,
            boolean reattach,
            boolean retryInPlace,
            boolean reportsAppliedPosition,
            boolean keyspaceWideThrottle) {
        this(
                postponedCutover,
                throttleRatio,
                reattach,
                retryInPlace,
                reportsAppliedPosition,
                keyspaceWideThrottle,
                false);
    }

    /** A copy that compares the tables before the swap ({@code checksum}). */
    public EngineCapabilities withChecksum(boolean value) {
        return new EngineCapabilities(
                postponedCutover,
                throttleRatio,
                reattach,
                retryInPlace,
                reportsAppliedPosition,
                keyspaceWideThrottle,
                value,
                revert,
                analyze,
                warm);
    }

    /** These capabilities with {@link #revert()} set to {@code value}. */
    public EngineCapabilities withRevert(boolean value) {
        return new EngineCapabilities(
                postponedCutover,
                throttleRatio,
                reattach,
                retryInPlace,
                reportsAppliedPosition,
                keyspaceWideThrottle,
                checksum,
                value,
                analyze,
                warm);
    }

    /** These capabilities with {@link #analyze()} and {@link #warm()} set. */
    public EngineCapabilities withPreSwap(boolean analyzes, boolean warms) {
        return new EngineCapabilities(
                postponedCutover,
                throttleRatio,
                reattach,
                retryInPlace,
                reportsAppliedPosition,
                keyspaceWideThrottle,
                checksum,
                revert,
                analyzes,
                warms);
    }
}
