package dev.osc4j.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.AuditEntry;
import dev.osc4j.ErrorCode;
import dev.osc4j.FencedException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.StoreException;
import dev.osc4j.spi.Lease;
import dev.osc4j.testkit.servers.LocalEtcd;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the etcd store promises beyond the contract, on a real single-node etcd. */
class EtcdStateStoreIT {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final Duration TTL = Duration.ofSeconds(4);
    private static @Nullable LocalEtcd etcd;
    private static @Nullable Client raw;

    @BeforeAll
    static void startEtcd() {
        LocalEtcd started = LocalEtcd.single();
        etcd = started;
        raw = Client.builder()
                .endpoints(started.endpoints().toArray(URI[]::new))
                .build();
    }

    @AfterAll
    static void stopEtcd() {
        if (raw != null) {
            raw.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private static LocalEtcd etcd() {
        LocalEtcd e = etcd;
        if (e == null) {
            throw new IllegalStateException("etcd is not running");
        }
        return e;
    }

    private static Client raw() {
        Client c = raw;
        if (c == null) {
            throw new IllegalStateException("etcd is not running");
        }
        return c;
    }

    private static String newPrefix() {
        return "/osc4j-it-" + PREFIXES.incrementAndGet() + "/";
    }

    private static EtcdStateStore.Builder store(String prefix) {
        return EtcdStateStore.builder().endpoints(etcd().endpoints()).prefix(prefix);
    }

    private static @Nullable KeyValue rawGet(String key) throws Exception {
        List<KeyValue> kvs = raw().getKVClient()
                .get(Keys.bytes(key))
                .get(10, TimeUnit.SECONDS)
                .getKvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    private static KeyValue rawGetExisting(String key) throws Exception {
        KeyValue kv = rawGet(key);
        if (kv == null) {
            throw new AssertionError("no key " + key);
        }
        return kv;
    }

    @Test
    @DisplayName("a change written by another process wakes the watch listener without polling")
    void watchWakesListener() throws Exception {
        String prefix = newPrefix();
        BlockingQueue<MigrationId> woken = new LinkedBlockingQueue<>();
        try (EtcdStateStore controller = store(prefix).build();
                EtcdStateStore operator = store(prefix).build()) {
            AutoCloseable watch = controller.watch(woken::add);
            Samples.Change c = Samples.record("watch-1");
            MigrationRecord created = operator.create(c.record(), c.audit()).record();
            assertThat(woken.poll(10, TimeUnit.SECONDS)).isEqualTo(created.id());
            Samples.Change paused = Samples.change(created, MigrationState.QUEUED, "operator");
            operator.compareAndSet(paused.record(), created.version(), null, paused.audit());
            assertThat(woken.poll(10, TimeUnit.SECONDS)).isEqualTo(created.id());
            watch.close();
            Samples.Change after = Samples.record("watch-2");
            operator.create(after.record(), after.audit());
            assertThat(woken.poll(1, TimeUnit.SECONDS))
                    .as("a closed watch calls nobody")
                    .isNull();
        }
    }

    @Test
    @DisplayName("a listing page larger than the client accepts is asked for again in smaller pages, and lists all")
    void pagesTooLargeAreSplit() throws Exception {
        String prefix = newPrefix();
        try (Client small = Client.builder()
                        .endpoints(etcd().endpoints().toArray(URI[]::new))
                        .maxInboundMessageSize(16 * 1024)
                        .build();
                EtcdStateStore writer = store(prefix).build();
                EtcdStateStore reader = EtcdStateStore.builder()
                        .client(small)
                        .prefix(prefix)
                        .pageSize(200)
                        .build()) {
            int bytes = 0;
            for (int i = 0; i < 40; i++) {
                Samples.Change c = Samples.record("large-page-" + i);
                writer.create(c.record(), c.audit());
                bytes += dev.osc4j.spi.RecordCodec.encode(c.record()).length();
            }
            assertThat(bytes)
                    .as("one page of all 40 is larger than the client accepts")
                    .isGreaterThan(16 * 1024);
            assertThat(reader.list(MigrationFilter.all())).hasSize(40);
        }
    }

    @Test
    @DisplayName("a migration with more shards than one transaction can move at once is refused at create, unwritten")
    void tooManyShardsForOneTransaction() throws Exception {
        String prefix = newPrefix();
        Samples.Change one = Samples.record("many-shards");
        List<dev.osc4j.ShardRecord> shards = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
            shards.add(dev.osc4j.ShardRecord.queued(
                    new dev.osc4j.ShardTarget("commerce", "s" + i, "commerce", null), Samples.now()));
        }
        MigrationRecord wide = one.record()
                .with(
                        one.record().state(),
                        1,
                        shards,
                        one.record().controls(),
                        one.record().directives(),
                        one.record().auditSeq(),
                        null,
                        one.record().updatedAt());
        try (EtcdStateStore store = store(prefix).build()) {
            assertThatThrownBy(() -> store.create(wide, one.audit()))
                    .isInstanceOf(dev.osc4j.InvalidRequestException.class)
                    .hasMessageContaining("64 shards")
                    .hasMessageContaining("--max-txn-ops")
                    .hasMessageContaining("at least 133");
            assertThat(store.read(wide.id())).isEmpty();
            assertThat(rawGet(prefix + "audit/" + wide.id().value() + "/" + String.format("%020d", 1)))
                    .isNull();
        }
        try (EtcdStateStore store = store(prefix).maxTxnOps(133).build()) {
            assertThat(store.create(wide, one.audit()).created()).isTrue();
        }
    }

    @Test
    @DisplayName(
            "a listing reads summaries written with their records, and the record where a summary is missing or stale")
    void listingReadsSummaries() throws Exception {
        String prefix = newPrefix();
        try (EtcdStateStore store = store(prefix).build()) {
            Samples.Change a = Samples.record("summary-a");
            Samples.Change b = Samples.record("summary-b");
            Samples.Change c = Samples.record("summary-c");
            MigrationRecord ra = store.create(a.record(), a.audit()).record();
            MigrationRecord rb = store.create(b.record(), b.audit()).record();
            MigrationRecord rc = store.create(c.record(), c.audit()).record();
            KeyValue summary = rawGetExisting(prefix + "summaries/" + ra.id().value());
            assertThat(summary.getModRevision())
                    .as("written in the record's transaction")
                    .isEqualTo(rawGetExisting(prefix + "migrations/" + ra.id().value())
                            .getModRevision());

            // A planted summary with the record's revision is what the listing shows: it does not read the record.
            MigrationSummary real = dev.osc4j.spi.RecordCodec.decodeSummary(Keys.text(summary.getValue()));
            MigrationSummary marked = new MigrationSummary(
                    real.id(),
                    real.keyspace(),
                    "marked",
                    real.engine(),
                    real.state(),
                    real.attempt(),
                    real.shards(),
                    real.percent(),
                    real.eta(),
                    real.paused(),
                    real.updatedAt(),
                    real.owner());
            raw().getKVClient()
                    .txn()
                    .Then(
                            io.etcd.jetcd.op.Op.put(
                                    Keys.bytes(prefix + "migrations/" + ra.id().value()),
                                    Keys.bytes(dev.osc4j.spi.RecordCodec.encode(ra)),
                                    io.etcd.jetcd.options.PutOption.DEFAULT),
                            io.etcd.jetcd.op.Op.put(
                                    Keys.bytes(prefix + "summaries/" + ra.id().value()),
                                    Keys.bytes(dev.osc4j.spi.RecordCodec.encodeSummary(marked)),
                                    io.etcd.jetcd.options.PutOption.DEFAULT))
                    .commit()
                    .get(10, TimeUnit.SECONDS);
            // A record rewritten without its summary (an older osc4j): the summary is stale and not trusted.
            MigrationRecord completed = rb.with(
                    MigrationState.COMPLETED,
                    rb.attempt(),
                    rb.shards(),
                    rb.controls(),
                    rb.directives(),
                    rb.auditSeq(),
                    rb.progressPersistedAt(),
                    rb.updatedAt());
            raw().getKVClient()
                    .put(
                            Keys.bytes(prefix + "migrations/" + rb.id().value()),
                            Keys.bytes(dev.osc4j.spi.RecordCodec.encode(completed)))
                    .get(10, TimeUnit.SECONDS);
            // A record without any summary.
            raw().getKVClient()
                    .delete(Keys.bytes(prefix + "summaries/" + rc.id().value()))
                    .get(10, TimeUnit.SECONDS);

            java.util.Map<MigrationId, MigrationSummary> listed = new java.util.HashMap<>();
            for (MigrationSummary x : store.list(MigrationFilter.all())) {
                listed.put(x.id(), x);
            }
            assertThat(listed).containsOnlyKeys(ra.id(), rb.id(), rc.id());
            assertThat(java.util.Objects.requireNonNull(listed.get(ra.id())).table())
                    .isEqualTo("marked");
            assertThat(java.util.Objects.requireNonNull(listed.get(rb.id())).state())
                    .isEqualTo(MigrationState.COMPLETED);
            assertThat(listed.get(rc.id())).isEqualTo(MigrationSummary.of(rc));
            assertThat(store.list(MigrationFilter.active()))
                    .extracting(MigrationSummary::id)
                    .containsExactlyInAnyOrder(ra.id(), rc.id());
        }
    }

    @Test
    @DisplayName("a malformed value under the prefix is a clear error on read and leaves the others listable")
    void malformedValues() throws Exception {
        String prefix = newPrefix();
        try (EtcdStateStore store = store(prefix).build()) {
            MigrationId bad = MigrationId.of("m-bad");
            String[] good = new String[3];
            for (int i = 0; i < good.length; i++) {
                Samples.Change c = Samples.record("malformed-" + i);
                good[i] = store.create(c.record(), c.audit()).record().id().value();
            }
            raw().getKVClient()
                    .put(Keys.bytes(prefix + "migrations/m-bad"), Keys.bytes("{not json"))
                    .get(10, TimeUnit.SECONDS);
            raw().getKVClient()
                    .put(Keys.bytes(prefix + "migrations/not a migration id!"), Keys.bytes("{}"))
                    .get(10, TimeUnit.SECONDS);
            raw().getKVClient()
                    .put(Keys.bytes(prefix + "migrations/m-other"), Keys.bytes("[1, 2]"))
                    .get(10, TimeUnit.SECONDS);

            assertThatThrownBy(() -> store.read(bad))
                    .isInstanceOfSatisfying(
                            StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_RECORD))
                    .hasMessageContaining("m-bad")
                    .hasMessageContaining("not valid JSON");
            assertThatThrownBy(() -> store.read(MigrationId.of("m-other")))
                    .hasMessageContaining("m-other")
                    .hasMessageContaining("not a JSON object");

            List<String> listed = store.list(MigrationFilter.all()).stream()
                    .map(s -> s.id().value())
                    .toList();
            assertThat(listed).containsExactlyInAnyOrder(good).isSorted();
            // Paging walks past the unreadable keys too.
            MigrationFilter page = MigrationFilter.all().limit(1);
            List<String> paged = new java.util.ArrayList<>();
            while (true) {
                List<MigrationSummary> p = store.list(page);
                if (p.isEmpty()) {
                    break;
                }
                paged.add(p.get(0).id().value());
                page = page.after(p.get(0).id());
            }
            assertThat(paged).isEqualTo(listed);
            for (String id : good) {
                assertThat(store.read(MigrationId.of(id))).isPresent();
            }
        }
    }

    @Test
    @DisplayName("a write whose answer never came is resolved by reading: applied once, reported as applied")
    void unknownOutcomeResolvedByReading() throws Exception {
        String prefix = newPrefix();
        try (EtcdStateStore store = store(prefix)
                .callTimeout(Duration.ofMillis(700))
                .operationTimeout(Duration.ofSeconds(40))
                .build()) {
            Samples.Change c = Samples.record("unknown-outcome");
            MigrationRecord created = store.create(c.record(), c.audit()).record();
            Samples.Change next = Samples.change(created, MigrationState.INITIALIZING, "controller");
            LocalEtcd.Member member = etcd().member(0);
            member.pause();
            CompletableFuture<MigrationRecord> write;
            try {
                write = CompletableFuture.supplyAsync(
                        () -> store.compareAndSet(next.record(), created.version(), null, next.audit()));
                // Several call timeouts pass: the write is sent, times out, and is sent again.
                Thread.sleep(3_000);
                assertThat(write).isNotDone();
            } finally {
                member.resume();
            }
            MigrationRecord written = write.get(60, TimeUnit.SECONDS);
            MigrationRecord read = store.read(created.id()).orElseThrow();
            assertThat(written).isEqualTo(read);
            assertThat(read.state()).isEqualTo(MigrationState.INITIALIZING);
            List<AuditEntry> trail = store.audit(created.id(), 0, 100);
            assertThat(trail).hasSize(2);
            assertThat(trail.get(1)).isEqualTo(next.audit().get(0));
        }
    }

    @Test
    @DisplayName("when its etcd lease disappears the owner stops at once: renew returns nothing, its writes are fenced")
    void lostKeepAliveStopsTheOwner() throws Exception {
        String prefix = newPrefix();
        try (EtcdStateStore store = store(prefix).build()) {
            Samples.Change c = Samples.record("lost-lease");
            MigrationRecord r = store.create(c.record(), c.audit()).record();
            Lease first = store.tryAcquire(r.id(), "controller-a", TTL).orElseThrow();
            KeyValue owner = rawGetExisting(prefix + "owners/" + r.id().value());
            assertThat(owner.getCreateRevision()).isEqualTo(first.fencingToken());
            assertThat(store.renew("controller-a", TTL))
                    .extracting(Lease::fencingToken)
                    .containsExactly(first.fencingToken());

            // Someone revokes the lease behind the store's back: the keepAlive reply says it no longer exists.
            raw().getLeaseClient().revoke(owner.getLease()).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!store.renew("controller-a", TTL).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(store.renew("controller-a", TTL)).isEmpty();
            Samples.Change change = Samples.change(r, MigrationState.INITIALIZING, "controller-a");
            assertThatThrownBy(() -> store.compareAndSet(change.record(), r.version(), first, change.audit()))
                    .isInstanceOf(FencedException.class);

            Lease second = store.tryAcquire(r.id(), "controller-a", TTL).orElseThrow();
            assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
            KeyValue renewed = rawGetExisting(prefix + "owners/" + r.id().value());
            assertThat(renewed.getLease()).as("a new etcd lease").isNotEqualTo(owner.getLease());
            store.compareAndSet(change.record(), r.version(), second, change.audit());
            assertThat(store.read(r.id()).orElseThrow().state()).isEqualTo(MigrationState.INITIALIZING);
        }
    }

    @Test
    @DisplayName("closing the store revokes its lease at once and stops every thread it started")
    void closeReleasesLeaseAndThreads() throws Exception {
        String prefix = newPrefix();
        // The raw client starts its own threads on first use: let it do so before counting.
        assertThat(rawGet(prefix + "nothing")).isNull();
        Set<Long> before = liveThreads().keySet();
        MigrationId id;
        EtcdStateStore store = store(prefix).build();
        try {
            Samples.Change c = Samples.record("close-1");
            id = store.create(c.record(), c.audit()).record().id();
            assertThat(store.tryAcquire(id, "controller-a", Duration.ofSeconds(30)))
                    .isPresent();
            store.watch(ignored -> {});
            assertThat(rawGet(prefix + "owners/" + id.value())).isNotNull();
        } finally {
            store.close();
            store.close(); // idempotent
        }
        assertThat(rawGet(prefix + "owners/" + id.value()))
                .as("the owner key went with the revoked lease, long before its 30 s TTL")
                .isNull();
        assertThatThrownBy(() -> store.read(id)).isInstanceOf(StoreException.class);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String left;
        do {
            Thread.sleep(200);
            left = liveThreads().entrySet().stream()
                    .filter(e -> !before.contains(e.getKey()))
                    .map(java.util.Map.Entry::getValue)
                    .collect(Collectors.joining(", "));
        } while (!left.isEmpty() && System.nanoTime() < deadline);
        assertThat(left).as("threads still alive after close").isEmpty();
    }

    private static java.util.Map<Long, String> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .collect(Collectors.toMap(Thread::getId, t -> t.getName() + (t.isDaemon() ? "(daemon)" : "")));
    }
}
