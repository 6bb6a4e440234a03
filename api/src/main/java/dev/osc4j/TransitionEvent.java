package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Instant;
import org.apiguardian.api.API;
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
@API(status = MAINTAINED, since = "0.1")
public record TransitionEvent(
        MigrationId migrationId,
        @Nullable String shard,
        MigrationState from,
        MigrationState to,
        Trigger trigger,
        String detail,
        Instant at) {}
