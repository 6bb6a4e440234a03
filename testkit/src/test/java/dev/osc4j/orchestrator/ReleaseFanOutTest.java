package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The barrier releases every shard in one write; the releases then reach the engine in parallel, up to the release
 * parallelism (1: one after the other). Checked by the most releases in flight at once, never by a time; the time
 * between the first and the last release is measured by {@code ReleaseSkewBenchmark} in bench/.
 */
class ReleaseFanOutTest {

    /** An engine whose release takes a moment (a remote call) and that counts releases in flight. */
    static final class SlowRelease extends ForwardingExecutionEngine {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final AtomicInteger released = new AtomicInteger();

        SlowRelease(FakeEngine delegate) {
            super(delegate);
        }

        @Override
        public void releaseCutover(EngineHandle handle) {
            int now = inFlight.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.releaseCutover(handle);
            released.incrementAndGet();
            inFlight.decrementAndGet();
        }
    }

    @ParameterizedTest(name = "release parallelism {0}")
    @ValueSource(ints = {1, 16})
    @DisplayName("64 shards released together reach the engine at most the parallelism at a time, and all complete")
    void fanOut(int parallelism) {
        SettableClock clock = SettableClock.startingAtEpoch2026();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", 64, 1_000);
        SlowRelease engine = new SlowRelease(FakeEngine.on(topology));
        MigrationOrchestrator osc = MigrationOrchestrator.builder()
                .store(new InMemoryStateStore(clock))
                .topology(topology)
                .engine(engine)
                .clock(clock)
                .releaseParallelism(parallelism)
                .build();
        MigrationId id = osc.submit(MigrationRequest.builder()
                .idempotencyKey("fan-out")
                .keyspace("commerce")
                .table("orders")
                .ddl("ALTER TABLE orders ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .build());
        Simulation.of(osc, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        assertThat(engine.released.get()).isEqualTo(64);
        if (parallelism == 1) {
            assertThat(engine.most.get()).as("one after the other").isEqualTo(1);
        } else {
            assertThat(engine.most.get()).as("in parallel, bounded").isBetween(2, parallelism);
        }
        AuditTrails.assertSound(osc.audit(id));
    }
}
