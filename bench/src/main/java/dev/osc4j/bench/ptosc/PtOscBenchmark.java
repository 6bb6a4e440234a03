package dev.osc4j.bench.ptosc;

import dev.osc4j.Endpoint;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardProgress;
import dev.osc4j.engine.ptosc.PtOscEngine;
import dev.osc4j.mysql.MySqlShard;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Wall time of a 1,000,000-row ALTER through osc4j (orchestrator + {@link PtOscEngine} + {@link MySqlTopology} +
 * in-memory store, automatic cut-over) next to bare {@code pt-online-schema-change} with the same options, on the
 * same freshly started MariaDB primary and replica, on fresh identical tables, in ABBA order (bare, osc4j, osc4j,
 * bare, ...) so that drift in the machine's load hits both alike. For the osc4j runs it also records osc4j's ETA and
 * pt-osc's own ("remain") when the copy first reaches 25, 50 and 75 percent, and compares each with the moment the
 * copy actually finished.
 *
 * <p>Arguments: {@code rows=1000000 rounds=2 poll-ms=1000} and any pt-osc engine option as {@code name=value} (for
 * example {@code chunk-size=1000 chunk-time=0 sleep=0.01} for a longer, paced copy). See {@code bench/README.md}.
 */
public final class PtOscBenchmark {
    private static final String SCHEMA = "bench";

    /** Whether osc4j compares the tables before the swap ({@code checksum=on}); off by default, as P5 asks. */
    private static boolean checksum;

    private PtOscBenchmark() {}

    /** One ETA sample: when, how far, and what each side predicted for the end of the copy. */
    private record EtaSample(
            int milestone,
            long atMillis,
            double percent,
            @Nullable Duration osc4jEta,
            @Nullable Duration ptOscEta) {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        int rows = 1_000_000;
        int rounds = 2;
        long pollMillis = 1000;
        Map<String, String> options = new LinkedHashMap<>();
        options.put("recursion-method", "hosts");
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "rows" -> rows = Integer.parseInt(kv[1]);
                case "rounds" -> rounds = Integer.parseInt(kv[1]);
                case "poll-ms" -> pollMillis = Long.parseLong(kv[1]);
                case "checksum" -> checksum = kv[1].equals("on");
                default -> options.put(kv[0], kv[1]);
            }
        }
        options.putIfAbsent("progress-interval", "1");
        System.out.printf(
                Locale.ROOT,
                "pt-osc benchmark: %,d rows, %d round(s), poll %d ms, checksum %s, options %s%nload average at start: %s%n",
                rows,
                rounds,
                pollMillis,
                checksum ? "on" : "off",
                options,
                loadAverage());
        Path work = Files.createTempDirectory("osc4j-ptosc-bench-");
        try (LocalMariaDb primary = LocalMariaDb.start();
                LocalMariaDb replica = primary.startReplica()) {
            primary.createDatabase(SCHEMA);
            // A controller is a long-lived JVM: warm the orchestrator, engine and JDBC up once, unmeasured.
            createTable(primary, "warmup", 20_000);
            runOsc4j(primary, replica, "warmup", options, work, pollMillis, new ArrayList<>(), new long[7]);
            System.out.println("warm-up migration done (not measured)");
            List<Long> bare = new ArrayList<>();
            List<Long> osc4j = new ArrayList<>();
            List<EtaSample> allSamples = new ArrayList<>();
            List<Long> copyEnds = new ArrayList<>();
            List<Long> held = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                boolean bareFirst = round % 2 == 0;
                for (int leg = 0; leg < 2; leg++) {
                    boolean runBare = (leg == 0) == bareFirst;
                    String table = (runBare ? "bare_" : "osc_") + round;
                    createTable(primary, table, rows);
                    replica.waitForCatchUp(Duration.ofMinutes(5));
                    String loadBefore = loadAverage();
                    if (runBare) {
                        long ms = runBare(primary, table, options, work);
                        bare.add(ms);
                        System.out.printf(
                                Locale.ROOT,
                                "round %d bare  pt-osc: %,7d ms  (copy ~%,d ms by its 1 s timestamps; load %s)%n",
                                round,
                                ms,
                                bareCopyMillis(work.resolve(table + ".log")),
                                loadBefore);
                    } else {
                        List<EtaSample> samples = new ArrayList<>();
                        long[] copy = new long[7];
                        long cpuBefore = processCpuMillis();
                        long ms = runOsc4j(primary, replica, table, options, work, pollMillis, samples, copy);
                        long cpu = processCpuMillis() - cpuBefore;
                        osc4j.add(ms);
                        held.add(copy[2]);
                        for (EtaSample sample : samples) {
                            allSamples.add(sample);
                            copyEnds.add(copy[1]);
                        }
                        System.out.printf(
                                Locale.ROOT,
                                "round %d osc4j+pt-osc: %,7d ms  (copy %,d ms; held before the swap %,d ms: caught up at"
                                        + " %,d, release written at %,d%s; controller JVM CPU %,d ms; load %s)%n",
                                round,
                                ms,
                                copy[1] - copy[0],
                                copy[2],
                                copy[3],
                                copy[4],
                                checksum
                                        ? String.format(
                                                Locale.ROOT,
                                                ", checksum asked at %,d and took %,d ms",
                                                copy[6],
                                                copy[5])
                                        : "",
                                cpu,
                                loadBefore);
                        for (EtaSample s : samples) {
                            System.out.printf(
                                    Locale.ROOT,
                                    "    at %2d%% (%.1f%% copied, %,6d ms into the copy): osc4j ETA %s, pt-osc ETA %s,"
                                            + " actual %,d ms%n",
                                    s.milestone(),
                                    s.percent(),
                                    s.atMillis() - copy[0],
                                    error(s.osc4jEta(), s.atMillis(), copy[1]),
                                    error(s.ptOscEta(), s.atMillis(), copy[1]),
                                    copy[1] - s.atMillis());
                        }
                    }
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%nsummary: bare pt-osc %s ms; osc4j + pt-osc %s ms; median overhead %+,d ms%n",
                    bare,
                    osc4j,
                    median(osc4j) - median(bare));
            System.out.printf(
                    Locale.ROOT,
                    "held before the swap (plugin's hold event to its release, ms): %s, median %,d%n",
                    held,
                    median(held));
            for (int milestone = 25; milestone <= 75; milestone += 25) {
                List<Long> mine = new ArrayList<>();
                List<Long> theirs = new ArrayList<>();
                for (int i = 0; i < allSamples.size(); i++) {
                    EtaSample e = allSamples.get(i);
                    if (e.milestone() == milestone) {
                        if (e.osc4jEta() != null) {
                            mine.add(e.atMillis() + e.osc4jEta().toMillis() - copyEnds.get(i));
                        }
                        if (e.ptOscEta() != null) {
                            theirs.add(e.atMillis() + e.ptOscEta().toMillis() - copyEnds.get(i));
                        }
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "ETA error at %d%% (predicted end - actual end, ms): osc4j %s, pt-osc %s%n",
                        milestone,
                        mine,
                        theirs);
            }
            System.out.println("load average at end: " + loadAverage());
        } finally {
            deleteTree(work);
        }
    }

    private static String error(@Nullable Duration eta, long at, long finish) {
        if (eta == null) {
            return "n/a";
        }
        long predicted = at + eta.toMillis();
        long err = predicted - finish;
        long actual = Math.max(1, finish - at);
        return String.format(
                Locale.ROOT, "%,6d ms (error %+,d ms, %+.0f%%)", eta.toMillis(), err, 100.0 * err / actual);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n == 0 ? 0 : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static void createTable(LocalMariaDb primary, String table, int rows) throws SQLException {
        try (Connection c = primary.connect(SCHEMA);
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS `" + table + "`");
            st.execute("CREATE TABLE `" + table + "` (id INT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(64) NOT"
                    + " NULL, c DATETIME NOT NULL) ENGINE=InnoDB");
            st.execute("INSERT INTO `" + table + "` (id, a, b, c) SELECT seq, seq MOD 1000, CONCAT('row-', seq),"
                    + " '2026-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_" + rows);
        }
    }

    /** The same pt-osc options the engine passes, minus its plugin and pause file. */
    private static long runBare(LocalMariaDb primary, String table, Map<String, String> options, Path work)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                "pt-online-schema-change",
                "--execute",
                "--no-version-check",
                "--alter",
                "ADD COLUMN note VARCHAR(32) NOT NULL DEFAULT 'n', ADD INDEX a_idx (a)",
                "--progress",
                "time," + options.get("progress-interval")));
        options.forEach((k, v) -> {
            if (!k.equals("progress-interval") && !k.equals("pause-poll") && !k.equals("hold-keepalive")) {
                cmd.add("--" + k);
                cmd.add(v);
            }
        });
        cmd.add("D=" + SCHEMA + ",t=" + table + ",h=" + primary.host() + ",P=" + primary.port() + ",F="
                + primary.optionFile());
        Path log = work.resolve(table + ".log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("bare pt-osc failed: " + Files.readString(log, StandardCharsets.UTF_8));
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static long runOsc4j(
            LocalMariaDb primary,
            LocalMariaDb replica,
            String table,
            Map<String, String> options,
            Path work,
            long pollMillis,
            List<EtaSample> samples,
            long[] copy)
            throws InterruptedException {
        CredentialsProvider credentials = CredentialsProvider.of(primary.user(), primary.password());
        PtOscEngine engine = PtOscEngine.builder()
                .credentials(credentials)
                .workDirectory(work.resolve("runs"))
                .build();
        MySqlTopology topology = topology(primary, replica, credentials).build();
        AtomicReference<@Nullable EngineHandle> handle = new AtomicReference<>();
        java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        ProgressSink etaSink = new ProgressSink() {
            int next = 25;

            @Override
            public void onTransition(dev.osc4j.TransitionEvent e) {
                // The end is seen from the transition itself, so the benchmark polls nothing while it waits.
                if (e.shard() == null && (e.to() == MigrationState.COMPLETED || e.to() == MigrationState.FAILED)) {
                    ended.countDown();
                }
            }

            @Override
            public void onProgress(ProgressSnapshot snapshot) {
                long now = System.currentTimeMillis(); // epoch ms, comparable with the plugin's event times
                MigrationState state = snapshot.shards().get(0).state();
                ShardProgress p = snapshot.shards().get(0).progress();
                if (System.getenv("OSC4J_BENCH_TRACE") != null) {
                    System.out.printf(
                            Locale.ROOT,
                            "trace %d %s rows=%d/%d rate=%.0f eta=%s%n",
                            now,
                            state,
                            p.rowsCopied(),
                            p.rowsTotal(),
                            p.rowsPerSecond(),
                            p.eta());
                }
                while (next <= 75 && state == MigrationState.COPYING_ROWS && p.percent() >= next) {
                    samples.add(new EtaSample(next, now, p.percent(), p.eta(), engineEta(engine, handle.get())));
                    next += 25;
                }
            }
        };
        long start;
        try (topology;
                engine;
                MigrationOrchestrator osc = MigrationOrchestrator.builder()
                        .store(new InMemoryStateStore())
                        .topology(topology)
                        .engine(engine)
                        .progressSink(etaSink)
                        .pollInterval(Duration.ofMillis(pollMillis))
                        .leaseTtl(Duration.ofMillis(Math.max(15_000, 3 * pollMillis)))
                        .build()) {
            osc.start();
            start = System.nanoTime();
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("bench-" + table)
                    .keyspace("bench")
                    .table(table)
                    .ddl("ALTER TABLE " + table
                            + " ADD COLUMN note VARCHAR(32) NOT NULL DEFAULT 'n', ADD INDEX a_idx (a)")
                    .engine(PtOscEngine.DEFAULT_NAME)
                    .requestedBy("bench")
                    .options(options)
                    .policy(dev.osc4j.MigrationPolicy.builder()
                            .skipChecksum(!checksum)
                            // Side by side with bare pt-osc, which keeps nothing for a revert: no revert window
                            // (PtOscRevertBenchmark measures the revertible swap).
                            .revertWindow(java.time.Duration.ZERO)
                            .build())
                    .build());
            MigrationRecord rec = osc.get(id);
            while (handle.get() == null && !ended.await(100, TimeUnit.MILLISECONDS)) {
                rec = osc.get(id);
                handle.set(rec.shards().get(0).handle());
            }
            if (!ended.await(30, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the osc4j run did not end within 30 minutes");
            }
            rec = osc.get(id);
            if (rec.state() != MigrationState.COMPLETED) {
                throw new IllegalStateException("osc4j run ended " + rec.state() + ": " + rec.shards());
            }
            // The copy's exact start and end, as the plugin reported them from inside pt-osc.
            EngineHandle h =
                    java.util.Objects.requireNonNull(rec.shards().get(0).handle());
            Path events = Path.of(h.attributes().get("runDir"), "events.jsonl");
            copy[0] = eventTime(events, "before_copy_rows");
            copy[1] = eventTime(events, "after_copy_rows");
            copy[2] = heldMillis(events);
            // Where the hold went, from the audit trail: catch-up gate, then the barrier's release, then the plugin.
            long hold = eventTime(events, "hold");
            List<dev.osc4j.AuditEntry> trail = osc.audit(id);
            copy[3] = auditTime(trail, e -> e.to() == MigrationState.CUTOVER_PENDING && e.shard() != null) - hold;
            copy[4] = auditTime(
                            trail,
                            e -> e.kind() == dev.osc4j.AuditEntry.Kind.INTENT
                                    && e.detail().startsWith("RELEASE_CUTOVER"))
                    - hold;
            copy[5] = checksum ? checksumMillis(Path.of(h.attributes().get("runDir"), "checksum.json")) : 0;
            copy[6] = checksum
                    ? auditTime(
                                    trail,
                                    e -> e.kind() == dev.osc4j.AuditEntry.Kind.INTENT
                                            && e.detail().startsWith("VERIFY"))
                            - hold
                    : 0;
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** A probe of the benchmark's one shard (keyspace {@code bench}, shard {@code s1}): the primary and its replica. */
    static MySqlTopology.Builder topology(LocalMariaDb primary, LocalMariaDb replica, CredentialsProvider credentials) {
        return MySqlTopology.builder()
                .credentials(credentials)
                .shard(MySqlShard.of(
                        "bench",
                        "s1",
                        SCHEMA,
                        new Endpoint(primary.host(), primary.port()),
                        new Endpoint(replica.host(), replica.port())));
    }

    /**
     * How long the plugin held before the swap: from its {@code hold} event (the run is ready) to seeing the release
     * file, as it reports in its {@code released} event; 0 when the release was there before the run got ready.
     */
    private static long heldMillis(Path events) {
        try {
            for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                                "\\{\"event\":\"released\",.*\"held_ms\":(\\d+)")
                        .matcher(line);
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no released event in " + events);
    }

    /** Epoch milliseconds of the first audit entry that matches. */
    private static long auditTime(
            List<dev.osc4j.AuditEntry> trail, java.util.function.Predicate<dev.osc4j.AuditEntry> which) {
        return trail.stream()
                .filter(which)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no such audit entry"))
                .at()
                .toEpochMilli();
    }

    /** How long the comparison before the swap took, as the engine recorded it. */
    private static long checksumMillis(Path file) {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"tookMillis\":(\\d+)")
                    .matcher(Files.readString(file, StandardCharsets.UTF_8));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The copy's duration from the bare run's timestamped lines (whole seconds). */
    private static long bareCopyMillis(Path log) throws IOException {
        java.time.LocalDateTime from = null;
        java.time.LocalDateTime to = null;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.length() > 20 && line.contains("Copying approximately")) {
                from = java.time.LocalDateTime.parse(line.substring(0, 19));
            } else if (line.length() > 20 && line.contains("Copied rows OK")) {
                to = java.time.LocalDateTime.parse(line.substring(0, 19));
            }
        }
        return from == null || to == null ? -1 : Duration.between(from, to).toMillis();
    }

    private static long eventTime(Path events, String event) {
        try {
            for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                                "\\{\"event\":\"" + event + "\",\"ts\":(\\d+)")
                        .matcher(line);
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + event + " event in " + events);
    }

    /** pt-osc's own estimate (its "remain"), read from the run as the engine sees it. */
    private static @Nullable Duration engineEta(PtOscEngine engine, @Nullable EngineHandle handle) {
        return handle == null ? null : engine.observe(handle).engineEta();
    }

    private static long processCpuMillis() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1_000_000;
    }

    private static String loadAverage() {
        double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return String.format(Locale.ROOT, "%.2f", l);
        }
    }

    static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
