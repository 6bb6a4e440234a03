package dev.osc4j.bench.ptosc;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.engine.ptosc.PtOscEngine;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.jspecify.annotations.Nullable;

/**
 * Replica lag under a pt-osc copy, four ways in one run on one real MariaDB primary and replica: no throttle, pt-osc's
 * own {@code --max-lag} (on/off), osc4j's closed loop ({@code targetReplicaLag}) and a fixed copy rate tuned by hand
 * (chunk size and sleep found by a short search that keeps lag p95 under the target).
 *
 * <p>The replica is made slower than the primary by a known means: {@code slave_run_triggers_for_rbr=YES} and a
 * replica-only trigger on pt-osc's new table that sleeps {@code replica-cost-us} microseconds per copied row (1 ms
 * every n rows; a sleep, not CPU work, so the replica's apply speed does not depend on what else runs on this shared
 * machine). The trigger
 * is created (unlogged, on the replica only) as soon as pt-osc's {@code _T_new} table appears on the replica; the
 * benchmark reports when that happened relative to the first copied row.
 *
 * <p>Lag is a heartbeat: the primary writes {@code NOW(6)} into a pt-heartbeat-format table every 100 ms, its age on
 * the replica is read every 100 ms (same host, same clock), not {@code Seconds_Behind_Master} (also sampled, for
 * comparison). The {@code osc4j} mode's controller reads the same table ({@code MySqlTopology.heartbeatTable}); the
 * {@code osc4j-sbm} mode's reads {@code Seconds_Behind_Master}. Every mode copies in the same fixed chunks. A foreground workload of point reads
 * and writes runs on another table of the primary all along. Each mode's figures cover the pt-osc run and the
 * replica's catch-up after it.
 *
 * <p>Arguments (defaults): {@code rows=200000 replica-cost-us=100 target-s=1 limit-s=10 fg-threads=3
 * modes=none,maxlag,osc4j-sbm,osc4j,hand plot=docs/images/lag-control.png chunk=1000}; {@code hand-sleep=0.035} skips
 * the search. The figures in docs/throttling.md: {@code rows=1000000 replica-cost-us=20}. See
 * {@code bench/README.md}.
 */
public final class LagControlBenchmark {
    private static final String SCHEMA = "bench";
    private static final long SAMPLE_MS = 100;
    private static final String HB_NOW = "DATE_FORMAT(NOW(6), '%Y-%m-%dT%H:%i:%s.%f')";

    private LagControlBenchmark() {}

    /** One sample: ms since the mode started, heartbeat lag (ms, -1 unknown), rows copied so far, osc4j's ratio. */
    private record Sample(long atMs, long lagMs, long rowsCopied, double ratio, long sbmSeconds) {}

    /** A mode's outcome. */
    private record Result(
            String mode,
            List<Sample> samples,
            long totalMs,
            long copyMs,
            long rows,
            List<Long> fgNanos,
            long triggerLeadMs,
            String note) {}

    private static int rows = 200_000;
    private static double costUs = 100;
    private static long targetMs = 1000;
    private static long limitMs = 10_000;
    private static int fgThreads = 3;

    /** The mode running now, for the samplers and the foreground (null between modes). */
    private static final AtomicReference<@Nullable Run> CURRENT = new AtomicReference<>();

    /** What the background threads record for the mode that runs. */
    private static final class Run {
        final String table;
        final long startNanos = System.nanoTime();
        final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        final List<Long> fg = Collections.synchronizedList(new ArrayList<>());
        volatile double ratio = Double.NaN;
        volatile long triggerAt = -1;

        Run(String table) {
            this.table = table;
        }

        long ms() {
            return (System.nanoTime() - startNanos) / 1_000_000;
        }
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        List<String> modes = List.of("none", "maxlag", "osc4j-sbm", "osc4j", "hand");
        Path plot = Path.of("docs/images/lag-control.png");
        int handChunk = 1000;
        double handSleep = -1;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "rows" -> rows = Integer.parseInt(kv[1]);
                case "replica-cost-us" -> costUs = Double.parseDouble(kv[1]);
                case "target-s" -> targetMs = Math.round(Double.parseDouble(kv[1]) * 1000);
                case "limit-s" -> limitMs = Math.round(Double.parseDouble(kv[1]) * 1000);
                case "fg-threads" -> fgThreads = Integer.parseInt(kv[1]);
                case "modes" -> modes = List.of(kv[1].split(","));
                case "plot" -> plot = Path.of(kv[1]);
                case "chunk" -> handChunk = Integer.parseInt(kv[1]);
                case "hand-sleep" -> handSleep = Double.parseDouble(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "lag control benchmark: %,d rows, replica cost %.0f us/row, target %d ms, limit %d ms, %d foreground"
                        + " threads, modes %s; load %s%n",
                rows,
                costUs,
                targetMs,
                limitMs,
                fgThreads,
                modes,
                loadAverage());
        Path work = Files.createTempDirectory("osc4j-lag-bench-");
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        try (LocalMariaDb primary = LocalMariaDb.start();
                LocalMariaDb replica = primary.startReplica()) {
            primary.createDatabase(SCHEMA);
            replica.waitForCatchUp(Duration.ofMinutes(1));
            try (Connection c = replica.connect(SCHEMA);
                    Statement st = c.createStatement()) {
                st.execute("SET GLOBAL slave_run_triggers_for_rbr = YES");
            }
            try (Connection c = primary.connect(SCHEMA);
                    Statement st = c.createStatement()) {
                // pt-heartbeat's table and format (what MySqlTopology.heartbeatTable reads).
                st.execute("CREATE TABLE heartbeat (ts VARCHAR(26) NOT NULL, server_id INT UNSIGNED NOT NULL PRIMARY"
                        + " KEY)");
                st.execute("INSERT INTO heartbeat VALUES (" + HB_NOW + ", @@server_id)");
                st.execute("CREATE TABLE fg (id INT PRIMARY KEY, v INT NOT NULL, pad VARCHAR(64) NOT NULL)");
                st.execute("INSERT INTO fg SELECT seq, 0, CONCAT('fg-', seq) FROM seq_1_to_100000");
            }
            replica.waitForCatchUp(Duration.ofMinutes(5));
            threads.add(loop("heartbeat", stop, primary, c -> {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("UPDATE heartbeat SET ts = " + HB_NOW);
                }
                Thread.sleep(SAMPLE_MS);
            }));
            threads.add(sampler(stop, primary, replica));
            for (int i = 0; i < fgThreads; i++) {
                threads.add(foreground(stop, primary));
            }
            threads.add(triggerWatcher(stop, replica));
            for (String mode : modes) {
                Map<String, String> hand = Map.of();
                if (mode.equals("hand")) {
                    double sleep = handSleep >= 0 ? handSleep : search(primary, replica, work, handChunk);
                    hand = Map.of("chunk-size", Integer.toString(handChunk), "chunk-time", "0", "sleep", fmt(sleep));
                }
                results.add(runMode(mode, primary, replica, work, hand.isEmpty() ? chunking(handChunk) : hand));
            }
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join(5000);
            }
            PtOscBenchmark.deleteTree(work);
        }
        printTable(results);
        plot(results, plot);
        writeCsv(results, Path.of(plot.toString().replaceAll("\\.png$", "") + ".csv"));
        System.out.println("plot written to " + plot.toAbsolutePath() + "; load at end: " + loadAverage());
    }

    /** The hand search: the shortest sleep (chunk size fixed) whose trial copy of half the rows keeps p95 under. */
    private static double search(LocalMariaDb primary, LocalMariaDb replica, Path work, int chunk) throws Exception {
        // The rate that holds the target is the replica's apply rate minus the foreground's share: start from the
        // trigger's cost (chunk rows at costUs each) and bisect on the sleep between chunks.
        double lo = 0;
        double hi = chunk * costUs / 1e6 * 2;
        double best = hi;
        for (int i = 0; i < 4; i++) {
            double sleep = i == 0 ? hi : (lo + hi) / 2;
            Result r = runMode(
                    "trial",
                    primary,
                    replica,
                    work,
                    Map.of("chunk-size", Integer.toString(chunk), "chunk-time", "0", "sleep", fmt(sleep)),
                    rows / 2);
            long p95 = percentile(lags(r.samples()), 95);
            boolean holds = p95 <= targetMs;
            System.out.printf(
                    Locale.ROOT,
                    "  hand search: chunk %d sleep %s s: lag p95 %,d ms, %,.0f rows/s -> %s%n",
                    chunk,
                    fmt(sleep),
                    p95,
                    r.rows() * 1000.0 / Math.max(1, r.copyMs()),
                    holds ? "holds" : "too fast");
            if (holds) {
                best = sleep;
                hi = sleep;
            } else {
                lo = sleep;
                if (i == 0) {
                    hi = hi * 2;
                    best = hi;
                }
            }
        }
        return best;
    }

    private static Result runMode(
            String mode, LocalMariaDb primary, LocalMariaDb replica, Path work, Map<String, String> hand)
            throws Exception {
        return runMode(mode, primary, replica, work, hand, rows);
    }

    private static Result runMode(
            String mode, LocalMariaDb primary, LocalMariaDb replica, Path work, Map<String, String> hand, int tableRows)
            throws Exception {
        String table = "t_" + mode.replace('-', '_') + "_" + System.nanoTime() % 100_000;
        PtOscBenchmark.createTable(primary, table, tableRows);
        replica.waitForCatchUp(Duration.ofMinutes(10));
        Thread.sleep(1000);
        Run run = new Run(table);
        CURRENT.set(run);
        String note = "";
        switch (mode) {
            case "none" -> bare(primary, table, work, options(hand, "--recursion-method", "none"));
            case "maxlag" ->
                bare(
                        primary,
                        table,
                        work,
                        List.of(
                                "--recursion-method",
                                "hosts",
                                "--max-lag",
                                Long.toString(Math.max(1, targetMs / 1000)),
                                "--check-interval",
                                "1"));
            case "osc4j" -> note = osc4j(primary, replica, table, work, run, hand, true);
            case "osc4j-sbm" -> note = osc4j(primary, replica, table, work, run, hand, false);
            default -> {
                bare(primary, table, work, options(hand, "--recursion-method", "none"));
                note = "chunk " + hand.get("chunk-size") + ", sleep " + hand.get("sleep") + " s";
            }
        }
        long totalMs = run.ms();
        // Keep sampling until the replica has applied the whole run: its lag is part of the mode's cost.
        replica.waitForCatchUp(Duration.ofMinutes(10));
        Thread.sleep(3 * SAMPLE_MS);
        CURRENT.set(null);
        List<Sample> samples = new ArrayList<>(run.samples);
        long first = -1;
        long last = -1;
        for (Sample s : samples) {
            if (first < 0 && s.rowsCopied() > 0) {
                first = s.atMs();
            }
            if (last < 0 && s.rowsCopied() >= tableRows) {
                last = s.atMs();
            }
        }
        long copyMs = first < 0 ? totalMs : (last < 0 ? totalMs : last) - first + SAMPLE_MS;
        long lead = run.triggerAt < 0 || first < 0 ? Long.MIN_VALUE : first - run.triggerAt;
        Result r = new Result(mode, samples, totalMs, copyMs, tableRows, new ArrayList<>(run.fg), lead, note);
        System.out.printf(
                Locale.ROOT,
                "%-6s done: total %,d ms, copy %,d ms, lag p95 %,d ms, max %,d ms (Seconds_Behind_Master p95 %d s, max %d"
                        + " s); replica trigger %s; %s%n",
                mode,
                totalMs,
                copyMs,
                percentile(lags(samples), 95),
                percentile(lags(samples), 100),
                percentile(samples.stream().map(x -> x.sbmSeconds()).toList(), 95),
                percentile(samples.stream().map(x -> x.sbmSeconds()).toList(), 100),
                lead == Long.MIN_VALUE ? "NOT SEEN" : lead + " ms before the first copied row was seen",
                note);
        dropTables(primary, table);
        return r;
    }

    /** The same chunking for every mode: a fixed chunk size ({@code --chunk-time 0}), so only the pacing differs. */
    private static Map<String, String> chunking(int chunk) {
        return Map.of("chunk-size", Integer.toString(chunk), "chunk-time", "0");
    }

    private static List<String> options(Map<String, String> pacing, String... extra) {
        List<String> o = new ArrayList<>(List.of(extra));
        pacing.forEach((k, v) -> {
            o.add("--" + k);
            o.add(v);
        });
        return o;
    }

    private static String osc4j(
            LocalMariaDb primary,
            LocalMariaDb replica,
            String table,
            Path work,
            Run run,
            Map<String, String> chunking,
            boolean heartbeat)
            throws Exception {
        CredentialsProvider credentials = CredentialsProvider.of(primary.user(), primary.password());
        PtOscEngine engine = PtOscEngine.builder()
                .credentials(credentials)
                .workDirectory(work.resolve("runs"))
                .build();
        MySqlTopology topology = PtOscBenchmark.topology(primary, replica, credentials)
                .heartbeatTable(heartbeat ? "heartbeat" : null)
                .build();
        try (topology;
                engine;
                MigrationOrchestrator osc = MigrationOrchestrator.builder()
                        .store(new InMemoryStateStore())
                        .topology(topology)
                        .engine(engine)
                        .pollInterval(Duration.ofMillis(250))
                        .leaseTtl(Duration.ofSeconds(15))
                        .build()) {
            osc.start();
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("lag-" + table)
                    .keyspace("bench")
                    .table(table)
                    .ddl("ALTER TABLE " + table + " " + ALTER)
                    .engine(PtOscEngine.DEFAULT_NAME)
                    .requestedBy("bench")
                    .options(withChunking(chunking))
                    .policy(MigrationPolicy.builder()
                            .skipChecksum(true)
                            .revertWindow(Duration.ZERO)
                            .targetReplicaLag(Duration.ofMillis(targetMs))
                            .maxReplicaLag(Duration.ofMillis(limitMs))
                            .build())
                    .build());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            int changes = 0;
            double last = 0;
            while (System.nanoTime() < deadline) {
                MigrationRecord rec = osc.get(id);
                double ratio = rec.shards().get(0).appliedThrottleRatio();
                if (ratio != last) {
                    changes++;
                    last = ratio;
                }
                run.ratio = ratio;
                if (rec.state() == MigrationState.COMPLETED) {
                    return changes + " ratio changes, lag from "
                            + (heartbeat ? "the heartbeat" : "Seconds_Behind_Master");
                }
                if (rec.state().isTerminal()) {
                    throw new IllegalStateException("osc4j run ended " + rec.state() + ": " + rec.shards());
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException("the osc4j run did not end within 30 minutes");
        }
    }

    private static Map<String, String> withChunking(Map<String, String> chunking) {
        Map<String, String> o = new java.util.HashMap<>(chunking);
        o.put("recursion-method", "none");
        o.put("progress-interval", "1");
        return o;
    }

    private static final String ALTER = "ADD COLUMN note VARCHAR(32) NOT NULL DEFAULT 'n'";

    private static void bare(LocalMariaDb primary, String table, Path work, List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(
                List.of("pt-online-schema-change", "--execute", "--no-version-check", "--alter", ALTER));
        cmd.addAll(extra);
        cmd.add("D=" + SCHEMA + ",t=" + table + ",h=" + primary.host() + ",P=" + primary.port() + ",F="
                + primary.optionFile());
        Path log = work.resolve(table + ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("pt-osc failed: " + Files.readString(log, StandardCharsets.UTF_8));
        }
    }

    private static void dropTables(LocalMariaDb primary, String table) throws SQLException {
        try (Connection c = primary.connect(SCHEMA);
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS `" + table + "`, `_" + table + "_old`, `_" + table + "_new`");
        }
    }

    /** A body run in a loop on its own connection to a server, reconnecting after an error. */
    private interface Body {
        void run(Connection c) throws Exception;
    }

    private static Thread loop(String name, AtomicBoolean stop, LocalMariaDb server, Body body) {
        Thread t = new Thread(
                () -> {
                    while (!stop.get()) {
                        try (Connection c = server.connect(SCHEMA)) {
                            while (!stop.get()) {
                                body.run(c);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        } catch (Exception e) {
                            if (!stop.get() && !(e instanceof java.sql.SQLNonTransientConnectionException)) {
                                System.out.println(name + ": " + e);
                                sleep(200);
                            }
                        }
                    }
                },
                name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Every 100 ms: the heartbeat's age on the replica and the rows in pt-osc's new table on the primary. */
    private static Thread sampler(AtomicBoolean stop, LocalMariaDb primary, LocalMariaDb replica) {
        AtomicReference<@Nullable Connection> onPrimary = new AtomicReference<>();
        return loop("sampler", stop, replica, c -> {
            long next = System.nanoTime() + SAMPLE_MS * 1_000_000;
            Run run = CURRENT.get();
            if (run != null) {
                long lag;
                try (Statement st = c.createStatement();
                        ResultSet rs =
                                st.executeQuery("SELECT TIMESTAMPDIFF(MICROSECOND, MAX(ts), NOW(6)) FROM heartbeat")) {
                    lag = rs.next() ? rs.getLong(1) / 1000 : -1;
                }
                long sbm = -1;
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
                    if (rs.next()) {
                        long v = rs.getLong("Seconds_Behind_Master");
                        sbm = rs.wasNull() ? -1 : v;
                    }
                }
                Connection p = onPrimary.get();
                if (p == null) {
                    p = primary.connect(SCHEMA);
                    onPrimary.set(p);
                }
                long copied = 0;
                try (Statement st = p.createStatement()) {
                    st.setQueryTimeout(5);
                    try (ResultSet rs = st.executeQuery("SELECT MAX(id) FROM `_" + run.table + "_new`")) {
                        copied = rs.next() ? rs.getLong(1) : 0;
                    }
                } catch (SQLException e) {
                    // No new table yet (0), or renamed away at the swap: the copy is done.
                    List<Sample> s = run.samples;
                    synchronized (s) {
                        copied = s.isEmpty() || s.get(s.size() - 1).rowsCopied() == 0 ? 0 : Integer.MAX_VALUE;
                    }
                }
                run.samples.add(new Sample(run.ms(), lag, copied, run.ratio, sbm));
            }
            long wait = (next - System.nanoTime()) / 1_000_000;
            if (wait > 0) {
                Thread.sleep(wait);
            }
        });
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, SCHEMA);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Point reads and writes on the primary's {@code fg} table, latency per operation pair. */
    private static Thread foreground(AtomicBoolean stop, LocalMariaDb primary) {
        return loop("foreground", stop, primary, c -> {
            try (PreparedStatement read = c.prepareStatement("SELECT v, pad FROM fg WHERE id = ?");
                    PreparedStatement write = c.prepareStatement("UPDATE fg SET v = v + 1 WHERE id = ?")) {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    read.setInt(1, ThreadLocalRandom.current().nextInt(1, 100_001));
                    try (ResultSet rs = read.executeQuery()) {
                        rs.next();
                    }
                    write.setInt(1, ThreadLocalRandom.current().nextInt(1, 100_001));
                    write.executeUpdate();
                    long took = System.nanoTime() - t0;
                    Run run = CURRENT.get();
                    if (run != null) {
                        run.fg.add(took);
                    }
                    Thread.sleep(5);
                }
            }
        });
    }

    /** Creates the slowing trigger on the replica, unlogged, as soon as pt-osc's new table appears there. */
    private static Thread triggerWatcher(AtomicBoolean stop, LocalMariaDb replica) {
        return loop("trigger", stop, replica, c -> {
            Run run = CURRENT.get();
            if (run == null || run.triggerAt >= 0) {
                Thread.sleep(5);
                return;
            }
            String table = "_" + run.table + "_new";
            if (!exists(c, table)) {
                Thread.sleep(2);
                return;
            }
            try (Statement st = c.createStatement()) {
                st.execute("SET SESSION sql_log_bin = 0");
                // SLEEP's resolution is coarse under 1 ms: one sleep of about 1 ms every n rows, n * cost = 1 ms.
                long every = Math.max(1, Math.round(1000 / costUs));
                st.execute("CREATE TRIGGER `slow_" + run.table + "` BEFORE INSERT ON `" + table
                        + "` FOR EACH ROW IF NEW.id MOD " + every + " = 0 THEN SET @slow = SLEEP("
                        + fmt(every * costUs / 1e6) + "); END IF");
            }
            run.triggerAt = run.ms();
        });
    }

    private static List<Long> lags(List<Sample> samples) {
        List<Long> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.lagMs() >= 0) {
                out.add(s.lagMs());
            }
        }
        return out;
    }

    private static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static void printTable(List<Result> results) {
        System.out.printf(
                Locale.ROOT,
                "%n| mode | lag p50 | lag p95 | lag max | time above %d ms | copy rows/s | copy | total (to caught"
                        + " up) | foreground p99 | setting |%n|---|---|---|---|---|---|---|---|---|---|%n",
                targetMs);
        for (Result r : results) {
            List<Long> lags = lags(r.samples());
            long above = lags.stream().filter(l -> l > targetMs).count() * SAMPLE_MS;
            long caughtUp = r.samples().isEmpty()
                    ? 0
                    : r.samples().get(r.samples().size() - 1).atMs();
            List<Long> fgMicros = r.fgNanos().stream().map(n -> n / 1000).toList();
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,d ms | %,d ms | %,d ms | %.1f s | %,.0f | %.1f s | %.1f s (%.1f s) | %.1f ms | %s |%n",
                    r.mode(),
                    percentile(lags, 50),
                    percentile(lags, 95),
                    percentile(lags, 100),
                    above / 1000.0,
                    r.rows() * 1000.0 / Math.max(1, r.copyMs()),
                    r.copyMs() / 1000.0,
                    r.totalMs() / 1000.0,
                    caughtUp / 1000.0,
                    percentile(fgMicros, 99) / 1000.0,
                    r.note().isEmpty() ? "-" : r.note());
        }
    }

    /** One panel per mode: heartbeat lag (red, left axis) and copy rate (blue, right axis) over time. */
    private static void plot(List<Result> results, Path file) throws IOException {
        int w = 1000;
        int panel = 220;
        BufferedImage img = new BufferedImage(w, panel * results.size() + 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        long maxT = 1;
        long maxLag = limitMs;
        double maxRate = 1;
        for (Result r : results) {
            for (Sample s : r.samples()) {
                maxT = Math.max(maxT, s.atMs());
                maxLag = Math.max(maxLag, s.lagMs());
            }
            for (double rate : rates(r.samples())) {
                maxRate = Math.max(maxRate, rate);
            }
        }
        int left = 70;
        int right = w - 70;
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            int top = 10 + i * panel;
            int bottom = top + panel - 40;
            g.setColor(Color.BLACK);
            g.drawRect(left, top, right - left, bottom - top);
            g.drawString(
                    r.mode()
                            + (r.note().isEmpty() ? "" : " (" + r.note() + ")")
                            + String.format(
                                    Locale.ROOT,
                                    ": lag p95 %,d ms, max %,d ms",
                                    percentile(lags(r.samples()), 95),
                                    percentile(lags(r.samples()), 100)),
                    left + 5,
                    top + 14);
            g.drawString(String.format(Locale.ROOT, "%,d ms", maxLag), 2, top + 10);
            g.drawString("0", 2, bottom);
            g.drawString(String.format(Locale.ROOT, "%,.0f r/s", maxRate), right + 4, top + 10);
            g.drawString(String.format(Locale.ROOT, "%d s", maxT / 1000), right - 30, bottom + 14);
            float[] dash = {4f, 4f};
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, dash, 0f));
            for (long line : new long[] {targetMs, limitMs}) {
                int y = (int) (bottom - (double) line / maxLag * (bottom - top));
                g.setColor(Color.GRAY);
                g.drawLine(left, y, right, y);
                g.drawString(line == targetMs ? "target" : "limit", left - 45, y + 4);
            }
            g.setStroke(new BasicStroke(1.5f));
            List<Sample> s = r.samples();
            double[] rate = rates(s);
            for (int j = 1; j < s.size(); j++) {
                int x0 = (int) (left + (double) s.get(j - 1).atMs() / maxT * (right - left));
                int x1 = (int) (left + (double) s.get(j).atMs() / maxT * (right - left));
                g.setColor(new Color(30, 90, 200));
                g.drawLine(x0, (int) (bottom - rate[j - 1] / maxRate * (bottom - top)), x1, (int)
                        (bottom - rate[j] / maxRate * (bottom - top)));
                if (!Double.isNaN(s.get(j).ratio())
                        && !Double.isNaN(s.get(j - 1).ratio())) {
                    // osc4j's applied copy rate, 1 - ratio, on the rate axis as a share of the highest rate.
                    g.setColor(new Color(40, 150, 60));
                    g.drawLine(x0, (int) (bottom - (1 - s.get(j - 1).ratio()) * (bottom - top)), x1, (int)
                            (bottom - (1 - s.get(j).ratio()) * (bottom - top)));
                }
                if (s.get(j - 1).lagMs() >= 0 && s.get(j).lagMs() >= 0) {
                    g.setColor(new Color(200, 40, 40));
                    g.drawLine(x0, (int) (bottom - (double) s.get(j - 1).lagMs() / maxLag * (bottom - top)), x1, (int)
                            (bottom - (double) s.get(j).lagMs() / maxLag * (bottom - top)));
                }
            }
        }
        g.setColor(Color.BLACK);
        g.drawString(
                "red: replica lag (heartbeat, left axis); blue: copy rate, rows/s over 1 s (right axis); green: osc4j's"
                        + " applied rate 1 - ratio (0-100 %); x: seconds since the mode started",
                left, img.getHeight() - 10);
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /** Every sample of every mode, for a closer look than the plot. */
    private static void writeCsv(List<Result> results, Path file) throws IOException {
        StringBuilder out = new StringBuilder("mode,ms,lag_ms,sbm_s,rows_copied,osc4j_ratio\n");
        for (Result r : results) {
            for (Sample s : r.samples()) {
                out.append(String.format(
                        Locale.ROOT,
                        "%s,%d,%d,%d,%d,%s%n",
                        r.mode(),
                        s.atMs(),
                        s.lagMs(),
                        s.sbmSeconds(),
                        Math.min(r.rows(), s.rowsCopied()),
                        Double.isNaN(s.ratio()) ? "" : Double.toString(s.ratio())));
            }
        }
        Files.writeString(file, out.toString());
    }

    /** Copy rate per sample, rows/s over the last second (10 samples). */
    private static double[] rates(List<Sample> s) {
        double[] out = new double[s.size()];
        for (int j = 0; j < s.size(); j++) {
            int k = Math.max(0, j - 10);
            long dt = s.get(j).atMs() - s.get(k).atMs();
            long a = Math.min(rows, s.get(j).rowsCopied());
            long b = Math.min(rows, s.get(k).rowsCopied());
            out[j] = dt <= 0 ? 0 : Math.max(0, (a - b) * 1000.0 / dt);
        }
        return out;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
