package dev.osc4j.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.AutoRevert;
import dev.osc4j.Controls;
import dev.osc4j.DirectiveKind;
import dev.osc4j.DirectiveResult;
import dev.osc4j.GateId;
import dev.osc4j.IdempotencyConflictException;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.ProgressSink;
import dev.osc4j.RevertWindowOpenException;
import dev.osc4j.Rollout;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import dev.osc4j.TableBusyException;
import dev.osc4j.WindowSchedule;
import dev.osc4j.spi.ApproverGroups;
import dev.osc4j.spi.AuditChain;
import dev.osc4j.spi.AuditCheckpoints;
import dev.osc4j.spi.AuditKeys;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.Reconcilable;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.spi.StateStore;
import dev.osc4j.spi.TopologyProbe;
import dev.osc4j.spi.TrafficSwitch;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The orchestrator: the API on top of the store, and the reconcile loop ({@link Reconciler}). */
@API(status = INTERNAL, since = "0.1")
public final class DefaultMigrationOrchestrator implements MigrationOrchestrator, Reconcilable {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultMigrationOrchestrator.class);

    /**
     * Everything the builder collected, validated.
     *
     * @param store the store
     * @param topology the topology probe
     * @param engines engines by name
     * @param sinks progress sinks
     * @param gates user gates
     * @param clock the clock
     * @param defaultPolicy the policy of requests without one
     * @param controllerName prefix of the controller id
     * @param leaseTtl lease time to live
     * @param pollInterval time between passes
     * @param progressWriteInterval how often progress alone is written
     * @param closeTimeout how long close waits
     * @param maxOwnedMigrations the most migrations driven at once
     * @param releaseParallelism how many shards' releases are sent at once
     * @param threadFactory makes the loop's thread; null for a daemon thread named after the controller
     * @param trafficSwitch what the cut-over changes in front of the database
     * @param healthSignals the health signals policies may name, by name
     * @param approverGroups who belongs to which approver group, for policies that name groups; null for none
     * @param auditKeys the keys that seal the audit trail with HMACs; null for plain hashes
     * @param auditCheckpoints where each new audit head is kept outside the store; null for nowhere
     */
    public record Settings(
            StateStore store,
            TopologyProbe topology,
            Map<String, ExecutionEngine> engines,
            List<ProgressSink> sinks,
            List<GateOnEdge> gates,
            Clock clock,
            MigrationPolicy defaultPolicy,
            String controllerName,
            Duration leaseTtl,
            Duration pollInterval,
            Duration progressWriteInterval,
            Duration closeTimeout,
            int maxOwnedMigrations,
            int releaseParallelism,
            @Nullable ThreadFactory threadFactory,
            TrafficSwitch trafficSwitch,
            Map<String, HealthSignal> healthSignals,
            @Nullable ApproverGroups approverGroups,
            @Nullable AuditKeys auditKeys,
            @Nullable AuditCheckpoints auditCheckpoints) {

        /** The settings' store as every writer writes to it: chaining (keyed, checkpointed) the audit trail. */
        public StateStore chainingStore() {
            return ChainingStore.of(store, auditKeys, auditCheckpoints);
        }
    }

    /**
     * Deliberate bugs, for the fault simulator's mutation check only ({@code dev.osc4j.testkit.sim}): it must catch
     * each of them. Never set in production; the builder cannot set them.
     */
    public enum Mutation {
        /** The barrier ignores the migration's last shard: a release may reach a shard while that one still copies. */
        RELEASE_SKIPS_BARRIER_FOR_ONE_SHARD,
        /** A start is performed before its intent is written, so a crash between the two loses track of the run. */
        START_WITHOUT_INTENT
    }

    private final Settings settings;
    private final String controllerId;
    private final Reconciler reconciler;
    private final StoreClient client;
    private final Object wakeLock = new Object();
    private final ReentrantLock passLock = new ReentrantLock();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private boolean wakeRequested;
    private volatile boolean running;
    private @Nullable Thread loop;
    private @Nullable AutoCloseable watch;
    /** The engines' watches: a run's event (ready to swap, ended) wakes the loop. */
    private final List<AutoCloseable> engineWatches = new ArrayList<>();

    /** Creates the orchestrator; starts no thread. */
    public DefaultMigrationOrchestrator(Settings settings) {
        this(settings, Set.of());
    }

    private DefaultMigrationOrchestrator(Settings settings, Set<Mutation> mutations) {
        this.settings = settings;
        this.controllerId =
                settings.controllerName() + "-" + ProcessHandle.current().pid() + "-" + randomSuffix();
        GateSet gates = GateSet.defaults()
                .replacing(GateId.START_APPROVAL, new ApprovalGate(ApprovalStage.START, settings.approverGroups()))
                .replacing(GateId.CUTOVER_APPROVAL, new ApprovalGate(ApprovalStage.CUTOVER, settings.approverGroups()));
        if (mutations.contains(Mutation.RELEASE_SKIPS_BARRIER_FOR_ONE_SHARD)) {
            gates = gates.replacing(GateId.BARRIER, BarrierGate.ignoringLastShard());
        }
        for (GateOnEdge g : settings.gates()) {
            gates = gates.with(g.from(), g.to(), g.gate());
        }
        this.reconciler = new Reconciler(
                settings,
                controllerId,
                new Decider(gates, settings.progressWriteInterval(), settings.trafficSwitch() != TrafficSwitch.NONE),
                mutations.contains(Mutation.START_WITHOUT_INTENT));
        this.client = new StoreClient(
                settings.chainingStore(), settings.clock(), this::requireOpen, this::wake, settings.auditKeys());
    }

    /**
     * A controller like {@code built} (same settings, a new id) with deliberate bugs, for the fault simulator's
     * mutation check. {@code built} must come from {@link MigrationOrchestrator#builder()} and is left untouched.
     */
    public static MigrationOrchestrator mutated(MigrationOrchestrator built, Set<Mutation> mutations) {
        if (!(built instanceof DefaultMigrationOrchestrator d)) {
            throw new IllegalArgumentException(built + " was not built by MigrationOrchestrator.builder()");
        }
        return new DefaultMigrationOrchestrator(d.settings, Set.copyOf(mutations));
    }

    private static String randomSuffix() {
        byte[] bytes = new byte[4];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public String controllerId() {
        return controllerId;
    }

    @Override
    public MigrationId submit(MigrationRequest request) {
        requireOpen();
        MigrationSpec spec = request.spec();
        ExecutionEngine engine = settings.engines().get(spec.engine());
        if (engine == null) {
            throw new InvalidRequestException(
                    "unknown engine '" + spec.engine() + "'; available: "
                            + settings.engines().keySet(),
                    null);
        }
        MigrationId id = request.migrationId();
        String fingerprint = RecordCodec.fingerprint(spec, request.policy());
        MigrationRecord existing = settings.store().read(id).orElse(null);
        if (existing != null) {
            return sameRequestOrConflict(existing, fingerprint, request);
        }
        if (spec.revertOf() != null) {
            throw new InvalidRequestException(
                    "a revert is started with revert(id, directiveId, actor) on the migration it undoes, not submitted",
                    null);
        }
        MigrationPolicy policy = request.policy() == null ? settings.defaultPolicy() : request.policy();
        spec = spec.withRevertible(revertible(spec, policy, engine));
        requireHealthSignalsKnown(spec, policy);
        if (policy.approverGroups() != null
                && !policy.approverGroups().isEmpty()
                && settings.approverGroups() == null) {
            throw new InvalidRequestException(
                    "policy approverGroups " + policy.approverGroups() + " needs an ApproverGroups on the controller"
                            + " (MigrationOrchestrator.builder().approverGroups(...)): no approval could count",
                    null);
        }
        engine.validate(spec);
        requireSupersedable(spec, id);
        refuseIfTableBusy(spec);
        KeyspaceTopology topology = settings.topology().describe(spec.keyspace());
        List<ShardTarget> targets = selectShards(spec, topology);
        if (targets.size() > 1 && !engine.capabilities().postponedCutover()) {
            throw new InvalidRequestException(
                    "engine '" + engine.name() + "' cannot hold the cut-over, so the " + targets.size()
                            + " shards could not be cut over together; choose one shard per migration",
                    null);
        }
        Instant now = settings.clock().instant();
        List<ShardRecord> shards = new ArrayList<>();
        for (ShardTarget t : targets) {
            shards.add(ShardRecord.queued(t, now));
        }
        requireOpens("copy", policy.copySchedule(), Duration.ZERO, now);
        requireOpens("cut-over", policy.cutoverSchedule(), policy.expectedCutoverTimeOrDefault(), now);
        requireWavesShareOpenings(policy, targets, now);
        MigrationRecord record = new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                id,
                0,
                request.idempotencyKey(),
                fingerprint,
                spec,
                policy,
                request.requestedBy(),
                MigrationState.QUEUED,
                1,
                shards,
                Controls.NONE,
                Map.of(),
                1,
                null,
                now,
                now,
                null);
        MigrationId supersedes = spec.supersedes();
        AuditEntry submitted = new AuditEntry(
                id,
                1,
                now,
                request.requestedBy(),
                AuditEntry.Kind.SUBMITTED,
                null,
                null,
                MigrationState.QUEUED,
                null,
                "submit:" + request.idempotencyKey(),
                spec.ddl() + " on " + spec.keyspace() + " (" + shards.size() + " shard(s)) with " + spec.engine()
                        + (supersedes == null ? "" : "; supersedes " + supersedes.value()));
        CreateResult created = settings.chainingStore().create(record, List.of(submitted));
        if (!created.created()) {
            return sameRequestOrConflict(created.record(), fingerprint, request);
        }
        if (supersedes != null) {
            // Created first, aborted second: until the earlier one is over, the new one waits in the queue, and its
            // controller sends this same directive if this process dies before it does (Reconciler.supersede).
            try {
                client.supersede(supersedes, id, request.requestedBy());
            } catch (IllegalDirectiveException e) {
                // The earlier one started between the check and now: this one must not run beside it.
                client.abort(id, "superseded-migration-ran:" + supersedes.value(), request.requestedBy());
                throw e;
            }
        }
        LOG.info(
                "submitted migration {}: {} on {} ({} shards) with {}",
                id,
                spec.ddl(),
                spec.keyspace(),
                shards.size(),
                spec.engine());
        wake();
        return id;
    }

    /**
     * Whether the migration keeps the original table for a revert: its policy has a revert window, the engine can
     * revert, and the DDL can be undone by swapping back ({@link Reverts#notes}). A policy that asks for a window
     * explicitly from an engine that cannot revert is refused, with the engine's own reason where it gives one.
     */
    private static boolean revertible(MigrationSpec spec, MigrationPolicy policy, ExecutionEngine engine) {
        if (policy.revertWindowOrDefault().isZero()) {
            return false;
        }
        if (!engine.capabilities().revert()) {
            if (policy.revertWindow() != null) {
                engine.validate(spec.withRevertible(true));
                throw new InvalidRequestException(
                        "engine '" + engine.name()
                                + "' cannot revert a swap, but the policy asks for a revert window of "
                                + Durations.format(policy.revertWindowOrDefault()) + "; set it to zero",
                        null);
            }
            return false;
        }
        return Reverts.notes(spec).isEmpty();
    }

    /**
     * Refuses a policy that names health signals no controller registered, or that asks for a revert window and a
     * revert on health signals for a migration that cannot be reverted (the DDL cannot be undone by swapping back). A
     * migration that cannot be reverted, with no revert window asked for (zero, or the default with an engine that
     * cannot revert), is accepted: its bake raises {@link MigrationState#ALERTED} on a breach instead.
     */
    private void requireHealthSignalsKnown(MigrationSpec spec, MigrationPolicy policy) {
        AutoRevert auto = policy.autoRevert();
        if (auto == null) {
            return;
        }
        for (String name : auto.signals()) {
            if (!settings.healthSignals().containsKey(name)) {
                throw new InvalidRequestException(
                        "policy autoRevert names health signal '" + name + "', which is not registered; registered: "
                                + settings.healthSignals().keySet(),
                        null);
            }
        }
        Duration window = policy.revertWindow();
        if (!spec.revertible() && window != null && !window.isZero()) {
            List<String> notes = Reverts.notes(spec);
            throw new InvalidRequestException(
                    "policy autoRevert with a revert window of " + Durations.format(window)
                            + " needs a revertible migration, and this one is not: "
                            + (notes.isEmpty()
                                    ? "engine '" + spec.engine() + "' cannot revert a swap"
                                    : String.join("; ", notes))
                            + "; set revertWindow to zero to have the signals raise an alert after the swap instead",
                    null);
        }
    }

    /**
     * Refuses, before anything is written, a request that supersedes a migration that does not exist, is of another
     * table, is a revert, or has started changing its shards (or is over).
     */
    private void requireSupersedable(MigrationSpec spec, MigrationId id) {
        MigrationId earlier = spec.supersedes();
        if (earlier == null) {
            return;
        }
        MigrationRecord old = settings.store().read(earlier).orElse(null);
        if (old == null || earlier.equals(id)) {
            throw new InvalidRequestException(
                    "supersedes names " + earlier.value() + (old == null ? ", which does not exist" : ", itself"), id);
        }
        if (!old.spec().keyspace().equals(spec.keyspace())
                || !old.spec().table().equals(spec.table())
                || old.spec().revertOf() != null) {
            throw new InvalidRequestException(
                    "supersedes names " + earlier.value() + ", a " + (old.spec().revertOf() != null ? "revert of " : "")
                            + "migration of " + old.spec().keyspace() + "."
                            + old.spec().table() + ", not of "
                            + spec.keyspace() + "." + spec.table(),
                    id);
        }
        MigrationId by = old.controls().supersededBy();
        if (by != null && !by.equals(id)) {
            throw new IllegalDirectiveException(
                    earlier,
                    DirectiveKind.SUPERSEDE,
                    old.state(),
                    "migration " + by.value() + " already supersedes it");
        }
        if (by == null && (old.state().isTerminal() || old.controls().abortRequested() || Directives.started(old))) {
            throw new IllegalDirectiveException(
                    earlier,
                    DirectiveKind.SUPERSEDE,
                    old.state(),
                    old.state().isTerminal() || old.controls().abortRequested()
                            ? "it is over or being aborted; submit the new request without supersedes"
                            : "it has started changing its shards; abort it, or wait for it and submit a new change");
        }
    }

    /**
     * Refuses a migration of a table whose previous migration is in its revert window, and, when either is revertible,
     * one of a table that another migration still changes: a revertible migration shares its table with no other.
     * Found in the simulator: two revertible migrations of one table submitted before either swapped both kept the
     * original table, and a revert of one would undo the other. Migrations that keep nothing for a revert may still
     * queue on one table, as before (the engine decides whether it can run them side by side).
     */
    private void refuseIfTableBusy(MigrationSpec spec) {
        MigrationFilter active = MigrationFilter.active().inKeyspace(spec.keyspace());
        for (MigrationRecord other : StoreClient.ofTable(settings.store(), active, spec.table())) {
            if (other.id().equals(spec.supersedes())) {
                continue; // aborted right after this one is created, and never started
            }
            if (other.state() == MigrationState.REVERTIBLE) {
                String until = other.revertibleUntil().map(Object::toString).orElse("its window ends");
                throw new RevertWindowOpenException(other.id(), spec.table(), until);
            }
            if (spec.revertible() || other.spec().revertible()) {
                throw new TableBusyException(
                        other.id(),
                        "table " + spec.table() + " is being migrated by "
                                + other.id().value() + " ("
                                + other.state() + "), and a revertible migration shares its table with no other: wait"
                                + " for it to end, or abort it");
            }
        }
    }

    /**
     * Refuses per-shard cut-over schedules under which the shards of one wave (all shards, without a rollout) never
     * share an opening of the expected cut-over time within {@link MigrationPolicy#SCHEDULE_HORIZON}: the barrier swaps
     * them together, so they would wait for ever. Also refuses a schedule for a shard the migration does not have.
     */
    private static void requireWavesShareOpenings(MigrationPolicy policy, List<ShardTarget> targets, Instant now) {
        Map<String, WindowSchedule> own = policy.shardCutoverSchedules();
        if (own == null || own.isEmpty()) {
            return;
        }
        List<String> names = targets.stream().map(ShardTarget::shard).toList();
        for (String shard : own.keySet()) {
            if (!names.contains(shard)) {
                throw new InvalidRequestException(
                        "policy shardCutoverSchedules names shard '" + shard + "', which the migration does not have;"
                                + " its shards: " + names,
                        null);
            }
        }
        Rollout rollout = policy.rollout();
        Map<Integer, List<String>> waves = new java.util.TreeMap<>();
        for (int i = 0; i < names.size(); i++) {
            waves.computeIfAbsent(rollout == null ? 0 : rollout.waveOf(i), w -> new ArrayList<>())
                    .add(names.get(i));
        }
        Duration needed = policy.expectedCutoverTimeOrDefault();
        for (Map.Entry<Integer, List<String>> wave : waves.entrySet()) {
            List<WindowSchedule> schedules = new ArrayList<>();
            List<String> described = new ArrayList<>();
            for (String shard : wave.getValue()) {
                WindowSchedule s = policy.cutoverScheduleOf(shard);
                if (s != null && !schedules.contains(s)) {
                    schedules.add(s);
                    described.add(shard + " '" + s + "'");
                }
            }
            if (!schedules.isEmpty()
                    && WindowSchedule.commonOpening(schedules, now, needed, MigrationPolicy.SCHEDULE_HORIZON)
                            .isEmpty()) {
                throw new InvalidRequestException(
                        "the shards of " + (rollout == null ? "the migration" : "wave " + (wave.getKey() + 1))
                                + " " + wave.getValue() + " swap together but their cut-over schedules never share an"
                                + " opening of " + Durations.format(needed) + " within the next "
                                + Durations.format(MigrationPolicy.SCHEDULE_HORIZON) + ": "
                                + String.join(", ", described)
                                + "; put them in different waves (rollout) or widen a window",
                        null);
            }
        }
    }

    /**
     * Refuses a schedule under which the migration could never proceed: one that does not open (for at least
     * {@code minimum}) within {@link MigrationPolicy#SCHEDULE_HORIZON}.
     */
    private static void requireOpens(String what, @Nullable WindowSchedule schedule, Duration minimum, Instant now) {
        if (schedule != null
                && schedule.nextOpening(now, minimum, MigrationPolicy.SCHEDULE_HORIZON)
                        .isEmpty()) {
            throw new InvalidRequestException(
                    "the " + what + " schedule '" + schedule + "' does not open"
                            + (minimum.isZero() ? "" : " for " + Durations.format(minimum))
                            + " within the next " + Durations.format(MigrationPolicy.SCHEDULE_HORIZON)
                            + ", so the migration could never proceed",
                    null);
        }
    }

    private static MigrationId sameRequestOrConflict(
            MigrationRecord existing, String fingerprint, MigrationRequest request) {
        if (existing.fingerprint().equals(fingerprint)) {
            return existing.id();
        }
        throw new IdempotencyConflictException(
                "idempotency key '" + request.idempotencyKey()
                        + "' was already used for a different request (migration " + existing.id() + ": "
                        + existing.spec().ddl() + " on " + existing.spec().keyspace() + ")",
                existing.id());
    }

    private static List<ShardTarget> selectShards(MigrationSpec spec, KeyspaceTopology topology) {
        if (topology.shards().isEmpty()) {
            throw new InvalidRequestException("keyspace '" + spec.keyspace() + "' has no shards", null);
        }
        if (spec.shards().isEmpty()) {
            return topology.shards();
        }
        Map<String, ShardTarget> byName = new LinkedHashMap<>();
        for (ShardTarget t : topology.shards()) {
            byName.put(t.shard(), t);
        }
        List<ShardTarget> out = new ArrayList<>();
        for (String name : spec.shards()) {
            ShardTarget t = byName.get(name);
            if (t == null) {
                throw new InvalidRequestException(
                        "keyspace '" + spec.keyspace() + "' has no shard '" + name + "'; shards: " + byName.keySet(),
                        null);
            }
            out.add(t);
        }
        return out;
    }

    @Override
    public MigrationRecord get(MigrationId id) {
        return client.get(id);
    }

    @Override
    public List<MigrationSummary> list(MigrationFilter filter) {
        return client.list(filter);
    }

    @Override
    public List<AuditEntry> audit(MigrationId id) {
        return client.audit(id);
    }

    @Override
    public DirectiveResult approve(MigrationId id, String directiveId, ApprovalStage stage, String actor) {
        return client.approve(id, directiveId, stage, actor);
    }

    @Override
    public DirectiveResult revokeApproval(MigrationId id, String directiveId, ApprovalStage stage, String actor) {
        return client.revokeApproval(id, directiveId, stage, actor);
    }

    @Override
    public DirectiveResult releaseCutover(MigrationId id, String directiveId, String actor) {
        return client.releaseCutover(id, directiveId, actor);
    }

    @Override
    public DirectiveResult retry(MigrationId id, String directiveId, String actor) {
        return client.retry(id, directiveId, actor);
    }

    @Override
    public DirectiveResult abort(MigrationId id, String directiveId, String actor) {
        return client.abort(id, directiveId, actor);
    }

    @Override
    public DirectiveResult pause(MigrationId id, String directiveId, String actor) {
        return client.pause(id, directiveId, actor);
    }

    @Override
    public DirectiveResult resume(MigrationId id, String directiveId, String actor) {
        return client.resume(id, directiveId, actor);
    }

    @Override
    public DirectiveResult throttle(MigrationId id, String directiveId, double ratio, String actor) {
        return client.throttle(id, directiveId, ratio, actor);
    }

    @Override
    public MigrationId revert(MigrationId id, String directiveId, List<String> shards, String actor) {
        return client.revert(id, directiveId, shards, actor);
    }

    @Override
    public DirectiveResult closeRevertWindow(MigrationId id, String directiveId, String actor) {
        return client.closeRevertWindow(id, directiveId, actor);
    }

    @Override
    public DirectiveResult acknowledgeAlert(MigrationId id, String directiveId, String actor) {
        return client.acknowledgeAlert(id, directiveId, actor);
    }

    @Override
    public List<String> verifyAudit(MigrationId id, AuditChain.@Nullable Checkpoint checkpoint) {
        return client.verifyAudit(id, checkpoint);
    }

    @Override
    public void start() {
        requireOpen();
        if (!started.compareAndSet(false, true)) {
            return;
        }
        running = true;
        try {
            watch = settings.store().watch(this::onStoreChange);
        } catch (RuntimeException e) {
            LOG.warn("store watch unavailable, relying on polling: {}", e.toString());
        }
        for (ExecutionEngine engine : new LinkedHashSet<>(settings.engines().values())) {
            try {
                engineWatches.add(engine.watch(this::wakeLoop));
            } catch (RuntimeException e) {
                LOG.warn(
                        "engine {} cannot be watched, its runs are seen at each poll: {}", engine.name(), e.toString());
            }
        }
        ThreadFactory factory = settings.threadFactory();
        Thread t = factory == null
                ? new Thread(this::loop, "osc4j-controller-" + controllerId)
                : factory.newThread(this::loop);
        if (factory == null) {
            t.setDaemon(true);
        }
        loop = t;
        t.start();
        LOG.info(
                "controller {} started (poll {}, lease {})",
                controllerId,
                settings.pollInterval(),
                settings.leaseTtl());
    }

    private void loop() {
        while (running) {
            try {
                passLocked();
            } catch (RuntimeException e) {
                LOG.error("reconcile pass failed; continuing", e);
            }
            boolean moreWork = reconciler.takeMoreWork();
            synchronized (wakeLock) {
                if (!wakeRequested && !moreWork && running) {
                    try {
                        wakeLock.wait(Math.max(1, reconciler.nextPassWithin().toMillis()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                wakeRequested = false;
            }
        }
    }

    /**
     * A record changed in the store: one this controller drives (a directive from elsewhere, or a write of its own
     * other than the one the pass is busy with) needs a pass; any other may be new work, so discovery runs too.
     */
    private void onStoreChange(MigrationId id) {
        if (reconciler.ownWrite(id)) {
            return;
        }
        if (!reconciler.leases().owns(id)) {
            reconciler.leases().requestDiscovery();
        }
        wakeLoop();
    }

    private void wake() {
        reconciler.leases().requestDiscovery();
        wakeLoop();
    }

    private void wakeLoop() {
        synchronized (wakeLock) {
            wakeRequested = true;
            wakeLock.notifyAll();
        }
    }

    @Override
    public void reconcileNow() {
        requireOpen();
        if (started.get()) {
            throw new IllegalStateException("reconcileNow() drives a controller whose loop is not started; controller "
                    + controllerId + " runs its loop since start()");
        }
        passLocked();
    }

    /** One pass at a time: the reconciler is not thread-safe. */
    private void passLocked() {
        passLock.lock();
        try {
            reconciler.pass();
        } finally {
            passLock.unlock();
        }
    }

    /** The migrations this controller drives now. */
    public Set<MigrationId> owned() {
        return reconciler.leases().owned();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        wake();
        Thread t = loop;
        if (t != null) {
            try {
                t.join(settings.closeTimeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warn("controller {} loop did not stop within {}", controllerId, settings.closeTimeout());
                t.interrupt();
            }
        }
        AutoCloseable w = watch;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                LOG.debug("closing the store watch failed", e);
            }
        }
        for (AutoCloseable engineWatch : engineWatches) {
            try {
                engineWatch.close();
            } catch (Exception e) {
                LOG.debug("closing an engine watch failed", e);
            }
        }
        if (t == null || !t.isAlive()) {
            reconciler.releaseAll();
        }
        LOG.info("controller {} closed", controllerId);
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("orchestrator " + controllerId + " is closed");
        }
    }

    @Override
    public String toString() {
        return "MigrationOrchestrator[" + controllerId + "]";
    }
}
