package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardRecord;
import dev.osc4j.internal.OwnedMigration.FailedIntent;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.ExecutionEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Performs the side effects whose intents a record holds, and records their outcomes (through {@link Outcomes}) in the
 * record it returns; the caller writes it. An effect that fails and stays pending is tried again after
 * {@link #retryDelay}, so a stuck effect does not hammer the engine at every pass.
 */
final class EffectRunner {
    /** The first retry of a failed side effect waits this long; each further failure doubles it. */
    static final Duration FIRST_RETRY_DELAY = Duration.ofSeconds(1);

    /** The longest wait between two attempts of a side effect that keeps failing. */
    static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(5);

    private final Clock clock;
    private final String controllerId;

    EffectRunner(Clock clock, String controllerId) {
        this.clock = clock;
        this.controllerId = controllerId;
    }

    /** The record after the outcomes, and the audit entries to write with it. */
    record Performed(MigrationRecord record, List<AuditEntry> audit) {}

    /**
     * How long to wait before attempt {@code failures + 1} of something whose attempts keep failing (an engine that
     * is unreachable, a cleanup the server refuses, a migration whose reconcile throws): 1 s, 2 s, 4 s ... up to
     * {@link #MAX_RETRY_DELAY}, so it neither hammers at every poll nor waits long once the cause is fixed. Kept in
     * memory only: a controller that takes over tries at once.
     */
    static Duration retryDelay(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 20);
        Duration delay = FIRST_RETRY_DELAY.multipliedBy(1L << doublings);
        return delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
    }

    /** Performs each due intent of {@code rec} and applies its outcome. */
    Performed run(MigrationRecord rec, OwnedMigration o, ExecutionEngine engine) {
        MigrationRecord next = rec;
        List<AuditEntry> audit = new ArrayList<>();
        for (ShardRecord s : rec.shards()) {
            Intent intent = s.intent();
            FailedIntent failed = o.failedIntents.get(s.shard());
            if (failed != null && !failed.intent().equals(intent)) {
                o.failedIntents.remove(s.shard());
                failed = null;
            }
            if (intent == null) {
                continue;
            }
            Instant now = clock.instant();
            if (failed != null && now.isBefore(failed.notBefore())) {
                continue;
            }
            Outcomes.Outcome outcome = perform(engine, rec, s, intent);
            Outcomes.Result r = Outcomes.apply(next, s.shard(), intent, outcome, controllerId, now);
            if (r != null) {
                next = r.record();
                audit.addAll(r.audit());
                boolean stillPending =
                        intent.equals(next.shard(s.shard()).orElseThrow().intent());
                if (outcome instanceof Outcomes.Failed && stillPending) {
                    int failures = failed == null ? 1 : failed.failures() + 1;
                    o.failedIntents.put(s.shard(), new FailedIntent(intent, failures, now.plus(retryDelay(failures))));
                } else {
                    o.failedIntents.remove(s.shard());
                }
            }
        }
        return new Performed(next, audit);
    }

    private static Outcomes.Outcome perform(ExecutionEngine engine, MigrationRecord rec, ShardRecord s, Intent intent) {
        try {
            EngineHandle handle = s.handle();
            switch (intent.kind()) {
                case START -> {
                    return new Outcomes.Done(engine.start(s.target(), rec.spec(), intent.key()), null);
                }
                case CLEANUP -> {
                    return new Outcomes.Done(null, engine.cleanup(s.target(), rec.spec(), intent.key()));
                }
                default -> {}
            }
            if (handle == null) {
                return new Outcomes.Failed(EngineException.permanent(
                        FailureReason.RUN_LOST, "no engine run is recorded for shard " + s.shard()));
            }
            switch (intent.kind()) {
                case RELEASE_CUTOVER -> engine.releaseCutover(handle);
                case THROTTLE -> engine.throttle(handle, Objects.requireNonNullElse(intent.ratio(), 0.0));
                case CANCEL -> engine.cancel(handle);
                default -> throw new IllegalStateException("unexpected intent " + intent.kind());
            }
            return new Outcomes.Done(null, null);
        } catch (EngineException e) {
            return new Outcomes.Failed(e);
        } catch (RuntimeException e) {
            return new Outcomes.Failed(new EngineException(
                    FailureReason.UNKNOWN, true, "engine " + engine.name() + " failed: " + e, rec.id(), s.shard(), e));
        }
    }
}
