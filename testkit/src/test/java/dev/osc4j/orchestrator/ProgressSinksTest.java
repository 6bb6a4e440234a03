package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.osc4j.KeyspaceProgress;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationState;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSinks;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardSnapshot;
import dev.osc4j.TransitionEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ProgressSinksTest {

    @Test
    @DisplayName("snapshots aggregate progress weighted by shard size and the ETA of the slowest shard")
    void weightedAggregate() {
        List<ProgressSnapshot> snapshots = new ArrayList<>();
        List<TransitionEvent> transitions = new ArrayList<>();
        ProgressSink recorder = new ProgressSink() {
            @Override
            public void onProgress(ProgressSnapshot s) {
                snapshots.add(s);
            }

            @Override
            public void onTransition(TransitionEvent e) {
                transitions.add(e);
            }
        };
        World w = new World(b -> b.progressSink(recorder));
        MigrationId id = w.submit("sinks", null);
        // 3 s in: startup took 1 s, every shard copied 20,000 rows at 10,000 rows/s.
        w.runUntil(id, r -> w.clock.instant().getEpochSecond() >= 1767225603L);
        ProgressSnapshot s = snapshots.get(snapshots.size() - 1);
        assertThat(s.migrationId()).isEqualTo(id);
        ShardSnapshot big = s.shards().get(0);
        assertThat(big.shard()).isEqualTo("-40");
        assertThat(big.progress().percent()).isCloseTo(50.0, within(0.5));
        KeyspaceProgress a = s.aggregate();
        // Weighted by rows: -40 (40,000 rows) at 50%, the three small shards (35,000 rows) done: 73.3%, not 87.5%.
        assertThat(a.percent()).isCloseTo(100.0 * (20_000 + 35_000) / 75_000, within(1.0));
        assertThat(a.rowsTotal()).isEqualTo(75_000);
        assertThat(a.eta()).isNotNull();
        assertThat(a.eta()).isEqualTo(big.progress().eta());
        w.runUntil(id, MigrationState.COMPLETED);
        assertThat(transitions).anySatisfy(e -> {
            assertThat(e.shard()).isNull();
            assertThat(e.to()).isEqualTo(MigrationState.COMPLETED);
        });
    }

    @Test
    @DisplayName(
            "the Micrometer sink publishes gauges per shard and for the migration, counts transitions, and removes gauges at the end")
    void micrometer() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        World w = new World(b -> b.progressSink(ProgressSinks.micrometer(registry)));
        MigrationId id = w.submit("metrics", null);
        w.runUntil(id, MigrationState.COPYING_ROWS);
        w.run(java.time.Duration.ofSeconds(2));
        assertThat(registry.get("osc4j.migration.progress")
                        .tag("shard", "-40")
                        .gauge()
                        .value())
                .isGreaterThan(0);
        assertThat(registry.get("osc4j.migration.progress")
                        .tag("shard", "_all")
                        .gauge()
                        .value())
                .isGreaterThan(0);
        assertThat(registry.get("osc4j.migration.copied")
                        .tag("migration", id.value())
                        .gauges())
                .hasSize(5);
        assertThat(registry.get("osc4j.migration.progress")
                        .tag("shard", "_all")
                        .gauge()
                        .value())
                .as("a ratio, not a percentage")
                .isLessThanOrEqualTo(1.0);
        assertThat(registry.get("osc4j.migrations.active")
                        .tag("state", "COPYING_ROWS")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get("osc4j.transitions")
                        .tag("to", "COPYING_ROWS")
                        .tag("level", "shard")
                        .counter()
                        .count())
                .isEqualTo(4);
        w.runUntil(id, MigrationState.COMPLETED);
        w.run(java.time.Duration.ofSeconds(1));
        assertThat(registry.find("osc4j.migration.progress").gauges()).isEmpty();
        assertThat(registry.get("osc4j.migrations.active")
                        .tag("state", "COPYING_ROWS")
                        .gauge()
                        .value())
                .isZero();
        assertThat(registry.get("osc4j.transitions")
                        .tag("to", "COMPLETED")
                        .tag("level", "migration")
                        .counter()
                        .count())
                .isEqualTo(1);
    }
}
