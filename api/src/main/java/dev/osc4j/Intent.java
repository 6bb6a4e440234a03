package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.spi.EngineKey;
import java.time.Instant;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A side effect recorded before it is performed (write-ahead). A controller that finds a pending intent after a crash
 * performs it again with the same key, which the engine treats idempotently, then records the outcome.
 *
 * @param kind what to do
 * @param key the engine key the effect uses
 * @param stepId names this step, as shown in the audit trail
 * @param ratio the throttle ratio, for {@link IntentKind#THROTTLE}
 * @param recordedAt when the intent was recorded
 */
@API(status = MAINTAINED, since = "0.1")
public record Intent(
        IntentKind kind,
        EngineKey key,
        String stepId,
        @Nullable Double ratio,
        Instant recordedAt) {

    /** The side effects the orchestrator performs on engines. */
    public enum IntentKind {
        /** Start (or adopt) the engine run for the key. */
        START,
        /** Let the engine compare the original table with its copy before the swap. */
        VERIFY,
        /** Let the engine run a replicated {@code ANALYZE TABLE} of the new table before the swap. */
        ANALYZE,
        /** Let the engine read the original table's hot key ranges of the new table before the swap. */
        WARM,
        /** Let the engine swap the tables. */
        RELEASE_CUTOVER,
        /** Set the engine's throttle ratio. */
        THROTTLE,
        /** Stop the engine run. */
        CANCEL,
        /** Drop what the run with the key created. */
        CLEANUP,
        /** End the completed run's revert window: stop keeping the original table in sync, hand it to the lifecycle. */
        RETIRE,
        /** Hold or drain traffic to the table through the {@link dev.osc4j.spi.TrafficSwitch} before the swap. */
        ROUTE_HOLD,
        /** Put back what the {@link dev.osc4j.spi.TrafficSwitch} changed (after the swap, or in a fallback chain). */
        ROUTE_RESTORE
    }
}
