package dev.osc4j;

import org.jspecify.annotations.Nullable;

/**
 * One shard in a {@link ProgressSnapshot}.
 *
 * @param shard the shard
 * @param state its state
 * @param progress its live progress
 * @param waitReason why it is not advancing, if a gate holds it
 */
public record ShardSnapshot(
        String shard,
        MigrationState state,
        ShardProgress progress,
        @Nullable String waitReason) {}
