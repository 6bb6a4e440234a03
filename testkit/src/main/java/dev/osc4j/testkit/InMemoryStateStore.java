package dev.osc4j.testkit;

import dev.osc4j.AuditEntry;
import dev.osc4j.FencedException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.ShardRecord;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import dev.osc4j.spi.AuditContinuity;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.spi.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StateStore} in memory with the same semantics as a real one: records are kept as JSON (so what does not
 * survive serialisation fails here too; a write that changes only progress figures and wait reasons is kept as the
 * record, and every 60th such write in a row goes through JSON), versions grow by one per write, leases expire by the store's clock and carry
 * fencing tokens that only grow, and audit entries are appended in the same atomic step as the change, with their
 * sequence numbers checked for gaps. Thread-safe. Passes {@link StateStoreContract}.
 */
public final class InMemoryStateStore implements StateStore {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryStateStore.class);

    private final Clock clock;
    private final Map<MigrationId, Stored> records = new TreeMap<>();
    private final Map<MigrationId, List<AuditEntry>> audit = new HashMap<>();
    private final Map<MigrationId, LeaseRow> leases = new HashMap<>();
    private final Map<MigrationId, Long> lastToken = new HashMap<>();
    private final List<Consumer<MigrationId>> watchers = new CopyOnWriteArrayList<>();
    private long writes;

    /**
     * A write that changes only progress figures and wait reasons is kept as the record itself, not re-encoded: a
     * copying controller writes every copying migration's progress every second, and encoding a 64-shard record each
     * time was most of the controller harness's CPU (docs/benchmarks.md, P2). Every other change, and every
     * {@value}th soft write in a row of one record (about once a minute while it copies), goes through JSON as before, so a field or a value that does not
     * survive serialisation still fails here.
     */
    static final int SOFT_WRITES_BETWEEN_ENCODINGS = 60;

    /**
     * The stored form, with the summary computed when written, so listing decodes nothing. {@code json} is null for a
     * soft write, which keeps {@code record}; otherwise {@code record} caches the decoded JSON once read.
     */
    private static final class Stored {
        final @Nullable String json;

        @Nullable
        MigrationRecord record;
        /** The record as last written, to tell a soft write from others; null for planted JSON. */
        final @Nullable MigrationRecord written;

        final long version;
        final long auditSeq;
        final @Nullable MigrationSummary summary;
        /** Soft writes since the record last went through JSON. */
        final int softWrites;

        Stored(
                @Nullable String json,
                @Nullable MigrationRecord record,
                @Nullable MigrationRecord written,
                long version,
                long auditSeq,
                @Nullable MigrationSummary summary,
                int softWrites) {
            this.json = json;
            this.record = record;
            this.written = written;
            this.version = version;
            this.auditSeq = auditSeq;
            this.summary = summary;
            this.softWrites = softWrites;
        }

        long version() {
            return version;
        }

        long auditSeq() {
            return auditSeq;
        }

        @Nullable
        MigrationSummary summary() {
            return summary;
        }

        /** The record as stored, decoded from JSON the first time it is read. */
        MigrationRecord record(MigrationId id) {
            MigrationRecord r = record;
            if (r == null) {
                r = RecordCodec.decode(
                        id, Objects.requireNonNull(json, "a stored record has JSON or a record"), version);
                record = r;
            }
            return r;
        }
    }

    private record LeaseRow(String owner, long token, Instant expiresAt) {}

    /** A store whose lease expiry follows {@code clock}. */
    public InMemoryStateStore(Clock clock) {
        this.clock = clock;
    }

    /** A store on the system clock. */
    public InMemoryStateStore() {
        this(Clock.systemUTC());
    }

    @Override
    public synchronized Optional<MigrationRecord> read(MigrationId id) {
        Stored s = records.get(id);
        return s == null ? Optional.empty() : Optional.of(s.record(id));
    }

    @Override
    public synchronized long currentVersion(MigrationId id) {
        Stored s = records.get(id);
        return s == null ? -1 : s.version();
    }

    @Override
    public CreateResult create(MigrationRecord record, List<AuditEntry> entries) {
        CreateResult result;
        synchronized (this) {
            Stored existing = records.get(record.id());
            if (existing != null) {
                return new CreateResult(existing.record(record.id()), false);
            }
            AuditContinuity.requireContinuation(record, 0, entries);
            records.put(record.id(), encoded(record, 1));
            audit.put(record.id(), new ArrayList<>(entries));
            writes++;
            result = new CreateResult(record.withVersion(1), true);
        }
        notifyWatchers(record.id());
        return result;
    }

    @Override
    public MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> entries) {
        MigrationRecord stored;
        synchronized (this) {
            MigrationId id = next.id();
            Stored current = records.get(id);
            if (current == null || current.version() != expectedVersion) {
                throw new VersionConflictException(id, expectedVersion, current == null ? -1 : current.version());
            }
            if (fence != null) {
                LeaseRow row = leases.get(id);
                Instant now = clock.instant();
                if (row == null
                        || row.token() != fence.fencingToken()
                        || !row.owner().equals(fence.owner())) {
                    throw new FencedException(
                            "lease token " + fence.fencingToken() + " of " + fence.owner() + " on migration " + id
                                    + " is stale",
                            id);
                }
                if (!row.expiresAt().isAfter(now)) {
                    throw new FencedException(
                            "lease of " + fence.owner() + " on migration " + id + " expired at " + row.expiresAt(), id);
                }
            }
            AuditContinuity.requireContinuation(next, current.auditSeq(), entries);
            long version = current.version() + 1;
            records.put(id, stored(current, next, version));
            audit.computeIfAbsent(id, k -> new ArrayList<>()).addAll(entries);
            writes++;
            stored = next.withVersion(version);
        }
        notifyWatchers(next.id());
        return stored;
    }

    private static Stored encoded(MigrationRecord record, long version) {
        MigrationRecord versioned = record.withVersion(version);
        return new Stored(
                RecordCodec.encode(record),
                null,
                versioned,
                version,
                record.auditSeq(),
                MigrationSummary.of(versioned),
                0);
    }

    private static Stored stored(Stored current, MigrationRecord next, long version) {
        MigrationRecord before = current.written;
        if (before == null || current.softWrites + 1 >= SOFT_WRITES_BETWEEN_ENCODINGS || !softOnly(before, next)) {
            return encoded(next, version);
        }

        MigrationRecord versioned = next.withVersion(version);
        return new Stored(
                null,
                versioned,
                versioned,
                version,
                next.auditSeq(),
                MigrationSummary.of(versioned),
                current.softWrites + 1);
    }

    /**
     * Whether {@code next} differs from {@code current} only in its shards' progress and wait reasons, and in when it
     * was updated and its progress persisted: the soft part of a record, which the controller rewrites every second.
     */
    @SuppressWarnings("ReferenceEquality") // the same shard object is unchanged: a shortcut, not a test of equality
    private static boolean softOnly(MigrationRecord current, MigrationRecord next) {
        List<ShardRecord> before = current.shards();
        List<ShardRecord> after = next.shards();
        if (before.size() != after.size()) {
            return false;
        }
        for (int i = 0; i < after.size(); i++) {
            ShardRecord b = before.get(i);
            ShardRecord a = after.get(i);
            if (a == b) {
                continue;
            }
            // Copy only what differs, as the writer does: a copying shard's wait reason rarely changes.
            ShardRecord same = b;
            if (!same.progress().equals(a.progress())) {
                same = same.withProgress(a.progress());
            }
            if (!Objects.equals(same.waitReason(), a.waitReason())) {
                same = same.withWaitReason(a.waitReason());
            }
            if (!a.equals(same)) {
                return false;
            }
        }
        MigrationRecord same = current.with(
                        current.state(),
                        current.attempt(),
                        after,
                        current.controls(),
                        current.directives(),
                        current.auditSeq(),
                        next.progressPersistedAt(),
                        next.updatedAt())
                .withVersion(next.version());
        return same.equals(next);
    }

    @Override
    public synchronized List<MigrationSummary> list(MigrationFilter filter) {
        List<MigrationSummary> out = new ArrayList<>();
        for (Map.Entry<MigrationId, Stored> e : records.entrySet()) {
            MigrationSummary summary = e.getValue().summary();
            if (summary == null) {
                // Planted raw JSON (putRaw): the summary must come from decoding it, which may fail.
                try {
                    summary = MigrationSummary.of(e.getValue().record(e.getKey()));
                } catch (StoreException ex) {
                    LOG.error("skipping unreadable migration {} in list: {}", e.getKey(), ex.getMessage());
                    continue;
                }
            }
            if (filter.matches(summary.id(), summary.keyspace(), summary.state())) {
                out.add(summary);
                if (out.size() >= filter.limit()) {
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public synchronized List<AuditEntry> audit(MigrationId id, long afterSeq, int limit) {
        List<AuditEntry> out = new ArrayList<>();
        for (AuditEntry e : audit.getOrDefault(id, List.of())) {
            if (e.seq() > afterSeq && out.size() < limit) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public synchronized Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
        Instant now = clock.instant();
        LeaseRow row = leases.get(id);
        if (row != null && row.expiresAt().isAfter(now)) {
            if (row.owner().equals(owner)) {
                return Optional.of(new Lease(id, owner, row.token(), row.expiresAt()));
            }
            return Optional.empty();
        }
        long token = lastToken.merge(id, 1L, Long::sum);
        LeaseRow granted = new LeaseRow(owner, token, now.plus(ttl));
        leases.put(id, granted);
        return Optional.of(new Lease(id, owner, token, granted.expiresAt()));
    }

    @Override
    public synchronized Optional<Map<MigrationId, String>> leaseHolders() {
        Instant now = clock.instant();
        Map<MigrationId, String> out = new HashMap<>();
        leases.forEach((id, row) -> {
            if (row.expiresAt().isAfter(now)) {
                out.put(id, row.owner());
            }
        });
        return Optional.of(out);
    }

    @Override
    public synchronized List<Lease> renew(String owner, Duration ttl) {
        Instant now = clock.instant();
        List<Lease> held = new ArrayList<>();
        for (Map.Entry<MigrationId, LeaseRow> e : leases.entrySet()) {
            LeaseRow row = e.getValue();
            if (row.owner().equals(owner) && row.expiresAt().isAfter(now)) {
                LeaseRow renewed = new LeaseRow(owner, row.token(), now.plus(ttl));
                e.setValue(renewed);
                held.add(new Lease(e.getKey(), owner, row.token(), renewed.expiresAt()));
            }
        }
        return held;
    }

    @Override
    public synchronized void release(Lease lease) {
        LeaseRow row = leases.get(lease.migrationId());
        if (row != null && row.token() == lease.fencingToken() && row.owner().equals(lease.owner())) {
            leases.remove(lease.migrationId());
        }
    }

    @Override
    public AutoCloseable watch(Consumer<MigrationId> listener) {
        watchers.add(listener);
        return () -> watchers.remove(listener);
    }

    private void notifyWatchers(MigrationId id) {
        for (Consumer<MigrationId> w : watchers) {
            try {
                w.accept(id);
            } catch (RuntimeException e) {
                LOG.warn("store watcher failed", e);
            }
        }
    }

    /** The lease of a migration as stored now (possibly expired), for checks of who may act; empty when none. */
    public synchronized Optional<Lease> lease(MigrationId id) {
        LeaseRow row = leases.get(id);
        return row == null ? Optional.empty() : Optional.of(new Lease(id, row.owner(), row.token(), row.expiresAt()));
    }

    /** Replaces the stored JSON of a record as is, for tests of corrupt data. */
    public synchronized void putRaw(MigrationId id, String json) {
        Stored current = records.get(id);
        records.put(
                id,
                new Stored(
                        json,
                        null,
                        null,
                        current == null ? 1 : current.version() + 1,
                        current == null ? 0 : current.auditSeq(),
                        null,
                        0));
    }

    /** How many creates and compare-and-sets succeeded, for benchmarks and tests. */
    public synchronized long writes() {
        return writes;
    }

    @Override
    public void close() {
        watchers.clear();
    }
}
