package dev.osc4j.testkit;

import dev.osc4j.Artifact;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationSpec;
import dev.osc4j.PreSwapPolicy;
import dev.osc4j.RevertOf;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.ChecksumStatus;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.PreSwapStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An {@link ExecutionEngine} over a {@link FakeTopology}: each run copies the shard's rows at a fixed rate, driven by
 * the clock, through the phases a real engine goes through (starting, copying, catching up, holding before the swap
 * until released, swapping), honouring throttle ratios and the topology's faults (fail at a percent, stall, replica
 * lag). Runs survive controller restarts, as real engine runs do, so it can show that a new controller adopts a run
 * instead of starting a second one: {@link #runsStarted()} counts runs, {@link #startCalls()} counts calls.
 *
 * <p>With {@link Builder#checksumTime} it also compares the tables before the swap when asked ({@link #verify}), in
 * that much simulated time from the request; the comparison finds a mismatch on a shard marked with {@link
 * #corruptCopy}, and the copy is never swapped in then. The comparison reads and repairs only, so a run keeps its
 * result across controllers, and a repeated request while it runs or after it ended changes nothing.
 *
 * <p>With {@link Builder#preSwapTime} it also runs the replicated ANALYZE ({@link #analyze}) and the warming ({@link
 * #warm}) of the new table before the swap when asked, each taking that much simulated time; warming reports {@value
 * #HOT_RANGES} hot ranges, and fails on a shard marked with {@link #failWarm} (started again, it fails again until
 * {@link #healWarm}).
 *
 * <p>Accepts one engine option, {@code rows-per-second}; any other is refused at submission.
 */
public final class FakeEngine implements ExecutionEngine {
    /** Default engine name. */
    public static final String DEFAULT_NAME = "fake";
    /** Default copy rate. */
    public static final long DEFAULT_ROWS_PER_SECOND = 10_000;

    private final String name;
    private final FakeTopology topology;
    private final Clock clock;
    private final long rowsPerSecond;
    private final Duration startupTime;
    private final Duration catchupTime;
    private final Duration cutoverTime;
    private final @Nullable Duration throttleOnLag;
    private final @Nullable Duration checksumTime;
    private final boolean revert;
    private int retireCalls;
    private final Set<String> corrupt = new LinkedHashSet<>();
    private int verifyCalls;
    private final @Nullable Duration preSwapTime;
    private final Set<String> failWarm = new LinkedHashSet<>();
    private int analyzeCalls;
    private int warmCalls;

    /** The hot ranges a warming reports. */
    public static final int HOT_RANGES = 10;

    private final Map<EngineKey, Run> runs = new LinkedHashMap<>();
    private int startCalls;
    private int created;
    private boolean unavailable;

    private static final class Run {
        final EngineKey key;
        final ShardTarget target;
        final MigrationSpec spec;
        final long total;
        final long rate;
        EnginePhase phase = EnginePhase.STARTING;
        Instant phaseSince;
        /**
         * When the run was last advanced, kept as numbers: it changes on every observation of every run, and an
         * {@code Instant} stored into a long-lived run each time was most of the JVM's remembered-set upkeep (G1
         * refinement) in the controller harness (docs/benchmarks.md, P2).
         */
        private long lastAdvanceSecond;

        private int lastAdvanceNano;
        double copied;
        double ratio;
        boolean released;
        /** The process is gone (a host rebuilt, a run killed): the engine no longer knows it; its tables remain. */
        boolean lost;
        /** When the comparison before the swap was asked for; null before. */
        @Nullable
        Instant verifyFrom;
        /** When the ANALYZE before the swap was asked for; null before. */
        @Nullable
        Instant analyzeFrom;
        /** When the warming before the swap was (last) asked for; null before. */
        @Nullable
        Instant warmFrom;
        /** Whether the last warming failed. */
        boolean warmFailed;

        final Set<String> artifacts = new LinkedHashSet<>();

        @Nullable
        String error;

        Run(EngineKey key, ShardTarget target, MigrationSpec spec, long total, long rate, Instant now) {
            this.key = key;
            this.target = target;
            this.spec = spec;
            this.total = total;
            this.rate = rate;
            this.phaseSince = now;
            lastAdvance(now);
        }

        Instant lastAdvance() {
            return Instant.ofEpochSecond(lastAdvanceSecond, lastAdvanceNano);
        }

        void lastAdvance(Instant at) {
            lastAdvanceSecond = at.getEpochSecond();
            lastAdvanceNano = at.getNano();
        }
    }

    private FakeEngine(Builder b) {
        this.name = b.name;
        this.topology = b.topology;
        this.clock = b.topology.clock();
        this.rowsPerSecond = b.rowsPerSecond;
        this.startupTime = b.startupTime;
        this.catchupTime = b.catchupTime;
        this.cutoverTime = b.cutoverTime;
        this.throttleOnLag = b.throttleOnLag;
        this.checksumTime = b.checksumTime;
        this.revert = b.revert;
        this.preSwapTime = b.preSwapTime;
    }

    /** A fake engine with default settings on {@code topology} (and its clock). */
    public static FakeEngine on(FakeTopology topology) {
        return builder(topology).build();
    }

    /** Configures a fake engine. */
    public static Builder builder(FakeTopology topology) {
        return new Builder(topology);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public EngineCapabilities capabilities() {
        return new EngineCapabilities(true, true, true, false, true)
                .withChecksum(checksumTime != null)
                .withRevert(revert)
                .withPreSwap(preSwapTime != null, preSwapTime != null);
    }

    @Override
    public void validate(MigrationSpec spec) {
        for (Map.Entry<String, String> option : spec.engineOptions().entrySet()) {
            if (!option.getKey().equals("rows-per-second")) {
                throw new InvalidRequestException(
                        "engine '" + name + "' has no option '" + option.getKey() + "'; it accepts: [rows-per-second]",
                        null);
            }
            try {
                if (Long.parseLong(option.getValue()) < 1) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new InvalidRequestException(
                        "rows-per-second must be a positive integer, got '" + option.getValue() + "'", null);
            }
        }
    }

    @Override
    public synchronized EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key) {
        checkAvailable();
        startCalls++;
        Run run = runs.get(key);
        if (run == null || run.lost) {
            Run lostRun = run;
            String reject = topology.rejectStart(target.keyspace(), target.shard());
            if (reject != null) {
                throw EngineException.permanent(FailureReason.ENGINE_FAILED, reject);
            }
            long rate = Long.parseLong(spec.option("rows-per-second", Long.toString(rowsPerSecond)));
            RevertOf of = spec.revertOf();
            if (of != null) {
                Run forward = runs.get(of.forwardKey(target.shard()));
                if (forward == null || !forward.artifacts.contains(keptTable(spec))) {
                    throw EngineException.permanent(
                            FailureReason.ENGINE_CONFIGURATION,
                            "nothing to revert to: run " + of.forwardKey(target.shard()) + " kept no table");
                }
            }
            // A revert copies nothing: the kept table is already in sync; it only swaps back.
            long rows = of != null ? 0 : topology.rows(target.keyspace(), target.shard());
            run = new Run(key, target, spec, rows, rate, clock.instant());
            run.artifacts.add("_" + spec.table() + (of != null ? "_revert" : "_new"));
            run.artifacts.add("_" + spec.table() + "_triggers");
            if (lostRun != null) {
                run.artifacts.addAll(lostRun.artifacts); // what the lost run created is still on the server
            }
            runs.put(key, run);
            created++;
        }
        return handle(run);
    }

    /**
     * What {@link #start} creates: the new table (the revert table for a revert) and the triggers, and for a revertible
     * run the kept table and its reverse triggers, named as {@link #artifacts} reports them, in the shard's keyspace.
     */
    @Override
    public List<Artifact> plannedArtifacts(ShardTarget target, MigrationSpec spec, EngineKey key) {
        String schema = target.keyspace();
        List<Artifact> out = new ArrayList<>();
        out.add(Artifact.table(schema, "_" + spec.table() + (spec.revertOf() != null ? "_revert" : "_new"), key));
        out.add(Artifact.trigger(schema, "_" + spec.table() + "_triggers", key));
        if (spec.revertible() && spec.revertOf() == null) {
            out.add(Artifact.table(schema, keptTable(spec), key));
            out.add(Artifact.trigger(schema, "_" + spec.table() + "_reverse_triggers", key));
        }
        return out;
    }

    private EngineHandle handle(Run run) {
        return new EngineHandle(name, run.key, Map.of("run", run.key.value()));
    }

    private Run run(EngineHandle handle) {
        Run run = runs.get(handle.key());
        if (run == null || run.lost) {
            throw EngineException.permanent(FailureReason.RUN_LOST, "no run " + handle.key());
        }
        return run;
    }

    @Override
    public synchronized EngineObservation observe(EngineHandle handle) {
        checkAvailable();
        Run run = runs.get(handle.key());
        if (run == null || run.lost) {
            return EngineObservation.of(EnginePhase.NOT_FOUND).withMessage("no run " + handle.key());
        }
        Instant now = clock.instant();
        FakeTopology.ShardConditions conditions = advance(run, now);
        String lagReason = lagThrottleReason(conditions);
        boolean throttled = run.phase == EnginePhase.COPYING && (run.ratio > 0 || lagReason != null);
        String reason = run.ratio > 0 ? "throttle ratio " + run.ratio : lagReason;
        double rate = effectiveRate(run, conditions);
        Duration eta = rate > 0 ? Duration.ofMillis((long) ((run.total - run.copied) / rate * 1000)) : null;
        return new EngineObservation(
                run.phase,
                (long) run.copied,
                run.total,
                run.phase == EnginePhase.COPYING ? eta : null,
                throttled,
                throttled ? reason : null,
                conditions.replicaLag(),
                atLeastReady(run.phase) ? topology.primaryPosition(run.target.keyspace(), run.target.shard()) : null,
                run.phase == EnginePhase.FAILED ? FailureReason.ENGINE_FAILED : null,
                run.error,
                checksum(run, now),
                preSwap(run.analyzeFrom, now, 1, false),
                preSwap(run.warmFrom, now, HOT_RANGES, run.warmFailed));
    }

    private @Nullable PreSwapStatus preSwap(@Nullable Instant from, Instant now, long units, boolean failed) {
        Duration time = preSwapTime;
        if (from == null || time == null) {
            return null;
        }
        if (failed) {
            return PreSwapStatus.failed("the new table's reads timed out (fake)");
        }
        Duration elapsed = Duration.between(from, now);
        if (elapsed.compareTo(time) < 0) {
            return PreSwapStatus.running(
                    units <= 1 ? 0 : units * elapsed.toMillis() / Math.max(1, time.toMillis()), units <= 1 ? 0 : units);
        }
        return PreSwapStatus.done(units, units, "");
    }

    /** Starts the ANALYZE before the swap (see the class comment); idempotent. */
    @Override
    public synchronized void analyze(EngineHandle handle) {
        checkAvailable();
        requirePreSwap();
        Run run = run(handle);
        advance(run, clock.instant());
        analyzeCalls++;
        if (run.analyzeFrom == null) {
            run.analyzeFrom = clock.instant();
        }
    }

    /** Starts the warming before the swap (see the class comment); idempotent; a failed warming starts again. */
    @Override
    public synchronized void warm(EngineHandle handle, PreSwapPolicy policy) {
        checkAvailable();
        requirePreSwap();
        Run run = run(handle);
        advance(run, clock.instant());
        warmCalls++;
        if (run.warmFrom == null || run.warmFailed) {
            run.warmFrom = clock.instant();
            run.warmFailed = failWarm.contains(run.target.keyspace() + "/" + run.target.shard());
        }
    }

    private void requirePreSwap() {
        if (preSwapTime == null) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION,
                    "fake engine '" + name + "' was built without ANALYZE and warming");
        }
    }

    /** Makes every warming on {@code shard} fail, until {@link #healWarm}. */
    public synchronized FakeEngine failWarm(String keyspace, String shard) {
        failWarm.add(keyspace + "/" + shard);
        return this;
    }

    /** Undoes {@link #failWarm}: the next warming started on {@code shard} succeeds. */
    public synchronized FakeEngine healWarm(String keyspace, String shard) {
        failWarm.remove(keyspace + "/" + shard);
        return this;
    }

    /** How many times {@link #analyze} was called. */
    public synchronized int analyzeCalls() {
        return analyzeCalls;
    }

    /** How many times {@link #warm} was called. */
    public synchronized int warmCalls() {
        return warmCalls;
    }

    private @Nullable ChecksumStatus checksum(Run run, Instant now) {
        Instant from = run.verifyFrom;
        Duration time = checksumTime;
        if (from == null || time == null) {
            return null;
        }
        Duration elapsed = Duration.between(from, now);
        if (elapsed.compareTo(time) < 0) {
            long checked = (long) (run.total * (double) elapsed.toMillis() / Math.max(1, time.toMillis()));
            return new ChecksumStatus(ChecksumStatus.State.RUNNING, checked, run.total, 0, "");
        }
        if (corrupt.contains(run.target.keyspace() + "/" + run.target.shard())) {
            return new ChecksumStatus(
                    ChecksumStatus.State.MISMATCHED,
                    run.total,
                    run.total,
                    1,
                    "rows after key [0] up to key [1000] still differ after 3 copies again");
        }
        return new ChecksumStatus(ChecksumStatus.State.MATCHED, run.total, run.total, 0, "");
    }

    /** Starts the comparison before the swap (see the class comment); idempotent. */
    @Override
    public synchronized void verify(EngineHandle handle) {
        checkAvailable();
        if (checksumTime == null) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION, "fake engine '" + name + "' was built without a checksum");
        }
        Run run = run(handle);
        advance(run, clock.instant());
        verifyCalls++;
        if (run.verifyFrom == null) {
            run.verifyFrom = clock.instant();
        }
    }

    /**
     * Makes every comparison on {@code shard} find a copy that differs from the original (as if a row of it were
     * changed behind the engine's back and could not be repaired).
     */
    public synchronized FakeEngine corruptCopy(String keyspace, String shard) {
        corrupt.add(keyspace + "/" + shard);
        return this;
    }

    /** How many times {@link #verify} was called. */
    public synchronized int verifyCalls() {
        return verifyCalls;
    }

    @Override
    public synchronized void releaseCutover(EngineHandle handle) {
        checkAvailable();
        Run run = run(handle);
        advance(run, clock.instant());
        run.released = true;
    }

    @Override
    public synchronized void throttle(EngineHandle handle, double ratio) {
        checkAvailable();
        Run run = run(handle);
        advance(run, clock.instant());
        run.ratio = ratio;
    }

    @Override
    public synchronized void cancel(EngineHandle handle) {
        checkAvailable();
        Run run = runs.get(handle.key());
        if (run == null || run.lost) {
            return; // nothing to stop: cancel is idempotent
        }
        advance(run, clock.instant());
        if (!isTerminal(run.phase)) {
            run.phase = EnginePhase.CANCELLED;
            run.phaseSince = clock.instant();
        }
    }

    @Override
    public synchronized CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key) {
        checkAvailable();
        Run run = runs.get(key);
        if (run == null || run.artifacts.isEmpty()) {
            return CleanupReport.nothing();
        }
        advance(run, clock.instant());
        if (!isTerminal(run.phase)) {
            run.phase = EnginePhase.CANCELLED;
        }
        List<String> dropped = new ArrayList<>(run.artifacts);
        run.artifacts.clear();
        return new CleanupReport(dropped, List.of());
    }

    @Override
    public synchronized Optional<EngineHandle> reattach(
            ShardTarget target, MigrationSpec spec, EngineKey key, @Nullable EngineHandle recorded) {
        checkAvailable();
        Run run = runs.get(key);
        return run == null || run.lost ? Optional.empty() : Optional.of(handle(run));
    }

    private void checkAvailable() {
        if (unavailable) {
            throw EngineException.transientFailure("fake engine '" + name + "' is unavailable", null);
        }
    }

    private static boolean isTerminal(EnginePhase phase) {
        return phase == EnginePhase.COMPLETED || phase == EnginePhase.FAILED || phase == EnginePhase.CANCELLED;
    }

    private @Nullable String lagThrottleReason(FakeTopology.ShardConditions conditions) {
        Duration max = throttleOnLag;
        if (max == null) {
            return null;
        }
        Duration lag = conditions.replicaLag();
        return lag.compareTo(max) > 0 ? "replica lag " + lag.toSeconds() + "s > " + max.toSeconds() + "s" : null;
    }

    private double effectiveRate(Run run, FakeTopology.ShardConditions conditions) {
        if (run.phase != EnginePhase.COPYING || conditions.stalled() || lagThrottleReason(conditions) != null) {
            return 0;
        }
        return run.rate * (1 - run.ratio);
    }

    /**
     * Moves the run forward to {@code now}, phase by phase, at exact phase boundaries. Reads the shard's conditions
     * once (one lookup under the topology's lock instead of one per question) and returns them.
     */
    private FakeTopology.ShardConditions advance(Run run, Instant now) {
        FakeTopology.ShardConditions conditions = topology.conditions(run.target.keyspace(), run.target.shard());
        while (run.lastAdvance().isBefore(now)) {
            Instant t = run.lastAdvance();
            switch (run.phase) {
                case STARTING -> enterAt(run, run.phaseSince.plus(startupTime), EnginePhase.COPYING, now);
                case COPYING -> copy(run, t, now, conditions);
                case CATCHING_UP -> {
                    if (conditions.replicaLag().isZero() && !conditions.replicationStopped()) {
                        enterAt(run, run.phaseSince.plus(catchupTime), EnginePhase.READY_FOR_CUTOVER, now);
                    } else {
                        run.lastAdvance(now);
                    }
                }
                case READY_FOR_CUTOVER -> {
                    if (run.released) {
                        enterAt(run, run.lastAdvance(), EnginePhase.CUTTING_OVER, now);
                    } else {
                        run.lastAdvance(now);
                    }
                }
                case CUTTING_OVER -> {
                    enterAt(run, run.phaseSince.plus(cutoverTime), EnginePhase.COMPLETED, now);
                    if (run.phase == EnginePhase.COMPLETED) {
                        completed(run);
                    }
                }
                default -> run.lastAdvance(now);
            }
        }
        return conditions;
    }

    /**
     * A swap is done: a forward run that is revertible keeps the original table and its reverse triggers; a revert
     * hands the forward run's kept table back (the swapped-out new table goes to the lifecycle with it).
     */
    private void completed(Run run) {
        run.artifacts.clear();
        RevertOf of = run.spec.revertOf();
        String shard = run.target.shard();
        if (of != null) {
            Run forward = runs.get(of.forwardKey(shard));
            if (forward != null) {
                forward.artifacts.clear();
            }
            topology.recordApplied(run.target.keyspace(), shard, "REVERT " + run.spec.ddl());
            return;
        }
        if (run.spec.revertible()) {
            run.artifacts.add(keptTable(run.spec));
            run.artifacts.add("_" + run.spec.table() + "_reverse_triggers");
        }
        topology.recordApplied(run.target.keyspace(), shard, run.spec.ddl());
    }

    private static String keptTable(MigrationSpec spec) {
        return "_" + spec.table() + "_old";
    }

    @Override
    public synchronized CleanupReport retire(ShardTarget target, MigrationSpec spec, EngineKey key) {
        checkAvailable();
        retireCalls++;
        Run run = runs.get(key);
        if (run == null || run.artifacts.isEmpty()) {
            return CleanupReport.nothing();
        }
        // The triggers that write to the kept table go first, then the table.
        List<String> dropped = new ArrayList<>();
        for (String artifact : List.of("_" + spec.table() + "_reverse_triggers", keptTable(spec))) {
            if (run.artifacts.remove(artifact)) {
                dropped.add(artifact);
            }
        }
        return new CleanupReport(dropped, List.of());
    }

    /** How many times {@link #retire} was called. */
    public synchronized int retireCalls() {
        return retireCalls;
    }

    private static void enterAt(Run run, Instant at, EnginePhase next, Instant now) {
        if (at.isAfter(now)) {
            run.lastAdvance(now);
            return;
        }
        Instant when = at.isBefore(run.lastAdvance()) ? run.lastAdvance() : at;
        run.phase = next;
        run.phaseSince = when;
        run.lastAdvance(when);
    }

    private void copy(Run run, Instant t, Instant now, FakeTopology.ShardConditions conditions) {
        double rate = effectiveRate(run, conditions);
        if (rate <= 0) {
            run.lastAdvance(now);
            return;
        }
        String ks = run.target.keyspace();
        String shard = run.target.shard();
        Double failPercent = conditions.failAtPercent();
        double stop = run.total;
        boolean failing = false;
        if (failPercent != null && run.total * failPercent / 100.0 < stop) {
            stop = Math.max(run.copied, run.total * failPercent / 100.0);
            failing = true;
        }
        double seconds = (stop - run.copied) / rate;
        Instant reach = t.plusNanos((long) Math.ceil(seconds * 1e9));
        if (!reach.isAfter(now)) {
            run.copied = stop;
            run.lastAdvance(reach);
            run.phaseSince = reach;
            if (failing) {
                topology.consumeFailure(ks, shard);
                run.phase = EnginePhase.FAILED;
                run.error = "injected failure at " + failPercent + "% of the copy";
            } else {
                run.phase = EnginePhase.CATCHING_UP;
            }
            if (reach.equals(now)) {
                run.lastAdvance(now);
            }
        } else {
            run.copied =
                    Math.min(stop, run.copied + rate * (Duration.between(t, now).toNanos() / 1e9));
            run.lastAdvance(now);
        }
    }

    /** Makes every call fail as if the engine were unreachable (a retryable error), or stops doing so. */
    public synchronized void unavailable(boolean value) {
        this.unavailable = value;
    }

    /** How many runs were started (a repeated start of the same key does not count). */
    public synchronized int runsStarted() {
        return runs.size();
    }

    /**
     * Loses the run of {@code key}, as when its process is killed or its host rebuilt: observing it answers
     * {@link EnginePhase#NOT_FOUND}, it cannot be reattached or released, and the tables it created stay until a
     * cleanup of the key. Returns whether there was a run to lose.
     */
    public synchronized boolean lose(EngineKey key) {
        Run run = runs.get(key);
        if (run == null || run.lost || isTerminal(run.phase)) {
            return false;
        }
        run.lost = true;
        return true;
    }

    /** How many runs were created, a run started again after it was {@linkplain #lose lost} included. */
    public synchronized int runsCreated() {
        return created;
    }

    /** The artifacts each run left (shadow tables, triggers), by run key; runs that left none are omitted. */
    public synchronized Map<EngineKey, Set<String>> artifactsByRun() {
        Map<EngineKey, Set<String>> out = new LinkedHashMap<>();
        runs.forEach((k, r) -> {
            if (!r.artifacts.isEmpty()) {
                out.put(k, Set.copyOf(r.artifacts));
            }
        });
        return out;
    }

    /** How many times {@link #start} was called, repeats included. */
    public synchronized int startCalls() {
        return startCalls;
    }

    /** The keys of the runs started on a shard, in order. */
    public synchronized List<EngineKey> runsOn(String keyspace, String shard) {
        List<EngineKey> out = new ArrayList<>();
        for (Run r : runs.values()) {
            if (r.target.keyspace().equals(keyspace) && r.target.shard().equals(shard)) {
                out.add(r.key);
            }
        }
        return out;
    }

    /** Artifacts left on a shard by every run (shadow tables, triggers). */
    public synchronized Set<String> artifacts(String keyspace, String shard) {
        Set<String> out = new LinkedHashSet<>();
        for (Run r : runs.values()) {
            if (r.target.keyspace().equals(keyspace) && r.target.shard().equals(shard)) {
                out.addAll(r.artifacts);
            }
        }
        return out;
    }

    /** Each run's current phase, by run key, without advancing time. */
    public synchronized Map<String, EnginePhase> phases() {
        Map<String, EnginePhase> out = new HashMap<>();
        runs.forEach((k, r) -> out.put(k.value(), r.phase));
        return out;
    }

    /** Configures a {@link FakeEngine}. */
    public static final class Builder {
        private final FakeTopology topology;
        private String name = DEFAULT_NAME;
        private long rowsPerSecond = DEFAULT_ROWS_PER_SECOND;
        private Duration startupTime = Duration.ofSeconds(1);
        private Duration catchupTime = Duration.ofSeconds(2);
        private Duration cutoverTime = Duration.ofSeconds(1);
        private @Nullable Duration throttleOnLag;
        private @Nullable Duration checksumTime;
        private boolean revert;
        private @Nullable Duration preSwapTime;

        private Builder(FakeTopology topology) {
            this.topology = topology;
        }

        /** The engine's name (default {@value #DEFAULT_NAME}). */
        public Builder name(String value) {
            this.name = value;
            return this;
        }

        /** Copy rate per run (default {@value #DEFAULT_ROWS_PER_SECOND}). */
        public Builder rowsPerSecond(long value) {
            if (value < 1) {
                throw new IllegalArgumentException("rowsPerSecond must be >= 1, got " + value);
            }
            this.rowsPerSecond = value;
            return this;
        }

        /** Time spent starting (default 1 s). */
        public Builder startupTime(Duration value) {
            this.startupTime = value;
            return this;
        }

        /** Time spent catching up after the copy (default 2 s). */
        public Builder catchupTime(Duration value) {
            this.catchupTime = value;
            return this;
        }

        /** Time the swap takes (default 1 s). */
        public Builder cutoverTime(Duration value) {
            this.cutoverTime = value;
            return this;
        }

        /** Throttle the copy itself while replica lag exceeds this, as pt-osc does (default: never). */
        public Builder throttleOnLag(@Nullable Duration value) {
            this.throttleOnLag = value;
            return this;
        }

        /**
         * Compare the tables before the swap when asked, taking this long (default: the engine cannot compare, as
         * before 0.2).
         */
        public Builder checksumTime(@Nullable Duration value) {
            this.checksumTime = value;
            return this;
        }

        /**
         * Whether the engine can keep the original table at the swap and revert it (default: it cannot, as before
         * 0.3): a revertible forward run keeps {@code _<table>_old} and {@code _<table>_reverse_triggers} after its
         * swap, until {@link #retire} or a revert's swap.
         */
        public Builder revert(boolean value) {
            this.revert = value;
            return this;
        }

        /**
         * Run the ANALYZE and the warming before the swap when asked, each taking this long (default: the engine can
         * do neither, as before 0.4).
         */
        public Builder preSwapTime(@Nullable Duration value) {
            this.preSwapTime = value;
            return this;
        }

        /** Builds the engine. */
        public FakeEngine build() {
            return new FakeEngine(this);
        }
    }

    private static boolean atLeastReady(EnginePhase phase) {
        return phase == EnginePhase.READY_FOR_CUTOVER
                || phase == EnginePhase.CUTTING_OVER
                || phase == EnginePhase.COMPLETED;
    }
}
