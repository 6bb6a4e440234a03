package dev.osc4j.store.etcd;

import dev.osc4j.AuditEntry;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.StoreException;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.spi.StateStore;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

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

    /** The largest answer the client this store builds accepts from etcd: 32 MiB. */
    static final int MAX_INBOUND_MESSAGE_BYTES = 32 * 1024 * 1024;

    /**
     * etcd's default limit of operations in one transaction ({@code --max-txn-ops}); a write carries the record, its
     * summary and one key per audit entry.
     */
    public static final int DEFAULT_MAX_TXN_OPS = 128;

    // This class is the facade: reads and listing are RecordReads', record writes RecordWrites', sending and
    // re-sending transactions Transactions', owner keys and fencing Ownership's, the controllers' etcd leases
    // Sessions', watches RecordWatch's, the key layout Keys'.
    private final Client client;
    private final boolean ownsClient;
    private final Keys keys;
    private final Calls calls;
    private final Duration closeTimeout;
    private final ScheduledThreadPoolExecutor leaseThread;
    private final ScheduledThreadPoolExecutor watchThread;
    private final Ownership ownership;
    private final RecordReads reads;
    private final RecordWrites writes;
    private final Set<RecordWatch> watches = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private EtcdStateStore(Builder b, Client client, boolean ownsClient) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.keys = new Keys(b.prefix);
        this.calls = new Calls(b.callTimeout);
        this.closeTimeout = b.closeTimeout;
        int n = STORES.incrementAndGet();
        // Threads start with their first task, not here.
        this.leaseThread = daemonScheduler("osc4j-etcd-leases-" + n);
        this.watchThread = daemonScheduler("osc4j-etcd-watch-" + n);
        Transactions transactions = new Transactions(client, calls, b.operationTimeout, this::requireOpen);
        Sessions sessions = new Sessions(client, calls, b.clock, leaseThread);
        this.ownership = new Ownership(client, keys, calls, b.clock, sessions, transactions);
        this.reads = new RecordReads(client, keys, calls, b.pageSize);
        this.writes = new RecordWrites(keys, ownership, transactions, b.maxTxnOps);
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
        return reads.read(id);
    }

    /** The record key's mod revision, read without its value (see {@link RecordReads#version}). */
    @Override
    public long currentVersion(MigrationId id) {
        requireOpen();
        return reads.version(id);
    }

    @Override
    public CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
        requireOpen();
        return writes.create(record, audit);
    }

    @Override
    public MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
        requireOpen();
        return writes.compareAndSet(next, expectedVersion, fence, audit);
    }

    @Override
    public List<MigrationSummary> list(MigrationFilter filter) {
        requireOpen();
        return reads.list(filter);
    }

    @Override
    public List<AuditEntry> audit(MigrationId id, long afterSeq, int limit) {
        requireOpen();
        return reads.audit(id, afterSeq, limit);
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
    /** One range read of the owner keys (see {@link Ownership#holders}). */
    @Override
    public Optional<Map<MigrationId, String>> leaseHolders() {
        requireOpen();
        return Optional.of(ownership.holders());
    }

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
         * etcd's {@code --max-txn-ops}: a write carrying more audit entries than this minus two (the record and its
         * summary) is refused.
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
                    // A listing page of large records can pass gRPC's default 4 MiB; smaller pages are the fallback.
                    .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
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
