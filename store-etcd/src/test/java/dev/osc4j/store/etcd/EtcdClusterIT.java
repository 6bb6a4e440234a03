package dev.osc4j.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.AuditEntry;
import dev.osc4j.FencedException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.Osc4jException;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.Lease;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.servers.LocalEtcd;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store on a real three-member etcd cluster under faults: the leader killed in the middle of a migration, the
 * member one controller talks to frozen longer than the lease TTL, and a watch that falls behind a compaction. The
 * cluster is shared by the tests, each under its own prefix, and put back together after each.
 */
class EtcdClusterIT {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdClusterIT.class);
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static @Nullable LocalEtcd cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalEtcd.cluster(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static LocalEtcd cluster() {
        LocalEtcd c = cluster;
        if (c == null) {
            throw new IllegalStateException("etcd is not running");
        }
        return c;
    }

    private static String newPrefix() {
        return "/osc4j-cluster-" + PREFIXES.incrementAndGet() + "/";
    }

    private static EtcdStateStore.Builder storeOn(String prefix, int... members) {
        List<URI> endpoints = new ArrayList<>();
        for (int m : members) {
            endpoints.add(cluster().member(m).clientUrl());
        }
        return EtcdStateStore.builder()
                .endpoints(endpoints)
                .prefix(prefix)
                .callTimeout(Duration.ofSeconds(2))
                .operationTimeout(Duration.ofSeconds(10));
    }

    /** Restarts stopped members and resumes paused ones, then waits until all are healthy. */
    private static void heal() {
        for (LocalEtcd.Member m : cluster().members()) {
            m.resume();
            if (!m.isRunning()) {
                m.restart();
            }
        }
        for (LocalEtcd.Member m : cluster().members()) {
            m.awaitHealthy(Duration.ofSeconds(30));
        }
    }

    @Test
    @DisplayName("the leader killed in the middle of a migration: it completes with no lost or duplicated transition")
    void leaderKilledMidMigration() throws Exception {
        String prefix = newPrefix();
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String shard : FakeTopology.shardNames(4)) {
            rows.put(shard, 40_000L);
        }
        FakeTopology topology = new FakeTopology(Clock.systemUTC()).addKeyspace("commerce", rows);
        FakeEngine engine = FakeEngine.builder(topology)
                .startupTime(Duration.ofMillis(500))
                .catchupTime(Duration.ofSeconds(1))
                .cutoverTime(Duration.ofMillis(500))
                .build();
        try (EtcdStateStore storeA = storeOn(prefix, 0, 1, 2).build();
                EtcdStateStore storeB = storeOn(prefix, 0, 1, 2).build();
                MigrationOrchestrator a = Controllers.controller("a", storeA, topology, engine);
                MigrationOrchestrator b = Controllers.controller("b", storeB, topology, engine)) {
            MigrationId id = a.submit(Controllers.request("leader-kill", "commerce", "orders", 10_000));
            a.start();
            b.start();
            Controllers.awaitRecord(
                    storeA,
                    id,
                    r -> r.shards().stream().anyMatch(s -> s.state() == MigrationState.COPYING_ROWS),
                    Duration.ofSeconds(30),
                    "copying");
            int leader = cluster().leaderIndex();
            LOG.info("killing the etcd leader m{} while migration {} copies", leader, id);
            cluster().member(leader).kill();

            MigrationRecord done =
                    Controllers.awaitRecord(storeB, id, Controllers::completed, Duration.ofSeconds(90), "COMPLETED");
            assertThat(done.shards()).extracting(ShardRecord::state).containsOnly(MigrationState.COMPLETED);
            List<AuditEntry> trail = storeB.audit(id, 0, 10_000);
            AuditTrails.assertSound(trail);
            for (String shard : rows.keySet()) {
                assertThat(AuditTrails.path(trail, shard))
                        .as("shard %s went through each state once", shard)
                        .doesNotHaveDuplicates()
                        .endsWith("SWITCHING_TRAFFIC>COMPLETED");
                assertThat(topology.appliedDdl("commerce", shard)).hasSize(1);
            }
            assertThat(engine.runsStarted()).as("one engine run per shard").isEqualTo(rows.size());
        } finally {
            heal();
        }
    }

    @Test
    @DisplayName("a controller whose etcd member freezes past the lease TTL stops acting and, awake, cannot write")
    void frozenMemberFencesItsController() throws Exception {
        String prefix = newPrefix();
        Duration ttl = Duration.ofSeconds(3);
        LocalEtcd.Member frozen = cluster().member(0);
        try (EtcdStateStore a = storeOn(prefix, 0).build();
                EtcdStateStore b = storeOn(prefix, 1, 2).build()) {
            Samples.Change c = Samples.record("frozen-member");
            MigrationRecord r0 = b.create(c.record(), c.audit()).record();
            Lease leaseA = a.tryAcquire(r0.id(), "controller-a", ttl).orElseThrow();
            Samples.Change byA = Samples.change(r0, MigrationState.INITIALIZING, "controller-a");
            MigrationRecord r1 = a.compareAndSet(byA.record(), r0.version(), leaseA, byA.audit());

            frozen.pause();
            long pausedAt = System.nanoTime();
            // A write already on its way when the member froze: it must never land after the takeover.
            Samples.Change late = Samples.change(r1, MigrationState.COPYING_ROWS, "controller-a");
            CompletableFuture<MigrationRecord> inFlight = CompletableFuture.supplyAsync(
                    () -> a.compareAndSet(late.record(), r1.version(), leaseA, late.audit()));

            awaitTrue(() -> a.renew("controller-a", ttl).isEmpty(), Duration.ofSeconds(15), "A gives its lease up");
            LOG.info("controller A stopped acting {} ms after the freeze", (System.nanoTime() - pausedAt) / 1_000_000);
            Lease[] taken = new Lease[1];
            awaitTrue(
                    () -> {
                        Optional<Lease> l = b.tryAcquire(r0.id(), "controller-b", ttl);
                        l.ifPresent(lease -> taken[0] = lease);
                        return l.isPresent();
                    },
                    Duration.ofSeconds(30),
                    "B takes the migration over");
            Lease leaseB = taken[0];
            LOG.info("controller B took over {} ms after the freeze", (System.nanoTime() - pausedAt) / 1_000_000);
            assertThat(leaseB.fencingToken()).isGreaterThan(leaseA.fencingToken());
            MigrationRecord seenByB = b.read(r0.id()).orElseThrow();
            assertThat(seenByB.version())
                    .as("nothing of A landed while its member was frozen")
                    .isEqualTo(r1.version());
            Samples.Change byB = Samples.change(seenByB, MigrationState.FAILED, "controller-b");
            MigrationRecord r2 = b.compareAndSet(byB.record(), seenByB.version(), leaseB, byB.audit());

            frozen.resume();
            frozen.awaitHealthy(Duration.ofSeconds(30));
            assertThatThrownBy(() -> inFlight.get(60, TimeUnit.SECONDS))
                    .as("the write in flight during the freeze did not succeed")
                    .hasCauseInstanceOf(Osc4jException.class);

            // Awake, A cannot write: its store refuses at once, and etcd refuses the stale token from anyone.
            Samples.Change again = Samples.change(r2, MigrationState.CUTOVER_PENDING, "controller-a");
            assertThatThrownBy(() -> a.compareAndSet(again.record(), r2.version(), leaseA, again.audit()))
                    .isInstanceOf(FencedException.class);
            try (EtcdStateStore unaware = storeOn(prefix, 0).build()) {
                assertThatThrownBy(() -> unaware.compareAndSet(again.record(), r2.version(), leaseA, again.audit()))
                        .isInstanceOf(FencedException.class)
                        .hasMessageContaining("controller-b owns it now");
            }
            MigrationRecord last = b.read(r0.id()).orElseThrow();
            assertThat(last).isEqualTo(r2);
            assertThat(b.audit(r0.id(), 0, 100))
                    .extracting(AuditEntry::actor)
                    .containsExactly("test", "controller-a", "controller-b");
        } finally {
            heal();
        }
    }

    @Test
    @DisplayName("a watch that falls behind a compaction is re-established and still wakes the listener")
    void watchSurvivesCompaction() throws Exception {
        String prefix = newPrefix();
        LocalEtcd.Member watched = cluster().member(0);
        BlockingQueue<MigrationId> woken = new LinkedBlockingQueue<>();
        try (EtcdStateStore w = storeOn(prefix, 0).build();
                EtcdStateStore writer = storeOn(prefix, 1, 2).build();
                Client raw = Client.builder()
                        .endpoints(
                                cluster().member(1).clientUrl(),
                                cluster().member(2).clientUrl())
                        .build()) {
            AutoCloseable subscription = w.watch(woken::add);
            MigrationId x = create(writer, "compaction-x");
            assertThat(woken.poll(10, TimeUnit.SECONDS)).isEqualTo(x);

            watched.kill();
            MigrationId y1 = create(writer, "compaction-y1");
            MigrationId y2 = create(writer, "compaction-y2");
            long revision = raw.getKVClient()
                    .get(Keys.bytes(prefix))
                    .get(10, TimeUnit.SECONDS)
                    .getHeader()
                    .getRevision();
            raw.getKVClient().compact(revision).get(10, TimeUnit.SECONDS);
            LOG.info("compacted at revision {} while the watched member is down", revision);
            watched.restart();

            Set<MigrationId> seen = new HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!seen.containsAll(List.of(y1, y2)) && System.nanoTime() < deadline) {
                MigrationId next = woken.poll(200, TimeUnit.MILLISECONDS);
                if (next != null) {
                    seen.add(next);
                }
            }
            assertThat(seen).contains(y1, y2);
            assertThat(w.watchRestarts()).as("the watch was re-established").isGreaterThanOrEqualTo(1);
            woken.clear();
            MigrationId z = create(writer, "compaction-z");
            assertThat(woken.poll(10, TimeUnit.SECONDS)).isEqualTo(z);
            subscription.close();
        } finally {
            heal();
        }
    }

    private static MigrationId create(EtcdStateStore store, String key) {
        Samples.Change c = Samples.record(key);
        return store.create(c.record(), c.audit()).record().id();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Condition condition, Duration limit, String what) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (Osc4jException | CompletionException e) {
                LOG.debug("{}: not yet ({})", what, e.toString());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + limit);
            }
            Thread.sleep(100);
        }
    }
}
