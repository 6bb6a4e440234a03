package dev.osc4j.testkit.vitess;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysql.cj.jdbc.ServerPreparedStatement;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.SettableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fake VTGate under the driver settings applications use in production: server-side prepared statements with a
 * statement cache, rewritten batches and multi-queries, through HikariCP, over hundreds of fresh connections. Each
 * connection runs what the Vitess engine sends (the session target, {@code SELECT @@ddl_strategy,
 * @@migration_context}, {@code SET @@ddl_strategy=..., @@migration_context=...}, the ALTER, {@code SHOW
 * VITESS_MIGRATIONS LIKE}, {@code ALTER VITESS_MIGRATION}, {@code SHOW VITESS_TABLETS}, {@code SHOW
 * VITESS_REPLICATION_STATUS}), as plain and as prepared statements, plus a batch and a multi-statement.
 */
class FakeVtgatePooledClientsTest {
    private static final String KS = "commerce";
    private static final int CONNECTIONS = 300;

    @Test
    @DisplayName(
            "300 fresh pooled connections with server-side prepared statements, batches and multi-queries: 0 failures")
    void pooledConnectorJ() throws Exception {
        SettableClock clock = SettableClock.startingAtEpoch2026();
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-80", 20_000L);
        rows.put("80-", 10_000L);
        FakeTopology topology = new FakeTopology(clock).addKeyspace(KS, rows);
        List<String> failures = new ArrayList<>();
        Set<Long> connectionIds = new HashSet<>();
        try (FakeVtgate vtgate = FakeVtgate.builder(topology).build().start();
                HikariDataSource pool = pool(vtgate)) {
            for (int i = 0; i < CONNECTIONS; i++) {
                try (Connection c = pool.getConnection()) {
                    connectionIds.add(connectionId(c));
                    engineQueries(c, i);
                } catch (SQLException | AssertionError e) {
                    failures.add("connection " + i + ": " + e);
                }
                // The next borrow opens a new physical connection.
                pool.getHikariPoolMXBean().softEvictConnections();
            }
            assertThat(vtgate.submissions())
                    .as("one row per shard for each submitted ALTER")
                    .hasSize(2 * CONNECTIONS / 10);
        }
        assertThat(failures).as("failed connections out of %d", CONNECTIONS).isEmpty();
        assertThat(connectionIds)
                .as("each iteration ran on a fresh server connection")
                .hasSize(CONNECTIONS);
    }

    private static HikariDataSource pool(FakeVtgate vtgate) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("fake-vtgate-clients");
        config.setJdbcUrl(vtgate.jdbcUrl() + "&useServerPrepStmts=true&cachePrepStmts=true"
                + "&rewriteBatchedStatements=true&allowMultiQueries=true");
        config.setUsername(vtgate.user());
        config.setPassword(vtgate.password());
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(5_000);
        return new HikariDataSource(config);
    }

    private static long connectionId(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    private static void engineQueries(Connection c, int i) throws SQLException {
        c.setCatalog(KS + "@primary");
        String context = "ctx-" + i;
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(10);
            try (ResultSet rs = s.executeQuery("SELECT @@ddl_strategy, @@migration_context")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("direct");
            }
            s.execute("SET @@ddl_strategy='vitess', @@migration_context='" + context + "'");
            if (i % 10 == 0) {
                assertThat(s.execute("ALTER TABLE `orders` ADD COLUMN note" + i + " VARCHAR(64)"))
                        .isTrue();
                try (ResultSet rs = s.getResultSet()) {
                    assertThat(rs.next()).isTrue();
                    String uuid = rs.getString(1);
                    s.execute("ALTER VITESS_MIGRATION '" + uuid + "' THROTTLE RATIO 0.5");
                    assertThat(s.getUpdateCount()).isNotNegative();
                }
            }
        }
        try (PreparedStatement p = c.prepareStatement("SELECT @@ddl_strategy, @@migration_context")) {
            assertThat(p.isWrapperFor(ServerPreparedStatement.class))
                    .as("prepared on the server")
                    .isTrue();
            try (ResultSet rs = p.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("vitess");
                assertThat(rs.getString(2)).isEqualTo(context);
            }
        }
        try (PreparedStatement p = c.prepareStatement("SHOW VITESS_MIGRATIONS LIKE ?")) {
            assertThat(p.isWrapperFor(ServerPreparedStatement.class))
                    .as("prepared on the server")
                    .isTrue();
            p.setString(1, context);
            assertThat(p.execute()).isTrue();
            try (ResultSet rs = p.getResultSet()) {
                int found = readAll(rs);
                assertThat(found).isEqualTo(i % 10 == 0 ? 2 : 0);
            }
        }
        try (PreparedStatement p = c.prepareStatement("SHOW VITESS_TABLETS")) {
            assertThat(p.execute()).isTrue();
            try (ResultSet rs = p.getResultSet()) {
                assertThat(readAll(rs)).isPositive();
            }
        }
        try (PreparedStatement p = c.prepareStatement("SHOW VITESS_REPLICATION_STATUS")) {
            assertThat(p.execute()).isTrue();
            try (ResultSet rs = p.getResultSet()) {
                assertThat(readAll(rs)).isPositive();
            }
        }
        try (PreparedStatement p = c.prepareStatement("SET @@migration_context = ?")) {
            for (int k = 0; k < 5; k++) {
                p.setString(1, context + "-batch-" + k);
                p.addBatch();
            }
            assertThat(p.executeBatch()).hasSize(5);
        }
        try (Statement s = c.createStatement()) {
            for (int k = 0; k < 5; k++) {
                s.addBatch("SET @@migration_context='" + context + "-rewritten-" + k + "'");
            }
            assertThat(s.executeBatch()).hasSize(5);
            assertThat(s.execute("SET @@ddl_strategy='direct'; SELECT @@ddl_strategy, @@migration_context"))
                    .isFalse();
            assertThat(s.getMoreResults()).isTrue();
            try (ResultSet rs = s.getResultSet()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("direct");
                assertThat(rs.getString(2)).isEqualTo(context + "-rewritten-4");
            }
        }
    }

    /** Reads every column of every row as a string and as an object (both decoders of the driver); returns rows. */
    private static int readAll(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int count = 0;
        while (rs.next()) {
            for (int col = 1; col <= md.getColumnCount(); col++) {
                rs.getString(col);
                rs.getObject(col);
            }
            count++;
        }
        return count;
    }
}
