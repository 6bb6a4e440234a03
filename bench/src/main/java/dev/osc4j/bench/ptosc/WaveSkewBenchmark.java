package dev.osc4j.bench.ptosc;

import dev.osc4j.Endpoint;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.Rollout;
import dev.osc4j.ShardRecord;
import dev.osc4j.engine.ptosc.PtOscEngine;
import dev.osc4j.mysql.MySqlShard;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Skew within a wave on real servers (issue 12's P4, issue 15's staged rollout): 4 MariaDB primaries, one shard each, a
 * pt-osc migration of a small table through the orchestrator (in-memory store), and, per round, the time from the
 * first to the last shard's release reaching the engine (the controller's side), to pt-osc seeing it (the plugin's
 * {@code released} event) and to its swap ({@code after_swap_tables}); then a 2-wave rollout (2 + 2) with the same
 * figures per wave.
 *
 * <p>Arguments: {@code rows=20000 rounds=3}.
 */
public final class WaveSkewBenchmark {
    private static final String SCHEMA = "bench";
    private static final int SHARDS = 4;
    private static final Pattern EVENT = Pattern.compile("\\{\"event\":\"([a-z_]+)\",\"ts\":(\\d+)");

    private WaveSkewBenchmark() {}

    /** The engine, noting when each run's release reached it (epoch ms). */
    static final class Timed extends ForwardingExecutionEngine {
        final Map<String, Long> reached = new ConcurrentHashMap<>();

        Timed(PtOscEngine delegate) {
            super(delegate);
        }

        @Override
        public void releaseCutover(EngineHandle handle) {
            reached.put(handle.key().shard(), System.currentTimeMillis());
            super.releaseCutover(handle);
        }
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.log.dev.osc4j", "warn");
        int rows = 20_000;
        int rounds = 3;
        for (String a : args) {
            if (a.startsWith("rows=")) {
                rows = Integer.parseInt(a.substring(5));
            } else if (a.startsWith("rounds=")) {
                rounds = Integer.parseInt(a.substring(7));
            }
        }
        Path work = Files.createTempDirectory("osc4j-wave-skew-");
        List<LocalMariaDb> servers = new ArrayList<>();
        try {
            for (int i = 0; i < SHARDS; i++) {
                servers.add(LocalMariaDb.start());
            }
            CredentialsProvider credentials = endpoint -> {
                for (LocalMariaDb s : servers) {
                    if (s.port() == endpoint.port()) {
                        return new DatabaseCredentials(s.user(), s.password());
                    }
                }
                throw new IllegalArgumentException("no server at " + endpoint);
            };
            MySqlTopology.Builder tb = MySqlTopology.builder().credentials(credentials);
            for (int i = 0; i < SHARDS; i++) {
                LocalMariaDb s = servers.get(i);
                s.createDatabase(SCHEMA);
                tb.shard(MySqlShard.of("bench", "s" + i, SCHEMA, new Endpoint(s.host(), s.port())));
            }
            System.out.printf(
                    Locale.ROOT,
                    "%d MariaDB primaries, pt-osc, %d rows per shard, %d cores (shared: figures are noisy)%n",
                    SHARDS,
                    rows,
                    Runtime.getRuntime().availableProcessors());
            try (MySqlTopology topology = tb.build();
                    PtOscEngine pt = PtOscEngine.builder()
                            .credentials(credentials)
                            .workDirectory(work.resolve("runs"))
                            .build()) {
                Timed engine = new Timed(pt);
                try (MigrationOrchestrator osc = MigrationOrchestrator.builder()
                        .store(new InMemoryStateStore())
                        .topology(topology)
                        .engine(engine)
                        .pollInterval(Duration.ofMillis(100))
                        .build()) {
                    osc.start();
                    for (int r = 0; r <= rounds; r++) {
                        String table = "t" + r;
                        fill(servers, table, rows);
                        long[][] skew = run(osc, engine, table, null);
                        System.out.printf(
                                Locale.ROOT,
                                "%s one wave of 4: release reached engine %d ms, pt-osc saw it %d ms, swapped %d ms"
                                        + " (first to last)%n",
                                r == 0 ? "warm-up" : "round " + r,
                                skew[0][0],
                                skew[0][1],
                                skew[0][2]);
                    }
                    for (int r = 1; r <= rounds; r++) {
                        String table = "w" + r;
                        fill(servers, table, rows);
                        long[][] skew = run(osc, engine, table, new Rollout(2, 2, Duration.ofSeconds(1)));
                        for (int w = 0; w < skew.length; w++) {
                            System.out.printf(
                                    Locale.ROOT,
                                    "rollout round %d wave %d (2 shards): release reached engine %d ms, pt-osc saw it"
                                            + " %d ms, swapped %d ms%n",
                                    r,
                                    w + 1,
                                    skew[w][0],
                                    skew[w][1],
                                    skew[w][2]);
                        }
                    }
                }
            }
        } finally {
            for (LocalMariaDb s : servers) {
                s.close();
            }
        }
    }

    private static void fill(List<LocalMariaDb> servers, String table, int rows) throws Exception {
        for (LocalMariaDb s : servers) {
            try (Connection c = s.connect(SCHEMA);
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + table + " (id INT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(64) NOT"
                        + " NULL) ENGINE=InnoDB");
                st.execute("INSERT INTO " + table + " SELECT seq, seq MOD 1000, CONCAT('row-', seq) FROM seq_1_to_"
                        + rows);
            }
        }
    }

    /** Per wave: first-to-last of {release reaching the engine, pt-osc's released event, its swap}, ms. */
    private static long[][] run(MigrationOrchestrator osc, Timed engine, String table, @Nullable Rollout rollout)
            throws Exception {
        engine.reached.clear();
        MigrationId id = osc.submit(MigrationRequest.builder()
                .idempotencyKey("skew-" + table)
                .keyspace("bench")
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(32) NOT NULL DEFAULT 'n'")
                .engine(PtOscEngine.DEFAULT_NAME)
                .requestedBy("bench")
                .policy(MigrationPolicy.builder()
                        .revertWindow(Duration.ZERO)
                        .skipChecksum(true)
                        .rollout(rollout)
                        .build())
                .build());
        MigrationRecord rec = osc.get(id);
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (!rec.state().isTerminal()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not done within 10 minutes: " + rec.shards());
            }
            Thread.sleep(100);
            rec = osc.get(id);
        }
        if (rec.state() != MigrationState.COMPLETED) {
            throw new IllegalStateException("ended " + rec.state() + ": " + rec.shards());
        }
        List<long[]> perShard = new ArrayList<>(); // {reached, released, swapped}
        for (ShardRecord s : rec.shards()) {
            EngineHandle h = Objects.requireNonNull(s.handle());
            Map<String, Long> events = events(Path.of(h.attributes().get("runDir"), "events.jsonl"));
            perShard.add(new long[] {
                Objects.requireNonNull(engine.reached.get(s.shard())),
                Objects.requireNonNull(events.get("released")),
                Objects.requireNonNull(events.get("after_swap_tables"))
            });
        }
        perShard.sort((x, y) -> Long.compare(x[0], y[0]));
        int waves = rollout == null ? 1 : rollout.waves(SHARDS);
        int[] sizes = new int[waves];
        for (int i = 0; i < SHARDS; i++) {
            sizes[rollout == null ? 0 : rollout.waveOf(i)]++;
        }
        long[][] out = new long[waves][3];
        int from = 0;
        for (int w = 0; w < waves; w++) {
            List<long[]> wave = perShard.subList(from, from + sizes[w]);
            for (int k = 0; k < 3; k++) {
                final int col = k;
                long[] values = wave.stream().mapToLong(v -> v[col]).toArray();
                out[w][k] = Arrays.stream(values).max().orElseThrow()
                        - Arrays.stream(values).min().orElseThrow();
            }
            from += sizes[w];
        }
        return out;
    }

    private static Map<String, Long> events(Path file) throws IOException {
        Map<String, Long> out = new ConcurrentHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Matcher m = EVENT.matcher(line);
            if (m.find()) {
                out.putIfAbsent(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        return out;
    }
}
