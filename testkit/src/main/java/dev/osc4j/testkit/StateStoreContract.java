package dev.osc4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.ErrorCode;
import dev.osc4j.FencedException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The specification every {@link StateStore} must meet, as a JUnit 5 suite. A store module's test extends it and
 * supplies a fresh, empty store, a way to let time pass for leases, and a way to plant raw bytes for the corruption
 * tests:
 *
 * <pre>{@code
 * class JdbcStateStoreIT extends StateStoreContract {
 *     protected StateStore createStore() { ... }
 *     protected void elapse(Duration d) throws InterruptedException { Thread.sleep(d.toMillis()); }
 *     protected void writeRawRecord(MigrationId id, String json) { ... }
 * }
 * }</pre>
 */
public abstract class StateStoreContract {
    private StateStore store;

    /** Creates a fresh store with no records; called before each test. */
    protected abstract StateStore createStore() throws Exception;

    /** Lets {@code d} pass on the clock the store measures lease expiry with. */
    protected abstract void elapse(Duration d) throws Exception;

    /** Replaces the stored form of a record with {@code json}, bypassing the store's checks. */
    protected abstract void writeRawRecord(MigrationId id, String json) throws Exception;

    /** The lease time to live the tests use; stores with a coarse clock may need more. */
    protected Duration leaseTtl() {
        return Duration.ofSeconds(2);
    }

    /** The time the tests use for records' timestamps. */
    protected Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    /** The store under test. */
    protected final StateStore store() {
        return store;
    }

    @BeforeEach
    final void setUpStore() throws Exception {
        store = createStore();
    }

    @AfterEach
    final void closeStore() {
        store.close();
    }

    /** A sample record in {@code state} of {@code keyspace} with {@code shards} shards, not yet stored. */
    protected MigrationRecord sampleRecord(String idempotencyKey, String keyspace, MigrationState state, int shards) {
        MigrationId id = MigrationId.forIdempotencyKey(idempotencyKey);
        Instant now = now();
        List<ShardRecord> list = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            ShardRecord s = ShardRecord.queued(new ShardTarget(keyspace, "s" + i, keyspace, null), now);
            list.add(s.withState(
                    state == MigrationState.ABORTED || state == MigrationState.COMPLETED ? state : s.state(), now));
        }
        MigrationSpec spec =
                new MigrationSpec(keyspace, "orders", "ADD COLUMN note VARCHAR(64)", "fake", Map.of(), List.of());
        return new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                id,
                0,
                idempotencyKey,
                "fp-" + idempotencyKey,
                spec,
                MigrationPolicy.defaults(),
                "contract",
                state,
                1,
                list,
                Controls.NONE,
                Map.of(),
                1,
                null,
                now,
                now,
                null);
    }

    /** The audit entry a sample record is created with. */
    protected AuditEntry submitted(MigrationRecord r) {
        return new AuditEntry(
                r.id(),
                1,
                r.createdAt(),
                "contract",
                AuditEntry.Kind.SUBMITTED,
                null,
                null,
                r.state(),
                null,
                "submit",
                "created");
    }

    /** {@code r} changed to {@code state} with one audit entry, ready for a compare-and-set. */
    protected Change changeTo(MigrationRecord r, MigrationState state) {
        long seq = r.auditSeq() + 1;
        MigrationRecord next = r.with(
                state, r.attempt(), r.shards(), r.controls(), r.directives(), seq, r.progressPersistedAt(), now());
        AuditEntry e = new AuditEntry(
                r.id(),
                seq,
                now(),
                "contract",
                AuditEntry.Kind.NOTE,
                null,
                null,
                null,
                null,
                "step-" + seq,
                "to " + state);
        return new Change(next, List.of(e));
    }

    /**
     * A record and its audit entries.
     *
     * @param record the new record
     * @param audit its entries
     */
    protected record Change(MigrationRecord record, List<AuditEntry> audit) {}

    private MigrationRecord created(String key) {
        MigrationRecord r = sampleRecord(key, "commerce", MigrationState.QUEUED, 2);
        return store.create(r, List.of(submitted(r))).record();
    }

    @Test
    @DisplayName("create stores a new record, and a second create with the same id returns the first one unchanged")
    void createIsCreateIfAbsent() {
        MigrationRecord r = sampleRecord("create-1", "commerce", MigrationState.QUEUED, 2);
        CreateResult first = store.create(r, List.of(submitted(r)));
        assertTrue(first.created());
        assertTrue(first.record().version() > 0, "a stored record has a positive version");

        MigrationRecord other = sampleRecord("create-1", "other", MigrationState.QUEUED, 3);
        CreateResult second = store.create(other, List.of(submitted(other)));
        assertFalse(second.created());
        assertEquals("commerce", second.record().spec().keyspace());
        assertEquals(first.record().version(), second.record().version());
        assertEquals(1, store.audit(r.id(), 0, 100).size(), "the losing create wrote no audit entry");
    }

    @Test
    @DisplayName("currentVersion is the version a read gives, after a create and after a write; -1 for no record")
    void currentVersionFollowsWrites() {
        MigrationRecord r = created("version-1");
        assertEquals(r.version(), store.currentVersion(r.id()));
        assertEquals(store.read(r.id()).orElseThrow().version(), store.currentVersion(r.id()));
        Change c = changeTo(r, MigrationState.INITIALIZING);
        MigrationRecord written = store.compareAndSet(c.record(), r.version(), null, c.audit());
        assertTrue(written.version() > r.version());
        assertEquals(written.version(), store.currentVersion(r.id()));
        assertEquals(-1L, store.currentVersion(MigrationId.of("m-never-written")));
    }

    @Test
    @DisplayName("a record reads back equal to what was written, with the store's version")
    void roundTrip() {
        MigrationRecord r = sampleRecord("roundtrip", "commerce", MigrationState.QUEUED, 3);
        MigrationRecord stored = store.create(r, List.of(submitted(r))).record();
        MigrationRecord read = store.read(r.id()).orElseThrow();
        assertEquals(stored.version(), read.version());
        assertEquals(r.withVersion(read.version()), read);
        assertEquals(Optional.empty(), store.read(MigrationId.of("m-unknown")));
    }

    @Test
    @DisplayName("compare-and-set on the current version writes and moves the version forward")
    void casOnCurrentVersion() {
        MigrationRecord r = created("cas-1");
        Change c = changeTo(r, MigrationState.INITIALIZING);
        MigrationRecord after = store.compareAndSet(c.record(), r.version(), null, c.audit());
        assertNotEquals(r.version(), after.version());
        assertEquals(
                MigrationState.INITIALIZING, store.read(r.id()).orElseThrow().state());
        assertEquals(after.version(), store.read(r.id()).orElseThrow().version());
    }

    @Test
    @DisplayName(
            "compare-and-set on a stale version is a conflict that reports the current version and changes nothing")
    void casConflict() {
        MigrationRecord r = created("cas-2");
        Change first = changeTo(r, MigrationState.INITIALIZING);
        MigrationRecord winner = store.compareAndSet(first.record(), r.version(), null, first.audit());
        Change second = changeTo(r, MigrationState.FAILED);
        VersionConflictException e = assertThrows(
                VersionConflictException.class,
                () -> store.compareAndSet(second.record(), r.version(), null, second.audit()));
        assertEquals(winner.version(), e.currentVersion());
        assertEquals(ErrorCode.VERSION_CONFLICT, e.code());
        assertEquals(
                MigrationState.INITIALIZING, store.read(r.id()).orElseThrow().state());
        assertEquals(2, store.audit(r.id(), 0, 100).size(), "the losing write appended no audit entry");
    }

    @Test
    @DisplayName("of many writers racing on one version, exactly one wins")
    void racingWriters() throws Exception {
        MigrationRecord r = created("race");
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                Change c = changeTo(r, MigrationState.INITIALIZING);
                Callable<Boolean> task = () -> {
                    go.await();
                    try {
                        store.compareAndSet(c.record(), r.version(), null, c.audit());
                        return true;
                    } catch (VersionConflictException e) {
                        return false;
                    }
                };
                results.add(pool.submit(task));
            }
            go.countDown();
            int wins = 0;
            for (Future<Boolean> f : results) {
                wins += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, wins);
            assertEquals(2, store.audit(r.id(), 0, 100).size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("a lease is exclusive until it expires; the next grant has a greater fencing token")
    void leaseExclusiveUntilExpiry() throws Exception {
        MigrationRecord r = created("lease-1");
        Lease a = store.tryAcquire(r.id(), "controller-a", leaseTtl()).orElseThrow();
        assertEquals(Optional.empty(), store.tryAcquire(r.id(), "controller-b", leaseTtl()));
        assertEquals(
                a.fencingToken(),
                store.tryAcquire(r.id(), "controller-a", leaseTtl())
                        .orElseThrow()
                        .fencingToken(),
                "re-acquiring one's own lease returns the same token");
        elapse(leaseTtl().plusMillis(500));
        Lease b = store.tryAcquire(r.id(), "controller-b", leaseTtl()).orElseThrow();
        assertTrue(
                b.fencingToken() > a.fencingToken(), "tokens grow: " + a.fencingToken() + " then " + b.fencingToken());
    }

    @Test
    @DisplayName("a write fenced by a stale token is refused and changes nothing, even if it has the right version")
    void staleTokenRejected() throws Exception {
        MigrationRecord r = created("fence-1");
        Lease a = store.tryAcquire(r.id(), "controller-a", leaseTtl()).orElseThrow();
        elapse(leaseTtl().plusMillis(500));
        Lease b = store.tryAcquire(r.id(), "controller-b", leaseTtl()).orElseThrow();
        Change stale = changeTo(r, MigrationState.FAILED);
        FencedException e = assertThrows(
                FencedException.class, () -> store.compareAndSet(stale.record(), r.version(), a, stale.audit()));
        assertEquals(ErrorCode.FENCED, e.code());
        assertEquals(MigrationState.QUEUED, store.read(r.id()).orElseThrow().state());
        Change good = changeTo(r, MigrationState.INITIALIZING);
        store.compareAndSet(good.record(), r.version(), b, good.audit());
        assertEquals(
                MigrationState.INITIALIZING, store.read(r.id()).orElseThrow().state());
    }

    @Test
    @DisplayName("a write fenced by an expired lease is refused even when nobody took over")
    void expiredLeaseRejected() throws Exception {
        MigrationRecord r = created("fence-2");
        Lease a = store.tryAcquire(r.id(), "controller-a", leaseTtl()).orElseThrow();
        elapse(leaseTtl().plusMillis(500));
        Change c = changeTo(r, MigrationState.INITIALIZING);
        assertThrows(FencedException.class, () -> store.compareAndSet(c.record(), r.version(), a, c.audit()));
        assertEquals(MigrationState.QUEUED, store.read(r.id()).orElseThrow().state());
    }

    @Test
    @DisplayName("renew extends the owner's live leases and leaves out the ones it lost")
    void renew() throws Exception {
        MigrationRecord r1 = created("renew-1");
        MigrationRecord r2 = created("renew-2");
        assertTrue(store.tryAcquire(r1.id(), "controller-a", leaseTtl()).isPresent());
        elapse(leaseTtl().dividedBy(2));
        assertTrue(store.tryAcquire(r2.id(), "controller-a", leaseTtl()).isPresent());
        assertEquals(2, store.renew("controller-a", leaseTtl()).size());
        elapse(leaseTtl().plusMillis(500));
        assertTrue(store.tryAcquire(r1.id(), "controller-b", leaseTtl()).isPresent());
        List<Lease> held = store.renew("controller-a", leaseTtl());
        assertTrue(held.stream().noneMatch(l -> l.migrationId().equals(r1.id())), "r1 was lost to controller-b");
        Lease kept = store.tryAcquire(r1.id(), "controller-b", leaseTtl()).orElseThrow();
        Change c = changeTo(r1, MigrationState.INITIALIZING);
        store.compareAndSet(c.record(), r1.version(), kept, c.audit());
    }

    @Test
    @DisplayName(
            "lease holders, where the store tells them, name each live lease's holder and no released or expired one")
    void leaseHolders() throws Exception {
        MigrationRecord r1 = created("holders-1");
        MigrationRecord r2 = created("holders-2");
        MigrationRecord r3 = created("holders-3");
        boolean tells = store.leaseHolders().isPresent();
        assertTrue(store.tryAcquire(r1.id(), "controller-a", leaseTtl()).isPresent());
        assertTrue(store.tryAcquire(r2.id(), "controller-b", leaseTtl()).isPresent());
        store.release(store.tryAcquire(r3.id(), "controller-a", leaseTtl()).orElseThrow());
        Optional<Map<MigrationId, String>> held = store.leaseHolders();
        assertEquals(tells, held.isPresent(), "a store tells lease holders always or never");
        if (held.isPresent()) {
            assertEquals("controller-a", held.get().get(r1.id()));
            assertEquals("controller-b", held.get().get(r2.id()));
            assertFalse(held.get().containsKey(r3.id()), "a released lease is free: " + held.get());
        }
        elapse(leaseTtl().plusMillis(500));
        held = store.leaseHolders();
        assertEquals(tells, held.isPresent());
        if (held.isPresent()) {
            assertFalse(held.get().containsKey(r1.id()), "an expired lease is free: " + held.get());
            assertFalse(held.get().containsKey(r2.id()), "an expired lease is free: " + held.get());
        }
        // Whatever the hint said, the grant is the truth: the expired leases are taken.
        assertTrue(store.tryAcquire(r1.id(), "controller-c", leaseTtl()).isPresent());
        assertTrue(store.tryAcquire(r2.id(), "controller-c", leaseTtl()).isPresent());
    }

    @Test
    @DisplayName("a released lease can be taken at once by another owner, with a greater token")
    void release() {
        MigrationRecord r = created("release-1");
        Lease a = store.tryAcquire(r.id(), "controller-a", leaseTtl()).orElseThrow();
        store.release(a);
        Lease b = store.tryAcquire(r.id(), "controller-b", leaseTtl()).orElseThrow();
        assertTrue(b.fencingToken() > a.fencingToken());
        store.release(a); // releasing a lease one no longer holds is a no-op
        assertEquals(Optional.empty(), store.tryAcquire(r.id(), "controller-c", leaseTtl()));
    }

    @Test
    @DisplayName("audit entries are written atomically with the change, in order, without gaps, and page")
    void auditAtomicWithTransition() {
        MigrationRecord r = created("audit-1");
        long seq = r.auditSeq();
        List<AuditEntry> entries = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            entries.add(new AuditEntry(
                    r.id(),
                    seq + i,
                    now(),
                    "contract",
                    AuditEntry.Kind.NOTE,
                    "s0",
                    null,
                    null,
                    null,
                    "multi-" + i,
                    "entry " + i));
        }
        MigrationRecord next =
                r.with(MigrationState.INITIALIZING, 1, r.shards(), r.controls(), r.directives(), seq + 3, null, now());
        store.compareAndSet(next, r.version(), null, entries);
        List<AuditEntry> all = store.audit(r.id(), 0, 100);
        assertEquals(4, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i + 1, all.get(i).seq());
        }
        assertEquals(entries.get(2), all.get(3));
        assertEquals(List.of(all.get(2), all.get(3)), store.audit(r.id(), 2, 100));
        assertEquals(List.of(all.get(1)), store.audit(r.id(), 1, 1));
    }

    @Test
    @DisplayName("a write whose audit entries leave a gap, or do not end where the record says, is refused and writes"
            + " nothing")
    void auditGapsAreRefused() {
        MigrationRecord r = created("audit-gap-1");
        long seq = r.auditSeq();
        List<AuditEntry> before = store.audit(r.id(), 0, 100);
        MigrationRecord skipping =
                r.with(MigrationState.INITIALIZING, 1, r.shards(), r.controls(), r.directives(), seq + 2, null, now());
        assertThrows(
                InvalidRequestException.class,
                () -> store.compareAndSet(skipping, r.version(), null, List.of(note(r.id(), seq + 2, "skips one"))),
                "an entry after a missing one");
        MigrationRecord overclaiming =
                r.with(MigrationState.INITIALIZING, 1, r.shards(), r.controls(), r.directives(), seq + 2, null, now());
        assertThrows(
                InvalidRequestException.class,
                () -> store.compareAndSet(
                        overclaiming, r.version(), null, List.of(note(r.id(), seq + 1, "one of two"))),
                "a record that says its trail ends past the entries written with it");
        assertEquals(r.version(), store.currentVersion(r.id()), "the record is unchanged");
        assertEquals(before, store.audit(r.id(), 0, 100), "the trail is unchanged");

        MigrationRecord fresh = sampleRecord("audit-gap-2", "commerce", MigrationState.QUEUED, 1);
        MigrationRecord startsLate =
                fresh.with(fresh.state(), 1, fresh.shards(), fresh.controls(), fresh.directives(), 2, null, now());
        assertThrows(
                InvalidRequestException.class,
                () -> store.create(startsLate, List.of(note(fresh.id(), 2, "no first entry"))),
                "a new trail that does not start at 1");
        assertEquals(Optional.empty(), store.read(fresh.id()), "nothing was created");
        assertEquals(List.of(), store.audit(fresh.id(), 0, 100), "no entry was written");
    }

    private AuditEntry note(MigrationId id, long seq, String detail) {
        return new AuditEntry(
                id, seq, now(), "contract", AuditEntry.Kind.NOTE, null, null, null, null, "gap-" + seq, detail);
    }

    @Test
    @DisplayName("list selects by state and keyspace, orders by id, pages, and 'active' leaves out terminal migrations")
    void listing() {
        for (int i = 0; i < 5; i++) {
            MigrationRecord r = sampleRecord(
                    "list-" + i,
                    i % 2 == 0 ? "commerce" : "customer",
                    i == 4 ? MigrationState.COMPLETED : MigrationState.QUEUED,
                    1);
            store.create(r, List.of(submitted(r)));
        }
        List<MigrationSummary> all = store.list(MigrationFilter.all());
        assertEquals(5, all.size());
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).id().compareTo(all.get(i).id()) < 0, "ordered by id");
        }
        assertEquals(4, store.list(MigrationFilter.active()).size());
        assertEquals(
                2, store.list(MigrationFilter.active().inKeyspace("commerce")).size());
        List<MigrationSummary> page1 = store.list(MigrationFilter.all().limit(2));
        List<MigrationSummary> page2 =
                store.list(MigrationFilter.all().limit(2).after(page1.get(1).id()));
        assertEquals(2, page1.size());
        assertEquals(all.subList(2, 4), page2);
    }

    @Test
    @DisplayName(
            "a corrupt record is a clear CORRUPT_RECORD error naming the migration; other migrations are unaffected")
    void corruptRecord() throws Exception {
        MigrationRecord good = created("corrupt-good");
        MigrationRecord bad = created("corrupt-bad");
        writeRawRecord(bad.id(), "{\"schemaVersion\": 1, \"id\": ");
        StoreException e = assertThrows(StoreException.class, () -> store.read(bad.id()));
        assertEquals(ErrorCode.CORRUPT_RECORD, e.code());
        assertTrue(String.valueOf(e.getMessage()).contains(bad.id().value()), e.getMessage());
        assertEquals(good, store.read(good.id()).orElseThrow());
        assertTrue(store.list(MigrationFilter.all()).stream().anyMatch(s -> s.id().equals(good.id())));
    }

    @Test
    @DisplayName("a record of a newer schema version is refused, not half-read")
    void newerSchemaRefused() throws Exception {
        MigrationRecord r = created("newer");
        writeRawRecord(r.id(), "{\"schemaVersion\": 99, \"id\": {\"value\": \"" + r.id().value() + "\"}}");
        StoreException e = assertThrows(StoreException.class, () -> store.read(r.id()));
        assertEquals(ErrorCode.CORRUPT_RECORD, e.code());
        assertTrue(String.valueOf(e.getMessage()).contains("newer"), e.getMessage());
    }
}
