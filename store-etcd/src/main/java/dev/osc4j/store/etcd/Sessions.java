package dev.osc4j.store.etcd;

import dev.osc4j.StoreException;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
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
 * The controllers' etcd leases: one {@link Session} per owner, granted with the owner's TTL on first use and kept alive
 * by jetcd's keepAlive stream. A session ends, and every migration it held with it, when any of these happens:
 *
 * <ul>
 *   <li>its owner did not call {@code renew} or {@code tryAcquire} within its ttl (the SPI's expiry);
 *   <li>no keepAlive reply came for two thirds of the etcd lease's TTL, so that the controller stops acting while
 *       etcd still holds the lease for at least a third of its TTL;
 *   <li>jetcd's keepAlive stream reported an error or completed (it completes when no reply came within the TTL);
 *   <li>the store closes.
 * </ul>
 *
 * Then the session is revoked (best effort: if etcd cannot be reached, the lease expires by its TTL) and remembered as
 * retired, and the owner's next grant gets a new etcd lease. A watchdog on the store's lease thread checks the
 * sessions every {@link #WATCHDOG_PERIOD}; every use checks its session too.
 *
 * <p>jetcd calls the keepAlive observer on its event loop: the observer only records the time of a reply or hands
 * the loss to the store's lease thread.
 */
final class Sessions {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
    /** How often sessions are checked for expiry. */
    static final Duration WATCHDOG_PERIOD = Duration.ofMillis(200);
    /** Lease ids this store gave up, so that it may take their owner keys back at once. */
    private static final int RETIRED_KEPT = 1024;

    private final Client client;
    private final Calls calls;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final Object grantLock = new Object();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Set<Long> retired = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > RETIRED_KEPT;
        }
    }));
    private final AtomicBoolean watchdogStarted = new AtomicBoolean();
    private volatile boolean closed;

    Sessions(Client client, Calls calls, Clock clock, ScheduledExecutorService thread) {
        this.client = client;
        this.calls = calls;
        this.clock = clock;
        this.thread = thread;
    }

    /** The owner's live session, granting a new etcd lease when it has none. */
    Session open(String owner, Duration ttl) {
        if (closed) {
            throw StoreException.unavailable("the etcd store is closed", null, null);
        }
        Session s = sessions.get(owner);
        if (s != null && endIfUnusable(s, clock.instant()) == null) {
            return s;
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

    /** The owner's session if it is still usable at {@code now}; null if it has none, or ends it now. */
    @Nullable
    Session live(String owner, Instant now) {
        Session session = sessions.get(owner);
        return session == null || endIfUnusable(session, now) != null ? null : session;
    }

    /** Why {@code s} can no longer be used at {@code now}, ending it if so; null while it can. */
    @Nullable
    String endIfUnusable(Session s, Instant now) {
        String problem = s.problem(now);
        if (problem != null) {
            lose(s, problem);
        }
        return problem;
    }

    /** Whether a lease is one this store gave up, or one of its sessions that has just become unusable. */
    boolean isStale(long leaseId) {
        if (retired.contains(leaseId)) {
            return true;
        }
        Instant now = clock.instant();
        for (Session s : sessions.values()) {
            if (s.leaseId == leaseId) {
                return endIfUnusable(s, now) != null;
            }
        }
        return false;
    }

    /** Ends a session: refuses its writes from now on, stops its keepAlive and revokes its lease. */
    void lose(Session s, String reason) {
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
                endIfUnusable(s, now);
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

    /** Ends every session and revokes the leases, waiting at most {@code timeout} for etcd. Idempotent. */
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
    }
}
