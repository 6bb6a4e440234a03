package dev.osc4j.store.etcd;

import dev.osc4j.FencedException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.StoreException;
import dev.osc4j.spi.Lease;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Migration leases on etcd. Each owner (controller) of a store has one <em>session</em>: an etcd lease granted with
 * the owner's TTL and kept alive by jetcd's keepAlive stream. Owning a migration means having created its owner key
 * {@code P/owners/<id>} attached to that lease; the key's create revision is the fencing token. A new owner key can
 * only be created after the previous one is gone, and revisions only grow, so tokens grow across grants.
 *
 * <p>A session ends, and every migration it held with it, when any of these happens:
 *
 * <ul>
 *   <li>its owner did not call {@code renew} or {@code tryAcquire} within its ttl (the SPI's expiry);
 *   <li>no keepAlive reply came for two thirds of the etcd lease's TTL, so that the controller stops acting while
 *       etcd still holds the lease for at least a third of its TTL;
 *   <li>jetcd's keepAlive stream reported an error or completed (it completes when no reply came within the TTL);
 *   <li>the store closes.
 * </ul>
 *
 * Then the session is revoked (best effort: if etcd cannot be reached, the lease expires by its TTL), its writes are
 * refused locally, and the owner's next {@code tryAcquire} grants a new etcd lease. Safety never depends on this
 * process's view: every fenced write compares the owner key's create revision inside its transaction.
 *
 * <p>jetcd calls the keepAlive observer on its event loop: the observer only records the time of a reply or hands
 * the loss to the store's lease thread.
 */
final class Ownership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ownership.class);
    /** How often sessions are checked for expiry. */
    static final Duration WATCHDOG_PERIOD = Duration.ofMillis(200);
    /** Lease ids this store gave up, so that it may take their owner keys back at once. */
    private static final int RETIRED_KEPT = 1024;

    private static final int ACQUIRE_ATTEMPTS = 6;
    private static final int RELEASE_ATTEMPTS = 4;

    private final Client client;
    private final Keys keys;
    private final Calls calls;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final Transactions transactions;
    private final Object grantLock = new Object();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<MigrationId, Grant> grants = new ConcurrentHashMap<>();
    private final Set<Long> retired = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > RETIRED_KEPT;
        }
    }));
    private final AtomicBoolean watchdogStarted = new AtomicBoolean();
    private volatile boolean closed;

    /** One owner's etcd lease and the migrations it holds through it. */
    static final class Session {
        final String owner;
        final long leaseId;
        final Duration etcdTtl;
        /** No keepAlive reply for this long means the lease may be about to expire in etcd. */
        final Duration replyWindow;

        final Map<MigrationId, Long> held = new ConcurrentHashMap<>();
        volatile Instant lastReply;
        volatile Instant deadline;
        volatile @Nullable CloseableClient keepAlive;
        private @Nullable String lostReason;

        Session(String owner, long leaseId, Duration etcdTtl, Instant now, Duration ttl) {
            this.owner = owner;
            this.leaseId = leaseId;
            this.etcdTtl = etcdTtl;
            this.replyWindow = etcdTtl.multipliedBy(2).dividedBy(3);
            this.lastReply = now;
            this.deadline = now.plus(ttl);
        }

        /** Why this session can no longer be used, or null while it can. */
        synchronized @Nullable String problem(Instant now) {
            if (lostReason != null) {
                return lostReason;
            }
            if (!now.isBefore(deadline)) {
                return "its owner did not renew it before " + deadline;
            }
            Instant replyDue = lastReply.plus(replyWindow);
            if (!now.isBefore(replyDue)) {
                return "etcd sent no keepAlive reply since " + lastReply + " (two thirds of the lease's TTL of "
                        + etcdTtl.toSeconds() + " s)";
            }
            return null;
        }

        /** Marks the session lost; false if it already was. */
        synchronized boolean lose(String reason) {
            if (lostReason != null) {
                return false;
            }
            lostReason = reason;
            return true;
        }

        synchronized void touch(Instant now, Duration ttl) {
            if (lostReason == null) {
                Instant next = now.plus(ttl);
                if (next.isAfter(deadline)) {
                    deadline = next;
                }
            }
        }
    }

    /** A token this store handed out, and the session it belongs to. */
    private record Grant(long token, Session session) {}

    Ownership(
            Client client,
            Keys keys,
            Calls calls,
            Clock clock,
            ScheduledExecutorService thread,
            Transactions transactions) {
        this.client = client;
        this.keys = keys;
        this.calls = calls;
        this.clock = clock;
        this.thread = thread;
        this.transactions = transactions;
    }

    static void requireTtl(Duration ttl) {
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new InvalidRequestException(
                    "ttl must be at least 1 s (etcd leases count whole seconds), got " + ttl, null);
        }
    }

    Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
        requireTtl(ttl);
        ByteSequence ownerKey = keys.owner(id);
        for (int attempt = 1; attempt <= ACQUIRE_ATTEMPTS; attempt++) {
            Session session = session(owner, ttl);
            session.touch(clock.instant(), ttl);
            GetResponse current =
                    calls.read(client.getKVClient().get(ownerKey), "reading the owner of migration " + id, id);
            KeyValue kv = current.getKvs().isEmpty() ? null : current.getKvs().get(0);
            if (kv != null) {
                if (kv.getLease() == session.leaseId) {
                    return Optional.of(held(session, id, kv.getCreateRevision()));
                }
                if (!isStale(kv)) {
                    return Optional.empty();
                }
                // An owner key of a lease this store gave up: delete it now rather than wait for etcd to expire it.
                transactions.once(
                        id,
                        "removing the stale owner key of migration " + id,
                        new Cmp[] {new Cmp(ownerKey, Cmp.Op.EQUAL, CmpTarget.createRevision(kv.getCreateRevision()))},
                        new Op[] {Op.delete(ownerKey, DeleteOption.DEFAULT)});
                continue;
            }
            TxnResponse created;
            try {
                created = transactions.once(
                        id,
                        "taking ownership of migration " + id,
                        new Cmp[] {new Cmp(ownerKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0))},
                        new Op[] {
                            Op.put(
                                    ownerKey,
                                    Keys.bytes(owner),
                                    PutOption.builder()
                                            .withLeaseId(session.leaseId)
                                            .build())
                        });
            } catch (StoreException e) {
                if (Calls.isLeaseNotFound(e)) {
                    lose(session, "etcd no longer knows lease " + Long.toHexString(session.leaseId));
                    continue;
                }
                throw e;
            }
            if (created != null && created.isSucceeded()) {
                return Optional.of(held(session, id, created.getHeader().getRevision()));
            }
            // Lost a race, or the outcome is unknown: the next round reads the key and settles it.
        }
        throw StoreException.unavailable(
                "could not settle the ownership of migration " + id + " in " + ACQUIRE_ATTEMPTS + " attempts",
                id,
                null);
    }

    /** Whether an owner key belongs to a lease this store gave up, or to one of its sessions that has just expired. */
    private boolean isStale(KeyValue kv) {
        long lease = kv.getLease();
        if (retired.contains(lease)) {
            return true;
        }
        Instant now = clock.instant();
        for (Session s : sessions.values()) {
            if (s.leaseId == lease) {
                String problem = s.problem(now);
                if (problem != null) {
                    lose(s, problem);
                    return true;
                }
                return false;
            }
        }
        return false;
    }

    private Lease held(Session session, MigrationId id, long token) {
        session.held.put(id, token);
        grants.put(id, new Grant(token, session));
        return new Lease(id, session.owner, token, session.deadline);
    }

    List<Lease> renew(String owner, Duration ttl) {
        requireTtl(ttl);
        Session session = sessions.get(owner);
        if (session == null) {
            return List.of();
        }
        Instant now = clock.instant();
        String problem = session.problem(now);
        if (problem != null) {
            lose(session, problem);
            return List.of();
        }
        session.touch(now, ttl);
        List<Lease> out = new ArrayList<>();
        session.held.forEach((id, token) -> out.add(new Lease(id, owner, token, session.deadline)));
        out.sort((a, b) -> a.migrationId().compareTo(b.migrationId()));
        return out;
    }

    void release(Lease lease) {
        MigrationId id = lease.migrationId();
        long token = lease.fencingToken();
        Grant g = grants.get(id);
        if (g != null && g.token() == token) {
            grants.remove(id, g);
            g.session().held.remove(id, token);
        }
        ByteSequence ownerKey = keys.owner(id);
        for (int attempt = 1; attempt <= RELEASE_ATTEMPTS; attempt++) {
            TxnResponse r = transactions.once(
                    id,
                    "releasing migration " + id,
                    new Cmp[] {new Cmp(ownerKey, Cmp.Op.EQUAL, CmpTarget.createRevision(token))},
                    new Op[] {Op.delete(ownerKey, DeleteOption.DEFAULT)});
            if (r != null) {
                return; // deleted, or held under another token already: either way no longer ours
            }
            GetResponse now = calls.read(client.getKVClient().get(ownerKey), "reading the owner of " + id, id);
            if (now.getKvs().isEmpty() || now.getKvs().get(0).getCreateRevision() != token) {
                return;
            }
        }
        throw StoreException.unavailable(
                "could not release migration " + id + " in " + RELEASE_ATTEMPTS
                        + " attempts; its lease expires by itself",
                id,
                null);
    }

    /**
     * Refuses, without asking etcd, a write fenced by a token this store handed out from a session that has ended.
     * Tokens it does not know are left to the check inside the transaction.
     */
    void checkLocally(Lease fence) {
        Grant g = grants.get(fence.migrationId());
        if (g == null || g.token() != fence.fencingToken()) {
            return;
        }
        String problem = g.session().problem(clock.instant());
        if (problem != null) {
            lose(g.session(), problem);
            throw new FencedException(
                    "the lease of " + fence.owner() + " on migration " + fence.migrationId() + " (token "
                            + fence.fencingToken() + ") was lost: " + problem,
                    fence.migrationId());
        }
    }

    /** The owner's live session, granting a new etcd lease when it has none. */
    private Session session(String owner, Duration ttl) {
        if (closed) {
            throw StoreException.unavailable("the etcd store is closed", null, null);
        }
        Session s = sessions.get(owner);
        if (s != null) {
            String problem = s.problem(clock.instant());
            if (problem == null) {
                return s;
            }
            lose(s, problem);
        }
        synchronized (grantLock) {
            s = sessions.get(owner);
            if (s != null && s.problem(clock.instant()) == null) {
                return s;
            }
            long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
            LeaseGrantResponse granted;
            try {
                granted =
                        calls.write(client.getLeaseClient().grant(seconds), "granting an etcd lease to " + owner, null);
            } catch (Calls.OutcomeUnknownException e) {
                // A lease granted without our knowing it holds no key and expires after its TTL.
                throw StoreException.unavailable(e.getMessage() + "", null, e.getCause());
            }
            Session created =
                    new Session(owner, granted.getID(), Duration.ofSeconds(granted.getTTL()), clock.instant(), ttl);
            sessions.put(owner, created);
            startWatchdog();
            try {
                created.keepAlive = client.getLeaseClient().keepAlive(granted.getID(), new KeepAliveObserver(created));
            } catch (RuntimeException e) {
                lose(created, "its keepAlive could not start: " + Calls.describe(e));
                throw StoreException.unavailable(
                        "cannot keep the etcd lease of " + owner + " alive: " + Calls.describe(e), null, e);
            }
            if (created.problem(clock.instant()) != null) {
                // Lost before the keepAlive handle was stored (the observer failed at once): close it now.
                lose(created, "its keepAlive failed at once");
                CloseableClient ka = created.keepAlive;
                if (ka != null) {
                    ka.close();
                }
            }
            LOG.info(
                    "owner {} holds etcd lease {} (TTL {} s)",
                    owner,
                    Long.toHexString(granted.getID()),
                    granted.getTTL());
            return created;
        }
    }

    /** Ends a session: refuses its writes from now on, stops its keepAlive and revokes its lease. */
    private void lose(Session s, String reason) {
        if (!s.lose(reason)) {
            return;
        }
        sessions.remove(s.owner, s);
        retired.add(s.leaseId);
        CloseableClient ka = s.keepAlive;
        if (ka != null) {
            try {
                ka.close();
            } catch (RuntimeException e) {
                LOG.debug("closing a keepAlive failed", e);
            }
        }
        if (!closed && s.held.isEmpty()) {
            LOG.info(
                    "etcd lease {} of owner {} ended ({}); it held no migration",
                    Long.toHexString(s.leaseId),
                    s.owner,
                    reason);
        } else if (!closed) {
            LOG.warn(
                    "etcd lease {} of owner {} is lost ({}); it no longer holds migrations {}",
                    Long.toHexString(s.leaseId),
                    s.owner,
                    reason,
                    s.held.keySet());
        }
        var unused = revoke(s); // completes on its own; failures are logged there
    }

    private CompletableFuture<?> revoke(Session s) {
        // No timeout here: the call ends when etcd answers or the channel fails; close() bounds its own wait.
        return client.getLeaseClient().revoke(s.leaseId).whenComplete((r, e) -> {
            if (e != null) {
                LOG.debug(
                        "revoking etcd lease {} failed ({}); it expires by its TTL",
                        Long.toHexString(s.leaseId),
                        Calls.describe(e));
            }
        });
    }

    private void startWatchdog() {
        if (watchdogStarted.compareAndSet(false, true)) {
            long period = WATCHDOG_PERIOD.toMillis();
            var unused = thread.scheduleWithFixedDelay(this::checkSessions, period, period, TimeUnit.MILLISECONDS);
        }
    }

    private void checkSessions() {
        try {
            Instant now = clock.instant();
            for (Session s : sessions.values()) {
                String problem = s.problem(now);
                if (problem != null) {
                    lose(s, problem);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("checking etcd lease sessions failed", e);
        }
    }

    private void onThread(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("store closed; lease event dropped");
        }
    }

    /** Called by jetcd on its event loop: never blocks. */
    private final class KeepAliveObserver implements StreamObserver<LeaseKeepAliveResponse> {
        private final Session session;

        KeepAliveObserver(Session session) {
            this.session = session;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse reply) {
            if (reply.getTTL() > 0) {
                session.lastReply = clock.instant();
            }
        }

        @Override
        public void onError(Throwable error) {
            String reason = "its keepAlive failed: " + Calls.describe(error);
            onThread(() -> lose(session, reason));
        }

        @Override
        public void onCompleted() {
            onThread(() -> lose(session, "its keepAlive ended (no reply from etcd within the lease's TTL)"));
        }
    }

    /** Ends every session and revokes the leases, waiting at most {@code timeout} for etcd. */
    void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        List<CompletableFuture<?>> revokes = new ArrayList<>();
        for (Session s : List.copyOf(sessions.values())) {
            if (s.lose("the store is closing")) {
                sessions.remove(s.owner, s);
                CloseableClient ka = s.keepAlive;
                if (ka != null) {
                    ka.close();
                }
                revokes.add(revoke(s));
            }
        }
        try {
            CompletableFuture.allOf(revokes.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("not every etcd lease was revoked on close; they expire by their TTL", e);
        }
        grants.clear();
    }

    @Override
    public void close() {
        close(calls.timeout());
    }
}
