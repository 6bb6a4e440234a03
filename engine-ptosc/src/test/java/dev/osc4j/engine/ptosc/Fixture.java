package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.Endpoint;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.mysql.KeptTable;
import dev.osc4j.mysql.MySqlShard;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Shared set-up of the integration tests: real servers, engine, probe and orchestrator wiring, and checks. */
final class Fixture {
    static final String SCHEMA = "app";
    static final String KEYSPACE = "commerce";

    /** Options that make pt-osc react fast in tests. */
    static final Map<String, String> FAST = Map.of(
            PtOscEngine.OPTION_PROGRESS_INTERVAL, "1",
            PtOscEngine.OPTION_CHECK_INTERVAL, "0.2",
            PtOscEngine.OPTION_PAUSE_POLL, "0.2");

    /** Options that also make the copy take a while (about 4 s per 100,000 rows on an idle machine). */
    static Map<String, String> slow(int chunkSize, String sleep) {
        Map<String, String> m = new java.util.HashMap<>(FAST);
        m.put(PtOscEngine.OPTION_CHUNK_SIZE, Integer.toString(chunkSize));
        m.put(PtOscEngine.OPTION_CHUNK_TIME, "0");
        m.put(PtOscEngine.OPTION_SLEEP, sleep);
        return m;
    }

    private Fixture() {}

    static Endpoint endpoint(LocalMariaDb server) {
        return new Endpoint(server.host(), server.port());
    }

    static CredentialsProvider credentials(LocalMariaDb server) {
        return CredentialsProvider.of(server.user(), server.password());
    }

    /**
     * An engine for {@code server}'s account. Cleanup drops at once (no quarantine hold), so the tests can say that a
     * run's tables are gone; {@link #engineWithQuarantine} keeps them for the default hold.
     */
    static PtOscEngine engine(LocalMariaDb server, Path work) {
        return builder(server, work).quarantineHold(Duration.ZERO).build();
    }

    /** An engine whose cleanup quarantines a run's tables for the default hold. */
    static PtOscEngine engineWithQuarantine(LocalMariaDb server, Path work) {
        return builder(server, work).build();
    }

    private static PtOscEngine.Builder builder(LocalMariaDb server, Path work) {
        return PtOscEngine.builder()
                .credentials(credentials(server))
                .workDirectory(work)
                .defaultOptions(FAST)
                .cancelTimeout(Duration.ofSeconds(15));
    }

    static MySqlTopology topology(LocalMariaDb server, MySqlShard... shards) {
        MySqlTopology.Builder b = MySqlTopology.builder().credentials(credentials(server));
        for (MySqlShard s : shards) {
            b.shard(s);
        }
        return b.build();
    }

    static MySqlShard shard(String name, LocalMariaDb primary, LocalMariaDb... replicas) {
        List<Endpoint> r = new ArrayList<>();
        for (LocalMariaDb s : replicas) {
            r.add(endpoint(s));
        }
        return new MySqlShard(KEYSPACE, name, SCHEMA, endpoint(primary), r);
    }

    static MigrationOrchestrator orchestrator(StateStore store, MySqlTopology topology, PtOscEngine engine) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .pollInterval(Duration.ofMillis(250))
                .leaseTtl(Duration.ofSeconds(3))
                .progressWriteInterval(Duration.ofSeconds(1))
                .defaultPolicy(policy().build())
                .build();
    }

    /**
     * The policy of the tests that are not about reverts: the defaults without a revert window, so a migration ends
     * COMPLETED at its swap (PtOscRevertIT asks for a window).
     */
    static MigrationPolicy.Builder policy() {
        return MigrationPolicy.builder().revertWindow(Duration.ZERO);
    }

    /** Polls until the record satisfies {@code condition}; fails with the record's state after {@code timeout}. */
    static MigrationRecord await(
            MigrationOrchestrator osc,
            MigrationId id,
            Duration timeout,
            String what,
            Predicate<MigrationRecord> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        MigrationRecord rec = osc.get(id);
        while (!condition.test(rec)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out after " + timeout + " waiting for " + what + "; record: " + describe(rec));
            }
            sleep(100);
            rec = osc.get(id);
        }
        return rec;
    }

    static MigrationRecord awaitState(
            MigrationOrchestrator osc, MigrationId id, MigrationState state, Duration timeout) {
        return await(osc, id, timeout, "state " + state, r -> r.state() == state);
    }

    static String describe(MigrationRecord rec) {
        StringBuilder b = new StringBuilder(rec.state().toString());
        rec.shards()
                .forEach(s -> b.append("\n  ")
                        .append(s.shard())
                        .append(' ')
                        .append(s.state())
                        .append(" wait=")
                        .append(s.waitReason())
                        .append(" failure=")
                        .append(s.failure())
                        .append(" progress=")
                        .append(s.progress())
                        .append(" handle=")
                        .append(s.handle() == null ? null : s.handle().attributes()));
        return b.toString();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Creates {@code table (id INT PRIMARY KEY, a INT, b VARCHAR(64))} with {@code rows} rows, ids 1..rows. */
    static void createTable(LocalMariaDb primary, String table, int rows) throws SQLException {
        primary.createDatabase(SCHEMA);
        try (Connection c = primary.connect(SCHEMA);
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS `" + table + "`");
            st.execute("CREATE TABLE `" + table + "` (id INT NOT NULL PRIMARY KEY, a INT NOT NULL,"
                    + " b VARCHAR(64) NOT NULL) ENGINE=InnoDB");
            if (rows > 0) {
                st.execute("INSERT INTO `" + table + "` (id, a, b) SELECT seq, seq MOD 1000, CONCAT('row-', seq)"
                        + " FROM seq_1_to_" + rows);
            }
        }
    }

    /** The pt-osc tables and triggers of {@code table} that exist on the server, by name. */
    static List<String> artifacts(LocalMariaDb primary, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = primary.connect(SCHEMA)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT TABLE_NAME FROM information_schema.TABLES"
                    + " WHERE TABLE_SCHEMA = ? AND (TABLE_NAME LIKE ? OR TABLE_NAME LIKE ? OR TABLE_NAME IN (?, ?))"
                    + " ORDER BY 1")) {
                ps.setString(1, SCHEMA);
                ps.setString(2, "%\\_" + table + "\\_new");
                ps.setString(3, "%\\_" + table + "\\_old");
                ps.setString(4, KeptTable.newTableName(table)); // a revertible run's copy and kept table
                ps.setString(5, KeptTable.keptName(table));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add("table " + rs.getString(1));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS"
                    + " WHERE TRIGGER_SCHEMA = ? AND EVENT_OBJECT_TABLE LIKE ? ORDER BY 1")) {
                ps.setString(1, SCHEMA);
                ps.setString(2, "%" + table + "%");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add("trigger " + rs.getString(1));
                    }
                }
            }
        }
        return out;
    }

    static List<String> columns(LocalMariaDb server, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = server.connect(SCHEMA);
                PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.COLUMNS"
                        + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, SCHEMA);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    static long count(LocalMariaDb server, String table) throws SQLException {
        try (Connection c = server.connect(SCHEMA);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM `" + table + "`")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The pids of live pt-online-schema-change processes whose command line mentions {@code needle}. */
    static List<Long> ptOscProcesses(String needle) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .commandLine()
                        .map(c -> c.contains("pt-online-schema-change")
                                && c.contains(needle)
                                && !c.contains(Processes.WRAPPER_NAME))
                        .orElse(false))
                .map(ProcessHandle::pid)
                .toList();
    }

    static Path tempDirectory(String prefix) throws IOException {
        return Files.createTempDirectory(prefix);
    }

    static void assertNoArtifacts(LocalMariaDb primary, String table) throws SQLException {
        assertThat(artifacts(primary, table))
                .as("pt-osc artifacts of %s", table)
                .isEmpty();
    }
}
