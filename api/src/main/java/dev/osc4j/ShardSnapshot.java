package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * One shard in a {@link ProgressSnapshot}.
 *
 * @param shard the shard
 * @param state its state
 * @param progress its live progress
 * @param waitReason why it is not advancing, if a gate holds it
 */
@API(status = MAINTAINED, since = "0.1")
public record ShardSnapshot(
        String shard,
        MigrationState state,
        ShardProgress progress,
        @Nullable String waitReason) {}
