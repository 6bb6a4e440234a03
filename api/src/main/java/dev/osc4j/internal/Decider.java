package dev.osc4j.internal;

import dev.osc4j.Artifact;
import dev.osc4j.Controls;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.PreSwapPolicy;
import dev.osc4j.Rollout;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import dev.osc4j.Transition;
import dev.osc4j.Transitions;
import dev.osc4j.Trigger;
import dev.osc4j.spi.ChecksumStatus;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import dev.osc4j.spi.PreSwapStatus;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What to do next, as a pure function of (record, observations, policy, now). It moves each shard at most one edge,
 * records the side effects it wants as intents (write-ahead), and never performs them: the controller writes the
 * result, then carries out the intents. A shard with a pending intent does not move until the intent's outcome is
 * recorded.
 */
final class Decider {
    private static final Transition START = edge(MigrationState.QUEUED, MigrationState.INITIALIZING);
    private static final Transition CAUGHT_UP =
            edge(MigrationState.WAITING_FOR_CATCHUP, MigrationState.CUTOVER_PENDING);
    private static final Transition CUTOVER = edge(MigrationState.CUTOVER_PENDING, MigrationState.SWITCHING_TRAFFIC);
    private static final double EPSILON = 1e-9;

    private final GateSet gates;
    private final Duration softWriteInterval;
    private final boolean routing;

    /**
     * @param gates the gates of every edge
     * @param softWriteInterval how often progress and wait reasons are written when nothing else changes
     * @param routing whether a {@link dev.osc4j.spi.TrafficSwitch} holds traffic around each swap
     */
    public Decider(GateSet gates, Duration softWriteInterval, boolean routing) {
        this.gates = gates;
        this.softWriteInterval = softWriteInterval;
        this.routing = routing;
    }

    /** A decider without a traffic switch. */
    public Decider(GateSet gates, Duration softWriteInterval) {
        this(gates, softWriteInterval, false);
    }

    /** What the controller knows about one shard right now. */
    public record ShardInput(
            @Nullable EngineObservation observation,
            @Nullable ShardHealth health,
            @Nullable ShardProgress live,
            @Nullable String observationFailure,
            @Nullable Double closedLoopRatio) {
        /** Nothing known. */
        public static final ShardInput NONE = new ShardInput(null, null, null);

        /** An input without a closed-loop step. */
        public ShardInput(
                @Nullable EngineObservation observation,
                @Nullable ShardHealth health,
                @Nullable ShardProgress live,
                @Nullable String observationFailure) {
            this(observation, health, live, observationFailure, null);
        }

        /** An input whose observation, if missing, is missing without a failure worth reporting. */
        public ShardInput(
                @Nullable EngineObservation observation, @Nullable ShardHealth health, @Nullable ShardProgress live) {
            this(observation, health, live, null);
        }
    }

    /**
     * The outcome of a decision.
     *
     * @param record the record to write (equal to the input when {@link #write()} is false)
     * @param audit the audit entries to write with it
     * @param live each shard's live progress and wait reason, for progress sinks
     * @param write whether anything must be written
     */
    public record Decision(
            MigrationRecord record, List<dev.osc4j.AuditEntry> audit, Map<String, LiveShard> live, boolean write) {}

    /**
     * A shard's live, possibly unwritten, figures.
     *
     * @param progress progress
     * @param waitReason why it waits, if it does
     */
    public record LiveShard(
            ShardProgress progress, @Nullable String waitReason) {}

    /** Decides the next step of a migration no revert is linked to. */
    public Decision decide(
            MigrationRecord rec, Map<String, ShardInput> inputs, EngineCapabilities caps, String actor, Instant now) {
        return decide(rec, inputs, caps, actor, now, null);
    }

    /**
     * Decides the next step.
     *
     * @param revert the revert migration {@code rec}'s controls link to ({@link Controls#revertedBy()}), as last read,
     *     or null when there is none (or it does not exist yet)
     */
    public Decision decide(
            MigrationRecord rec,
            Map<String, ShardInput> inputs,
            EngineCapabilities caps,
            String actor,
            Instant now,
            @Nullable MigrationRecord revert) {
        return decide(rec, inputs, caps, actor, now, revert, ArtifactPlanner.NONE);
    }

    /**
     * What an engine run will create, asked when a shard starts ({@link dev.osc4j.spi.ExecutionEngine#plannedArtifacts}), so that
     * the start intent and the registered artifacts are one store write.
     */
    @FunctionalInterface
    public interface ArtifactPlanner {
        /** Plans nothing: engines that own their artifacts, and tests of other steps. */
        ArtifactPlanner NONE = (target, spec, key) -> List.of();

        /**
         * The artifacts the run with {@code key} will create.
         *
         * @throws EngineException when that cannot be told now
         */
        List<Artifact> plan(ShardTarget target, MigrationSpec spec, EngineKey key);
    }

    /**
     * Decides the next step; a shard that starts registers what {@code planner} says its run will create.
     *
     * @param revert the revert migration {@code rec}'s controls link to, or null
     */
    public Decision decide(
            MigrationRecord rec,
            Map<String, ShardInput> inputs,
            EngineCapabilities caps,
            String actor,
            Instant now,
            @Nullable MigrationRecord revert,
            ArtifactPlanner planner) {
        RecordChange change = new RecordChange(rec, actor, now);
        MigrationPolicy policy = rec.policy();
        Controls controls = rec.controls();
        ShardInput[] in = new ShardInput[change.size()];
        for (int i = 0; i < change.size(); i++) {
            in[i] = inputs.getOrDefault(change.shard(i).shard(), ShardInput.NONE);
        }
        KeyspaceThrottle keyspaceThrottle = caps.keyspaceWideThrottle() ? keyspaceThrottle(change, in, policy) : null;
        for (int i = 0; i < change.size(); i++) {
            ShardRecord s = change.shard(i);
            ShardProgress prev = in[i].live() != null ? in[i].live() : s.progress();
            ShardProgress live = ProgressMath.next(
                    prev,
                    in[i].observation(),
                    in[i].health() == null ? null : in[i].health().maxKnownLag(),
                    keyspaceThrottle != null
                            ? keyspaceThrottle.reason()
                            : throttleReason(s, controls, in[i].health(), policy, in[i].closedLoopRatio()),
                    policy.stallTimeout(),
                    now);
            change.soft(i, live, s.waitReason());
            if (live.stalled() && !prev.stalled() && s.state() == MigrationState.COPYING_ROWS) {
                change.note(s.shard(), "stalled", "no progress for " + Durations.format(policy.stallTimeout()));
            }
            if (s.intent() != null || s.state().isTerminal()) {
                continue;
            }
            if (s.routeHeld() && s.state() == MigrationState.FAILED) {
                // First step of the fallback chain of a shard that failed around its swap: give the traffic back.
                change.intent(i, IntentKind.ROUTE_RESTORE, keyOf(change, s), null, "fallback chain: restore routing");
                continue;
            }
            if (s.state() == MigrationState.REVERTIBLE) {
                revertibleStep(change, i, revert);
                continue;
            }
            if (s.state() == MigrationState.BAKING) {
                bakingStep(change, i);
                continue;
            }
            if (s.state() == MigrationState.ALERTED) {
                continue; // the new schema is live; only an operator's acknowledgement moves it on
            }
            if (controls.abortRequested()) {
                abortStep(change, i, in[i]);
            } else if (s.state() == MigrationState.QUEUED) {
                queuedStep(change, i, in[i], caps, planner);
            } else if (s.state().isRunning()) {
                runningStep(change, i, in[i], keyspaceThrottle, caps);
            } else if (s.state() == MigrationState.FAILED) {
                change.soft(i, change.progress(i), "failed: waiting for retry or abort");
            }
        }
        if (!controls.abortRequested()) {
            cutoverStep(change, in);
        }
        revertLink(change, revert);
        boolean soft = change.softDiffers() && softWriteDue(rec, now);
        boolean write = change.hardChanged() || soft;
        MigrationRecord next = write ? change.build(true) : rec;
        Map<String, LiveShard> live = new HashMap<>();
        for (int i = 0; i < change.size(); i++) {
            live.put(change.shard(i).shard(), new LiveShard(change.progress(i), change.waitReason(i)));
        }
        return new Decision(next, change.audit(), live, write || change.hardChanged());
    }

    private boolean softWriteDue(MigrationRecord rec, Instant now) {
        Instant last = rec.progressPersistedAt();
        return last == null || Duration.between(last, now).compareTo(softWriteInterval) >= 0;
    }

    private void queuedStep(
            RecordChange change, int i, ShardInput in, EngineCapabilities caps, ArtifactPlanner planner) {
        ShardRecord s = change.shard(i);
        if (!s.leftovers().isEmpty() && !caps.retryInPlace()) {
            change.intent(i, IntentKind.CLEANUP, s.leftovers().get(0), null, "artifacts of an earlier attempt");
            return;
        }
        if (change.controls().paused()) {
            change.soft(i, change.progress(i), "paused by operator");
            return;
        }
        GateResult gate = gates.evaluate(context(change, i, START, in));
        switch (gate.verdict()) {
            case WAIT -> change.soft(i, change.progress(i), gate.reason());
            case FAIL -> change.fail(i, FailureReason.GATE_FAILED, gate.reason());
            case PASS -> {
                EngineKey key = new EngineKey(change.base().id(), change.attempt(), s.shard());
                List<Artifact> planned;
                try {
                    planned = planner.plan(s.target(), change.base().spec(), key);
                } catch (EngineException e) {
                    String message = "cannot tell what the run will create: " + e.getMessage();
                    if (e.retryable()) {
                        change.soft(i, change.progress(i), message);
                    } else {
                        change.fail(i, e.reason(), message);
                    }
                    return;
                }
                ShardHealth health = in.health();
                change.transition(i, MigrationState.INITIALIZING, Trigger.START, "start gates passed");
                // Write-ahead: the artifacts are registered in the write that records the start intent, before the
                // engine can create any of them.
                List<Artifact> registry = new ArrayList<>(s.artifacts());
                registry.removeIf(a -> a.key().equals(key));
                registry.addAll(planned);
                change.setShard(
                        i,
                        change.shard(i)
                                .withPrimary(health == null ? null : health.primary())
                                .withLeftovers(List.of())
                                .withArtifacts(registry));
                // With the closed loop on, the run starts slowed (the slow start's rate): a copy let loose until the
                // first step of the controller builds a backlog that a slow replica needs seconds to apply.
                Double initial = change.base().policy().targetReplicaLag() != null
                                && change.base().policy().throttleOnReplicaLag()
                                && caps.throttleRatio()
                        ? LagController.quantize(1.0 - LagController.MIN_RATE)
                        : null;
                change.intent(i, IntentKind.START, key, initial, "");
            }
        }
    }

    private void runningStep(
            RecordChange change,
            int i,
            ShardInput in,
            @Nullable KeyspaceThrottle keyspaceThrottle,
            EngineCapabilities caps) {
        ShardRecord s = change.shard(i);
        EngineObservation obs = in.observation();
        if (obs == null) {
            // Not observed this pass: keep waiting, and say so once the observations keep failing.
            String failure = in.observationFailure();
            if (failure != null) {
                change.soft(i, change.progress(i), failure);
            }
            return;
        }
        switch (obs.phase()) {
            case FAILED -> {
                FailureReason reason = obs.failureReason();
                change.fail(
                        i,
                        reason == null ? FailureReason.ENGINE_FAILED : reason,
                        Objects.requireNonNullElse(obs.message(), "engine reported failure"));
                return;
            }
            case CANCELLED -> {
                change.fail(
                        i, FailureReason.CANCELLED, Objects.requireNonNullElse(obs.message(), "engine run cancelled"));
                return;
            }
            case NOT_FOUND -> {
                String message = obs.message();
                change.fail(
                        i,
                        FailureReason.RUN_LOST,
                        message != null ? message : "the engine has no run for " + keyOf(change, s));
                return;
            }
            default -> {}
        }
        MigrationPolicy policy = change.base().policy();
        if (change.progress(i).stalled() && policy.failOnStall() && s.state() == MigrationState.COPYING_ROWS) {
            change.fail(i, FailureReason.STALLED, "no progress for " + Durations.format(policy.stallTimeout()));
            return;
        }
        if (throttleAdjustable(s.state())) {
            double desired = keyspaceThrottle != null
                    ? keyspaceThrottle.ratio()
                    : desiredThrottle(s, change.controls(), in.health(), policy, in.closedLoopRatio());
            if (Math.abs(desired - s.appliedThrottleRatio()) > EPSILON) {
                EngineHandle handle = s.handle();
                if (handle != null) {
                    String why = keyspaceThrottle != null
                            ? keyspaceThrottle.reason()
                            : throttleReason(s, change.controls(), in.health(), policy, in.closedLoopRatio());
                    change.intent(i, IntentKind.THROTTLE, handle.key(), desired, why == null ? "unthrottle" : why);
                    return;
                }
            }
        }
        ShardHealth health = in.health();
        if (health != null && s.primary() != null && !health.primary().equals(s.primary())) {
            String detail = "primary changed from " + s.primary() + " to " + health.primary();
            if (s.state() == MigrationState.CUTOVER_PENDING) {
                change.transition(
                        i, MigrationState.WAITING_FOR_CATCHUP, Trigger.REVALIDATE, detail + ": re-validating");
                change.setShard(i, change.shard(i).withPrimary(health.primary()));
                return;
            }
            change.setShard(i, s.withPrimary(health.primary()));
            change.note(s.shard(), "reparent", detail);
            s = change.shard(i);
        }
        switch (s.state()) {
            case INITIALIZING -> {
                if (ProgressMath.phaseAtLeast(obs.phase(), EnginePhase.COPYING)) {
                    change.transition(i, MigrationState.COPYING_ROWS, Trigger.COPY_STARTED, "engine copies rows");
                }
            }
            case COPYING_ROWS -> {
                if (ProgressMath.phaseAtLeast(obs.phase(), EnginePhase.CATCHING_UP)) {
                    change.transition(
                            i, MigrationState.WAITING_FOR_CATCHUP, Trigger.COPY_COMPLETE, "row copy complete");
                }
            }
            case WAITING_FOR_CATCHUP -> {
                if (ProgressMath.phaseAtLeast(obs.phase(), EnginePhase.READY_FOR_CUTOVER)) {
                    if (caps.checksum() && !change.base().policy().skipChecksum() && !checksumMatched(change, i, obs)) {
                        return;
                    }
                    if (!preSwapDone(change, i, caps, obs)) {
                        return;
                    }
                    GateResult gate = gates.evaluate(context(change, i, CAUGHT_UP, in));
                    switch (gate.verdict()) {
                        case PASS ->
                            change.transition(
                                    i,
                                    MigrationState.CUTOVER_PENDING,
                                    Trigger.CAUGHT_UP,
                                    "engine ready; aligned with primary and replicas");
                        case WAIT -> change.soft(i, change.progress(i), gate.reason());
                        case FAIL -> change.fail(i, FailureReason.GATE_FAILED, gate.reason());
                    }
                } else {
                    change.soft(i, change.progress(i), "engine catching up");
                }
            }
            case CUTOVER_PENDING -> {
                if (!ProgressMath.phaseAtLeast(obs.phase(), EnginePhase.READY_FOR_CUTOVER)) {
                    change.transition(
                            i,
                            MigrationState.WAITING_FOR_CATCHUP,
                            Trigger.REVALIDATE,
                            "engine no longer ready (" + obs.phase() + ")");
                }
            }
            case SWITCHING_TRAFFIC -> {
                if (obs.phase() == EnginePhase.COMPLETED) {
                    if (s.routeHeld()) {
                        change.intent(i, IntentKind.ROUTE_RESTORE, keyOf(change, s), null, "tables swapped");
                    } else if (change.base().spec().revertible()) {
                        change.transition(
                                i,
                                MigrationState.REVERTIBLE,
                                Trigger.SWITCHED,
                                "tables swapped; the original table is kept in sync for a revert until "
                                        + change.now()
                                                .plus(change.base().policy().revertWindowOrDefault()));
                    } else if (change.base().policy().autoRevert() != null) {
                        change.transition(
                                i,
                                MigrationState.BAKING,
                                Trigger.SWITCHED,
                                "tables swapped; it cannot be reverted, so its health signals watch it for "
                                        + Durations.format(Objects.requireNonNull(
                                                        change.base().policy().autoRevert())
                                                .bakeTime())
                                        + " and raise an alert on a breach");
                    } else {
                        change.transition(i, MigrationState.COMPLETED, Trigger.SWITCHED, "tables swapped");
                    }
                }
            }
            default -> throw new IllegalStateException("not a running state: " + s.state());
        }
    }

    /**
     * The global barrier: shards ready to cut over leave {@code CUTOVER_PENDING} together, in one write, or not at
     * all.
     */
    private void cutoverStep(RecordChange change, ShardInput[] in) {
        List<Integer> ready = new ArrayList<>();
        for (int i = 0; i < change.size(); i++) {
            ShardRecord s = change.shard(i);
            if (s.state() == MigrationState.CUTOVER_PENDING) {
                if (s.intent() != null || change.moved(i)) {
                    return; // a ready shard has an effect in flight, or only just arrived: release nobody yet
                }
                ready.add(i);
            }
        }
        if (ready.isEmpty()) {
            return;
        }
        Rollout rollout = change.base().policy().rollout();
        if (rollout != null) {
            // Waves: only the earliest wave with a shard ready can be released; the later ones say why they wait.
            int wave = ready.stream().mapToInt(rollout::waveOf).min().orElseThrow();
            List<Integer> later =
                    ready.stream().filter(i -> rollout.waveOf(i) != wave).toList();
            for (int i : later) {
                GateResult r = gates.evaluate(context(change, i, CUTOVER, in[i]));
                change.soft(i, change.progress(i), r.passed() ? "waiting for an earlier wave" : r.reason());
            }
            ready = ready.stream().filter(i -> rollout.waveOf(i) == wave).toList();
        }
        if (change.controls().paused()) {
            for (int i : ready) {
                change.soft(i, change.progress(i), "paused by operator");
            }
            return;
        }
        boolean allPass = true;
        GateResult[] results = new GateResult[change.size()];
        for (int i : ready) {
            results[i] = gates.evaluate(context(change, i, CUTOVER, in[i]));
            allPass &= results[i].passed();
        }
        if (allPass) {
            for (int i : ready) {
                ShardRecord s = change.shard(i);
                change.transition(
                        i,
                        MigrationState.SWITCHING_TRAFFIC,
                        Trigger.CUTOVER,
                        "barrier and cut-over gates passed for " + ready.size() + " shard(s)");
                // With a traffic switch the hold comes first; its outcome records the release (Outcomes).
                change.intent(
                        i, routing ? IntentKind.ROUTE_HOLD : IntentKind.RELEASE_CUTOVER, keyOf(change, s), null, "");
            }
            return;
        }
        for (int i : ready) {
            GateResult r = results[i];
            if (r.verdict() == GateResult.Verdict.FAIL) {
                change.fail(i, FailureReason.GATE_FAILED, r.reason());
            } else if (!r.passed()) {
                change.soft(i, change.progress(i), r.reason());
            } else {
                change.soft(i, change.progress(i), "waiting for other shards' cut-over gates");
            }
        }
    }

    /**
     * A shard that cannot be reverted, watched by its health signals after the swap: it ends {@code COMPLETED} when the
     * bake time passed without a breach (a breach moves it to {@code ALERTED}, see {@link AutoDirectives#onHealth}).
     */
    private static void bakingStep(RecordChange change, int i) {
        ShardRecord s = change.shard(i);
        dev.osc4j.AutoRevert auto = change.base().policy().autoRevert();
        Instant until = auto == null ? s.stateSince() : s.stateSince().plus(auto.bakeTime());
        if (!change.now().isBefore(until)) {
            change.transition(
                    i,
                    MigrationState.COMPLETED,
                    Trigger.BAKED,
                    "baked for " + Durations.format(Duration.between(s.stateSince(), change.now()))
                            + " without a breach of its health signals");
        } else {
            change.soft(
                    i,
                    change.progress(i),
                    "baking: health signals watch it until " + until + " ("
                            + Durations.format(Duration.between(change.now(), until)) + " left)");
        }
    }

    /**
     * A shard in its revert window: it ends {@code REVERTED} when the linked revert swapped it back, and its window
     * ends (the engine retires what keeps the old table, then {@code COMPLETED}) when its time is up or an operator
     * closed it, unless a revert runs.
     */
    private static void revertibleStep(RecordChange change, int i, @Nullable MigrationRecord revert) {
        ShardRecord s = change.shard(i);
        MigrationRecord rec = change.base();
        ShardRecord reverted = revert == null ? null : revert.shard(s.shard()).orElse(null);
        // A revert that does not cover this shard leaves its window as it is.
        if (rec.controls().revertedBy() != null && (revert == null || reverted != null)) {
            if (reverted != null && reverted.state() == MigrationState.COMPLETED) {
                change.transition(
                        i,
                        MigrationState.REVERTED,
                        Trigger.REVERTED,
                        "swapped back by revert " + rec.controls().revertedBy());
            } else {
                change.soft(
                        i,
                        change.progress(i),
                        "revert " + rec.controls().revertedBy()
                                + (reverted == null ? " is being created" : " is " + reverted.state()));
            }
            return;
        }
        if (Reverts.windowOver(rec, change.now())) {
            change.intent(
                    i,
                    IntentKind.RETIRE,
                    keyOf(change, s),
                    null,
                    rec.controls().closeRevertWindow() ? "revert window closed by an operator" : "revert window ended");
            return;
        }
        Instant until = rec.revertibleUntil().orElse(change.now());
        change.soft(
                i,
                change.progress(i),
                "revertible until " + until + " (" + Durations.format(Duration.between(change.now(), until))
                        + " left)");
    }

    /**
     * Clears the link to a revert that ended without swapping anything back (aborted), so the window goes on and a new
     * revert may start.
     */
    private static void revertLink(RecordChange change, @Nullable MigrationRecord revert) {
        Controls c = change.controls();
        if (c.revertedBy() == null
                || revert == null
                || !revert.id().equals(c.revertedBy())
                || revert.state() != MigrationState.ABORTED) {
            return;
        }
        change.controls(c.withRevertedBy(null));
        change.note(null, "revert", "revert " + revert.id() + " was aborted; the revert window stays open");
    }

    private void abortStep(RecordChange change, int i, ShardInput in) {
        ShardRecord s = change.shard(i);
        EngineHandle handle = s.handle();
        switch (s.state()) {
            case QUEUED ->
                change.fail(
                        i,
                        FailureReason.CANCELLED,
                        change.controls().supersededBy() == null
                                ? "aborted by operator before start"
                                : "superseded by " + change.controls().supersededBy() + " before start");
            case INITIALIZING, COPYING_ROWS, WAITING_FOR_CATCHUP, CUTOVER_PENDING -> {
                EngineObservation obs = in.observation();
                if (handle == null) {
                    change.fail(i, FailureReason.CANCELLED, "aborted by operator");
                } else if (obs != null
                        && (obs.phase() == EnginePhase.FAILED
                                || obs.phase() == EnginePhase.CANCELLED
                                || obs.phase() == EnginePhase.NOT_FOUND)) {
                    change.fail(i, FailureReason.CANCELLED, "aborted by operator; engine run already " + obs.phase());
                } else {
                    change.intent(i, IntentKind.CANCEL, handle.key(), null, "aborted by operator");
                }
            }
            case SWITCHING_TRAFFIC -> runningStep(change, i, in, null, SWITCHING); // a released cut-over is let finish
            case FAILED -> {
                if (handle != null) {
                    change.intent(i, IntentKind.CLEANUP, handle.key(), null, "abort");
                } else if (!s.leftovers().isEmpty()) {
                    change.intent(i, IntentKind.CLEANUP, s.leftovers().get(0), null, "abort");
                } else {
                    change.transition(i, MigrationState.ABORTED, Trigger.ABORT, "aborted; artifacts cleaned up");
                }
            }
            default -> {}
        }
    }

    /** The one throttle of a keyspace-wide engine: the strongest ratio any running shard needs, and why. */
    private record KeyspaceThrottle(double ratio, @Nullable String reason) {}

    private static KeyspaceThrottle keyspaceThrottle(RecordChange change, ShardInput[] in, MigrationPolicy policy) {
        double ratio = 0;
        String reason = null;
        Duration named = Duration.ZERO; // the lag of the shard the reason names: the worst among equal ratios
        for (int i = 0; i < change.size(); i++) {
            ShardRecord s = change.shard(i);
            if (!throttleAdjustable(s.state())) {
                continue;
            }
            double desired = desiredThrottle(s, change.controls(), in[i].health(), policy, in[i].closedLoopRatio());
            Duration lag =
                    in[i].health() == null ? Duration.ZERO : in[i].health().maxKnownLag();
            boolean worse = reason != null && Math.abs(desired - ratio) <= EPSILON && lag.compareTo(named) > 0;
            if (desired > ratio + EPSILON || (reason == null && desired > EPSILON) || worse) {
                named = lag;
                ratio = desired;
                String why = throttleReason(s, change.controls(), in[i].health(), policy, in[i].closedLoopRatio());
                reason = why == null ? null : why + " (shard " + s.shard() + "; the throttle is keyspace-wide)";
            }
        }
        return new KeyspaceThrottle(ratio, reason);
    }

    private static boolean throttleAdjustable(MigrationState state) {
        return state == MigrationState.INITIALIZING
                || state == MigrationState.COPYING_ROWS
                || state == MigrationState.WAITING_FOR_CATCHUP;
    }

    /** The ratio the engine should run at: paused is 1, lag over the threshold is 1, else the operator's ratio. */
    static double desiredThrottle(
            ShardRecord s,
            Controls controls,
            @Nullable ShardHealth health,
            MigrationPolicy policy,
            @Nullable Double step) {
        if (controls.paused()) {
            return 1.0;
        }
        Double closedLoop = closedLoop(s, health, policy, step);
        if (closedLoop != null) {
            return Math.max(controls.throttleRatio(), closedLoop);
        }
        return Math.max(controls.throttleRatio(), lagThrottled(s, controls, health, policy) ? 1.0 : 0.0);
    }

    /**
     * The closed-loop throttle's ratio, when the policy sets a target lag: stopped at once when a replica's lag is
     * unknown or at the limit (fail closed); otherwise the controller's step when one is due ({@link
     * ShardInput#closedLoopRatio()}, at most one a second), else the ratio applied now. Null without a target (then
     * the on/off throttle at the policy's maximum lag applies).
     */
    private static @Nullable Double closedLoop(
            ShardRecord s, @Nullable ShardHealth health, MigrationPolicy policy, @Nullable Double step) {
        Duration target = policy.targetReplicaLag();
        if (target == null || !policy.throttleOnReplicaLag() || health == null) {
            return null;
        }
        if (LagController.stops(health, policy)) {
            return 1.0;
        }
        return step != null ? step : s.appliedThrottleRatio();
    }

    /**
     * Whether replica lag throttles the shard: over the threshold, or unknown, starts it; it ends only when the lag
     * falls under half the threshold, so a lag hovering at the threshold does not flap.
     */
    private static boolean lagThrottled(
            ShardRecord s, Controls controls, @Nullable ShardHealth health, MigrationPolicy policy) {
        if (!policy.throttleOnReplicaLag() || health == null) {
            return false;
        }
        if (health.replicaWithUnknownLag() != null) {
            return true;
        }
        Duration lag = health.maxKnownLag();
        boolean throttledByLag = s.appliedThrottleRatio() >= 1.0 && controls.throttleRatio() < 1.0;
        Duration threshold = throttledByLag ? policy.maxReplicaLag().dividedBy(2) : policy.maxReplicaLag();
        return lag.compareTo(threshold) > 0;
    }

    /** Why osc4j itself throttles the shard, or null when it does not. */
    static @Nullable String throttleReason(
            ShardRecord s,
            Controls controls,
            @Nullable ShardHealth health,
            MigrationPolicy policy,
            @Nullable Double step) {
        if (!s.state().isRunning() && s.state() != MigrationState.QUEUED) {
            return null;
        }
        if (controls.paused()) {
            return "paused by operator";
        }
        Double closedLoop = closedLoop(s, health, policy, step);
        if (closedLoop != null && closedLoop > controls.throttleRatio() && health != null) {
            return LagController.reason(health, policy, closedLoop);
        }
        if (closedLoop == null && lagThrottled(s, controls, health, policy) && health != null) {
            String unknown = health.replicaWithUnknownLag();
            return unknown != null
                    ? "replica " + unknown + " lag unknown (replication stopped?)"
                    : "replica lag " + Durations.format(health.maxKnownLag()) + " > "
                            + Durations.format(policy.maxReplicaLag());
        }
        if (controls.throttleRatio() > 0) {
            return "throttle ratio " + controls.throttleRatio() + " set by operator";
        }
        return null;
    }

    /**
     * The key of the shard's run: its handle's, or (a record without a handle) the key its start was given, which is
     * derived from the migration, the attempt and the shard. Never throws: a damaged record must fail one shard, not
     * the controller's pass.
     */
    /**
     * The checksum before the swap: asks the engine to compare the tables (an intent, written ahead) once the run
     * holds, waits while it compares, fails the shard on a mismatch. True once the copy matched.
     */
    private static boolean checksumMatched(RecordChange change, int i, EngineObservation obs) {
        ChecksumStatus checksum = obs.checksum();
        if (checksum == null) {
            change.intent(
                    i,
                    IntentKind.VERIFY,
                    keyOf(change, change.shard(i)),
                    null,
                    "compare the original table with the copy before the swap");
            return false;
        }
        switch (checksum.state()) {
            case MATCHED -> {
                return true;
            }
            case MISMATCHED -> change.fail(i, FailureReason.CHECKSUM_MISMATCH, checksum.describe());
            case RUNNING -> change.soft(i, change.progress(i), checksum.describe());
        }
        return false;
    }

    /**
     * The steps on the new table after the checksum and before the swap, each an intent written ahead and each
     * switched off by policy: a replicated ANALYZE, then the warming. True once both are done (or off, or not
     * supported by the engine, which its capabilities say). A failed step holds the swap, with the failure as the wait
     * reason, and is started again: a cold or unanalysed table at the swap is what the policy asked not to have.
     */
    private static boolean preSwapDone(RecordChange change, int i, EngineCapabilities caps, EngineObservation obs) {
        PreSwapPolicy p = change.base().policy().preSwapOrDefault();
        if (caps.analyze()
                && p.analyze()
                && !stepDone(
                        change,
                        i,
                        obs.analyze(),
                        IntentKind.ANALYZE,
                        "analyzing",
                        "replicated ANALYZE TABLE of the new table before the swap")) {
            return false;
        }
        return !caps.warm()
                || !p.warm()
                || stepDone(
                        change,
                        i,
                        obs.warm(),
                        IntentKind.WARM,
                        "warming",
                        "read the original's hot key ranges of the new table before the swap");
    }

    private static boolean stepDone(
            RecordChange change, int i, @Nullable PreSwapStatus status, IntentKind kind, String step, String what) {
        if (status == null) {
            change.intent(i, kind, keyOf(change, change.shard(i)), null, what);
            change.soft(i, change.progress(i), step);
            return false;
        }
        switch (status.state()) {
            case DONE -> {
                return true;
            }
            case FAILED -> {
                change.intent(i, kind, keyOf(change, change.shard(i)), null, "again: " + status.describe(step));
                change.soft(i, change.progress(i), status.describe(step) + "; the swap waits, started again");
            }
            case RUNNING -> change.soft(i, change.progress(i), status.describe(step));
        }
        return false;
    }

    /** What a shard that is switching needs of its engine's capabilities: nothing. */
    private static final EngineCapabilities SWITCHING = new EngineCapabilities(false, false, false, false, false);

    private static EngineKey keyOf(RecordChange change, ShardRecord s) {
        EngineHandle handle = s.handle();
        return handle != null ? handle.key() : new EngineKey(change.base().id(), change.attempt(), s.shard());
    }

    private static GateContext context(RecordChange change, int i, Transition edge, ShardInput in) {
        return new GateContext(change.view(), change.shard(i), edge, in.observation(), in.health(), change.now());
    }

    private static Transition edge(MigrationState from, MigrationState to) {
        return Transitions.find(from, to).orElseThrow();
    }
}
