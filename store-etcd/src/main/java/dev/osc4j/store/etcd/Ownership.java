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
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Migration leases on etcd: which owner holds which migration, under which fencing token. Owning a migration means
 * having created its owner key {@code P/owners/<id>} attached to the owner's etcd lease (its {@link Session}, kept by
 * {@link Sessions}); the key's create revision is the fencing token. A new owner key can only be created after the
 * previous one is gone, and revisions only grow, so tokens grow across grants.
 *
 * <p>When a session ends, its migrations go with it: their writes are refused locally, and the owner's next
 * {@code tryAcquire} takes their keys back under a new etcd lease. Safety never depends on this process's view: every
 * fenced write compares the owner key's create revision inside its transaction.
 */
final class Ownership implements AutoCloseable {
    private static final int ACQUIRE_ATTEMPTS = 6;
    private static final int RELEASE_ATTEMPTS = 4;

    private final Client client;
    private final Keys keys;
    private final Calls calls;
    private final Clock clock;
    private final Sessions sessions;
    private final Transactions transactions;
    private final Map<MigrationId, Grant> grants = new ConcurrentHashMap<>();

    /** A token this store handed out, and the session it belongs to. */
    private record Grant(long token, Session session) {}

    Ownership(Client client, Keys keys, Calls calls, Clock clock, Sessions sessions, Transactions transactions) {
        this.client = client;
        this.keys = keys;
        this.calls = calls;
        this.clock = clock;
        this.sessions = sessions;
        this.transactions = transactions;
    }

    static void requireTtl(Duration ttl) {
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new InvalidRequestException(
                    "ttl must be at least 1 s (etcd leases count whole seconds), got " + ttl, null);
        }
    }

    /**
     * Who holds each migration now: one range read of the owner keys, which live exactly as long as their holder's
     * etcd lease. A key of a lease this store gave up counts as free, as {@link #tryAcquire} would take it.
     */
    Map<MigrationId, String> holders() {
        GetResponse all = calls.read(
                client.getKVClient()
                        .get(
                                keys.owners(),
                                GetOption.builder().withRange(keys.ownersEnd()).build()),
                "reading the owners of migrations",
                null);
        Map<MigrationId, String> out = new HashMap<>();
        for (KeyValue kv : all.getKvs()) {
            MigrationId id = keys.ownerId(kv.getKey());
            if (id != null && !sessions.isStale(kv.getLease())) {
                out.put(id, Keys.text(kv.getValue()));
            }
        }
        return out;
    }

    Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
        requireTtl(ttl);
        ByteSequence ownerKey = keys.owner(id);
        for (int attempt = 1; attempt <= ACQUIRE_ATTEMPTS; attempt++) {
            Session session = sessions.open(owner, ttl);
            session.touch(clock.instant(), ttl);
            GetResponse current =
                    calls.read(client.getKVClient().get(ownerKey), "reading the owner of migration " + id, id);
            KeyValue kv = current.getKvs().isEmpty() ? null : current.getKvs().get(0);
            if (kv != null) {
                if (kv.getLease() == session.leaseId) {
                    return Optional.of(held(session, id, kv.getCreateRevision()));
                }
                if (!sessions.isStale(kv.getLease())) {
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
                    sessions.lose(session, "etcd no longer knows lease " + Long.toHexString(session.leaseId));
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

    private Lease held(Session session, MigrationId id, long token) {
        session.held.put(id, token);
        grants.put(id, new Grant(token, session));
        return new Lease(id, session.owner, token, session.deadline);
    }

    List<Lease> renew(String owner, Duration ttl) {
        requireTtl(ttl);
        Instant now = clock.instant();
        Session session = sessions.live(owner, now);
        if (session == null) {
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
        String problem = sessions.endIfUnusable(g.session(), clock.instant());
        if (problem != null) {
            throw new FencedException(
                    "the lease of " + fence.owner() + " on migration " + fence.migrationId() + " (token "
                            + fence.fencingToken() + ") was lost: " + problem,
                    fence.migrationId());
        }
    }

    /** Ends every session and revokes the leases, waiting at most {@code timeout} for etcd. */
    void close(Duration timeout) {
        sessions.close(timeout);
        grants.clear();
    }

    @Override
    public void close() {
        close(calls.timeout());
    }
}
