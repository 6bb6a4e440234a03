package dev.osc4j.spi;

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
 */
public record EngineCapabilities(
        boolean postponedCutover,
        boolean throttleRatio,
        boolean reattach,
        boolean retryInPlace,
        boolean reportsAppliedPosition,
        boolean keyspaceWideThrottle) {

    /** Capabilities of an engine that throttles each shard on its own. */
    public EngineCapabilities(
            boolean postponedCutover,
            boolean throttleRatio,
            boolean reattach,
            boolean retryInPlace,
            boolean reportsAppliedPosition) {
        this(postponedCutover, throttleRatio, reattach, retryInPlace, reportsAppliedPosition, false);
    }
}
