package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationState;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The reconcile loop")
class LoopTest {

    @Test
    @DisplayName("reconcileNow() is refused once start() runs the loop, which is not thread-safe to share")
    void reconcileNowIsRefusedOnceStarted() {
        World w = new World();
        try (MigrationOrchestrator osc = w.osc) {
            Simulation.pass(osc);
            osc.start();
            assertThatThrownBy(() -> Simulation.pass(osc))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("start()");
        }
    }

    @Test
    @DisplayName("runs on a thread made by the builder's thread factory")
    void runsOnTheGivenThreadFactory() {
        List<Thread> made = new ArrayList<>();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "platform-team-osc4j");
            t.setDaemon(true);
            made.add(t);
            return t;
        };
        World w = new World(b -> b.threadFactory(factory));
        try (MigrationOrchestrator osc = w.osc) {
            osc.start();
            assertThat(made)
                    .singleElement()
                    .satisfies(t -> assertThat(t.isAlive()).isTrue());
        }
        assertThat(made.get(0).isAlive()).as("stopped by close()").isFalse();
    }

    /** The fake engine, with a watch that hands its listener to the test, as a real engine's inotify would be. */
    static final class Watched extends ForwardingExecutionEngine {
        final AtomicReference<@Nullable Runnable> listener = new AtomicReference<>();

        Watched(FakeEngine delegate) {
            super(delegate);
        }

        @Override
        public AutoCloseable watch(Runnable l) {
            listener.set(l);
            return () -> listener.set(null);
        }
    }

    @Test
    @DisplayName(
            "an engine's event wakes the loop at once: a copy that ended is seen without waiting for the next poll")
    void engineEventWakesTheLoop() throws Exception {
        World w = new World();
        Watched engine = new Watched(w.engine);
        try (MigrationOrchestrator osc = hourlyPoll(w, engine)) {
            MigrationId id = osc.submit(World.request("wake").build());
            osc.start();
            assertThat(engine.listener.get()).as("subscribed by start()").isNotNull();
            awaitState(osc, id, MigrationState.INITIALIZING);
            Thread.sleep(300); // the loop settles: its own writes woke it, and now it waits for the poll
            MigrationState before = osc.get(id).state();
            w.clock.advance(Duration.ofHours(1)); // every shard's copy is done now
            Thread.sleep(1_000);
            assertThat(osc.get(id).state())
                    .as("not seen before the next poll, an hour away")
                    .isEqualTo(before)
                    .isNotEqualTo(MigrationState.COMPLETED);
            Objects.requireNonNull(engine.listener.get()).run();
            awaitState(osc, id, MigrationState.SWITCHING_TRAFFIC); // seen ready, through the gates, released
            // The swaps take simulated time: each time the clock moves, the engine says so again.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (osc.get(id).state() != MigrationState.COMPLETED && System.nanoTime() < deadline) {
                w.clock.advance(Duration.ofMinutes(1));
                Objects.requireNonNull(engine.listener.get()).run();
                Thread.sleep(50);
            }
            assertThat(osc.get(id).state()).isEqualTo(MigrationState.COMPLETED);
        }
        assertThat(engine.listener.get()).as("unsubscribed by close()").isNull();
    }

    @Test
    @DisplayName("a shard waiting for its replica to catch up is checked again within moments, not at the next poll:"
            + " the replica's catch-up, which no event announces, is seen at once")
    void catchUpIsRecheckedSoon() throws Exception {
        World w = new World();
        Watched engine = new Watched(w.engine);
        try (MigrationOrchestrator osc = hourlyPoll(w, engine)) {
            MigrationId id = osc.submit(World.request("catch-up").build());
            osc.start();
            awaitState(osc, id, MigrationState.INITIALIZING);
            w.topology.setReplicaLag(World.KS, "-40", Duration.ofSeconds(30));
            Thread.sleep(300);
            w.clock.advance(Duration.ofHours(1));
            Objects.requireNonNull(engine.listener.get()).run();
            awaitState(osc, id, MigrationState.WAITING_FOR_CATCHUP);
            Thread.sleep(500); // re-checked a few times while the replica lags: still waiting
            assertThat(osc.get(id).state()).isEqualTo(MigrationState.WAITING_FOR_CATCHUP);
            // The replica catches up, and the engine's backlog with it: no event, no store write announces this.
            w.topology.setReplicaLag(World.KS, "-40", Duration.ZERO);
            w.clock.advance(Duration.ofMinutes(1));
            awaitState(osc, id, MigrationState.SWITCHING_TRAFFIC);
        }
    }

    /** A controller over {@code w} whose poll is an hour away: only a wake-up makes it look sooner. */
    private static MigrationOrchestrator hourlyPoll(World w, Watched engine) {
        return MigrationOrchestrator.builder()
                .store(w.store)
                .topology(w.topology)
                .engine(engine)
                .clock(w.clock)
                .pollInterval(Duration.ofHours(1))
                .leaseTtl(Duration.ofHours(3))
                .build();
    }

    private static void awaitState(MigrationOrchestrator osc, MigrationId id, MigrationState state)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (osc.get(id).state() != state) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still " + osc.get(id).state() + ", not " + state + ": "
                        + osc.get(id).shards().stream()
                                .map(s -> s.shard() + " " + s.state() + " " + s.waitReason())
                                .toList());
            }
            Thread.sleep(10);
        }
    }
}
