package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HappyPathTest {
    @Test
    void fourShardMigrationCompletes() {
        SettableClock clock = SettableClock.startingAtEpoch2026();
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-40", 400_000L);
        rows.put("40-80", 100_000L);
        rows.put("80-c0", 50_000L);
        rows.put("c0-", 10_000L);
        FakeTopology topology = new FakeTopology(clock).addKeyspace("commerce", rows);
        FakeEngine engine = FakeEngine.on(topology);
        InMemoryStateStore store = new InMemoryStateStore(clock);
        try (MigrationOrchestrator osc = MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .clock(clock)
                .build()) {
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("happy-1")
                    .keyspace("commerce")
                    .table("orders")
                    .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(64)")
                    .engine("fake")
                    .requestedBy("test")
                    .build());
            MigrationRecord done =
                    Simulation.of(osc, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
            assertThat(done.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
            assertThat(engine.runsStarted()).isEqualTo(4);
            for (String shard : rows.keySet()) {
                assertThat(topology.appliedDdl("commerce", shard))
                        .containsExactly(done.spec().ddl());
            }
            AuditTrails.assertSound(osc.audit(id));
        }
    }
}
