package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.Lease;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("One broken migration never stops a controller from driving the others")
class IsolationTest {

    @Test
    @DisplayName("a running shard with neither engine handle nor intent fails as RUN_LOST, and the others complete")
    void runningShardWithoutHandleFailsAsRunLost() {
        World w = new World();
        List<MigrationId> ids = submitSix(w.osc);
        MigrationId broken = ids.get(3);
        w.runUntil(broken, MigrationState.COPYING_ROWS);
        w.osc.close();

        // A record as an older or damaged writer could leave it: running, no handle, no intent.
        Lease surgeon =
                w.store.tryAcquire(broken, "surgeon", Duration.ofSeconds(30)).orElseThrow();
        MigrationRecord rec = w.store.read(broken).orElseThrow();
        String shard = rec.shards().get(0).shard();
        w.store.compareAndSet(
                rec.withShard(shard, s -> s.withHandle(null).withIntent(null)), rec.version(), surgeon, List.of());
        w.store.release(surgeon);

        MigrationOrchestrator next = w.controller(b -> {});
        Simulation sim = Simulation.of(next, w.clock);
        for (int i = 0; i < 600; i++) {
            assertThatCode(sim::tick).as("pass %d", i).doesNotThrowAnyException();
        }
        MigrationRecord after = next.get(broken);
        ShardRecord lost = after.shard(shard).orElseThrow();
        assertThat(lost.failure()).isNotNull();
        assertThat(Objects.requireNonNull(lost.failure()).reason()).isEqualTo(FailureReason.RUN_LOST);
        for (MigrationId id : ids) {
            if (!id.equals(broken)) {
                assertThat(next.get(id).state()).as("healthy migration %s", id).isEqualTo(MigrationState.COMPLETED);
            }
        }
    }

    @Test
    @DisplayName("a migration whose reconcile throws is backed off, says why, and the others complete")
    void throwingMigrationIsIsolated() {
        ExplodingEngine exploding = new ExplodingEngine();
        World w = new World(b -> b.engine(exploding));
        List<MigrationId> ids = submitSix(w.osc);
        MigrationId broken = w.osc.submit(
                World.request("broken").engine(ExplodingEngine.NAME).build());
        exploding.explode = true;
        Simulation sim = Simulation.of(w.osc, w.clock);
        for (int i = 0; i < 900; i++) {
            assertThatCode(sim::tick).as("pass %d", i).doesNotThrowAnyException();
        }
        for (MigrationId id : ids) {
            assertThat(w.osc.get(id).state()).as("healthy migration %s", id).isEqualTo(MigrationState.COMPLETED);
        }
        MigrationRecord stuck = w.osc.get(broken);
        assertThat(stuck.state()).isEqualTo(MigrationState.QUEUED);
        assertThat(stuck.shards()).allSatisfy(s -> assertThat(s.waitReason()).contains("capabilities exploded"));
        // Backed off: 1, 2, 4 ... 256 s, then every 5 minutes: about ten attempts in 15 minutes, not one per pass.
        assertThat(exploding.calls.get()).isBetween(5, 20);
    }

    @Test
    @DisplayName(
            "a shard whose engine observations keep failing says so in its wait reason, and moves on once they work")
    void failingObservationsShowInTheWaitReason() {
        World w = new World(b -> b.progressWriteInterval(Duration.ofSeconds(1)));
        MigrationId id = w.submit("observation-fails", null);
        w.runUntil(id, MigrationState.COPYING_ROWS);
        w.engine.unavailable(true);
        w.run(Duration.ofSeconds(10));
        assertThat(w.osc.get(id).shards())
                .filteredOn(s -> s.state() == MigrationState.COPYING_ROWS)
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s.waitReason())
                        .startsWith("engine observation failing (")
                        .contains("is unavailable"));
        w.engine.unavailable(false);
        assertThat(w.runUntil(id, MigrationState.COMPLETED).state()).isEqualTo(MigrationState.COMPLETED);
    }

    private static List<MigrationId> submitSix(MigrationOrchestrator osc) {
        List<MigrationId> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(osc.submit(World.request("isolation-" + i).build()));
        }
        return ids;
    }

    /** The fake engine, except that {@link #capabilities()} throws once {@link #explode} is set: a bug in a user's engine. */
    private static final class ExplodingEngine extends ForwardingExecutionEngine {
        static final String NAME = "exploding";
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean explode;

        ExplodingEngine() {
            super(FakeEngine.builder(new FakeTopology(SettableClock.startingAtEpoch2026()))
                    .name(NAME)
                    .build());
        }

        @Override
        public EngineCapabilities capabilities() {
            if (explode) {
                calls.incrementAndGet();
                throw new IllegalStateException("capabilities exploded");
            }
            return super.capabilities();
        }
    }
}
