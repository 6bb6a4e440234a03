package dev.osc4j.bench;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.InMemoryStateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * P5, a directive's reaction time: a running controller (real clock, 1 s poll) on the in-memory store; an operator
 * pauses and resumes a copying migration; the time from the directive to the engine's throttle call
 * (ratio 1, then 0), from just before the directive call. The store's watch wakes the loop, so this is not a poll interval. Side by side: the same with a
 * 250 ms poll.
 *
 * <p>Arguments: rounds (20).
 */
public final class DirectiveLatencyBenchmark {
    private DirectiveLatencyBenchmark() {}

    /** Hands each throttle call's time to the benchmark. */
    static final class Observed extends ForwardingExecutionEngine {
        final BlockingQueue<Long> throttled = new ArrayBlockingQueue<>(1024);

        Observed(FakeEngine delegate) {
            super(delegate);
        }

        @Override
        public void throttle(EngineHandle handle, double ratio) {
            super.throttle(handle, ratio);
            throttled.add(System.nanoTime());
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.log.dev.osc4j", "warn");
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf(
                Locale.ROOT,
                "directive -> engine call, in-memory store, %d pause/resume pairs (%d cores)%n",
                rounds,
                Runtime.getRuntime().availableProcessors());
        for (Duration poll : new Duration[] {Duration.ofSeconds(1), Duration.ofMillis(250)}) {
            double[] ms = measure(poll, rounds);
            Arrays.sort(ms);
            System.out.printf(
                    Locale.ROOT,
                    "poll %5d ms: median %.1f ms, p90 %.1f ms, max %.1f ms over %d directives%n",
                    poll.toMillis(),
                    ms[ms.length / 2],
                    ms[(int) (ms.length * 0.9)],
                    ms[ms.length - 1],
                    ms.length);
        }
        System.exit(0);
    }

    private static double[] measure(Duration poll, int rounds) throws Exception {
        Clock clock = Clock.systemUTC();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", 1, 1_000_000_000L);
        Observed engine =
                new Observed(FakeEngine.builder(topology).rowsPerSecond(1_000).build());
        try (MigrationOrchestrator osc = MigrationOrchestrator.builder()
                .store(new InMemoryStateStore(clock))
                .topology(topology)
                .engine(engine)
                .clock(clock)
                .pollInterval(poll)
                .build()) {
            osc.start();
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("directive-latency-" + poll.toMillis())
                    .keyspace("commerce")
                    .table("orders")
                    .ddl("ALTER TABLE orders ADD COLUMN note INT")
                    .engine(FakeEngine.DEFAULT_NAME)
                    .requestedBy("bench")
                    .build());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            MigrationRecord r = osc.get(id);
            while (r.state() != MigrationState.COPYING_ROWS && System.nanoTime() < deadline) {
                Thread.sleep(20);
                r = osc.get(id);
            }
            double[] out = new double[rounds * 2];
            for (int i = 0; i < rounds; i++) {
                engine.throttled.clear();
                long sent = System.nanoTime();
                osc.pause(id, "pause-" + i, "bench");
                Long seen = engine.throttled.poll(10, TimeUnit.SECONDS);
                out[2 * i] = seen == null ? Double.NaN : (seen - sent) / 1e6;
                Thread.sleep(300);
                engine.throttled.clear();
                sent = System.nanoTime();
                osc.resume(id, "resume-" + i, "bench");
                seen = engine.throttled.poll(10, TimeUnit.SECONDS);
                out[2 * i + 1] = seen == null ? Double.NaN : (seen - sent) / 1e6;
                Thread.sleep(300);
            }
            return out;
        }
    }
}
