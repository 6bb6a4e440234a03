package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.Owner;
import dev.osc4j.internal.DefaultMigrationOrchestrator;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.ForwardingStateStore;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Several controllers sharing one store. */
class ControllersTest {

    /** The actors of the controller-written entries of a trail, in order, with repeats collapsed. */
    private static List<String> ownersInOrder(List<AuditEntry> trail) {
        List<String> owners = new ArrayList<>();
        for (AuditEntry e : trail) {
            if (e.kind() == AuditEntry.Kind.SUBMITTED || e.kind() == AuditEntry.Kind.DIRECTIVE) {
                continue;
            }
            if (owners.isEmpty() || !owners.get(owners.size() - 1).equals(e.actor())) {
                owners.add(e.actor());
            }
        }
        return owners;
    }

    @Test
    @DisplayName("four controllers racing on the same migrations: exactly one acts on each, each shard runs once")
    void concurrentControllers() throws Exception {
        World w = new World();
        List<MigrationOrchestrator> controllers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            controllers.add(w.controller(b -> b.controllerName("racer")));
        }
        List<MigrationId> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(w.osc.submit(World.request("race-" + i)
                    .table("t" + i)
                    .ddl("ADD COLUMN note INT")
                    .build()));
        }
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(controllers.size());
        try {
            List<Future<?>> loops = new ArrayList<>();
            for (MigrationOrchestrator c : controllers) {
                loops.add(pool.submit(() -> {
                    while (!done.get()) {
                        Simulation.pass(c);
                    }
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline
                    && !ids.stream().allMatch(id -> w.osc.get(id).state() == MigrationState.COMPLETED)) {
                w.clock.advance(Duration.ofMillis(200));
                Thread.sleep(2);
            }
            done.set(true);
            for (Future<?> f : loops) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (MigrationId id : ids) {
            MigrationRecord r = w.osc.get(id);
            assertThat(r.state()).as(id.value()).isEqualTo(MigrationState.COMPLETED);
            List<AuditEntry> trail = w.osc.audit(id);
            AuditTrails.assertSound(trail);
            assertThat(ownersInOrder(trail)).as("one owner acted on " + id).hasSize(1);
        }
        assertThat(w.engine.runsStarted()).isEqualTo(3 * 4);
        controllers.forEach(MigrationOrchestrator::close);
    }

    @Test
    @DisplayName("a batch submitted at once spreads over the controllers that look; a lone controller takes it all")
    void batchSpreads() {
        World w = new World();
        MigrationOrchestrator a = w.controller(b -> b.controllerName("a"));
        MigrationOrchestrator b = w.controller(bb -> bb.controllerName("b"));
        for (int i = 0; i < 40; i++) {
            w.osc.submit(World.request("batch-" + i)
                    .table("t" + i)
                    .ddl("ADD COLUMN note INT")
                    .build());
        }
        Simulation.pass(a);
        Simulation.pass(b);
        assertThat(((DefaultMigrationOrchestrator) a).owned()).hasSize(16);
        assertThat(((DefaultMigrationOrchestrator) b).owned()).hasSize(16);
        w.clock.advance(Duration.ofSeconds(1));
        Simulation.pass(b);
        Simulation.pass(a);
        assertThat(((DefaultMigrationOrchestrator) a).owned()).hasSize(16);
        assertThat(((DefaultMigrationOrchestrator) b).owned()).hasSize(24);

        World alone = new World();
        MigrationOrchestrator only = alone.controller(bb -> bb.controllerName("only"));
        for (int i = 0; i < 40; i++) {
            alone.osc.submit(World.request("alone-" + i)
                    .table("t" + i)
                    .ddl("ADD COLUMN note INT")
                    .build());
        }
        Simulation.pass(only);
        assertThat(((DefaultMigrationOrchestrator) only).owned()).hasSize(16);
        alone.clock.advance(Duration.ofSeconds(1));
        Simulation.pass(only);
        assertThat(((DefaultMigrationOrchestrator) only).owned()).hasSize(32);
        alone.clock.advance(Duration.ofSeconds(5));
        Simulation.pass(only);
        assertThat(((DefaultMigrationOrchestrator) only).owned())
                .as("after 5 s every migration is taken whatever the count")
                .hasSize(40);
    }

    /**
     * Counts lease requests by the owner's controller name (the id's first part); with {@code tells} false it cannot
     * tell lease holders, as a store may not.
     */
    private static final class CountingStore extends ForwardingStateStore {
        final Map<String, Integer> asked = new ConcurrentHashMap<>();
        private final boolean tells;

        CountingStore(StateStore delegate, boolean tells) {
            super(delegate);
            this.tells = tells;
        }

        @Override
        public Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
            asked.merge(owner.split("-", 2)[0], 1, Integer::sum);
            return super.tryAcquire(id, owner, ttl);
        }

        @Override
        public Optional<Map<MigrationId, String>> leaseHolders() {
            return tells ? super.leaseHolders() : Optional.empty();
        }
    }

    @Test
    @DisplayName("a controller does not ask for leases another controller holds, where the store tells who holds them")
    void discoveryAsksOnlyForFreeLeases() {
        for (boolean tells : new boolean[] {true, false}) {
            World w = new World();
            CountingStore store = new CountingStore(w.store, tells);
            MigrationOrchestrator a = w.controller(b -> b.store(store).controllerName("a"));
            MigrationOrchestrator b = w.controller(bb -> bb.store(store).controllerName("b"));
            for (int i = 0; i < 10; i++) {
                w.osc.submit(World.request("held-" + i)
                        .table("t" + i)
                        .ddl("ADD COLUMN note INT")
                        .build());
            }
            Simulation.pass(a);
            assertThat(((DefaultMigrationOrchestrator) a).owned()).hasSize(10);
            for (int i = 0; i < 5; i++) {
                w.clock.advance(Duration.ofSeconds(1));
                Simulation.pass(a);
                Simulation.pass(b);
            }
            assertThat(((DefaultMigrationOrchestrator) b).owned()).isEmpty();
            if (tells) {
                assertThat(store.asked.getOrDefault("b", 0))
                        .as("b asked for none of a's 10 live leases in 5 looks")
                        .isZero();
            } else {
                assertThat(store.asked.getOrDefault("b", 0))
                        .as("without the hint b asks for each lease at every look")
                        .isGreaterThanOrEqualTo(50);
            }
        }
    }

    @Test
    @DisplayName("when the owner dies, another controller takes over after the lease expires; the old owner is fenced")
    void takeoverAfterLeaseExpiry() {
        World w = new World();
        MigrationOrchestrator a = w.controller(b -> b.controllerName("a"));
        MigrationOrchestrator b = w.controller(bb -> bb.controllerName("b"));
        MigrationId id = w.osc.submit(World.request("takeover").build());
        Simulation.pass(a);
        assertThat(((DefaultMigrationOrchestrator) a).owned()).containsExactly(id);
        w.clock.advance(Duration.ofSeconds(2));
        Simulation.pass(a);
        MigrationRecord copying = w.osc.get(id);
        assertThat(copying.state()).isEqualTo(MigrationState.COPYING_ROWS);

        // a stops (a long GC pause, a partition): b cannot take over before the lease expires...
        w.clock.advance(Duration.ofSeconds(10));
        Simulation.pass(b);
        assertThat(((DefaultMigrationOrchestrator) b).owned()).isEmpty();
        // ...and takes over after it.
        w.clock.advance(Duration.ofSeconds(10));
        Simulation.pass(b);
        assertThat(((DefaultMigrationOrchestrator) b).owned()).containsExactly(id);
        long versionAfterTakeover = w.osc.get(id).version();
        // The change of owner is visible: in the record, the summary, and the audit trail, naming both controllers.
        Owner owner = java.util.Objects.requireNonNull(w.osc.get(id).owner());
        assertThat(owner.controllerId()).isEqualTo(b.controllerId());
        assertThat(owner.since()).isEqualTo(w.clock.instant());
        assertThat(w.osc.list(MigrationFilter.all()).get(0).owner()).isEqualTo(owner);
        List<String> ownerChanges = w.osc.audit(id).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.OWNER)
                .map(AuditEntry::detail)
                .toList();
        assertThat(ownerChanges)
                .containsExactly(
                        "taken by " + a.controllerId() + " (epoch 1)",
                        "taken over from " + a.controllerId() + " (epoch 1), whose lease expired, by "
                                + b.controllerId() + " (epoch " + owner.epoch() + ")");
        assertThat(owner.epoch()).isGreaterThan(1);

        // a wakes up: its lease is gone, so it writes nothing and lets go.
        Simulation.pass(a);
        assertThat(((DefaultMigrationOrchestrator) a).owned()).isEmpty();
        List<AuditEntry> trail = w.osc.audit(id);
        assertThat(trail.stream()
                        .filter(e -> e.actor().equals(a.controllerId())
                                && e.at().isAfter(w.clock.instant().minusSeconds(15))))
                .isEmpty();
        assertThat(w.osc.get(id).version()).isGreaterThanOrEqualTo(versionAfterTakeover);

        for (int i = 0; i < 3600 && w.osc.get(id).state() != MigrationState.COMPLETED; i++) {
            Simulation.pass(b);
            w.clock.advance(Duration.ofSeconds(1));
        }
        assertThat(w.osc.get(id).state()).isEqualTo(MigrationState.COMPLETED);
        assertThat(w.engine.runsStarted()).isEqualTo(4);
        Set<String> owners = new LinkedHashSet<>(ownersInOrder(w.osc.audit(id)));
        assertThat(owners).containsExactly(a.controllerId(), b.controllerId());
        AuditTrails.assertSound(w.osc.audit(id));
    }

    @Test
    @DisplayName("a controller that closes hands its migrations over: the next owner's audit entry says so")
    void cleanHandOver() {
        World w = new World();
        MigrationOrchestrator a = w.controller(b -> b.controllerName("a"));
        MigrationOrchestrator b = w.controller(bb -> bb.controllerName("b"));
        MigrationId id = w.osc.submit(World.request("hand-over").build());
        Simulation.pass(a);
        assertThat(w.osc.list(MigrationFilter.all()).get(0).owner()).isNotNull();
        a.close();
        Owner released = java.util.Objects.requireNonNull(w.osc.get(id).owner());
        assertThat(released.releasedAt()).isEqualTo(w.clock.instant());
        assertThat(w.osc.list(MigrationFilter.all()).get(0).owner()).isNull();
        w.clock.advance(Duration.ofSeconds(1));
        Simulation.pass(b);
        List<AuditEntry> owners = w.osc.audit(id).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.OWNER)
                .toList();
        assertThat(owners)
                .extracting(AuditEntry::actor)
                .containsExactly(a.controllerId(), a.controllerId(), b.controllerId());
        assertThat(owners.get(1).detail()).isEqualTo("released by " + a.controllerId() + " (epoch 1)");
        assertThat(owners.get(2).detail())
                .startsWith("handed over from " + a.controllerId() + " (epoch 1), which released it at ")
                .endsWith(", to " + b.controllerId() + " (epoch 2)");
        AuditTrails.assertSound(w.osc.audit(id));
    }

    @Test
    @DisplayName("the background loop drives a migration to completion in real time and close() stops it promptly")
    void backgroundLoop() throws Exception {
        World w = new World();
        MigrationOrchestrator live =
                w.controller(b -> b.pollInterval(Duration.ofMillis(20)).leaseTtl(Duration.ofSeconds(1)));
        MigrationId id = w.osc.submit(World.request("live").build());
        live.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && w.osc.get(id).state() != MigrationState.COMPLETED) {
            w.clock.advance(Duration.ofSeconds(1));
            Thread.sleep(5);
        }
        assertThat(w.osc.get(id).state()).isEqualTo(MigrationState.COMPLETED);
        long start = System.nanoTime();
        live.close();
        live.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(Thread.getAllStackTraces().keySet().stream().map(Thread::getName))
                .noneMatch(n -> n.equals("osc4j-controller-" + live.controllerId()));
    }
}
