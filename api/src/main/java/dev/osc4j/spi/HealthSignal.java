package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationRecord;
import org.apiguardian.api.API;

/**
 * A health check that can revert a migration on its own: while a migration bakes after its swap ({@link
 * dev.osc4j.AutoRevert}), the controller asks each signal its policy names, every {@link
 * dev.osc4j.AutoRevert#interval()}, and reverts the migration when the signals fail as often as the policy allows (as
 * Argo Rollouts' and Flagger's analyses roll a canary back). A signal reads whatever says the change hurts: p99 latency
 * or error rate of the table's queries, replica lag, threads running, a probe of the application.
 *
 * <p>Called from the controller's loop: answer within a second or two (use timeouts), and say {@link
 * HealthVerdict#unknown} rather than throw when the source cannot be read; a thrown exception counts as unknown too.
 * Registered with {@link dev.osc4j.MigrationOrchestrator.Builder#healthSignal}; a policy names signals by {@link
 * #name()}.
 */
@API(status = EXPERIMENTAL, since = "0.3")
public interface HealthSignal {

    /** The name policies use, such as {@code orders-p99}. */
    String name();

    /** The signal's verdict on {@code migration} now (its shards, table and swap time are in the record). */
    HealthVerdict check(MigrationRecord migration);
}
