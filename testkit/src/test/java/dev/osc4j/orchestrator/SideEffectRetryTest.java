package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.Artifact;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A side effect that keeps failing is retried with a growing delay, and promptly once the cause is gone")
class SideEffectRetryTest {
    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(World.KS, 4, 20_000);
    private final RefusingCleanup engine = new RefusingCleanup(FakeEngine.on(topology));
    private final MigrationOrchestrator osc = MigrationOrchestrator.builder()
            .store(new InMemoryStateStore(clock))
            .topology(topology)
            .engine(engine)
            .clock(clock)
            .build();

    @Test
    void aRefusedCleanupBacksOffAndCompletesOnceAllowed() {
        MigrationId id = osc.submit(World.request("refused-cleanup").build());
        Simulation sim = Simulation.of(osc, clock);
        sim.runUntil(id, MigrationState.COPYING_ROWS, Duration.ofMinutes(10));
        engine.refuse = true;
        osc.abort(id, "abort-1", "test");

        for (int s = 0; s < 600; s++) { // ten minutes of one-second passes
            sim.tick();
        }
        MigrationRecord held = osc.get(id);
        assertThat(held.state()).isNotEqualTo(MigrationState.ABORTED);
        assertThat(held.shards()).allSatisfy(sh -> assertThat(sh.waitReason()).contains("cleanup failed"));
        // 1, 2, 4 ... 256 s, then every 5 minutes: about ten attempts per shard, not one per pass (600).
        assertThat(engine.cleanupCalls.get()).isBetween(4 * 8, 4 * 12);

        engine.refuse = false;
        MigrationRecord aborted = sim.runUntil(id, MigrationState.ABORTED, Duration.ofMinutes(6));
        assertThat(aborted.shards()).allSatisfy(sh -> assertThat(sh.leftovers()).isEmpty());
    }

    /** The fake engine, except that its cleanup is refused (a permanent error) while {@link #refuse} is set. */
    static final class RefusingCleanup extends ForwardingExecutionEngine {
        final AtomicInteger cleanupCalls = new AtomicInteger();
        volatile boolean refuse;

        RefusingCleanup(ExecutionEngine delegate) {
            super(delegate);
        }

        @Override
        public CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key, List<Artifact> registered) {
            cleanupCalls.incrementAndGet();
            if (refuse) {
                throw EngineException.permanent(FailureReason.UNKNOWN, "DROP TABLE command denied to user 'osc'");
            }
            return super.cleanup(target, spec, key, registered);
        }
    }
}
