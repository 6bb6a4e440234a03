package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import org.apiguardian.api.API;

/**
 * What a cut-over changes in front of the database: a proxy's backend state or rules that hold or drain traffic to
 * the table while the tables are swapped, and what a fallback chain puts back when a run fails or is aborted.
 *
 * <p>The orchestrator calls it through write-ahead intents, like every side effect: {@link #hold} before it lets the
 * engine swap, {@link #restore} once the swap is done, and {@link #restore} again as a step of the fallback chain of a
 * failed or aborted shard (a chain restores whether or not it finds anything held). Both are idempotent for one key
 * and may be called again after a controller crash; a switch that needs to remember what it changed keeps that where
 * {@link #restore} can find it from another process (the proxy itself, for example). Errors are thrown as {@link
 * dev.osc4j.EngineException}, retryable or not. The default, {@link #NONE}, changes nothing.
 */
@API(status = EXPERIMENTAL, since = "0.3")
public interface TrafficSwitch {

    /** Changes nothing. */
    TrafficSwitch NONE = new TrafficSwitch() {
        @Override
        public void hold(ShardTarget target, MigrationSpec spec, EngineKey key) {}

        @Override
        public void restore(ShardTarget target, MigrationSpec spec, EngineKey key) {}

        @Override
        public String name() {
            return "none";
        }
    };

    /** Holds or drains traffic to {@code spec}'s table on {@code target} for the swap of the run with {@code key}. */
    void hold(ShardTarget target, MigrationSpec spec, EngineKey key);

    /** Puts back what {@link #hold} changed for the run with {@code key}; a no-op when nothing is held. */
    void restore(ShardTarget target, MigrationSpec spec, EngineKey key);

    /** A name for the audit trail. */
    default String name() {
        return getClass().getSimpleName();
    }
}
