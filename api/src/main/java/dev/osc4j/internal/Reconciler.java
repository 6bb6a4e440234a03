package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.FencedException;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.Intent;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.internal.Decider.LiveShard;
import dev.osc4j.internal.Decider.ShardInput;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.spi.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconcile loop's body. Level-triggered: each pass reads the record and the engines' real state and moves each
 * owned migration as far as it can go now, through the pure {@link Decider}, writing every change with a
 * compare-and-set fenced by the migration's lease, and performing side effects (through the {@link EffectRunner}) only
 * after their intent is written. Which migrations it drives is the {@link LeaseKeeper}'s business; what the sinks see is
 * the {@link ProgressPublisher}'s.
 *
 * <p>Each migration is reconciled on its own: one whose reconcile throws (a damaged record, a bug in an engine or a
 * gate) is logged, its shards' wait reasons say why, and it is tried again after a growing delay while the others go
 * on, as controller-runtime requeues one request.
 *
 * <p>Not thread-safe: one pass at a time (the orchestrator serialises them).
 */
final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    /** Bound on decide/write rounds per migration per pass, so one migration cannot starve the others. */
    private static final int MAX_ROUNDS_PER_PASS = 32;
    /** After this many failed observations of a shard in a row, its wait reason says so and a warning is logged. */
    static final int OBSERVATION_FAILURES_REPORTED = 3;

    private final DefaultMigrationOrchestrator.Settings settings;
    private final StateStore store;
    private final String controllerId;
    private final Decider decider;
    private final LeaseKeeper leases;
    private final EffectRunner effects;
    private final ProgressPublisher publisher;
    private final StoreClient directives;
    /**
     * Shard health read in the current pass, by keyspace and shard: many migrations on one keyspace share its shards,
     * and reading each shard once per pass instead of once per migration keeps the probe's load independent of how
     * many migrations run. A failed read is remembered too, so a probe that is down is not hammered.
     */
    private final Map<String, Map<String, Optional<ShardHealth>>> healthThisPass = new HashMap<>();
    /**
     * The closed-loop throttle's state, per group of copies sharing a budget (a primary; a keyspace for an engine
     * whose throttle is keyspace-wide). In memory: a controller that takes over may step once early. A member unseen
     * for three polls (at least 5 s) has left.
     */
    private final ControlGroups<Member> controlGroups;

    /** A member of a closed-loop group: a migration's shard, or the migration as a whole ({@code shard} null). */
    private record Member(MigrationId migration, @Nullable String shard) {}

    /** The simulator's mutation: perform starts before their intent is written (see DefaultMigrationOrchestrator). */
    private final boolean startWithoutIntent;

    Reconciler(
            DefaultMigrationOrchestrator.Settings settings,
            String controllerId,
            Decider decider,
            boolean startWithoutIntent) {
        this.settings = settings;
        this.startWithoutIntent = startWithoutIntent;
        Duration threePolls = settings.pollInterval().multipliedBy(3);
        this.controlGroups = new ControlGroups<>(
                CONTROL_INTERVAL, threePolls.compareTo(Duration.ofSeconds(5)) > 0 ? threePolls : Duration.ofSeconds(5));
        this.store = settings.chainingStore();
        this.controllerId = controllerId;
        this.decider = decider;
        this.leases = new LeaseKeeper(
                store, settings.clock(), controllerId, settings.leaseTtl(), settings.maxOwnedMigrations());
        this.effects = new EffectRunner(
                settings.clock(), controllerId, settings.releaseParallelism(), settings.trafficSwitch());
        this.publisher = new ProgressPublisher(settings.sinks(), settings.clock());
        this.directives = new StoreClient(store, settings.clock(), () -> {}, () -> {});
    }

    LeaseKeeper leases() {
        return leases;
    }

    /** How soon a shard waiting for catch-up is checked again, for its first {@link #CATCHUP_FAST_PASSES} passes. */
    static final Duration CATCHUP_RECHECK = Duration.ofMillis(50);

    /** Passes at {@link #CATCHUP_RECHECK} before the re-check starts doubling: one second's worth. */
    static final int CATCHUP_FAST_PASSES = 20;

    /** Passes in a row that found a shard waiting for catch-up: the re-check's back-off. */
    private int catchupPasses;

    /**
     * How long the loop may wait for the next pass when nothing wakes it: the poll interval, or sooner while a shard
     * waits for catch-up (the engine is ready and only the replicas or the engine's backlog stand between it and the
     * cut-over, which usually clears within moments): every 50 ms for the first second, then doubling with each pass
     * that still finds one, up to the poll interval, so that a replica lagging for hours is polled no more often than
     * any other wait. (Doubling from the start made the typical catch-up of a few hundred milliseconds cost up to twice
     * that: 350 or 750 ms held before the swap on 1,000,000 rows with pt-osc.)
     */
    Duration nextPassWithin() {
        Duration poll = settings.pollInterval();
        if (catchupPasses == 0) {
            return poll;
        }
        int doublings = Math.max(0, catchupPasses - CATCHUP_FAST_PASSES);
        Duration recheck = CATCHUP_RECHECK.multipliedBy(1L << Math.min(doublings, 20));
        return recheck.compareTo(poll) < 0 ? recheck : poll;
    }

    void pass() {
        passOwned();
        boolean catchingUp = false;
        for (MigrationId id : leases.owned()) {
            OwnedMigration o = leases.get(id);
            MigrationRecord rec = o == null ? null : o.record;
            if (rec != null && rec.shards().stream().anyMatch(s -> s.state() == MigrationState.WAITING_FOR_CATCHUP)) {
                catchingUp = true;
                break;
            }
        }
        catchupPasses = catchingUp ? catchupPasses + 1 : 0;
    }

    private void passOwned() {
        healthThisPass.clear();
        leases.renewIfDue();
        leases.discoverIfDue();
        // In id order: a pass is then the same sequence of store writes and engine calls in every JVM, which the
        // fault simulator relies on to replay a seed (the lease keeper's set has no stable order).
        List<MigrationId> ids = new ArrayList<>(leases.owned());
        ids.sort(null);
        for (MigrationId id : ids) {
            OwnedMigration o = leases.get(id);
            if (o == null) {
                continue;
            }
            leases.renewIfDue();
            Instant notBefore = o.notBefore;
            if (notBefore != null && now().isBefore(notBefore)) {
                continue;
            }
            passThread = Thread.currentThread();
            reconciling = id;
            try {
                reconcile(id, o);
                o.failedPasses = 0;
                o.notBefore = null;
            } catch (RuntimeException e) {
                failedPass(id, o, e);
            } finally {
                reconciling = null;
            }
        }
    }

    /** The thread running the current pass, and the migration it reconciles now (null between migrations). */
    private @Nullable Thread passThread;

    private @Nullable MigrationId reconciling;

    /** Set when a migration used all its rounds in a pass: the loop then runs the next pass at once. */
    private boolean moreWork;

    /**
     * Whether a store change of {@code id} is this pass's own write of the migration it reconciles now, seen by a
     * store that announces writes on the writer's thread: the pass goes on with that migration until nothing changes,
     * so the change needs no pass of its own. (Waking for it made about one pass in three a pass that found nothing
     * to do: ControllerLoadHarness, docs/benchmarks.md P2.)
     */
    boolean ownWrite(MigrationId id) {
        return Thread.currentThread() == passThread && id.equals(reconciling);
    }

    /** Whether the last pass left work undone (a migration reached its round bound); clears the flag. */
    boolean takeMoreWork() {
        boolean more = moreWork;
        moreWork = false;
        return more;
    }

    /** Gives every owned migration up: records the clean release where it can (best effort), then drops the lease. */
    void releaseAll() {
        for (MigrationId id : leases.owned()) {
            OwnedMigration o = leases.get(id);
            MigrationRecord rec = o == null ? null : o.record;
            if (o == null || rec == null) {
                continue;
            }
            Outcomes.Result released = Ownership.release(rec, o.lease, now());
            if (released != null) {
                try {
                    store.compareAndSet(released.record(), rec.version(), o.lease, released.audit());
                } catch (RuntimeException e) {
                    LOG.debug("migration {}: could not record the release; the next owner will see an expiry", id, e);
                }
            }
        }
        leases.releaseAll();
    }

    private Instant now() {
        return settings.clock().instant();
    }

    /**
     * A migration's reconcile threw: log it (with the stack trace, once per distinct error), back the migration off,
     * and say why in its shards' wait reasons, so an operator sees it without reading the controller's log.
     */
    private void failedPass(MigrationId id, OwnedMigration o, RuntimeException e) {
        o.failedPasses++;
        Duration delay = EffectRunner.retryDelay(o.failedPasses);
        o.notBefore = now().plus(delay);
        String reason = "controller error, retrying in " + Durations.format(delay) + ": " + e;
        String problem = "reconcile failed: " + e;
        if (!problem.equals(o.lastProblem)) {
            LOG.warn("migration {}: {} (the controller goes on with its other migrations)", id, problem, e);
            o.lastProblem = problem;
        }
        MigrationRecord rec = o.record;
        if (rec == null) {
            return;
        }
        MigrationRecord next = rec;
        for (ShardRecord s : rec.shards()) {
            if (!s.state().isTerminal()) {
                next = next.withShard(s.shard(), sh -> sh.withWaitReason(reason));
            }
        }
        if (next.equals(rec)) {
            return;
        }
        try {
            write(id, o, rec, next, List.of());
        } catch (RuntimeException writeFailed) {
            LOG.debug("migration {}: could not record the controller error", id, writeFailed);
        }
    }

    private void reconcile(MigrationId id, OwnedMigration o) {
        MigrationRecord rec;
        try {
            MigrationRecord cached = o.record;
            rec = cached != null && store.currentVersion(id) == cached.version()
                    ? cached
                    : store.read(id).orElse(null);
        } catch (StoreException e) {
            problem(id, o, "cannot read the record: " + e.getMessage());
            return;
        }
        if (rec == null) {
            leases.drop(id, o, "record is gone");
            return;
        }
        o.record = rec;
        ExecutionEngine engine = settings.engines().get(rec.spec().engine());
        if (engine == null) {
            problem(
                    id,
                    o,
                    "engine '" + rec.spec().engine() + "' is not registered on this controller; available: "
                            + settings.engines().keySet());
            return;
        }
        if (!(rec.state().isTerminal() && !rec.hasPendingIntents())) {
            Outcomes.Result taken = Ownership.take(rec, o.lease, now());
            if (taken != null) {
                rec = write(id, o, rec, taken.record(), taken.audit());
                if (rec == null) {
                    return;
                }
            }
        }
        if (!o.reattached) {
            rec = reattach(id, o, rec, engine);
            if (rec == null) {
                return;
            }
            o.reattached = true;
        }
        for (int round = 0; round < MAX_ROUNDS_PER_PASS; round++) {
            if (rec.state().isTerminal() && !rec.hasPendingIntents()) {
                publisher.progress(rec, o.live);
                leases.drop(id, o, "migration is " + rec.state());
                return;
            }
            Outcomes.Result auto = AutoDirectives.next(rec, now());
            if (auto != null) {
                rec = write(id, o, rec, auto.record(), auto.audit());
                if (rec == null) {
                    return;
                }
                continue;
            }
            HealthWatch.Round health = o.health.check(rec, settings.healthSignals(), controllerId, now());
            if (health != null) {
                if (health.breach() != null) {
                    LOG.warn("migration {}: health breach while {}: {}", id, health.phase(), health.breach());
                }
                Outcomes.Result r = AutoDirectives.onHealth(rec, health, now());
                rec = write(id, o, rec, r.record(), r.audit());
                if (rec == null) {
                    return;
                }
                continue;
            }
            String superseding = supersede(rec);
            if (superseding != null) {
                publisher.progress(rec, o.live);
                problem(id, o, superseding);
                return;
            }
            MigrationRecord revert = linkedRevert(rec);
            Map<String, ShardInput> inputs = gather(rec, engine, o);
            Decision d = decider.decide(
                    rec, inputs, engine.capabilities(), controllerId, now(), revert, engine::plannedArtifacts);
            Map<String, ShardProgress> live = new HashMap<>();
            for (Map.Entry<String, LiveShard> e : d.live().entrySet()) {
                live.put(e.getKey(), e.getValue().progress());
            }
            o.live = live;
            boolean wrote = false;
            if (startWithoutIntent && d.write()) {
                effects.run(d.record(), o, engine); // the mutation: the start runs before its intent is durable
            }
            if (d.write()) {
                rec = write(id, o, rec, d.record(), d.audit());
                if (rec == null) {
                    return;
                }
                wrote = true;
            }
            if (rec.hasPendingIntents()) {
                EffectRunner.Performed performed = effects.run(rec, o, engine);
                if (!performed.audit().isEmpty() || !performed.record().equals(rec)) {
                    rec = write(id, o, rec, performed.record(), performed.audit());
                    if (rec == null) {
                        return;
                    }
                }
                continue;
            }
            if (!wrote) {
                publisher.progressOf(rec, d.live());
                o.lastProblem = null;
                return;
            }
        }
        moreWork = true; // the round bound stopped it, not a lack of work
        publisher.progress(rec, o.live);
    }

    /**
     * The revert migration {@code rec} links to, read afresh; created first when the client that linked it died before
     * creating it (the record holds all it takes). Null when none is linked.
     */
    private @Nullable MigrationRecord linkedRevert(MigrationRecord rec) {
        MigrationId linked = rec.controls().revertedBy();
        if (linked == null) {
            return null;
        }
        Optional<MigrationRecord> found = store.read(linked);
        if (found.isPresent()) {
            return found.get();
        }
        Optional<Reverts.Created> missing = Reverts.linkedRevert(rec);
        if (missing.isEmpty()) {
            return null;
        }
        LOG.info("migration {}: creating its revert {}, which its client did not", rec.id(), linked);
        return store.create(missing.get().record(), List.of(missing.get().submitted()))
                .record();
    }

    /**
     * Holds an amended request in the queue until the migration it supersedes is over, and stops that one if the
     * submitting client died before it did (the submit creates this record first and aborts the earlier one second).
     * When the earlier one cannot be stopped any more (it started, or ran to the end, in between), this one is aborted
     * instead, so the two never both run. Returns why it waits, or null when it may go on.
     */
    private @Nullable String supersede(MigrationRecord rec) {
        MigrationId earlier = rec.spec().supersedes();
        if (earlier == null || rec.controls().abortRequested() || Directives.started(rec)) {
            return null;
        }
        MigrationRecord old = store.read(earlier).orElse(null);
        if (old == null) {
            return null;
        }
        boolean ours = rec.id().equals(old.controls().supersededBy());
        if (old.state().isTerminal() && !old.hasPendingIntents()) {
            if (ours || old.state() == MigrationState.ABORTED) {
                return null;
            }
            return abortSuperseding(rec, old, "it ended " + old.state() + " before it could be stopped");
        }
        if (ours || old.controls().abortRequested()) {
            return "waiting for superseded migration " + earlier.value() + " to stop";
        }
        try {
            directives.supersede(earlier, rec.id(), controllerId);
            LOG.info("migration {}: aborted {}, which it supersedes (its client did not)", rec.id(), earlier);
        } catch (IllegalDirectiveException e) {
            return abortSuperseding(rec, old, e.getMessage());
        }
        return "waiting for superseded migration " + earlier.value() + " to stop";
    }

    private String abortSuperseding(MigrationRecord rec, MigrationRecord old, @Nullable String why) {
        LOG.warn(
                "migration {}: aborting it, because {} which it supersedes cannot be stopped: {}",
                rec.id(),
                old.id(),
                why);
        directives.abort(rec.id(), "superseded-migration-ran:" + old.id().value(), controllerId);
        return "aborted: superseded migration " + old.id().value() + " could not be stopped";
    }

    /** After taking ownership: adopt runs whose START was recorded but not confirmed, refresh recorded handles. */
    private @Nullable MigrationRecord reattach(
            MigrationId id, OwnedMigration o, MigrationRecord rec, ExecutionEngine engine) {
        MigrationRecord next = rec;
        List<AuditEntry> audit = new ArrayList<>();
        try {
            for (ShardRecord s : rec.shards()) {
                Intent intent = s.intent();
                EngineHandle handle = s.handle();
                if (intent != null && intent.kind() == Intent.IntentKind.START) {
                    Optional<EngineHandle> found = engine.reattach(s.target(), rec.spec(), intent.key(), null);
                    if (found.isPresent()) {
                        Outcomes.Result r = Outcomes.apply(
                                next, s.shard(), intent, new Outcomes.Done(found.get(), null), controllerId, now());
                        if (r != null) {
                            next = r.record();
                            audit.addAll(r.audit());
                        }
                    }
                } else if (handle != null && s.state().isRunning()) {
                    Optional<EngineHandle> found = engine.reattach(s.target(), rec.spec(), handle.key(), handle);
                    if (found.isPresent() && !found.get().equals(handle)) {
                        Outcomes.Result r = Outcomes.reattached(next, s.shard(), found.get(), controllerId, now());
                        next = r.record();
                        audit.addAll(r.audit());
                    }
                }
            }
        } catch (RuntimeException e) {
            problem(id, o, "reattach failed: " + e.getMessage());
            return null;
        }
        if (audit.isEmpty() && next.equals(rec)) {
            return rec;
        }
        return write(id, o, rec, next, audit);
    }

    /** How often the closed-loop throttle may step: once a second, the pace its law (and its tests) assume. */
    static final Duration CONTROL_INTERVAL = Duration.ofSeconds(1);

    /**
     * The closed-loop throttle's next ratio for a shard whose policy sets a target lag, when a step of its group is due
     * (at most one per {@link #CONTROL_INTERVAL}; the group: the copies this controller runs on the shard's primary,
     * which share one budget, {@link ControlGroups}); null when none is due or the policy sets none, and the decision
     * then holds the applied ratio (a fail-closed stop it takes at once, with or without a step).
     */
    private @Nullable Double controlStep(MigrationRecord rec, ShardRecord s, @Nullable ShardHealth health) {
        if (!closedLoop(rec.policy()) || health == null || !s.state().isRunning()) {
            controlGroups.leave(new Member(rec.id(), s.shard()));
            return null;
        }
        Member member = new Member(rec.id(), s.shard());
        return controlGroups.step(
                "primary " + health.primary(),
                member,
                s.appliedThrottleRatio(),
                LagController.lagOf(health),
                health.primaryThreadsRunning(),
                rec.policy(),
                now());
    }

    private static boolean closedLoop(MigrationPolicy policy) {
        return policy.targetReplicaLag() != null && policy.throttleOnReplicaLag();
    }

    /**
     * For an engine whose throttle is keyspace-wide (Vitess): one closed-loop state for the migration's keyspace, one
     * interval and one lag history, stepping on the worst of its running shards (a lag or a load unknown on any of
     * them is unknown) and giving the same step to every shard; the migrations this controller runs on one keyspace
     * share the budget.
     */
    private void keyspaceStep(MigrationRecord rec, Map<String, ShardInput> inputs) {
        Member member = new Member(rec.id(), null);
        List<ShardRecord> running = new ArrayList<>();
        for (ShardRecord s : rec.shards()) {
            ShardInput in = inputs.get(s.shard());
            if (in != null && in.health() != null && s.state().isRunning()) {
                running.add(s);
            }
        }
        if (!closedLoop(rec.policy()) || running.isEmpty()) {
            controlGroups.leave(member);
            return;
        }
        @Nullable Duration lag = Duration.ZERO;
        @Nullable Integer threads = 0;
        double applied = 0;
        for (ShardRecord s : running) {
            ShardHealth h =
                    java.util.Objects.requireNonNull(inputs.get(s.shard())).health();
            Duration l = h == null ? null : LagController.lagOf(h);
            lag = lag == null || l == null ? null : (l.compareTo(lag) > 0 ? l : lag);
            Integer t = h == null ? null : h.primaryThreadsRunning();
            threads = threads == null || t == null ? null : Math.max(threads, t);
            applied = Math.max(applied, s.appliedThrottleRatio());
        }
        Double step = controlGroups.step(
                "keyspace " + rec.spec().keyspace(), member, applied, lag, threads, rec.policy(), now());
        if (step == null) {
            return;
        }
        for (ShardRecord s : running) {
            ShardInput in = java.util.Objects.requireNonNull(inputs.get(s.shard()));
            inputs.put(
                    s.shard(), new ShardInput(in.observation(), in.health(), in.live(), in.observationFailure(), step));
        }
    }

    private Map<String, ShardInput> gather(MigrationRecord rec, ExecutionEngine engine, OwnedMigration o) {
        Map<String, ShardInput> inputs = new HashMap<>(rec.shards().size() * 4 / 3 + 1);
        boolean keyspaceWide = engine.capabilities().keyspaceWideThrottle();
        for (ShardRecord s : rec.shards()) {
            if (s.state().isTerminal() || s.state().isSwitched()) {
                continue; // a swapped shard has no run to observe and no lag to wait for
            }
            // Topology first, then the engine: "applied" is then compared with a primary position read before it.
            ShardHealth health = s.state() == MigrationState.FAILED
                    ? null
                    : health(rec.spec().keyspace(), s.shard());
            EngineObservation obs = null;
            String observationFailure = null;
            EngineHandle handle = s.handle();
            Intent intent = s.intent();
            boolean starting = intent != null && intent.kind() == Intent.IntentKind.START;
            if (handle != null && !starting && s.state() != MigrationState.QUEUED) {
                try {
                    obs = engine.observe(handle);
                    observed(rec.id(), s.shard(), o);
                } catch (RuntimeException e) {
                    observationFailure = observationFailed(rec.id(), s.shard(), o, e);
                }
            } else if (handle == null && intent == null && s.state().isRunning()) {
                obs = EngineObservation.runLost("no engine run is recorded for this shard");
            }
            if (s.state() == MigrationState.WAITING_FOR_CATCHUP && health != null) {
                health = withAlignmentTarget(rec.spec().keyspace(), s.shard(), health, obs, o);
            } else {
                o.alignmentTargets.remove(s.shard());
            }
            inputs.put(
                    s.shard(),
                    new ShardInput(
                            obs,
                            health,
                            o.live.get(s.shard()),
                            observationFailure,
                            keyspaceWide ? null : controlStep(rec, s, health)));
        }
        if (keyspaceWide) {
            keyspaceStep(rec, inputs);
        }
        return inputs;
    }

    /**
     * The catch-up target is fixed once: the primary's position read just after the engine was first seen ready. The
     * binlog-alignment gate compares replicas (and the engine's applied position) with it instead of with the
     * primary's position of the moment, which under steady writes keeps moving away: a replica that trails a busy
     * primary by a constant few milliseconds would otherwise never be seen caught up. Once fixed, the wait is bounded
     * by the replicas' lag, which the replica-lag gate bounds. A reparent fixes a new target on the new primary; a
     * takeover fixes one afresh (the target is kept in memory only: re-reading it later is only more conservative).
     */
    private ShardHealth withAlignmentTarget(
            String keyspace, String shard, ShardHealth health, @Nullable EngineObservation obs, OwnedMigration o) {
        if (obs == null || !ProgressMath.phaseAtLeast(obs.phase(), EnginePhase.READY_FOR_CUTOVER)) {
            o.alignmentTargets.remove(shard);
            return health;
        }
        OwnedMigration.AlignmentTarget target = o.alignmentTargets.get(shard);
        ShardHealth current = health;
        if (target == null || !target.primary().equals(health.primary())) {
            ShardHealth fresh;
            try {
                fresh = settings.topology().health(keyspace, shard); // read after the engine was seen ready
            } catch (RuntimeException e) {
                LOG.debug("topology of {}/{} unavailable: {}", keyspace, shard, e.toString());
                return health;
            }
            ReplicationPosition position = fresh.primaryPosition();
            if (position == null) {
                return fresh;
            }
            target = new OwnedMigration.AlignmentTarget(fresh.primary(), position);
            o.alignmentTargets.put(shard, target);
            current = fresh;
        }
        return new ShardHealth(
                current.keyspace(),
                current.shard(),
                current.primary(),
                current.topologyVersion(),
                target.position(),
                current.replicas(),
                current.readAt());
    }

    private void observed(MigrationId id, String shard, OwnedMigration o) {
        Integer failures = o.observationFailures.remove(shard);
        if (failures != null && failures >= OBSERVATION_FAILURES_REPORTED) {
            LOG.info("migration {} shard {}: engine observation works again after {} failures", id, shard, failures);
        }
    }

    /**
     * Counts a failed observation; from the {@value #OBSERVATION_FAILURES_REPORTED}th in a row on, returns what the
     * shard's wait reason should say (and logs a warning once), before that null: one failure is noise.
     */
    private @Nullable String observationFailed(MigrationId id, String shard, OwnedMigration o, RuntimeException e) {
        int failures = o.observationFailures.merge(shard, 1, Integer::sum);
        if (failures < OBSERVATION_FAILURES_REPORTED) {
            LOG.debug("engine observation of {}/{} failed: {}", id, shard, e.toString());
            return null;
        }
        if (failures == OBSERVATION_FAILURES_REPORTED) {
            LOG.warn("migration {} shard {}: engine observation failed {} times in a row: {}", id, shard, failures, e);
        }
        String message = e.getMessage();
        return "engine observation failing (" + failures + " in a row): " + (message == null ? e.toString() : message);
    }

    /** By keyspace, then shard: a lookup per shard per pass that allocates nothing once the shard was read. */
    private @Nullable ShardHealth health(String keyspace, String shard) {
        Map<String, Optional<ShardHealth>> ofKeyspace = healthThisPass.get(keyspace);
        if (ofKeyspace == null) {
            ofKeyspace = new HashMap<>();
            healthThisPass.put(keyspace, ofKeyspace);
        }
        Optional<ShardHealth> known = ofKeyspace.get(shard);
        if (known == null) {
            try {
                known = Optional.of(settings.topology().health(keyspace, shard));
            } catch (RuntimeException e) {
                LOG.debug("topology of {}/{} unavailable: {}", keyspace, shard, e.toString());
                known = Optional.empty();
            }
            ofKeyspace.put(shard, known);
        }
        return known.orElse(null);
    }

    /**
     * Writes {@code next} over {@code rec}, fenced by the lease. On a conflict returns the fresh record so the caller
     * decides again; when fenced, stops acting on the migration and returns null.
     */
    private @Nullable MigrationRecord write(
            MigrationId id, OwnedMigration o, MigrationRecord rec, MigrationRecord next, List<AuditEntry> audit) {
        try {
            MigrationRecord stored = store.compareAndSet(next, rec.version(), o.lease, audit);
            o.record = stored;
            publisher.transitions(audit);
            return stored;
        } catch (VersionConflictException e) {
            try {
                MigrationRecord fresh = store.read(id).orElse(null);
                o.record = fresh;
                return fresh;
            } catch (StoreException re) {
                problem(id, o, "cannot re-read after a conflict: " + re.getMessage());
                return null;
            }
        } catch (FencedException e) {
            LOG.warn("controller {} was fenced off migration {}: {}", controllerId, id, e.getMessage());
            leases.forget(id);
            return null;
        } catch (StoreException e) {
            problem(id, o, "write failed: " + e.getMessage());
            return null;
        }
    }

    private void problem(MigrationId id, OwnedMigration o, String message) {
        if (!message.equals(o.lastProblem)) {
            LOG.warn("migration {}: {}", id, message);
            o.lastProblem = message;
        }
    }
}
