package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.FencedException;
import dev.osc4j.Intent;
import dev.osc4j.KeyspaceProgress;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardSnapshot;
import dev.osc4j.StoreException;
import dev.osc4j.TransitionEvent;
import dev.osc4j.VersionConflictException;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.internal.Decider.LiveShard;
import dev.osc4j.internal.Decider.ShardInput;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.spi.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconcile loop's body. Level-triggered: each pass reads the record and the engines' real state and moves each
 * owned migration as far as it can go now, through the pure {@link Decider}, writing every change with a
 * compare-and-set fenced by the migration's lease, and performing side effects only after their intent is written.
 *
 * <p>Not thread-safe: one pass at a time, on the loop's thread (or the caller of {@code reconcileNow}).
 */
final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    /** Bound on decide/write rounds per migration per pass, so one migration cannot starve the others. */
    private static final int MAX_ROUNDS_PER_PASS = 32;

    private final DefaultMigrationOrchestrator.Settings settings;
    private final StateStore store;
    private final String controllerId;
    private final Decider decider;
    private final Map<MigrationId, Owned> owned = new ConcurrentHashMap<>();
    private @Nullable Instant lastRenew;
    private @Nullable Instant lastDiscovery;
    private volatile boolean discoveryRequested = true;
    /**
     * Shard health read in the current pass, by keyspace and shard: many migrations on one keyspace share its shards,
     * and reading each shard once per pass instead of once per migration keeps the probe's load independent of how
     * many migrations run. A failed read is remembered too, so a probe that is down is not hammered.
     */
    private final Map<ShardRef, Optional<ShardHealth>> healthThisPass = new HashMap<>();

    /** A shard as a map key; its strings come from records, so their hashes are already computed. */
    private record ShardRef(String keyspace, String shard) {}

    /** What the controller keeps in memory about a migration it owns; all of it can be rebuilt from the store. */
    private static final class Owned {
        Lease lease;
        Map<String, ShardProgress> live = Map.of();
        boolean reattached;

        @Nullable
        String lastProblem;

        /** The record as this controller last read or wrote it; re-read only when the store's version differs. */
        @Nullable
        MigrationRecord record;

        /** Per shard, the intent whose last attempts failed and when to try it again (see {@link #retryDelay}). */
        final Map<String, FailedIntent> failedIntents = new HashMap<>();

        Owned(Lease lease) {
            this.lease = lease;
        }
    }

    /** An intent that stays pending after {@code failures} failed attempts in a row; not tried before {@code notBefore}. */
    private record FailedIntent(Intent intent, int failures, Instant notBefore) {}

    /** The first retry of a failed side effect waits this long; each further failure doubles it. */
    static final Duration FIRST_RETRY_DELAY = Duration.ofSeconds(1);

    /** The longest wait between two attempts of a side effect that keeps failing. */
    static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(5);

    /**
     * How long to wait before attempt {@code failures + 1} of a side effect whose attempts keep failing (an engine that
     * is unreachable, a cleanup the server refuses): 1 s, 2 s, 4 s ... up to {@link #MAX_RETRY_DELAY}, so a stuck
     * effect neither hammers the engine at every poll nor waits long once the cause is fixed. Kept in memory only: a
     * controller that takes over tries at once.
     */
    static Duration retryDelay(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 20);
        Duration delay = FIRST_RETRY_DELAY.multipliedBy(1L << doublings);
        return delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
    }

    Reconciler(DefaultMigrationOrchestrator.Settings settings, String controllerId, Decider decider) {
        this.settings = settings;
        this.store = settings.store();
        this.controllerId = controllerId;
        this.decider = decider;
    }

    Set<MigrationId> owned() {
        return Set.copyOf(owned.keySet());
    }

    boolean owns(MigrationId id) {
        return owned.containsKey(id);
    }

    void requestDiscovery() {
        discoveryRequested = true;
    }

    void pass() {
        healthThisPass.clear();
        renewIfDue();
        discoverIfDue();
        for (MigrationId id : List.copyOf(owned.keySet())) {
            Owned o = owned.get(id);
            if (o != null) {
                renewIfDue();
                reconcile(id, o);
            }
        }
    }

    void releaseAll() {
        for (Owned o : owned.values()) {
            try {
                store.release(o.lease);
            } catch (RuntimeException e) {
                LOG.debug("releasing lease of {} failed", o.lease.migrationId(), e);
            }
        }
        owned.clear();
    }

    private Instant now() {
        return settings.clock().instant();
    }

    private void renewIfDue() {
        Instant now = now();
        if (lastRenew != null
                && Duration.between(lastRenew, now)
                                .compareTo(settings.leaseTtl().dividedBy(3))
                        < 0) {
            return;
        }
        if (owned.isEmpty()) {
            lastRenew = now;
            return;
        }
        List<Lease> held;
        try {
            held = store.renew(controllerId, settings.leaseTtl());
        } catch (RuntimeException e) {
            LOG.warn("controller {} could not renew its leases: {}", controllerId, e.toString());
            return;
        }
        lastRenew = now;
        Map<MigrationId, Lease> byId = new HashMap<>();
        for (Lease l : held) {
            byId.put(l.migrationId(), l);
        }
        for (Map.Entry<MigrationId, Owned> e : List.copyOf(owned.entrySet())) {
            Lease l = byId.get(e.getKey());
            if (l == null || l.fencingToken() != e.getValue().lease.fencingToken()) {
                LOG.warn(
                        "controller {} lost the lease of migration {}; it stops acting on it",
                        controllerId,
                        e.getKey());
                owned.remove(e.getKey());
            } else {
                e.getValue().lease = l;
            }
        }
    }

    private void discoverIfDue() {
        Instant now = now();
        Duration interval = settings.leaseTtl().dividedBy(3);
        if (!discoveryRequested
                && lastDiscovery != null
                && Duration.between(lastDiscovery, now).compareTo(interval) < 0) {
            return;
        }
        discoveryRequested = false;
        lastDiscovery = now;
        MigrationFilter filter = MigrationFilter.active();
        try {
            while (owned.size() < settings.maxOwnedMigrations()) {
                List<MigrationSummary> page = store.list(filter);
                for (MigrationSummary s : page) {
                    if (owned.size() >= settings.maxOwnedMigrations()) {
                        break;
                    }
                    if (!owned.containsKey(s.id())) {
                        Optional<Lease> lease = store.tryAcquire(s.id(), controllerId, settings.leaseTtl());
                        if (lease.isPresent()) {
                            LOG.info(
                                    "controller {} took ownership of migration {} (token {})",
                                    controllerId,
                                    s.id(),
                                    lease.get().fencingToken());
                            owned.put(s.id(), new Owned(lease.get()));
                        }
                    }
                }
                if (page.size() < filter.limit()) {
                    break;
                }
                filter = filter.after(page.get(page.size() - 1).id());
            }
        } catch (RuntimeException e) {
            LOG.warn("controller {} could not look for migrations: {}", controllerId, e.toString());
        }
    }

    private void reconcile(MigrationId id, Owned o) {
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
            drop(id, o, "record is gone");
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
        if (!o.reattached) {
            rec = reattach(id, o, rec, engine);
            if (rec == null) {
                return;
            }
            o.reattached = true;
        }
        for (int round = 0; round < MAX_ROUNDS_PER_PASS; round++) {
            if (rec.state().isTerminal() && !rec.hasPendingIntents()) {
                publish(rec, o);
                drop(id, o, "migration is " + rec.state());
                return;
            }
            Map<String, ShardInput> inputs = gather(rec, engine, o);
            Decision d = decider.decide(rec, inputs, engine.capabilities(), controllerId, now());
            Map<String, ShardProgress> live = new HashMap<>();
            for (Map.Entry<String, LiveShard> e : d.live().entrySet()) {
                live.put(e.getKey(), e.getValue().progress());
            }
            o.live = live;
            boolean wrote = false;
            if (d.write()) {
                rec = write(id, o, rec, d.record(), d.audit());
                if (rec == null) {
                    return;
                }
                wrote = true;
            }
            if (rec.hasPendingIntents()) {
                rec = performIntents(id, o, rec, engine);
                if (rec == null) {
                    return;
                }
                continue;
            }
            if (!wrote) {
                publish(rec, d.live());
                o.lastProblem = null;
                return;
            }
        }
        publish(rec, o);
    }

    /** After taking ownership: adopt runs whose START was recorded but not confirmed, refresh recorded handles. */
    private @Nullable MigrationRecord reattach(MigrationId id, Owned o, MigrationRecord rec, ExecutionEngine engine) {
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

    private Map<String, ShardInput> gather(MigrationRecord rec, ExecutionEngine engine, Owned o) {
        Map<String, ShardInput> inputs = new HashMap<>();
        for (ShardRecord s : rec.shards()) {
            if (s.state().isTerminal()) {
                continue;
            }
            // Topology first, then the engine: "applied" is then compared with a primary position read before it.
            ShardHealth health = s.state() == MigrationState.FAILED
                    ? null
                    : health(rec.spec().keyspace(), s.shard());
            EngineObservation obs = null;
            EngineHandle handle = s.handle();
            Intent intent = s.intent();
            boolean starting = intent != null && intent.kind() == Intent.IntentKind.START;
            if (handle != null && !starting && s.state() != MigrationState.QUEUED) {
                try {
                    obs = engine.observe(handle);
                } catch (RuntimeException e) {
                    LOG.debug("engine observation of {}/{} failed: {}", rec.id(), s.shard(), e.toString());
                }
            } else if (handle == null && intent == null && s.state().isRunning()) {
                obs = EngineObservation.runLost("no engine run is recorded for this shard");
            }
            inputs.put(s.shard(), new ShardInput(obs, health, o.live.get(s.shard())));
        }
        return inputs;
    }

    private @Nullable ShardHealth health(String keyspace, String shard) {
        return healthThisPass
                .computeIfAbsent(new ShardRef(keyspace, shard), k -> {
                    try {
                        return Optional.of(settings.topology().health(keyspace, shard));
                    } catch (RuntimeException e) {
                        LOG.debug("topology of {}/{} unavailable: {}", keyspace, shard, e.toString());
                        return Optional.empty();
                    }
                })
                .orElse(null);
    }

    private @Nullable MigrationRecord performIntents(
            MigrationId id, Owned o, MigrationRecord rec, ExecutionEngine engine) {
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
            Instant now = now();
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
        if (audit.isEmpty() && next.equals(rec)) {
            return rec;
        }
        return write(id, o, rec, next, audit);
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

    /**
     * Writes {@code next} over {@code rec}, fenced by the lease. On a conflict returns the fresh record so the caller
     * decides again; when fenced, stops acting on the migration and returns null.
     */
    private @Nullable MigrationRecord write(
            MigrationId id, Owned o, MigrationRecord rec, MigrationRecord next, List<AuditEntry> audit) {
        try {
            MigrationRecord stored = store.compareAndSet(next, rec.version(), o.lease, audit);
            o.record = stored;
            publishTransitions(audit);
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
            owned.remove(id);
            return null;
        } catch (StoreException e) {
            problem(id, o, "write failed: " + e.getMessage());
            return null;
        }
    }

    private void problem(MigrationId id, Owned o, String message) {
        if (!message.equals(o.lastProblem)) {
            LOG.warn("migration {}: {}", id, message);
            o.lastProblem = message;
        }
    }

    private void drop(MigrationId id, Owned o, String why) {
        owned.remove(id);
        try {
            store.release(o.lease);
        } catch (RuntimeException e) {
            LOG.debug("releasing lease of {} failed", id, e);
        }
        LOG.debug("controller {} released migration {}: {}", controllerId, id, why);
    }

    private void publishTransitions(List<AuditEntry> audit) {
        if (settings.sinks().isEmpty()) {
            return;
        }
        for (AuditEntry e : audit) {
            MigrationState from = e.from();
            MigrationState to = e.to();
            if (e.kind() == AuditEntry.Kind.TRANSITION && from != null && to != null && e.trigger() != null) {
                TransitionEvent event = new TransitionEvent(
                        e.migrationId(), e.shard(), from, to, Objects.requireNonNull(e.trigger()), e.detail(), e.at());
                for (ProgressSink sink : settings.sinks()) {
                    try {
                        sink.onTransition(event);
                    } catch (RuntimeException ex) {
                        LOG.warn("progress sink {} failed on a transition", sink, ex);
                    }
                }
            }
        }
    }

    private void publish(MigrationRecord rec, Owned o) {
        Map<String, LiveShard> live = new HashMap<>();
        for (ShardRecord s : rec.shards()) {
            live.put(s.shard(), new LiveShard(o.live.getOrDefault(s.shard(), s.progress()), s.waitReason()));
        }
        publish(rec, live);
    }

    private void publish(MigrationRecord rec, Map<String, LiveShard> live) {
        if (settings.sinks().isEmpty()) {
            return;
        }
        List<ShardSnapshot> shards = new ArrayList<>(rec.shards().size());
        MigrationState[] states = new MigrationState[rec.shards().size()];
        ShardProgress[] progress = new ShardProgress[states.length];
        int i = 0;
        for (ShardRecord s : rec.shards()) {
            LiveShard l = live.get(s.shard());
            ShardProgress p = l == null ? s.progress() : l.progress();
            shards.add(new ShardSnapshot(s.shard(), s.state(), p, l == null ? s.waitReason() : l.waitReason()));
            states[i] = s.state();
            progress[i++] = p;
        }
        KeyspaceProgress aggregate = ProgressMath.aggregate(states, progress);
        ProgressSnapshot snapshot = new ProgressSnapshot(
                rec.id(),
                rec.spec().keyspace(),
                rec.spec().table(),
                rec.state(),
                rec.attempt(),
                rec.controls().paused(),
                shards,
                aggregate,
                now());
        for (ProgressSink sink : settings.sinks()) {
            try {
                sink.onProgress(snapshot);
            } catch (RuntimeException ex) {
                LOG.warn("progress sink {} failed", sink, ex);
            }
        }
    }
}
