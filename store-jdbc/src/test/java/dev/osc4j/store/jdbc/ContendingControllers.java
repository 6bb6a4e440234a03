package dev.osc4j.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.FencedException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.VersionConflictException;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.AuditTrails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Controllers that fight over the same migrations through their own stores for a while, the way several controller
 * processes would: owners write transitions fenced by their leases, operators' directives write unfenced, and
 * "paused" controllers wake up after their lease expired and try to write with it. Every committed write is recorded
 * by the one client that was told it won; afterwards the store's contents must agree with those records exactly.
 */
final class ContendingControllers {
    /** The transitions cycle through legal edges: QUEUED, INITIALIZING, FAILED, QUEUED (retry), ... */
    private static final Map<MigrationState, MigrationState> NEXT = Map.of(
            MigrationState.QUEUED, MigrationState.INITIALIZING,
            MigrationState.INITIALIZING, MigrationState.FAILED,
            MigrationState.FAILED, MigrationState.QUEUED);

    /** One committed write, as its winner saw it. */
    private record Win(MigrationId id, long expectedVersion, long seq, String stepId, long token) {}

    private final List<? extends StateStore> stores;
    private final int migrations;
    private final List<Win> wins = new ArrayList<>();
    private final AtomicInteger conflicts = new AtomicInteger();
    private final AtomicInteger fenced = new AtomicInteger();
    private final AtomicInteger staleWritesFenced = new AtomicInteger();
    private final AtomicInteger staleWritesNotFenced = new AtomicInteger();
    private final AtomicInteger leasesRefused = new AtomicInteger();
    private final AtomicLong steps = new AtomicLong();
    private final Map<String, Throwable> unexpected = new ConcurrentHashMap<>();

    ContendingControllers(List<? extends StateStore> stores, int migrations) {
        this.stores = stores;
        this.migrations = migrations;
    }

    /** Runs the controllers for {@code duration}, then checks the store against what the winners recorded. */
    void runAndCheck(Duration duration) throws Exception {
        StateStore first = stores.get(0);
        List<MigrationId> ids = new ArrayList<>();
        for (int i = 0; i < migrations; i++) {
            MigrationRecord r = Records.queued("contended-" + i + "-" + System.nanoTime(), 2);
            first.create(r, List.of(Records.submitted(r)));
            ids.add(r.id());
        }
        long deadline = System.nanoTime() + duration.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(stores.size(), r -> {
            Thread t = new Thread(r, "contending-controller");
            t.setDaemon(true);
            return t;
        });
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < stores.size(); c++) {
                StateStore store = stores.get(c);
                String me = "controller-" + c;
                running.add(pool.submit(() -> {
                    go.await();
                    controller(store, me, ids, deadline);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : running) {
                try {
                    // A write can spend a minute in lock timeouts and retries (as H2 did before its writes were
                    // serialized in the JVM, see Database); wait generously, and if one still hangs, show where.
                    f.get(duration.toSeconds() + 300, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    StringBuilder dump = new StringBuilder("a contending controller did not finish; threads:\n");
                    Thread.getAllStackTraces().forEach((t, stack) -> {
                        dump.append(t.getName())
                                .append(' ')
                                .append(t.getState())
                                .append('\n');
                        for (StackTraceElement frame : stack) {
                            dump.append("    at ").append(frame).append('\n');
                        }
                    });
                    throw new AssertionError(dump.toString(), e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        check(first, ids);
    }

    private void controller(StateStore store, String me, List<MigrationId> ids, long deadline) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() < deadline) {
            MigrationId id = ids.get(random.nextInt(ids.size()));
            int mode = random.nextInt(10);
            try {
                if (mode < 2) {
                    // An operator's directive: written without a fence, racing the owners on the version.
                    write(store, me, id, null);
                } else if (mode < 3) {
                    pausedController(store, me, id);
                } else {
                    owner(store, me, id, random);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                unexpected.putIfAbsent(me + ": " + e, e);
            }
        }
    }

    private void owner(StateStore store, String me, MigrationId id, ThreadLocalRandom random) {
        Optional<Lease> lease = store.tryAcquire(id, me, Duration.ofSeconds(2));
        if (lease.isEmpty()) {
            leasesRefused.incrementAndGet();
            return;
        }
        int writes = random.nextInt(1, 5);
        for (int i = 0; i < writes; i++) {
            try {
                write(store, me, id, lease.get());
            } catch (FencedException e) {
                // Only possible if this thread was slower than its lease on a loaded machine; counted, not hidden.
                fenced.incrementAndGet();
                return;
            }
        }
        // Mostly released, as a controller does when a migration ends; sometimes left to expire, as when one dies.
        if (random.nextInt(4) > 0) {
            store.release(lease.get());
        }
    }

    /** Takes a short lease, sleeps past its expiry as a paused process would, then tries to write with it. */
    private void pausedController(StateStore store, String me, MigrationId id) throws InterruptedException {
        // An identity of its own: as "me" it could be handed the longer lease its owner role holds.
        Optional<Lease> lease = store.tryAcquire(id, me + "/paused", Duration.ofMillis(200));
        if (lease.isEmpty()) {
            leasesRefused.incrementAndGet();
            return;
        }
        Thread.sleep(600);
        try {
            write(store, me, id, lease.get());
            staleWritesNotFenced.incrementAndGet();
        } catch (FencedException e) {
            staleWritesFenced.incrementAndGet();
        }
    }

    private void write(StateStore store, String me, MigrationId id, @Nullable Lease lease) {
        MigrationRecord current = store.read(id).orElseThrow();
        MigrationState to = java.util.Objects.requireNonNull(NEXT.get(current.state()), "state");
        String stepId = me + "-" + steps.incrementAndGet();
        long token = lease == null ? -1 : lease.fencingToken();
        Records.Change change = Records.transition(current, to, stepId, "token=" + token);
        try {
            store.compareAndSet(change.record(), current.version(), lease, change.audit());
            synchronized (wins) {
                wins.add(new Win(id, current.version(), change.record().auditSeq(), stepId, token));
            }
        } catch (VersionConflictException e) {
            conflicts.incrementAndGet();
        }
    }

    private void check(StateStore store, List<MigrationId> ids) {
        System.out.printf(
                "%d controllers, %d migrations: %d writes won, %d version conflicts, %d stale writes fenced,"
                        + " %d owners fenced, %d leases refused%n",
                stores.size(),
                migrations,
                wins.size(),
                conflicts.get(),
                staleWritesFenced.get(),
                fenced.get(),
                leasesRefused.get());
        assertThat(unexpected).as("unexpected failures").isEmpty();
        assertThat(staleWritesNotFenced.get())
                .as("writes with an expired lease that were not fenced")
                .isZero();
        Map<MigrationId, List<Win>> byMigration = new HashMap<>();
        for (Win w : wins) {
            byMigration.computeIfAbsent(w.id(), k -> new ArrayList<>()).add(w);
        }
        int transitions = 0;
        for (MigrationId id : ids) {
            List<Win> mine = byMigration.getOrDefault(id, List.of());
            mine.sort((a, b) -> Long.compare(a.expectedVersion(), b.expectedVersion()));
            MigrationRecord last = store.read(id).orElseThrow();
            // Created at version 1; each committed write adds one, and exactly one client was told it won each.
            List<Long> expected = new ArrayList<>();
            for (long v = 1; v < last.version(); v++) {
                expected.add(v);
            }
            assertThat(mine.stream().map(Win::expectedVersion).toList())
                    .as("versions won on %s", id)
                    .isEqualTo(expected);
            List<AuditEntry> trail = store.audit(id, 0, 1_000_000);
            assertThat(AuditTrails.problems(trail)).as("audit trail of %s", id).isEmpty();
            assertThat(trail).hasSize(mine.size() + 1);
            long lastToken = -1;
            for (int i = 0; i < mine.size(); i++) {
                Win w = mine.get(i);
                AuditEntry e = trail.get(i + 1);
                assertThat(e.seq()).isEqualTo(w.seq());
                // The winner wrote its unique step id as the entry's actor.
                assertThat(e.actor()).as("entry %s of %s", e.seq(), id).isEqualTo(w.stepId());
                if (w.token() >= 0) {
                    // A write fenced by an older grant after one fenced by a newer grant would be a fencing failure.
                    assertThat(w.token())
                            .as("fencing tokens along the trail of %s", id)
                            .isGreaterThanOrEqualTo(lastToken);
                    lastToken = w.token();
                }
            }
            transitions += mine.size();
        }
        assertThat(transitions).as("committed transitions").isGreaterThan(50);
        assertThat(conflicts.get())
                .as("lost compare-and-sets (there was contention)")
                .isPositive();
        assertThat(staleWritesFenced.get()).as("stale writes refused").isPositive();
    }
}
