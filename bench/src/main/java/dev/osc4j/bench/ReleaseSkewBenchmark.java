package dev.osc4j.bench;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * P4, cut-over skew: 64 shards on the fake topology, released together by the barrier; each release is a remote call
 * taking {@code latency} ms. Prints the time from the first to the last release reaching the engine, with the releases
 * sent one after the other (parallelism 1) and in parallel (16), side by side, several rounds each.
 *
 * <p>Arguments: shards (64), release latency in ms (5), rounds (5).
 */
public final class ReleaseSkewBenchmark {
    private ReleaseSkewBenchmark() {}

    /** Records when each release reaches the engine. */
    static final class Timed extends ForwardingExecutionEngine {
        final ConcurrentLinkedQueue<Long> reached = new ConcurrentLinkedQueue<>();
        final long latencyMillis;

        Timed(FakeEngine delegate, long latencyMillis) {
            super(delegate);
            this.latencyMillis = latencyMillis;
        }

        @Override
        public void releaseCutover(EngineHandle handle) {
            reached.add(System.nanoTime());
            try {
                Thread.sleep(latencyMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.releaseCutover(handle);
        }
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.log.dev.osc4j", "warn");
        int shards = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        long latency = args.length > 1 ? Long.parseLong(args[1]) : 5;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        System.out.printf(
                Locale.ROOT,
                "%d shards, each release a %d ms call; first-to-last release reaching the engine, ms (%d cores)%n",
                shards,
                latency,
                Runtime.getRuntime().availableProcessors());
        for (int parallelism : new int[] {1, 16}) {
            double[] skews = new double[rounds];
            for (int r = 0; r < rounds + 1; r++) {
                double skew = round(shards, latency, parallelism);
                if (r > 0) {
                    skews[r - 1] = skew; // the first round warms the JIT up
                }
            }
            Arrays.sort(skews);
            System.out.printf(
                    Locale.ROOT,
                    "release parallelism %2d: median %.1f ms, min %.1f, max %.1f (rounds: %s)%n",
                    parallelism,
                    skews[rounds / 2],
                    skews[0],
                    skews[rounds - 1],
                    Arrays.toString(skews));
        }
    }

    private static double round(int shards, long latency, int parallelism) {
        SettableClock clock = SettableClock.startingAtEpoch2026();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", shards, 1_000);
        Timed engine = new Timed(FakeEngine.on(topology), latency);
        MigrationOrchestrator osc = MigrationOrchestrator.builder()
                .store(new InMemoryStateStore(clock))
                .topology(topology)
                .engine(engine)
                .clock(clock)
                .releaseParallelism(parallelism)
                .build();
        MigrationId id = osc.submit(MigrationRequest.builder()
                .idempotencyKey("skew")
                .keyspace("commerce")
                .table("orders")
                .ddl("ALTER TABLE orders ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("bench")
                .build());
        Simulation.of(osc, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        long first = engine.reached.stream().mapToLong(Long::longValue).min().orElseThrow();
        long last = engine.reached.stream().mapToLong(Long::longValue).max().orElseThrow();
        osc.close();
        return (last - first) / 1e6;
    }
}
