package dev.osc4j.testkit.vitess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.SettableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The fake VTGate as mysql-connector-j sees it, over real TCP. */
class FakeVtgateTest {
    private static final String KS = "commerce";
    private static final String DDL = "ALTER TABLE `orders` ADD COLUMN note VARCHAR(64)";

    private SettableClock clock = SettableClock.startingAtEpoch2026();
    private FakeTopology topology = new FakeTopology(clock);
    private @Nullable FakeVtgate vtgate;
    private final List<Connection> connections = new ArrayList<>();

    @BeforeEach
    void setUp() {
        clock = SettableClock.startingAtEpoch2026();
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-80", 20_000L);
        rows.put("80-", 10_000L);
        topology = new FakeTopology(clock).addKeyspace(KS, rows);
    }

    @AfterEach
    void tearDown() throws SQLException {
        for (Connection c : connections) {
            c.close();
        }
        if (vtgate != null) {
            vtgate.close();
        }
    }

    private FakeVtgate start(FakeVtgate.Builder builder) {
        FakeVtgate started = builder.build().start();
        vtgate = started;
        return started;
    }

    private Connection connect(FakeVtgate v, String target) throws SQLException {
        Connection c = DriverManager.getConnection(v.jdbcUrl(target), v.user(), v.password());
        connections.add(c);
        return c;
    }

    private static List<Map<String, @Nullable String>> query(Connection c, String sql) throws SQLException {
        List<Map<String, @Nullable String>> out = new ArrayList<>();
        // execute(), not executeQuery(): the driver refuses executeQuery for an ALTER, which VTGate answers with rows.
        try (Statement s = c.createStatement()) {
            assertThat(s.execute(sql)).as("a result set for %s", sql).isTrue();
            ResultSet rs = s.getResultSet();
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, @Nullable String> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String submit(Connection c, String strategy, String context) throws SQLException {
        exec(c, "SET @@ddl_strategy='" + strategy + "'");
        exec(c, "SET @@migration_context='" + context + "'");
        List<Map<String, @Nullable String>> rows = query(c, DDL);
        assertThat(rows).hasSize(1);
        return String.valueOf(rows.get(0).get("uuid"));
    }

    @Test
    @DisplayName("a DDL under the vitess strategy gets one uuid, a queued row on every shard, and the recent columns")
    void submitsToEveryShard() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        Connection c = connect(v, KS);
        String uuid = submit(c, "vitess --postpone-completion", "ctx-1");
        assertThat(uuid).matches("[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}");
        List<Map<String, @Nullable String>> rows = query(c, "SHOW VITESS_MIGRATIONS LIKE 'ctx-1'");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).keySet()).containsExactlyElementsOf(FakeVtgate.RECENT_MIGRATION_COLUMNS);
        assertThat(rows).extracting(r -> r.get("shard")).containsExactly("-80", "80-");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.get("migration_uuid")).isEqualTo(uuid);
            assertThat(r.get("migration_status")).isEqualTo("queued");
            assertThat(r.get("postpone_completion")).isEqualTo("1");
            assertThat(r.get("migration_context")).isEqualTo("ctx-1");
            assertThat(r.get("migration_statement")).isEqualTo(DDL);
        });
        assertThat(query(c, "SHOW VITESS_MIGRATIONS LIKE '" + uuid + "'")).hasSize(2);
        assertThat(query(c, "SHOW VITESS_MIGRATIONS LIKE 'QUEUED'")).hasSize(2);
        assertThat(query(c, "SHOW VITESS_MIGRATIONS LIKE 'other'")).isEmpty();
        assertThat(v.submissions(KS, "-80"))
                .singleElement()
                .satisfies(s -> assertThat(s.uuid()).isEqualTo(uuid));
    }

    @Test
    @DisplayName("the scheduler runs, copies, holds at ready_to_complete with postponed completion, and completes")
    void runsToCompletion() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        Connection c = connect(v, KS);
        String uuid = submit(c, "vitess --postpone-completion", "ctx-2");
        clock.advance(Duration.ofSeconds(1));
        assertThat(v.migration(KS, "-80", uuid))
                .extracting(FakeVtgate.MigrationView::status)
                .isEqualTo("ready");
        clock.advance(Duration.ofSeconds(2));
        Map<String, @Nullable String> running =
                query(c, "SHOW VITESS_MIGRATIONS LIKE 'ctx-2'").get(0);
        assertThat(running.get("migration_status")).isEqualTo("running");
        assertThat(running.get("table_rows")).isEqualTo("20000");
        assertThat(running.get("rows_copied")).isEqualTo("10000");
        assertThat(Double.parseDouble(String.valueOf(running.get("progress")))).isEqualTo(50.0);
        assertThat(running.get("eta_seconds")).isEqualTo("1");
        assertThat(running.get("tablet")).isEqualTo("zone1-0000000100");
        assertThat(running.get("started_timestamp")).startsWith("2026-01-01 00:00:02");
        clock.advance(Duration.ofSeconds(10));
        assertThat(v.migrations(KS, "-80")).singleElement().satisfies(m -> {
            assertThat(m.status()).isEqualTo("running");
            assertThat(m.readyToComplete()).isTrue();
        });
        clock.advance(Duration.ofMinutes(5));
        assertThat(v.migration(KS, "-80", uuid))
                .extracting(FakeVtgate.MigrationView::status)
                .isEqualTo("running");
        assertThat(topology.appliedDdl(KS, "-80")).isEmpty();

        exec(c, "USE `" + KS + ":-80`");
        try (Statement s = c.createStatement()) {
            assertThat(s.executeUpdate("ALTER VITESS_MIGRATION '" + uuid + "' COMPLETE"))
                    .isEqualTo(1);
        }
        clock.advance(Duration.ofSeconds(2));
        assertThat(v.migration(KS, "-80", uuid))
                .extracting(FakeVtgate.MigrationView::status)
                .isEqualTo("complete");
        assertThat(v.migration(KS, "80-", uuid))
                .extracting(FakeVtgate.MigrationView::status)
                .isEqualTo("running");
        assertThat(topology.appliedDdl(KS, "-80")).containsExactly(DDL);
        assertThat(query(c, "SHOW VITESS_MIGRATIONS LIKE '" + uuid + "'"))
                .singleElement()
                .satisfies(r -> assertThat(r.get("shard")).isEqualTo("-80"));
    }

    @Test
    @DisplayName("a shard that rejects the DDL makes VTGate fail after the other shards got it; a targeted DDL adds it")
    void partialSubmission() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        topology.rejectStart(KS, "80-", "table is locked by a backup");
        Connection c = connect(v, KS);
        SQLException e = catchThrowableOfType(SQLException.class, () -> submit(c, "vitess", "ctx-3"));
        assertThat(e.getErrorCode()).isEqualTo(1105);
        assertThat(e.getMessage()).contains("commerce.80-.primary").contains("table is locked by a backup");
        assertThat(v.submissions(KS, "-80")).hasSize(1);
        assertThat(v.submissions(KS, "80-")).isEmpty();
        assertThat(v.rejections(KS, "80-")).hasSize(1);

        topology.rejectStart(KS, "80-", null);
        exec(c, "USE `commerce/80-@primary`");
        String second = submit(c, "vitess", "ctx-3");
        assertThat(v.submissions(KS, "80-"))
                .singleElement()
                .satisfies(s -> assertThat(s.uuid()).isEqualTo(second));
        assertThat(v.submissions(KS, "-80")).hasSize(1);
        exec(c, "USE commerce");
        assertThat(query(c, "SHOW VITESS_MIGRATIONS LIKE 'ctx-3'"))
                .extracting(r -> r.get("shard"))
                .containsExactly("-80", "80-");
    }

    @Test
    @DisplayName("unknown statements get 1105, no keyspace 1046, an unknown keyspace 1049, a bad uuid 1105")
    void errors() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        Connection c = connect(v, "");
        assertThat(catchThrowableOfType(SQLException.class, () -> query(c, "SELECT * FROM orders"))
                        .getErrorCode())
                .isEqualTo(1105);
        assertThat(catchThrowableOfType(SQLException.class, () -> query(c, "SHOW VITESS_MIGRATIONS"))
                        .getErrorCode())
                .isEqualTo(1046);
        exec(c, "USE nowhere");
        assertThat(catchThrowableOfType(SQLException.class, () -> query(c, "SHOW VITESS_MIGRATIONS"))
                        .getErrorCode())
                .isEqualTo(1049);
        exec(c, "USE commerce");
        SQLException bad = catchThrowableOfType(SQLException.class, () -> exec(c, "ALTER VITESS_MIGRATION 'x' RETRY"));
        assertThat(bad.getErrorCode()).isEqualTo(1105);
        assertThat(bad.getMessage()).contains("Not a valid migration ID");
        SQLException direct = catchThrowableOfType(SQLException.class, () -> query(c, DDL));
        assertThat(direct.getErrorCode()).isEqualTo(1105);
        exec(c, "SET @@ddl_strategy='vitess --no-such-flag'");
        assertThat(catchThrowableOfType(SQLException.class, () -> query(c, DDL)).getMessage())
                .contains("--no-such-flag");
        assertThat(v.submissions()).isEmpty();
    }

    @Test
    @DisplayName("CANCEL, RETRY and CLEANUP follow the executor's rules; a failure fires at its percent")
    void cancelRetryCleanup() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        topology.failAt(KS, "-80", 40);
        Connection c = connect(v, KS);
        String uuid = submit(c, "vitess --postpone-completion", "ctx-4");
        clock.advance(Duration.ofSeconds(10));
        assertThat(v.migration(KS, "-80", uuid)).satisfies(m -> {
            assertThat(m).isNotNull();
            assertThat(m.status()).isEqualTo("failed");
            assertThat(m.rowsCopied()).isEqualTo(8_000);
            assertThat(m.message()).contains("40.0%");
        });
        exec(c, "USE `commerce:-80`");
        try (Statement s = c.createStatement()) {
            assertThat(s.executeUpdate("ALTER VITESS_MIGRATION '" + uuid + "' CANCEL"))
                    .isZero();
            assertThat(s.executeUpdate("ALTER VITESS_MIGRATION '" + uuid + "' RETRY"))
                    .isEqualTo(1);
            assertThat(s.executeUpdate("ALTER VITESS_MIGRATION '" + uuid + "' RETRY"))
                    .isZero();
        }
        assertThat(v.migration(KS, "-80", uuid)).satisfies(m -> {
            assertThat(m).isNotNull();
            assertThat(m.status()).isEqualTo("queued");
            assertThat(m.retries()).isEqualTo(1);
            assertThat(m.rowsCopied()).as("RETRY does not reset rows_copied").isEqualTo(8_000);
        });
        clock.advance(Duration.ofSeconds(10));
        assertThat(v.migration(KS, "-80", uuid))
                .extracting(FakeVtgate.MigrationView::readyToComplete)
                .isEqualTo(true);
        exec(c, "USE commerce");
        try (Statement s = c.createStatement()) {
            assertThat(s.executeUpdate("ALTER VITESS_MIGRATION '" + uuid + "' CLEANUP"))
                    .isZero();
            assertThat(s.executeUpdate("ALTER VITESS_MIGRATION '" + uuid + "' CANCEL"))
                    .isEqualTo(2);
            assertThat(s.executeUpdate("ALTER VITESS_MIGRATION '" + uuid + "' CLEANUP"))
                    .isEqualTo(2);
        }
        assertThat(v.migrations(KS, "80-")).singleElement().satisfies(m -> {
            assertThat(m.status()).isEqualTo("cancelled");
            assertThat(m.cleanedUp()).isTrue();
        });
        exec(c, "USE `commerce:80-`");
        SQLException notFound = catchThrowableOfType(
                SQLException.class,
                () -> exec(c, "ALTER VITESS_MIGRATION '00000000_0000_0000_0000_000000000000' CANCEL"));
        assertThat(notFound.getMessage()).contains("migration not found");
    }

    @Test
    @DisplayName(
            "lag throttles the copy with a reason; THROTTLE RATIO shows as user_throttle_ratio; a reparent moves it")
    void throttleAndReparent() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        Connection c = connect(v, KS);
        String uuid = submit(c, "vitess --postpone-completion", "ctx-5");
        exec(c, "USE `commerce:80-`");
        exec(c, "ALTER VITESS_MIGRATION '" + uuid + "' THROTTLE EXPIRE '1h' RATIO 0.5");
        exec(c, "USE commerce");
        clock.advance(Duration.ofSeconds(2));
        topology.setReplicaLag(KS, "-80", Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(1));
        Map<String, @Nullable String> row =
                query(c, "SHOW VITESS_MIGRATIONS LIKE 'ctx-5'").get(0);
        assertThat(row.get("shard")).isEqualTo("-80");
        assertThat(row.get("rows_copied")).isEqualTo("0");
        assertThat(row.get("last_throttled_timestamp")).startsWith("2026-01-01 00:00:03");
        assertThat(row.get("component_throttled")).isEqualTo("vcopier");
        assertThat(row.get("reason_throttled")).contains("lag=30s");
        assertThat(query(c, "SHOW VITESS_REPLICATION_STATUS LIKE 'commerce/-80'"))
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.get("ReplicationLag")).isEqualTo("30"));
        topology.setReplicaLag(KS, "-80", Duration.ZERO);
        assertThat(v.migration(KS, "80-", uuid))
                .extracting(FakeVtgate.MigrationView::userThrottleRatio)
                .isEqualTo(0.5);
        assertThat(v.migration(KS, "-80", uuid))
                .extracting(FakeVtgate.MigrationView::userThrottleRatio)
                .as("THROTTLE is a rule for the keyspace, whatever shard the session targets")
                .isEqualTo(0.5);
        assertThat(v.migration(KS, "80-", uuid))
                .extracting(FakeVtgate.MigrationView::rowsCopied)
                .isEqualTo(5_000L);
        exec(c, "USE `commerce:80-`");
        exec(c, "ALTER VITESS_MIGRATION '" + uuid + "' UNTHROTTLE");

        String before = query(c, "SHOW VITESS_TABLETS").stream()
                .filter(r -> "-80".equals(r.get("Shard")) && "PRIMARY".equals(r.get("TabletType")))
                .findFirst()
                .orElseThrow()
                .get("Alias");
        topology.reparent(KS, "-80");
        clock.advance(Duration.ofSeconds(1));
        Map<String, @Nullable String> primary = query(c, "SHOW VITESS_TABLETS").stream()
                .filter(r -> "-80".equals(r.get("Shard")) && "PRIMARY".equals(r.get("TabletType")))
                .findFirst()
                .orElseThrow();
        assertThat(primary.get("Alias")).isNotEqualTo(before);
        assertThat(primary.get("PrimaryTermStartTime")).isEqualTo("2026-01-01T00:00:03Z");
        assertThat(v.migration(KS, "-80", uuid)).satisfies(m -> {
            assertThat(m).isNotNull();
            assertThat(m.tablet()).isEqualTo(primary.get("Alias"));
            assertThat(m.status()).isEqualTo("running");
        });
    }

    @Test
    @DisplayName("a lost response still takes effect; chosen columns imitate another Vitess version")
    void lostResponseAndColumns() throws Exception {
        List<String> columns = new ArrayList<>(FakeVtgate.V18_MIGRATION_COLUMNS);
        columns.remove("eta_seconds");
        columns.add("future_column");
        FakeVtgate v = start(FakeVtgate.builder(topology).migrationColumns(columns));
        v.loseNextResponse("ALTER TABLE");
        Connection c = connect(v, KS);
        SQLException lost = catchThrowableOfType(SQLException.class, () -> submit(c, "vitess", "ctx-6"));
        assertThat(lost.getSQLState()).startsWith("08");
        assertThat(v.submissions(KS, "-80")).hasSize(1);
        Connection again = connect(v, KS);
        List<Map<String, @Nullable String>> rows = query(again, "SHOW VITESS_MIGRATIONS LIKE 'ctx-6'");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).keySet())
                .contains("future_column", "ready_to_complete")
                .doesNotContain("eta_seconds", "reason_throttled");
        assertThat(rows.get(0).get("future_column")).isNull();
    }

    @Test
    @DisplayName(
            "a postponed immediate operation stays queued with ready_to_complete=1 until COMPLETE, then runs at once")
    void immediateOperation() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        Connection c = connect(v, KS);
        exec(c, "SET @@ddl_strategy='vitess --postpone-completion --fast-range-rotation'");
        exec(c, "SET @@migration_context='ctx-rot'");
        String uuid = String.valueOf(
                query(c, "ALTER TABLE orders DROP PARTITION p2025").get(0).get("uuid"));
        clock.advance(Duration.ofSeconds(30));
        assertThat(query(c, "SHOW VITESS_MIGRATIONS LIKE 'ctx-rot'")).hasSize(2).allSatisfy(r -> {
            assertThat(r.get("migration_status")).isEqualTo("queued");
            assertThat(r.get("ready_to_complete")).isEqualTo("1");
            assertThat(r.get("is_immediate_operation")).isEqualTo("1");
            assertThat(r.get("postpone_completion")).isEqualTo("1");
        });
        exec(c, "ALTER VITESS_MIGRATION '" + uuid + "' COMPLETE");
        clock.advance(Duration.ofSeconds(3));
        assertThat(v.migrations(KS, "-80"))
                .singleElement()
                .satisfies(m -> assertThat(m.status()).isEqualTo("complete"));
        assertThat(topology.appliedDdl(KS, "-80")).containsExactly("ALTER TABLE orders DROP PARTITION p2025");

        exec(c, "SET @@ddl_strategy='vitess --postpone-completion'");
        exec(c, "SET @@migration_context='ctx-rot-2'");
        query(c, "ALTER TABLE orders DROP PARTITION p2026");
        clock.advance(Duration.ofSeconds(3));
        assertThat(query(c, "SHOW VITESS_MIGRATIONS LIKE 'ctx-rot-2'"))
                .as("without --fast-range-rotation the partition change is a VReplication migration")
                .allSatisfy(r -> assertThat(r.get("migration_status")).isEqualTo("running"));
    }

    @Test
    @DisplayName("from v22 a --cut-over-threshold outside 5s..30s is refused at submission; v21 takes it")
    void cutoverThreshold() throws Exception {
        FakeVtgate v22 = start(FakeVtgate.builder(topology));
        Connection c = connect(v22, KS);
        for (String bad : List.of("2s", "31s", "1m")) {
            SQLException e = catchThrowableOfType(
                    SQLException.class,
                    () -> submit(c, "vitess --postpone-completion --cut-over-threshold=" + bad, "ctx-t"));
            assertThat(e.getMessage()).contains("cut-over threshold").contains(bad);
        }
        assertThat(v22.submissions()).isEmpty();
        submit(c, "vitess --cut-over-threshold=30s", "ctx-t");
        assertThat(query(c, "SHOW VITESS_MIGRATIONS LIKE 'ctx-t'").get(0).get("cutover_threshold_seconds"))
                .isEqualTo("30");
        v22.close();
        FakeVtgate v21 = start(FakeVtgate.builder(topology).vitessVersion(21));
        submit(connect(v21, KS), "vitess --cut-over-threshold=2s", "ctx-t21");
        assertThat(v21.submissions()).hasSize(2);
    }

    @Test
    @DisplayName("reparent faults arrive as 1105/HY000 with VTGate's texts and change nothing; SHOW throttler status")
    void faultsAndThrottlerStatus() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        Connection c = connect(v, KS);
        v.failNext("ALTER TABLE", VtgateFault.NO_HEALTHY_TABLET);
        SQLException e = catchThrowableOfType(SQLException.class, () -> submit(c, "vitess", "ctx-f"));
        assertThat(e.getErrorCode()).isEqualTo(1105);
        assertThat(e.getSQLState()).isEqualTo("HY000");
        assertThat(e.getMessage()).contains("no healthy tablet available").doesNotContain("code =");
        assertThat(v.submissions()).isEmpty();
        String uuid = submit(c, "vitess", "ctx-f");
        exec(c, "USE `commerce:80-`");
        v.failNext("ALTER VITESS_MIGRATION", VtgateFault.NOT_SERVING);
        assertThat(catchThrowableOfType(
                                SQLException.class, () -> exec(c, "ALTER VITESS_MIGRATION '" + uuid + "' CANCEL"))
                        .getMessage())
                .contains("code = ClusterEvent")
                .contains("NOT_SERVING");
        assertThat(v.migration(KS, "80-", uuid))
                .extracting(FakeVtgate.MigrationView::status)
                .isEqualTo("queued");

        exec(c, "USE commerce");
        assertThat(query(c, "SHOW VITESS_THROTTLER STATUS"))
                .extracting(r -> r.get("shard") + "=" + r.get("enabled"))
                .containsExactly("-80=1", "80-=1");
        v.setThrottlerEnabled(KS, false);
        exec(c, "ALTER VITESS_MIGRATION '" + uuid + "' THROTTLE RATIO 1");
        clock.advance(Duration.ofSeconds(3));
        assertThat(query(c, "SHOW VITESS_THROTTLER STATUS"))
                .extracting(r -> r.get("enabled"))
                .containsOnly("0");
        assertThat(v.migration(KS, "80-", uuid)).satisfies(m -> {
            assertThat(m).isNotNull();
            assertThat(m.userThrottleRatio()).isEqualTo(1.0);
            assertThat(m.rowsCopied()).as("a disabled throttler slows nothing").isEqualTo(10_000);
        });
    }

    @Test
    @DisplayName(
            "SHOW VITESS_MIGRATIONS ... WHERE filters by column; the chosen version sets columns and artifact names")
    void whereAndVersions() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology).vitessVersion(19));
        Connection c = connect(v, KS);
        String uuid = submit(c, "vitess", "ctx-w");
        submit(c, "vitess", "ctx-w2");
        clock.advance(Duration.ofSeconds(3));
        List<Map<String, @Nullable String>> rows =
                query(c, "SHOW VITESS_MIGRATIONS WHERE migration_context = 'ctx-w' AND shard IN ('80-', '-40')");
        assertThat(rows).singleElement().satisfies(r -> {
            assertThat(r.get("migration_uuid")).isEqualTo(uuid);
            assertThat(r.get("shard")).isEqualTo("80-");
            assertThat(r.get("artifacts")).startsWith("_" + uuid + "_").endsWith("_vrepl,");
        });
        assertThat(rows.get(0).keySet()).containsExactlyElementsOf(FakeVtgate.V18_MIGRATION_COLUMNS);
        assertThat(
                        query(
                                c,
                                "SHOW VITESS_MIGRATIONS WHERE migration_context LIKE 'ctx-w%' AND migration_status != 'queued'"))
                .as("ctx-w2 waits queued behind ctx-w on each shard")
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.get("migration_context")).isEqualTo("ctx-w"));
        v.close();
        FakeVtgate v23 = start(FakeVtgate.builder(topology).vitessVersion(23));
        Connection c23 = connect(v23, KS);
        String uuid23 = submit(c23, "vitess", "ctx-w23");
        clock.advance(Duration.ofSeconds(3));
        Map<String, @Nullable String> row =
                query(c23, "SHOW VITESS_MIGRATIONS LIKE 'ctx-w23'").get(0);
        assertThat(row.keySet()).containsExactlyElementsOf(FakeVtgate.RECENT_MIGRATION_COLUMNS);
        assertThat(row.get("artifacts")).matches("_vt_vrp_" + uuid23.replace("_", "") + "_\\d{14}_,");
    }

    @Test
    @DisplayName("REVERT VITESS_MIGRATION runs only for the last migration completed on the table, as the executor"
            + " validates it when it runs")
    void revert() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        Connection c = connect(v, KS);
        String first = submit(c, "vitess", "ctx-r1");
        clock.advance(Duration.ofSeconds(10));
        String second = submit(c, "vitess", "ctx-r2");
        clock.advance(Duration.ofSeconds(10));
        assertThat(v.migrations(KS, "80-"))
                .allSatisfy(m -> assertThat(m.status()).isEqualTo("complete"));

        String old = String.valueOf(
                query(c, "REVERT VITESS_MIGRATION '" + first + "'").get(0).get("uuid"));
        clock.advance(Duration.ofSeconds(3));
        assertThat(v.migration(KS, "80-", old)).satisfies(m -> {
            assertThat(m).isNotNull();
            assertThat(m.status()).isEqualTo("failed");
            assertThat(m.message())
                    .contains("not the last migration to complete")
                    .contains(second);
        });
        String good = String.valueOf(
                query(c, "REVERT VITESS_MIGRATION '" + second + "'").get(0).get("uuid"));
        Map<String, @Nullable String> row =
                query(c, "SHOW VITESS_MIGRATIONS LIKE '" + good + "'").get(0);
        assertThat(row.get("reverted_uuid")).isEqualTo(second);
        assertThat(row.get("mysql_table")).isEqualTo("orders");
        assertThat(row.get("migration_context")).startsWith("vtgate:").isNotEqualTo("ctx-r2");
        clock.advance(Duration.ofSeconds(10));
        assertThat(v.migration(KS, "80-", good))
                .extracting(FakeVtgate.MigrationView::status)
                .isEqualTo("complete");
    }

    @Test
    @DisplayName(
            "a REVERT is an online-strategy migration whose artifact is the reverted migration's kept table; it does"
                    + " not copy; an ALTER run with the mysql strategy cannot be reverted, in the executor's words")
    void revertStrategy() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        Connection c = connect(v, KS);
        String direct = submit(c, "mysql", "ctx-m1");
        clock.advance(Duration.ofSeconds(10));
        assertThat(v.migration(KS, "80-", direct))
                .extracting(FakeVtgate.MigrationView::status)
                .isEqualTo("complete");
        String refused = String.valueOf(
                query(c, "REVERT VITESS_MIGRATION '" + direct + "'").get(0).get("uuid"));
        clock.advance(Duration.ofSeconds(3));
        assertThat(v.migration(KS, "80-", refused)).satisfies(m -> {
            assertThat(m).isNotNull();
            assertThat(m.status()).isEqualTo("failed");
            assertThat(m.message())
                    .isEqualTo(
                            "can only revert a online strategy migration. Migration " + direct + " has mysql strategy");
        });

        String forward = submit(c, "vitess", "ctx-m2");
        clock.advance(Duration.ofSeconds(10));
        String forwardArtifacts = String.valueOf(
                query(c, "SHOW VITESS_MIGRATIONS LIKE '" + forward + "'").get(0).get("artifacts"));
        exec(c, "SET @@ddl_strategy='vitess --postpone-completion'");
        String revert = String.valueOf(
                query(c, "REVERT VITESS_MIGRATION '" + forward + "'").get(0).get("uuid"));
        clock.advance(Duration.ofSeconds(3));
        Map<String, @Nullable String> row = query(c, "SHOW VITESS_MIGRATIONS WHERE reverted_uuid = '" + forward + "'")
                .get(0);
        assertThat(row.get("migration_uuid")).isEqualTo(revert);
        assertThat(row.get("strategy")).isEqualTo("online");
        assertThat(row.get("artifacts")).isEqualTo(forwardArtifacts);
        assertThat(row.get("progress")).startsWith("100");
        assertThat(row.get("postpone_completion")).isEqualTo("1");
    }

    @Test
    @DisplayName("the mysql strategy refuses --postpone-completion when the executor reviews the migration")
    void mysqlStrategyPostpone() throws Exception {
        FakeVtgate v = start(FakeVtgate.builder(topology));
        Connection c = connect(v, KS);
        String uuid = submit(c, "mysql --postpone-completion", "ctx-m3");
        clock.advance(Duration.ofSeconds(3));
        assertThat(v.migration(KS, "80-", uuid)).satisfies(m -> {
            assertThat(m).isNotNull();
            assertThat(m.status()).isEqualTo("failed");
            assertThat(m.message()).isEqualTo("--postpone-completion not supported in 'mysql' strategy");
        });
    }
}
