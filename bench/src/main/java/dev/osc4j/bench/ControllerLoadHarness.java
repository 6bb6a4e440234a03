package dev.osc4j.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One controller with the in-memory store and the fake topology driving N migrations x S shards at a 1 s poll
 * interval, in real time. Prints the CPU the JVM used as a share of one core, passes per second, and the heap after a
 * full GC. Arguments: migrations (1000), shards (64), measured seconds (120); or {@code capacity} and two counts, to
 * extrapolate the count one controller holds at one full core (see {@link #main}).
 */
public final class ControllerLoadHarness {
    private ControllerLoadHarness() {}

    /** What one measurement saw. */
    private record Result(int migrations, double cpuShare, double heapMiB) {}

    /**
     * Entry point. With a first argument {@code capacity}, the next ones are two migration counts, shards and seconds:
     * each count is measured in turn (a fresh controller, store and fakes each), and the count one controller holds at
     * 100 % of one core is extrapolated linearly from the two.
     */
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("capacity")) {
            int low = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
            int high = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
            int shards = args.length > 3 ? Integer.parseInt(args[3]) : 64;
            int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 60;
            Result a = measure(low, shards, seconds);
            Result b = measure(high, shards, seconds);
            double perMigration = (b.cpuShare() - a.cpuShare()) / (b.migrations() - a.migrations());
            double heapPerMigration = (b.heapMiB() - a.heapMiB()) / (b.migrations() - a.migrations());
            if (perMigration <= 0) {
                System.out.printf(
                        Locale.ROOT, "capacity: no growth of CPU between the two counts (noise?); measure longer%n");
                return;
            }
            double atFullCore = a.migrations() + (1.0 - a.cpuShare()) / perMigration;
            System.out.printf(
                    Locale.ROOT,
                    "capacity (linear from %d and %d migrations x %d shards): %.3f %% of one core per 100 migrations,"
                            + " about %.0f migrations at 100 %% of one core, heap there about %.0f MiB%n",
                    a.migrations(),
                    b.migrations(),
                    shards,
                    perMigration * 100 * 100,
                    atFullCore,
                    a.heapMiB() + heapPerMigration * (atFullCore - a.migrations()));
            return;
        }
        int migrations = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int shards = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 120;
        measure(migrations, shards, seconds);
    }

    private static Result measure(int migrations, int shards, int seconds) throws InterruptedException {
        Clock clock = Clock.systemUTC();
        // Big shards and a slow copy keep every migration in COPYING_ROWS for the whole run: the steady state.
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("ks", shards, 1_000_000_000L);
        FakeEngine engine = FakeEngine.builder(topology).rowsPerSecond(1000).build();
        InMemoryStateStore store = new InMemoryStateStore(clock);
        AtomicLong snapshots = new AtomicLong();
        ProgressSink counter = new ProgressSink() {
            @Override
            public void onProgress(ProgressSnapshot snapshot) {
                snapshots.incrementAndGet();
            }
        };
        try (MigrationOrchestrator osc = MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .progressSink(counter)
                .pollInterval(Duration.ofSeconds(1))
                .clock(clock)
                .build()) {
            for (int i = 0; i < migrations; i++) {
                osc.submit(MigrationRequest.builder()
                        .idempotencyKey("load-" + i)
                        .keyspace("ks")
                        .table("t" + i)
                        .ddl("ADD COLUMN c INT")
                        .engine(engine.name())
                        .requestedBy("bench")
                        .build());
            }
            osc.start();
            System.out.printf(
                    Locale.ROOT, "submitted %d migrations x %d shards; waiting until all copy%n", migrations, shards);
            long warmupEnd = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (copying(osc) < migrations && System.nanoTime() < warmupEnd) {
                Thread.sleep(1000);
            }
            System.out.printf(
                    Locale.ROOT, "%d/%d migrations copying; measuring %d s%n", copying(osc), migrations, seconds);
            Thread.sleep(10_000); // let the JIT settle

            OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long controllerThread = controllerThreadId(threads);
            long cpu0 = os.getProcessCpuTime();
            long controllerCpu0 = threads.getThreadCpuTime(controllerThread);
            long allocated0 = allocated(threads, controllerThread);
            long wall0 = System.nanoTime();
            long snaps0 = snapshots.get();
            long writes0 = store.writes();
            Thread.sleep(seconds * 1000L);
            long cpu1 = os.getProcessCpuTime();
            long controllerCpu1 = threads.getThreadCpuTime(controllerThread);
            long allocated1 = allocated(threads, controllerThread);
            long wall1 = System.nanoTime();
            double wallSeconds = (wall1 - wall0) / 1e9;
            double cpuShare = (cpu1 - cpu0) / (double) (wall1 - wall0);
            double controllerShare = (controllerCpu1 - controllerCpu0) / (double) (wall1 - wall0);
            double passesPerSecond = (snapshots.get() - snaps0) / wallSeconds / migrations;
            double writesPerSecond = (store.writes() - writes0) / wallSeconds;

            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            Thread.sleep(500);
            System.gc();
            long heap = memory.getHeapMemoryUsage().getUsed();
            System.out.printf(
                    Locale.ROOT,
                    "migrations=%d shards=%d measured=%.0fs cpu=%.1f%% of one core (controller thread %.1f%%, the rest GC, JIT and other JVM threads) controller thread allocates %.1f MB/s passes/s per migration=%.2f store writes/s=%.0f heap after full GC=%.0f MiB (%d processors)%n",
                    migrations,
                    shards,
                    wallSeconds,
                    cpuShare * 100,
                    controllerShare * 100,
                    (allocated1 - allocated0) / wallSeconds / 1e6,
                    passesPerSecond,
                    writesPerSecond,
                    heap / 1024.0 / 1024.0,
                    Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "still copying at the end: %d/%d%n", copying(osc), migrations);
            return new Result(migrations, cpuShare, heap / 1024.0 / 1024.0);
        }
    }

    /**
     * Bytes the thread allocated so far: garbage the collector must clear (the steadier figure of the two, next to a
     * CPU share that varies by a point or two from run to run on a shared machine).
     */
    private static long allocated(ThreadMXBean threads, long thread) {
        return threads instanceof com.sun.management.ThreadMXBean sun ? sun.getThreadAllocatedBytes(thread) : -1;
    }

    /** The thread that runs the controller's passes (named {@code osc4j-controller-...}). */
    private static long controllerThreadId(ThreadMXBean threads) {
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("osc4j-controller-")) {
                return info.getThreadId();
            }
        }
        throw new IllegalStateException("no osc4j-controller thread is running");
    }

    /** How many of the first 10,000 migrations {@code client} lists are copying rows; the harnesses' steady state. */
    public static long copying(MigrationClient client) {
        long n = 0;
        MigrationFilter filter = MigrationFilter.all().limit(10_000);
        List<MigrationSummary> all = client.list(filter);
        for (MigrationSummary s : all) {
            if (s.state() == MigrationState.COPYING_ROWS) {
                n++;
            }
        }
        return n;
    }
}
