package dev.osc4j.testkit;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.Reconcilable;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

/**
 * Drives an orchestrator deterministically: one reconcile pass ({@link Reconcilable#reconcileNow()}), then the clock
 * moves by a step, until a condition holds. No thread, no sleep: a migration of hours runs in milliseconds. The
 * orchestrator must not be {@linkplain MigrationOrchestrator#start() started}: passes are driven from here.
 */
public final class Simulation {
    private final MigrationOrchestrator orchestrator;
    private final Reconcilable passes;
    private final SettableClock clock;
    private Duration step = Duration.ofSeconds(1);

    private Simulation(MigrationOrchestrator orchestrator, SettableClock clock) {
        this.orchestrator = orchestrator;
        this.passes = reconcilable(orchestrator);
        this.clock = clock;
    }

    /** A simulation of {@code orchestrator}, which must use {@code clock}. */
    public static Simulation of(MigrationOrchestrator orchestrator, SettableClock clock) {
        return new Simulation(orchestrator, clock);
    }

    /** Runs one reconcile pass of {@code orchestrator} on the calling thread, moving no clock. */
    public static void pass(MigrationOrchestrator orchestrator) {
        reconcilable(orchestrator).reconcileNow();
    }

    private static Reconcilable reconcilable(MigrationOrchestrator orchestrator) {
        if (orchestrator instanceof Reconcilable r) {
            return r;
        }
        throw new IllegalArgumentException(
                orchestrator + " cannot be driven pass by pass: build it with MigrationOrchestrator.builder()");
    }

    /** The clock step between passes (default 1 s, like the default poll interval). */
    public Simulation step(Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("step must be positive, got " + value);
        }
        this.step = value;
        return this;
    }

    /** Runs one pass, then advances the clock by one step. */
    public void tick() {
        passes.reconcileNow();
        clock.advance(step);
    }

    /**
     * Runs passes until {@code condition} holds for the migration's record, or fails after {@code limit} of simulated
     * time with the record's state in the message.
     */
    public MigrationRecord runUntil(MigrationId id, Predicate<MigrationRecord> condition, Duration limit) {
        Instant end = clock.instant().plus(limit);
        while (true) {
            passes.reconcileNow();
            MigrationRecord r = orchestrator.get(id);
            if (condition.test(r)) {
                return r;
            }
            if (!clock.instant().isBefore(end)) {
                throw new AssertionError("condition not reached within " + limit + " of simulated time; migration "
                        + id + " is " + r.state() + ", shards "
                        + r.shards().stream()
                                .map(s -> s.shard() + "=" + s.state()
                                        + (s.waitReason() == null ? "" : " (" + s.waitReason() + ")"))
                                .toList());
            }
            clock.advance(step);
        }
    }

    /** Runs until the migration is in {@code state}. */
    public MigrationRecord runUntil(MigrationId id, MigrationState state, Duration limit) {
        return runUntil(id, r -> r.state() == state, limit);
    }
}
