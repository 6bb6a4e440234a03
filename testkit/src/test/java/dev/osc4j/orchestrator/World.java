package dev.osc4j.orchestrator;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/** A fake world for orchestrator tests: 4 shards of unequal size, the fake engine, the in-memory store. */
final class World {
    static final String KS = "commerce";
    final SettableClock clock = SettableClock.startingAtEpoch2026();
    final FakeTopology topology;
    final FakeEngine engine;
    final InMemoryStateStore store = new InMemoryStateStore(clock);
    final MigrationOrchestrator osc;

    World() {
        this(b -> {});
    }

    World(Consumer<MigrationOrchestrator.Builder> customize) {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-40", 40_000L);
        rows.put("40-80", 20_000L);
        rows.put("80-c0", 10_000L);
        rows.put("c0-", 5_000L);
        topology = new FakeTopology(clock).addKeyspace(KS, rows);
        engine = FakeEngine.on(topology);
        osc = controller(customize);
    }

    MigrationOrchestrator controller(Consumer<MigrationOrchestrator.Builder> customize) {
        MigrationOrchestrator.Builder b = MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .clock(clock)
                .leaseTtl(Duration.ofSeconds(15));
        customize.accept(b);
        return b.build();
    }

    static MigrationRequest.Builder request(String key) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(KS)
                .table("orders")
                .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test");
    }

    MigrationId submit(String key, @Nullable MigrationPolicy policy) {
        return osc.submit(request(key).policy(policy).build());
    }

    MigrationRecord runUntil(MigrationId id, Predicate<MigrationRecord> condition) {
        return Simulation.of(osc, clock).runUntil(id, condition, Duration.ofHours(2));
    }

    MigrationRecord runUntil(MigrationId id, MigrationState state) {
        return runUntil(id, r -> r.state() == state);
    }

    /** Runs passes for {@code d} of simulated time. */
    void run(Duration d) {
        Simulation sim = Simulation.of(osc, clock);
        for (long s = 0; s < d.toSeconds(); s++) {
            sim.tick();
        }
    }
}
