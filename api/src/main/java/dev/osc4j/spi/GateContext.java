package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardRecord;
import dev.osc4j.Transition;
import java.time.Instant;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * What a gate may look at. Gates are pure: the same context gives the same answer.
 *
 * @param migration the migration's record, with every shard
 * @param shard the shard whose transition is gated
 * @param transition the edge
 * @param observation the engine's latest observation of the shard's run, if it has one
 * @param health the shard's live topology state, if read
 * @param now the current time
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record GateContext(
        MigrationRecord migration,
        ShardRecord shard,
        Transition transition,
        @Nullable EngineObservation observation,
        @Nullable ShardHealth health,
        Instant now) {}
