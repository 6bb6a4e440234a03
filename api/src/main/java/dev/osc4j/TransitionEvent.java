package dev.osc4j;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A state transition, published to {@link ProgressSink}s once it is durably recorded.
 *
 * @param migrationId the migration
 * @param shard the shard, or {@code null} for the migration as a whole
 * @param from the state left
 * @param to the state entered
 * @param trigger what caused it
 * @param detail why, in words
 * @param at when
 */
public record TransitionEvent(
        MigrationId migrationId,
        @Nullable String shard,
        MigrationState from,
        MigrationState to,
        Trigger trigger,
        String detail,
        Instant at) {}
