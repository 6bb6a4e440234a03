package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/**
 * A controller whose reconcile passes the caller drives, one at a time, instead of the loop {@code start()} runs: how
 * the testkit's {@code Simulation} runs a migration of hours in milliseconds on a settable clock. The orchestrators
 * {@code MigrationOrchestrator.builder()} builds implement it; an application has no use for it.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public interface Reconcilable {
    /**
     * Runs one reconcile pass on the calling thread: renew leases, take over free migrations, drive each owned one as
     * far as it can go now. Passes never overlap.
     *
     * @throws IllegalStateException once {@code start()} ran (the loop drives the controller then), or after close
     */
    void reconcileNow();
}
