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
import dev.osc4j.spi.TrafficSwitch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Performs the side effects whose intents a record holds, and records their outcomes (through {@link Outcomes}) in the
 * record it returns; the caller writes it. An effect that fails and stays pending is tried again after
 * {@link #retryDelay}, so a stuck effect does not hammer the engine at every pass.
 */
final class EffectRunner {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EffectRunner.class);

    /** The first retry of a failed side effect waits this long; each further failure doubles it. */
    static final Duration FIRST_RETRY_DELAY = Duration.ofSeconds(1);

    /** The longest wait between two attempts of a side effect that keeps failing. */
    static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(5);

    private final Clock clock;
    private final String controllerId;
    private final int releaseParallelism;
    private final TrafficSwitch trafficSwitch;

    EffectRunner(Clock clock, String controllerId, int releaseParallelism, TrafficSwitch trafficSwitch) {
        this.clock = clock;
        this.controllerId = controllerId;
        this.releaseParallelism = releaseParallelism;
        this.trafficSwitch = trafficSwitch;
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

    /**
     * Performs each due intent of {@code rec} and applies its outcome, in shard order. The releases of several shards
     * (the barrier releases them in one write) are sent to the engine in parallel, up to the release parallelism, so
     * the last shard's swap does not wait for every other shard's release call; everything else runs in order.
     */
    Performed run(MigrationRecord rec, OwnedMigration o, ExecutionEngine engine) {
        List<ShardRecord> due = new ArrayList<>();
        for (ShardRecord s : rec.shards()) {
            Intent intent = s.intent();
            FailedIntent failed = o.failedIntents.get(s.shard());
            if (failed != null && !failed.intent().equals(intent)) {
                o.failedIntents.remove(s.shard());
                failed = null;
            }
            if (intent == null || (failed != null && clock.instant().isBefore(failed.notBefore()))) {
                continue;
            }
            due.add(s);
        }
        Map<String, Outcomes.Outcome> outcomes = new HashMap<>();
        List<ShardRecord> releases = due.stream()
                .filter(s -> Objects.requireNonNull(s.intent()).kind() == Intent.IntentKind.RELEASE_CUTOVER)
                .toList();
        if (releases.size() > 1 && releaseParallelism > 1) {
            outcomes.putAll(inParallel(engine, rec, releases));
        }
        MigrationRecord next = rec;
        List<AuditEntry> audit = new ArrayList<>();
        for (ShardRecord s : due) {
            Intent intent = Objects.requireNonNull(s.intent());
            FailedIntent failed = o.failedIntents.get(s.shard());
            Outcomes.Outcome outcome = outcomes.get(s.shard());
            if (outcome == null) {
                outcome = perform(engine, rec, s, intent);
            }
            Instant now = clock.instant();
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

    /** The releases, sent at once from up to {@code releaseParallelism} threads; outcomes by shard. */
    private Map<String, Outcomes.Outcome> inParallel(
            ExecutionEngine engine, MigrationRecord rec, List<ShardRecord> releases) {
        int threads = Math.min(releaseParallelism, releases.size());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "osc4j-release-" + controllerId);
            t.setDaemon(true);
            return t;
        });
        Map<String, Future<Outcomes.Outcome>> futures = new LinkedHashMap<>();
        try {
            for (ShardRecord s : releases) {
                Intent intent = Objects.requireNonNull(s.intent());
                futures.put(s.shard(), pool.submit(() -> perform(engine, rec, s, intent)));
            }
            Map<String, Outcomes.Outcome> out = new HashMap<>();
            Error error = null;
            for (Map.Entry<String, Future<Outcomes.Outcome>> f : futures.entrySet()) {
                try {
                    out.put(f.getKey(), f.getValue().get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error err) {
                        error = error == null ? err : error; // rethrown once every release has returned
                    } else {
                        throw new IllegalStateException("perform never throws a RuntimeException", e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    out.put(
                            f.getKey(),
                            new Outcomes.Failed(EngineException.transientFailure(
                                    "interrupted while releasing shard " + f.getKey(), null)));
                }
            }
            if (error != null) {
                throw error;
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    private Outcomes.Outcome perform(ExecutionEngine engine, MigrationRecord rec, ShardRecord s, Intent intent) {
        try {
            EngineHandle handle = s.handle();
            switch (intent.kind()) {
                case START -> {
                    EngineHandle started = engine.start(s.target(), rec.spec(), intent.key());
                    Double initial = intent.ratio();
                    if (initial != null && initial > 0) {
                        // Part of the start, written ahead with it: the run starts slowed. Best effort: the decision
                        // after the start asks again (the outcome records no ratio applied), so a refusal here only
                        // costs the copy's first second.
                        try {
                            engine.throttle(started, initial);
                        } catch (RuntimeException e) {
                            LOG.warn(
                                    "run {} started, but its initial throttle {} failed: {}",
                                    intent.key(),
                                    initial,
                                    e.toString());
                        }
                    }
                    return new Outcomes.Done(started, null);
                }
                case CLEANUP -> {
                    return new Outcomes.Done(
                            null, engine.cleanup(s.target(), rec.spec(), intent.key(), s.artifactsOf(intent.key())));
                }
                case RETIRE -> {
                    return new Outcomes.Done(null, engine.retire(s.target(), rec.spec(), intent.key()));
                }
                case ROUTE_HOLD -> {
                    trafficSwitch.hold(s.target(), rec.spec(), intent.key());
                    return new Outcomes.Done(null, null);
                }
                case ROUTE_RESTORE -> {
                    trafficSwitch.restore(s.target(), rec.spec(), intent.key());
                    return new Outcomes.Done(null, null);
                }
                default -> {}
            }
            if (handle == null) {
                return new Outcomes.Failed(EngineException.permanent(
                        FailureReason.RUN_LOST, "no engine run is recorded for shard " + s.shard()));
            }
            switch (intent.kind()) {
                case VERIFY -> engine.verify(handle);
                case ANALYZE -> engine.analyze(handle);
                case WARM -> engine.warm(handle, rec.policy().preSwapOrDefault());
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
