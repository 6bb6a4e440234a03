package dev.osc4j.internal;

import static dev.osc4j.TestRecords.T0;

import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.Transition;
import dev.osc4j.Transitions;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.ShardHealth;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** Gate contexts over fixture records. */
final class GateContexts {
    static final Transition START =
            Transitions.find(MigrationState.QUEUED, MigrationState.INITIALIZING).orElseThrow();
    static final Transition CAUGHT_UP = Transitions.find(
                    MigrationState.WAITING_FOR_CATCHUP, MigrationState.CUTOVER_PENDING)
            .orElseThrow();
    static final Transition CUTOVER = Transitions.find(MigrationState.CUTOVER_PENDING, MigrationState.SWITCHING_TRAFFIC)
            .orElseThrow();

    private GateContexts() {}

    /** The context of the first shard of {@code rec}. */
    static GateContext of(
            MigrationRecord rec,
            Transition edge,
            @Nullable EngineObservation observation,
            @Nullable ShardHealth health,
            Instant now) {
        return new GateContext(rec, rec.shards().get(0), edge, observation, health, now);
    }

    static GateContext of(MigrationRecord rec, Transition edge, @Nullable ShardHealth health) {
        return of(rec, edge, null, health, T0);
    }
}
