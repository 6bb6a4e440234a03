package dev.osc4j.store.etcd;

import dev.osc4j.AuditEntry;
import dev.osc4j.FencedException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.spi.StateStore;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StateStore} on etcd v3 (through jetcd), for controllers that already run etcd, for instance beside Vitess.
 *
 * <pre>{@code
 * try (EtcdStateStore store = EtcdStateStore.builder()
 *         .endpoints("http://etcd-1:2379", "http://etcd-2:2379", "http://etcd-3:2379")
 *         .build();
 *      MigrationOrchestrator osc = MigrationOrchestrator.builder().store(store)...build()) {
 *     osc.start();
 * }
 * }</pre>
 *
 * <p><b>Layout.</b> Under the prefix {@code P} (default {@value #DEFAULT_PREFIX}, never inside a Vitess topology
 * root): one key per migration {@code P/migrations/<id>} holding the {@link RecordCodec} JSON, whose mod revision is
 * the record's {@linkplain MigrationRecord#version() version}; one key per audit entry {@code P/audit/<id>/<seq>};
 * one owner key per owned migration {@code P/owners/<id>}.
 *
 * <p><b>Writes.</b> {@link #create} and {@link #compareAndSet} are single etcd transactions: the record and its audit
 * entries are put together when the record's create or mod revision, the fencing token (the owner key's create
 * revision) and the end of the audit trail are as expected. A write whose answer does not come within the call
 * timeout is resolved by reading the record and the audit entry it would have written; only when they show it was
 * not applied is it sent again, with the same comparisons, so at most one of the attempts can apply.
 *
 * <p><b>Leases.</b> One etcd lease per owner, granted with the owner's ttl and kept alive by jetcd. A lease is lost
 * when its owner stops renewing within its ttl, when etcd's keepAlive replies stop for two thirds of the lease's TTL,
 * or when the keepAlive stream fails or completes; then every migration of that owner is dropped (its writes are
 * refused) and the next {@link #tryAcquire} grants a new etcd lease. See {@code docs/store-etcd.md}.
 *
 * <p>Thread-safe. {@link #close()} revokes the leases, closes the watches and, if the store created the jetcd client,
 * the client.
 */
public final class EtcdStateStore implements StateStore {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdStateStore.class);
    private static final AtomicInteger STORES = new AtomicInteger();

    /** The default key prefix. */
    public static final String DEFAULT_PREFIX = "/osc4j/";

    /** Default time one etcd call may take before its outcome is treated as unknown: 5 seconds. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Default time a write may take in all, re-reads and re-sends after unknown outcomes included, before it fails
     * with {@link StoreException}: 20 seconds.
     */
    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(20);

    /** Default time {@link #close()} waits for etcd to revoke the leases: 5 seconds. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** The Vitess topology roots a prefix may not be inside, unless the builder says otherwise. */
    public static final Set<String> DEFAULT_VITESS_ROOTS = Set.of("/vitess/");

    /** Default number of records read per etcd request while listing. */
    public static final int DEFAULT_PAGE_SIZE = 200;

    /**
     * etcd's default limit of operations in one transaction ({@code --max-txn-ops}); a write carries the record and
     * one key per audit entry.
     */
    public static final int DEFAULT_MAX_TXN_OPS = 128;

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

    private final Client client;
    private final boolean ownsClient;
    private final Keys keys;
    private final Calls calls;
    private final Duration operationTimeout;
    private final Duration closeTimeout;
    private final int pageSize;
    private final int maxTxnOps;
    private final ScheduledThreadPoolExecutor leaseThread;
    private final ScheduledThreadPoolExecutor watchThread;
    private final Ownership ownership;
    private final Set<RecordWatch> watches = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private EtcdStateStore(Builder b, Client client, boolean ownsClient) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.keys = new Keys(b.prefix);
        this.calls = new Calls(b.callTimeout);
        this.operationTimeout = b.operationTimeout;
        this.closeTimeout = b.closeTimeout;
        this.pageSize = b.pageSize;
        this.maxTxnOps = b.maxTxnOps;
        int n = STORES.incrementAndGet();
        // Threads start with their first task, not here.
        this.leaseThread = daemonScheduler("osc4j-etcd-leases-" + n);
        this.watchThread = daemonScheduler("osc4j-etcd-watch-" + n);
        this.ownership = new Ownership(client, keys, calls, b.clock, leaseThread);
    }

    private static ScheduledThreadPoolExecutor daemonScheduler(String name) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return executor;
    }

    /**
     * Starts configuring a store.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The key prefix of this store.
     *
     * @return for example {@value #DEFAULT_PREFIX}
     */
    public String prefix() {
        return keys.prefix();
    }

    @Override
    public Optional<MigrationRecord> read(MigrationId id) {
        requireOpen();
        GetResponse r = calls.read(client.getKVClient().get(keys.record(id)), "reading migration " + id, id);
        if (r.getKvs().isEmpty()) {
            return Optional.empty();
        }
        KeyValue kv = r.getKvs().get(0);
        return Optional.of(RecordCodec.decode(id, Keys.text(kv.getValue()), kv.getModRevision()));
    }

    @Override
    public CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
        requireOpen();
        MigrationId id = record.id();
        checkTrail(record, audit);
        if (record.auditSeq() != audit.size()) {
            throw new InvalidRequestException(
                    "a new record's trail starts at 1, but " + id + " carries entries "
                            + (record.auditSeq() - audit.size() + 1) + ".." + record.auditSeq()
                            + "; nothing was written",
                    id);
        }
        ByteSequence recordKey = keys.record(id);
        ByteSequence json = Keys.bytes(RecordCodec.encode(record));
        ByteSequence firstAudit = keys.audit(id, record.auditSeq() - audit.size() + 1);
        Cmp[] cmps = {
            new Cmp(recordKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
            new Cmp(firstAudit, Cmp.Op.EQUAL, CmpTarget.createRevision(0))
        };
        Op[] then = puts(record, json, audit);
        Op[] otherwise = {Op.get(recordKey, GetOption.DEFAULT)};
        return writeResolving("creating migration " + id, id, cmps, then, otherwise, (response, resent) -> {
            if (response.isSucceeded()) {
                return new CreateResult(record.withVersion(response.getHeader().getRevision()), true);
            }
            List<KeyValue> existing = response.getGetResponses().get(0).getKvs();
            if (existing.isEmpty()) {
                throw StoreException.corrupt(
                        "migration " + id + " has no record but its audit trail exists under " + keys.prefix()
                                + "audit/" + id + "/; remove those keys or use another prefix",
                        id,
                        null);
            }
            KeyValue kv = existing.get(0);
            boolean ours = resent && kv.getValue().equals(json);
            return new CreateResult(
                    ours
                            ? record.withVersion(kv.getModRevision())
                            : RecordCodec.decode(id, Keys.text(kv.getValue()), kv.getModRevision()),
                    ours);
        });
    }

    @Override
    public MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
        requireOpen();
        MigrationId id = next.id();
        checkTrail(next, audit);
        if (fence != null) {
            if (!fence.migrationId().equals(id)) {
                throw new IllegalArgumentException(
                        "fence is a lease on " + fence.migrationId() + ", not on the written migration " + id);
            }
            ownership.checkLocally(fence);
        }
        ByteSequence recordKey = keys.record(id);
        ByteSequence ownerKey = keys.owner(id);
        ByteSequence json = Keys.bytes(RecordCodec.encode(next));
        long first = next.auditSeq() - audit.size() + 1;
        List<Cmp> cmps = new ArrayList<>();
        cmps.add(new Cmp(recordKey, Cmp.Op.GREATER, CmpTarget.createRevision(0)));
        cmps.add(new Cmp(recordKey, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedVersion)));
        if (fence != null) {
            cmps.add(new Cmp(ownerKey, Cmp.Op.EQUAL, CmpTarget.createRevision(fence.fencingToken())));
        }
        // The trail continues exactly where it ends: entry first-1 exists, entry first does not.
        cmps.add(new Cmp(keys.audit(id, first), Cmp.Op.EQUAL, CmpTarget.createRevision(0)));
        if (first > 1) {
            cmps.add(new Cmp(keys.audit(id, first - 1), Cmp.Op.GREATER, CmpTarget.createRevision(0)));
        }
        List<Op> otherwise = new ArrayList<>();
        otherwise.add(Op.get(recordKey, GetOption.DEFAULT));
        otherwise.add(Op.get(ownerKey, GetOption.DEFAULT));
        ByteSequence lastAuditKey = keys.audit(id, next.auditSeq());
        ByteSequence lastAuditJson =
                audit.isEmpty() ? json : Keys.bytes(RecordCodec.encodeAudit(audit.get(audit.size() - 1)));
        otherwise.add(Op.get(lastAuditKey, GetOption.DEFAULT));
        return writeResolving(
                "writing migration " + id,
                id,
                cmps.toArray(Cmp[]::new),
                puts(next, json, audit),
                otherwise.toArray(Op[]::new),
                (response, resent) -> {
                    if (response.isSucceeded()) {
                        return next.withVersion(response.getHeader().getRevision());
                    }
                    KeyValue record = first(response.getGetResponses().get(0));
                    KeyValue owner = first(response.getGetResponses().get(1));
                    KeyValue lastAudit = first(response.getGetResponses().get(2));
                    if (resent && record != null) {
                        // An earlier attempt of this very write may have landed: its last audit entry (or, without
                        // entries, the record itself) is then there, written at the revision it made.
                        if (!audit.isEmpty()
                                && lastAudit != null
                                && lastAudit.getValue().equals(lastAuditJson)) {
                            return next.withVersion(lastAudit.getCreateRevision());
                        }
                        if (audit.isEmpty() && record.getValue().equals(json)) {
                            return next.withVersion(record.getModRevision());
                        }
                    }
                    if (record == null) {
                        throw new VersionConflictException(id, expectedVersion, -1);
                    }
                    if (record.getModRevision() != expectedVersion) {
                        throw new VersionConflictException(id, expectedVersion, record.getModRevision());
                    }
                    if (fence != null && (owner == null || owner.getCreateRevision() != fence.fencingToken())) {
                        throw new FencedException(
                                "lease token " + fence.fencingToken() + " of " + fence.owner() + " on migration " + id
                                        + " is stale: "
                                        + (owner == null
                                                ? "the lease expired or was released"
                                                : Keys.text(owner.getValue()) + " owns it now with token "
                                                        + owner.getCreateRevision()),
                                id);
                    }
                    throw new InvalidRequestException(
                            "audit entries " + first + ".." + next.auditSeq() + " of " + id
                                    + " do not continue its trail: entry " + first + " exists already or entry "
                                    + (first - 1) + " is missing; nothing was written",
                            id);
                });
    }

    private static @Nullable KeyValue first(GetResponse r) {
        return r.getKvs().isEmpty() ? null : r.getKvs().get(0);
    }

    private Op[] puts(MigrationRecord record, ByteSequence json, List<AuditEntry> audit) {
        Op[] ops = new Op[audit.size() + 1];
        ops[0] = Op.put(keys.record(record.id()), json, PutOption.DEFAULT);
        for (int i = 0; i < audit.size(); i++) {
            AuditEntry e = audit.get(i);
            ops[i + 1] =
                    Op.put(keys.audit(record.id(), e.seq()), Keys.bytes(RecordCodec.encodeAudit(e)), PutOption.DEFAULT);
        }
        return ops;
    }

    /** Audit entries must continue one migration's trail without gaps and end where the record says. */
    private void checkTrail(MigrationRecord record, List<AuditEntry> audit) {
        long expected = record.auditSeq() - audit.size() + 1;
        if (expected < 1) {
            throw new InvalidRequestException(
                    "record " + record.id() + " says audit seq " + record.auditSeq() + " but carries " + audit.size()
                            + " entries; nothing was written",
                    record.id());
        }
        for (AuditEntry e : audit) {
            if (e.seq() != expected || !e.migrationId().equals(record.id())) {
                throw new InvalidRequestException(
                        "audit entry " + e.seq() + " of " + e.migrationId() + " does not continue the trail of "
                                + record.id() + " at " + expected + "; nothing was written",
                        record.id());
            }
            expected++;
        }
        if (audit.size() + 1 > maxTxnOps) {
            throw StoreException.unavailable(
                    "a write of migration " + record.id() + " carries " + audit.size() + " audit entries; one etcd"
                            + " transaction holds at most " + maxTxnOps + " operations (the record and "
                            + (maxTxnOps - 1) + " entries); raise etcd's --max-txn-ops and this store's maxTxnOps",
                    record.id(),
                    null);
        }
    }

    /** Decides what a transaction's response means; {@code resent} is true when an earlier attempt's fate is open. */
    private interface Outcome<T> {
        T of(TxnResponse response, boolean resent);
    }

    /**
     * Sends a transaction; when its outcome is unknown (no answer in time, connection lost), sends it again with the
     * same comparisons: at most one attempt can apply, and {@code outcome} recognises an earlier attempt that did.
     */
    private <T> T writeResolving(
            String what, MigrationId id, Cmp[] cmps, Op[] then, Op[] otherwise, Outcome<T> outcome) {
        long deadline = System.nanoTime() + operationTimeout.toNanos();
        Duration backoff = FIRST_BACKOFF;
        boolean resent = false;
        Calls.OutcomeUnknownException last;
        while (true) {
            requireOpen();
            try {
                TxnResponse response = calls.write(
                        client.getKVClient()
                                .txn()
                                .If(cmps)
                                .Then(then)
                                .Else(otherwise)
                                .commit(),
                        what,
                        id);
                return outcome.of(response, resent);
            } catch (Calls.OutcomeUnknownException e) {
                last = e;
            }
            resent = true;
            if (System.nanoTime() + backoff.toNanos() > deadline) {
                throw StoreException.unavailable(
                        what + " did not complete within " + operationTimeout + " (" + last.getMessage()
                                + "); it may still be applied: read the record before deciding again",
                        id,
                        last.getCause());
            }
            LOG.debug("{}: {}; re-sending in {}", what, last.getMessage(), backoff);
            sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StoreException.unavailable("interrupted while waiting to retry an etcd write", null, e);
        }
    }

    @Override
    public List<MigrationSummary> list(MigrationFilter filter) {
        requireOpen();
        List<MigrationSummary> out = new ArrayList<>();
        MigrationId after = filter.after();
        ByteSequence start = after == null ? keys.records() : keys.recordAfter(after);
        while (true) {
            GetResponse page = calls.read(
                    client.getKVClient()
                            .get(
                                    start,
                                    GetOption.builder()
                                            .withRange(keys.recordsEnd())
                                            .withLimit(pageSize)
                                            .build()),
                    "listing migrations",
                    null);
            List<KeyValue> kvs = page.getKvs();
            for (KeyValue kv : kvs) {
                MigrationId id = keys.recordId(kv.getKey());
                if (id == null) {
                    LOG.error("skipping key {} in list: it does not name a migration", Keys.text(kv.getKey()));
                    continue;
                }
                MigrationRecord r;
                try {
                    r = RecordCodec.decode(id, Keys.text(kv.getValue()), kv.getModRevision());
                } catch (StoreException e) {
                    LOG.error("skipping unreadable migration {} in list: {}", id, e.getMessage());
                    continue;
                }
                if (filter.matches(r.id(), r.spec().keyspace(), r.state())) {
                    out.add(MigrationSummary.of(r));
                    if (out.size() >= filter.limit()) {
                        return out;
                    }
                }
            }
            if (!page.isMore() || kvs.isEmpty()) {
                return out;
            }
            byte[] lastKey = kvs.get(kvs.size() - 1).getKey().getBytes();
            byte[] next = Arrays.copyOf(lastKey, lastKey.length + 1);
            start = ByteSequence.from(next);
        }
    }

    @Override
    public List<AuditEntry> audit(MigrationId id, long afterSeq, int limit) {
        requireOpen();
        if (limit < 1) {
            return List.of();
        }
        GetResponse r = calls.read(
                client.getKVClient()
                        .get(
                                keys.audit(id, Math.max(afterSeq, 0) + 1),
                                GetOption.builder()
                                        .withRange(keys.auditEnd(id))
                                        .withLimit(limit)
                                        .build()),
                "reading the audit trail of " + id,
                id);
        List<AuditEntry> out = new ArrayList<>(r.getKvs().size());
        for (KeyValue kv : r.getKvs()) {
            try {
                out.add(RecordCodec.decodeAudit(Keys.text(kv.getValue())));
            } catch (StoreException e) {
                throw StoreException.corrupt(
                        "audit entry " + Keys.text(kv.getKey()) + " of migration " + id + " cannot be read: "
                                + e.getMessage(),
                        id,
                        e);
            }
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The first grant for an owner creates its etcd lease with {@code ttl} rounded up to whole seconds (or etcd's
     * minimum); later calls reuse it. Returns the owner's lease also when it already holds this migration.
     *
     * @throws InvalidRequestException if {@code ttl} is under one second
     */
    @Override
    public Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
        requireOpen();
        return ownership.tryAcquire(id, owner, ttl);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Extends the owner's deadline to now + {@code ttl}, without a call to etcd: its etcd lease is kept alive in the
     * background. Returns nothing when the owner's lease was lost (see the class comment): the owner must then stop
     * acting and acquire again.
     */
    @Override
    public List<Lease> renew(String owner, Duration ttl) {
        requireOpen();
        return ownership.renew(owner, ttl);
    }

    @Override
    public void release(Lease lease) {
        requireOpen();
        ownership.release(lease);
    }

    /**
     * {@inheritDoc}
     *
     * <p>An etcd watch on the records; the listener runs on the store's watch thread. When the watch falls behind a
     * compaction, or ends for another reason, it is re-established after a fresh read that reports every record
     * changed in between.
     */
    @Override
    public AutoCloseable watch(Consumer<MigrationId> listener) {
        requireOpen();
        RecordWatch[] self = new RecordWatch[1];
        RecordWatch w = new RecordWatch(client, keys, calls, watchThread, listener, () -> watches.remove(self[0]));
        self[0] = w;
        watches.add(w);
        w.start();
        return w;
    }

    /** How many times the open watches were re-established after ending; for tests and diagnostics. */
    int watchRestarts() {
        return watches.stream().mapToInt(RecordWatch::reestablished).sum();
    }

    private void requireOpen() {
        if (closed.get()) {
            throw StoreException.unavailable("the etcd store is closed", null, null);
        }
    }

    /**
     * Revokes the leases (waiting at most the close timeout), closes the watches, stops the store's threads and, when
     * the store created the jetcd client, closes it. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (RecordWatch w : List.copyOf(watches)) {
            w.close();
        }
        ownership.close(closeTimeout);
        leaseThread.shutdownNow();
        watchThread.shutdownNow();
        try {
            long until = System.nanoTime() + closeTimeout.toNanos();
            leaseThread.awaitTermination(closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            watchThread.awaitTermination(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsClient) {
            client.close();
        }
    }

    /** Configures an {@link EtcdStateStore}: endpoints or a client are required; the rest has defaults. */
    public static final class Builder {
        private @Nullable List<URI> endpoints;
        private @Nullable Client client;
        private String prefix = DEFAULT_PREFIX;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration operationTimeout = DEFAULT_OPERATION_TIMEOUT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private Set<String> vitessRoots = DEFAULT_VITESS_ROOTS;
        private int pageSize = DEFAULT_PAGE_SIZE;
        private int maxTxnOps = DEFAULT_MAX_TXN_OPS;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /**
         * The etcd members to connect to; the store creates a jetcd client and closes it on {@link #close()}. For TLS,
         * authentication or other client settings, pass a {@link #client(Client)} instead.
         *
         * @param value URLs such as {@code http://127.0.0.1:2379}
         * @return this builder
         */
        public Builder endpoints(List<URI> value) {
            if (value.isEmpty()) {
                throw new InvalidRequestException("endpoints must name at least one etcd member", null);
            }
            this.endpoints = List.copyOf(value);
            return this;
        }

        /**
         * The etcd members to connect to, as strings.
         *
         * @param value URLs such as {@code http://127.0.0.1:2379}
         * @return this builder
         */
        public Builder endpoints(String... value) {
            List<URI> uris = new ArrayList<>();
            for (String v : value) {
                try {
                    uris.add(URI.create(v));
                } catch (IllegalArgumentException e) {
                    throw new InvalidRequestException("endpoints: '" + v + "' is not a URL", null, e);
                }
            }
            return endpoints(uris);
        }

        /**
         * A jetcd client to use instead of endpoints. The store does not close it.
         *
         * @param value the client
         * @return this builder
         */
        public Builder client(Client value) {
            this.client = value;
            return this;
        }

        /**
         * The key prefix: an absolute path ending in {@code /}, not inside a Vitess topology root.
         *
         * @param value default {@value #DEFAULT_PREFIX}
         * @return this builder
         */
        public Builder prefix(String value) {
            this.prefix = value;
            return this;
        }

        /**
         * How long one etcd call may take before its outcome counts as unknown.
         *
         * @param value positive; default {@link #DEFAULT_CALL_TIMEOUT}
         * @return this builder
         */
        public Builder callTimeout(Duration value) {
            this.callTimeout = requirePositive("callTimeout", value);
            return this;
        }

        /**
         * How long a write may take in all, re-reads and re-sends included.
         *
         * @param value positive; default {@link #DEFAULT_OPERATION_TIMEOUT}
         * @return this builder
         */
        public Builder operationTimeout(Duration value) {
            this.operationTimeout = requirePositive("operationTimeout", value);
            return this;
        }

        /**
         * How long {@link EtcdStateStore#close()} waits for etcd to revoke the leases and for the store's threads.
         *
         * @param value positive; default {@link #DEFAULT_CLOSE_TIMEOUT}
         * @return this builder
         */
        public Builder closeTimeout(Duration value) {
            this.closeTimeout = requirePositive("closeTimeout", value);
            return this;
        }

        /**
         * The Vitess topology roots the prefix must stay out of.
         *
         * @param value key paths such as {@code /vitess/}; default {@link #DEFAULT_VITESS_ROOTS}
         * @return this builder
         */
        public Builder vitessRoots(Set<String> value) {
            this.vitessRoots = Set.copyOf(value);
            return this;
        }

        /**
         * How many records one listing request reads.
         *
         * @param value 1-10000; default {@value #DEFAULT_PAGE_SIZE}
         * @return this builder
         */
        public Builder pageSize(int value) {
            if (value < 1 || value > 10_000) {
                throw new InvalidRequestException("pageSize must be 1-10000, got " + value, null);
            }
            this.pageSize = value;
            return this;
        }

        /**
         * etcd's {@code --max-txn-ops}: a write carrying more audit entries than this minus one is refused.
         *
         * @param value at least 2; default {@value #DEFAULT_MAX_TXN_OPS}
         * @return this builder
         */
        public Builder maxTxnOps(int value) {
            if (value < 2) {
                throw new InvalidRequestException("maxTxnOps must be >= 2, got " + value, null);
            }
            this.maxTxnOps = value;
            return this;
        }

        /**
         * The clock that lease deadlines are measured with. Keep the system clock outside tests: etcd's lease TTLs
         * run in real time.
         *
         * @param value default {@link Clock#systemUTC()}
         * @return this builder
         */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /**
         * Builds the store. Connects lazily: the first call reaches etcd.
         *
         * @return the store
         * @throws InvalidRequestException naming the missing or invalid setting
         */
        public EtcdStateStore build() {
            Keys.validatePrefix(prefix, vitessRoots);
            if ((endpoints == null) == (client == null)) {
                throw new InvalidRequestException(
                        "exactly one of endpoints and client is required, got "
                                + (endpoints == null ? "neither" : "both"),
                        null);
            }
            if (operationTimeout.compareTo(callTimeout) < 0) {
                throw new InvalidRequestException(
                        "operationTimeout (" + operationTimeout + ") must be at least callTimeout (" + callTimeout
                                + ")",
                        null);
            }
            Client c = client;
            if (c != null) {
                return new EtcdStateStore(this, c, false);
            }
            List<URI> uris = endpoints == null ? List.of() : endpoints;
            Client created = Client.builder()
                    .endpoints(uris.toArray(URI[]::new))
                    .connectTimeout(callTimeout)
                    .build();
            return new EtcdStateStore(this, created, true);
        }

        private static Duration requirePositive(String name, Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new InvalidRequestException(name + " must be positive, got " + value, null);
            }
            return value;
        }
    }
}
