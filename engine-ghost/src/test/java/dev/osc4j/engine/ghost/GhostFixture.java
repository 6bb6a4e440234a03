package dev.osc4j.engine.ghost;

import static org.assertj.core.api.Assertions.fail;

import dev.osc4j.Endpoint;
import dev.osc4j.ShardTarget;
import dev.osc4j.mysql.MySqlShard;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.testkit.ghost.FakeGhost;
import dev.osc4j.testkit.ghost.FakeGhostBehavior;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * What the gh-ost integration tests share: real MariaDB servers (started once per JVM, on first use), the fake gh-ost
 * installed in a temporary directory, engines pointed at it, and helpers to make tables and wait for conditions.
 */
final class GhostFixture {
    /** Status cadence of the fake in tests: ten "seconds" a second. */
    static final Duration FAST_SECOND = Duration.ofMillis(100);

    private static @Nullable LocalMariaDb first;
    private static @Nullable LocalMariaDb second;
    private static @Nullable Path home;

    private GhostFixture() {}

    /** The first shared server. Fails the test with the Debian package to install when MariaDB is missing. */
    static synchronized LocalMariaDb server() {
        LocalMariaDb s = first;
        if (s == null) {
            s = LocalMariaDb.start();
            first = s;
        }
        return s;
    }

    /** A second shared server, for tests with two shards. */
    static synchronized LocalMariaDb secondServer() {
        LocalMariaDb s = second;
        if (s == null) {
            s = LocalMariaDb.start();
            second = s;
        }
        return s;
    }

    /** A short private directory for the fake and the runs (socket paths are limited to about 100 bytes). */
    static synchronized Path home() {
        Path h = home;
        if (h == null) {
            try {
                h = Files.createTempDirectory(Path.of("/tmp"), "osc4j-ghost-it-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            home = h;
            Path dir = h;
            Thread cleanup = new Thread(() -> deleteTree(dir), "osc4j-ghost-it-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
        return h;
    }

    /** Installs a fake gh-ost in a directory of its own and sets its behaviour. */
    static Path installFake(String name, FakeGhostBehavior behavior) {
        Path exe = FakeGhost.install(home().resolve("fake-" + name));
        FakeGhost.configure(exe, behavior);
        return exe;
    }

    /** The default test behaviour: gh-ost's cadence at ten times the speed. */
    static FakeGhostBehavior.Builder fast() {
        return FakeGhostBehavior.builder().second(FAST_SECOND);
    }

    /**
     * An engine for {@code server}'s account, working in {@code work}. Cleanup drops at once (no quarantine hold), so
     * the tests can say that a run's tables are gone; {@code GhostEngineIT.quarantine} shows the hold.
     */
    static GhostEngine.Builder engine(LocalMariaDb server, Path executable, Path work) {
        return GhostEngine.builder()
                .executable(executable)
                .workDirectory(work)
                .credentials(accounts(server))
                .jdbcProperties(Map.of("sslMode", "DISABLED", "connectTimeout", "5000"))
                .stopTimeout(Duration.ofSeconds(10))
                .quarantineHold(Duration.ZERO);
    }

    /** Each server's own account, picked by the endpoint asked for; an unknown endpoint is an error. */
    static CredentialsProvider accounts(LocalMariaDb... servers) {
        Map<Endpoint, DatabaseCredentials> accounts = new HashMap<>();
        for (LocalMariaDb s : servers) {
            accounts.put(endpoint(s), new DatabaseCredentials(s.user(), s.password()));
        }
        return server -> {
            DatabaseCredentials account = accounts.get(server);
            if (account == null) {
                throw new IllegalArgumentException("no account for " + server);
            }
            return account;
        };
    }

    /** A topology of {@code keyspace}: shard {@code s1} on the first primary, {@code s2} on the second, and so on. */
    static MySqlTopology topology(String keyspace, String schema, LocalMariaDb... primaries) {
        MySqlTopology.Builder b = MySqlTopology.builder().credentials(accounts(primaries));
        for (int i = 0; i < primaries.length; i++) {
            b.shard(MySqlShard.of(keyspace, "s" + (i + 1), schema, endpoint(primaries[i])));
        }
        return b.build();
    }

    static Endpoint endpoint(LocalMariaDb server) {
        return new Endpoint(server.host(), server.port());
    }

    static ShardTarget target(LocalMariaDb server, String keyspace, String shard, String schema) {
        return new ShardTarget(keyspace, shard, schema, endpoint(server));
    }

    /** Creates {@code schema.table} with {@code rows} rows: {@code id} primary key, a customer, an amount. */
    static void createTable(LocalMariaDb server, String schema, String table, int rows) throws SQLException {
        server.createDatabase(schema);
        try (Connection c = server.connect(schema);
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS `" + table + "`");
            s.execute("CREATE TABLE `" + table + "` (id BIGINT NOT NULL PRIMARY KEY, customer INT NOT NULL,"
                    + " amount DECIMAL(12,2) NOT NULL, placed DATETIME NOT NULL) ENGINE=InnoDB");
            if (rows > 0) {
                s.execute("INSERT INTO `" + table + "` SELECT seq, seq % 977, seq / 100, '2026-01-01' + INTERVAL"
                        + " (seq % 1000) MINUTE FROM seq_1_to_" + rows);
            }
            s.execute("ANALYZE TABLE `" + table + "`");
        }
    }

    static long count(LocalMariaDb server, String schema, String table) throws SQLException {
        return longQuery(server, schema, "SELECT COUNT(*) FROM `" + table + "`");
    }

    /** A checksum of the columns both table versions share, to compare contents. */
    static long checksum(LocalMariaDb server, String schema, String table) throws SQLException {
        return longQuery(
                server, schema, "SELECT SUM(CRC32(CONCAT_WS('|', id, customer, amount, placed))) FROM `" + table + "`");
    }

    static long longQuery(LocalMariaDb server, String schema, String sql) throws SQLException {
        try (Connection c = server.connect(schema);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<String> columns(LocalMariaDb server, String schema, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = server.connect(schema);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA"
                        + " = DATABASE() AND TABLE_NAME = '" + table + "' ORDER BY ORDINAL_POSITION")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static List<String> tables(LocalMariaDb server, String schema) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = server.connect(schema);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA ="
                        + " DATABASE() ORDER BY TABLE_NAME")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Observes until {@code condition} holds; fails with the last observation and the run's output otherwise. */
    static EngineObservation await(
            GhostEngine engine, EngineHandle handle, Duration timeout, Predicate<EngineObservation> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        EngineObservation last = null;
        while (System.nanoTime() - deadline < 0) {
            EngineObservation o = engine.observe(handle);
            last = o;
            if (condition.test(o)) {
                return o;
            }
            sleep(Duration.ofMillis(100));
        }
        return fail("condition not met within " + timeout + "; last observation " + last + "\n"
                + runOutput(engine.runDirectory(handle.key())));
    }

    /** The run directory's output files, for failure messages. */
    static String runOutput(Path run) {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("stdout.log", "stderr.log", "wrapper.log", "events.jsonl", "exit")) {
            Path p = run.resolve(f);
            try {
                if (Files.exists(p)) {
                    List<String> lines = Files.readAllLines(p);
                    b.append("--- ").append(f).append(" (last 30 lines)\n");
                    lines.subList(Math.max(0, lines.size() - 30), lines.size())
                            .forEach(l -> b.append(l).append('\n'));
                }
            } catch (IOException e) {
                b.append("cannot read ").append(p).append(": ").append(e).append('\n');
            }
        }
        return b.toString();
    }

    /** Every {@code /proc/<pid>/cmdline} this user may read, NULs as spaces. */
    static List<String> allCommandLines() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                if (!p.getFileName().toString().matches("\\d+")) {
                    continue;
                }
                try {
                    byte[] bytes = Files.readAllBytes(p.resolve("cmdline"));
                    out.add(new String(bytes, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' '));
                } catch (IOException e) {
                    // the process ended, or is not ours to read
                }
            }
        }
        return out;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a leftover test directory under /tmp is only untidy
                }
            });
        } catch (IOException e) {
            // best effort, as above
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
