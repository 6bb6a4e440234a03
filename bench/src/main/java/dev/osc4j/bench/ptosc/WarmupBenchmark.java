package dev.osc4j.bench.ptosc;

import dev.osc4j.Endpoint;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.PreSwapPolicy;
import dev.osc4j.ProgressSink;
import dev.osc4j.engine.ptosc.PtOscEngine;
import dev.osc4j.mysql.MySqlShard;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Does warming the new table before the swap shorten the latency spike after it? A MariaDB whose buffer pool is smaller
 * than the table, a point-read workload skewed to a hot set (Zipfian over the keys, rank r reads key r), and pt-osc
 * migrations through the orchestrator, one without and one with warming (ANALYZE is pt-osc's own in both), in the same
 * run and server. Prints p50/p99 read latency per second from 60 s before to 60 s after each swap, and how many seconds
 * after the swap p99 stays above 1.5x its steady value (the median of the per-second p99 over the 20 s before the
 * migration was submitted).
 *
 * <p>Arguments ({@code name=value}): {@code rows} (1,000,000), {@code pool} (buffer pool MiB, 96), {@code threads} (4),
 * {@code seconds} (60), {@code rounds} (1: cold then warm; 2 adds warm then cold), {@code flush} (innodb_flush_method,
 * O_DIRECT so that the OS page cache does not hide buffer pool misses; fsync for the OS cache in play).
 */
public final class WarmupBenchmark {
    private static final String SCHEMA = "warmbench";
    private static final String TABLE = "t";

    private WarmupBenchmark() {}

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new java.util.HashMap<>();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            a.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        int rows = Integer.parseInt(a.getOrDefault("rows", "1000000"));
        int pool = Integer.parseInt(a.getOrDefault("pool", "96"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "4"));
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "60"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "1"));
        // O_DIRECT keeps the OS page cache out of the way, so a buffer pool miss is a real read from the disk.
        String flush = a.getOrDefault("flush", "O_DIRECT");
        System.out.printf(
                Locale.ROOT,
                "warmup benchmark: %,d rows of ~200 bytes, buffer pool %d MiB, flush method %s, %d reader threads, %d s"
                        + " each side%n",
                rows,
                pool,
                flush,
                threads,
                seconds);
        Path work = Files.createTempDirectory("osc4j-warm-bench-");
        try (LocalMariaDb db = LocalMariaDb.builder()
                .serverOption("innodb_buffer_pool_size", pool + "M")
                .serverOption("innodb_flush_method", flush)
                .start()) {
            db.createDatabase(SCHEMA);
            try (Connection c = db.connect(SCHEMA);
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + TABLE + " (id INT NOT NULL PRIMARY KEY, a INT NOT NULL, pad CHAR(190)"
                        + " NOT NULL) ENGINE=InnoDB");
                long t0 = System.nanoTime();
                st.execute(
                        "INSERT INTO " + TABLE + " SELECT seq, seq MOD 1000, REPEAT('p', 190) FROM seq_1_to_" + rows);
                System.out.printf(Locale.ROOT, "loaded in %,d ms%n", (System.nanoTime() - t0) / 1_000_000);
            }
            Zipf zipf = new Zipf(rows, 0.99);
            Workload load = new Workload(db, zipf, threads);
            load.start();
            try {
                List<String> summary = new ArrayList<>();
                int n = 0;
                for (int round = 0; round < rounds; round++) {
                    for (boolean warm : round % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                        n++;
                        summary.add(migrate(db, work, load, warm, seconds, n));
                    }
                }
                System.out.println();
                System.out.println("| migration | warming | steady p99 | p99 max after swap | seconds with p99 > 1.5x"
                        + " steady (of " + seconds + " after) | longest run from the swap | warm step |");
                System.out.println("|---|---|---|---|---|---|---|");
                summary.forEach(System.out::println);
            } finally {
                load.stop();
            }
        }
    }

    private static String migrate(LocalMariaDb db, Path work, Workload load, boolean warm, int seconds, int n)
            throws Exception {
        Thread.sleep(20_000); // the steady state before the migration
        long submitSec = load.nowSec();
        CredentialsProvider credentials = CredentialsProvider.of(db.user(), db.password());
        PtOscEngine engine = PtOscEngine.builder()
                .credentials(credentials)
                .workDirectory(work.resolve("runs-" + n))
                .build();
        MySqlTopology topology = MySqlTopology.builder()
                .credentials(credentials)
                .shard(MySqlShard.of("bench", "s1", SCHEMA, new Endpoint(db.host(), db.port())))
                .build();
        AtomicLong swapSec = new AtomicLong(-1);
        CountDownLatch ended = new CountDownLatch(1);
        ProgressSink sink = new ProgressSink() {
            @Override
            public void onTransition(dev.osc4j.TransitionEvent e) {
                if (e.shard() != null && e.to() == MigrationState.SWITCHING_TRAFFIC) {
                    swapSec.compareAndSet(-1, load.nowSec());
                }
                if (e.shard() == null && (e.to().isTerminal() || e.to() == MigrationState.FAILED)) {
                    ended.countDown();
                }
            }
        };
        String warmDetail = "";
        try (topology;
                engine;
                MigrationOrchestrator osc = MigrationOrchestrator.builder()
                        .store(new InMemoryStateStore())
                        .topology(topology)
                        .engine(engine)
                        .progressSink(sink)
                        .pollInterval(Duration.ofMillis(250))
                        .build()) {
            osc.start();
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("warm-bench-" + n)
                    .keyspace("bench")
                    .table(TABLE)
                    .ddl("ALTER TABLE " + TABLE + " ADD COLUMN n" + n + " INT NOT NULL DEFAULT 0")
                    .engine(PtOscEngine.DEFAULT_NAME)
                    .requestedBy("bench")
                    .policy(MigrationPolicy.builder()
                            .skipChecksum(true)
                            .revertWindow(Duration.ZERO)
                            .preSwap(PreSwapPolicy.defaults().withWarm(warm))
                            .build())
                    .build());
            if (!ended.await(30, TimeUnit.MINUTES)) {
                throw new IllegalStateException("migration " + n + " did not end in 30 minutes");
            }
            MigrationRecord rec = osc.get(id);
            if (rec.state() != MigrationState.COMPLETED) {
                throw new IllegalStateException("migration " + n + " ended " + rec.state() + ": " + rec.shards());
            }
            String runDir = java.util.Objects.requireNonNull(rec.shards().get(0).handle())
                    .attributes()
                    .get("runDir");
            if (warm && runDir != null) {
                warmDetail = Files.readString(Path.of(runDir, "warm.json")).replace('|', '/');
            }
        }
        long swap = swapSec.get();
        Thread.sleep((seconds + 2) * 1000L);
        double steady = median(load.p99s(submitSec - 20, submitSec));
        System.out.printf(
                Locale.ROOT,
                "%nmigration %d (warming %s): submitted at %d s, swap at %d s%n",
                n,
                warm ? "on" : "off",
                submitSec,
                swap);
        System.out.println("  s from swap   reads   p50 ms   p99 ms");
        for (long s = swap - seconds; s < swap + seconds; s++) {
            double[] l = load.bucket(s);
            System.out.printf(Locale.ROOT, "  %+5d %9d %8.2f %8.2f%n", s - swap, l.length, pct(l, 0.50), pct(l, 0.99));
        }
        int above = 0;
        int run = 0;
        boolean inRun = true;
        double max = 0;
        for (long s = swap; s < swap + seconds; s++) {
            double p99 = pct(load.bucket(s), 0.99);
            max = Math.max(max, p99);
            boolean over = p99 > 1.5 * steady;
            if (over) {
                above++;
            }
            if (inRun && over) {
                run++;
            } else {
                inRun = false;
            }
        }
        return String.format(
                Locale.ROOT,
                "| %d | %s | %.2f ms | %.2f ms | %d | %d s | %s |",
                n,
                warm ? "on" : "off",
                steady,
                max,
                above,
                run,
                warm ? warmDetail : "-");
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v[v.length / 2];
    }

    private static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    /** Zipfian ranks 1..n with exponent s, by inverse CDF over a precomputed table. */
    private static final class Zipf {
        private final double[] cdf;

        Zipf(int n, double s) {
            cdf = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 1 / Math.pow(i + 1, s);
                cdf[i] = sum;
            }
            for (int i = 0; i < n; i++) {
                cdf[i] /= sum;
            }
        }

        int next() {
            int i = Arrays.binarySearch(cdf, ThreadLocalRandom.current().nextDouble());
            return (i >= 0 ? i : -i - 1) + 1;
        }
    }

    /** Reader threads; each read's latency in the bucket of the second it started. */
    private static final class Workload {
        private final LocalMariaDb db;
        private final Zipf zipf;
        private final int threads;
        private final long t0 = System.nanoTime();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Map<Long, List<Double>> buckets = new ConcurrentHashMap<>();
        private final List<Thread> workers = new ArrayList<>();

        Workload(LocalMariaDb db, Zipf zipf, int threads) {
            this.db = db;
            this.zipf = zipf;
            this.threads = threads;
        }

        long nowSec() {
            return (System.nanoTime() - t0) / 1_000_000_000L;
        }

        void start() {
            for (int i = 0; i < threads; i++) {
                Thread t = new Thread(this::read, "reader-" + i);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }
        }

        private void read() {
            while (!stop.get()) {
                try (Connection c = db.connect(SCHEMA);
                        PreparedStatement ps = c.prepareStatement("SELECT pad FROM " + TABLE + " WHERE id = ?")) {
                    while (!stop.get()) {
                        ps.setInt(1, zipf.next());
                        long s = System.nanoTime();
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                        }
                        long e = System.nanoTime();
                        buckets.computeIfAbsent(
                                        (s - t0) / 1_000_000_000L,
                                        k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                                .add((e - s) / 1e6);
                    }
                } catch (SQLException e) {
                    // The swap's RENAME can fail a read (table gone for an instant): count nothing, reconnect.
                }
            }
        }

        double[] bucket(long sec) {
            List<Double> l = buckets.get(sec);
            if (l == null) {
                return new double[0];
            }
            synchronized (l) {
                return l.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            }
        }

        List<Double> p99s(long from, long to) {
            List<Double> out = new ArrayList<>();
            for (long s = from; s < to; s++) {
                double[] b = bucket(s);
                if (b.length > 0) {
                    out.add(pct(b, 0.99));
                }
            }
            return out;
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : workers) {
                t.join(5_000);
            }
        }
    }
}
