package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Instant;
import org.apiguardian.api.API;

/**
 * The outcome of a directive. A directive sent again with the same id returns this same outcome and changes nothing.
 *
 * @param directiveId the caller-chosen id
 * @param kind what the directive was
 * @param argument its argument in text form (approval stage, throttle ratio), or empty
 * @param actor who sent it
 * @param stateAfter the migration's state right after the directive was recorded
 * @param at when it was recorded
 */
@API(status = MAINTAINED, since = "0.1")
public record DirectiveResult(
        String directiveId, DirectiveKind kind, String argument, String actor, MigrationState stateAfter, Instant at) {}
