package dev.osc4j.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.InvalidRequestException;
import dev.osc4j.PreSwapPolicy;
import dev.osc4j.testkit.servers.LocalMariaDb;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("TableWarmer on a real MariaDB: a replicated ANALYZE, and the original's hot ranges read of the copy")
class TableWarmerIT {
    private static final String SCHEMA = "warm";

    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryOnly();

    private static Connection connect() throws SQLException {
        LocalMariaDb primary = DB.primary();
        primary.createDatabase(SCHEMA);
        return primary.connect(SCHEMA);
    }

    private static void exec(Connection c, String... statements) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    @DisplayName("ANALYZE updates the copy's persistent statistics and is written to the binary log")
    void analyze() throws Exception {
        try (Connection c = connect()) {
            exec(
                    c,
                    "DROP TABLE IF EXISTS a_new",
                    "CREATE TABLE a_new (id INT PRIMARY KEY, v INT) ENGINE=InnoDB STATS_AUTO_RECALC=0",
                    "INSERT INTO a_new SELECT seq, seq FROM seq_1_to_5000",
                    "DELETE FROM mysql.innodb_table_stats WHERE database_name = 'warm' AND table_name = 'a_new'",
                    "FLUSH TABLES a_new");
            assertThat(count(
                            c,
                            "SELECT COUNT(*) FROM mysql.innodb_table_stats WHERE database_name = 'warm' AND"
                                    + " table_name = 'a_new'"))
                    .isZero();
            List<String> before = binlogEvents(c);
            TableWarmer.analyze(c, SCHEMA, "a_new");
            assertThat(count(
                            c,
                            "SELECT n_rows FROM mysql.innodb_table_stats WHERE database_name = 'warm' AND"
                                    + " table_name = 'a_new'"))
                    .isGreaterThan(4000);
            List<String> after = binlogEvents(c);
            assertThat(after.subList(before.size(), after.size()))
                    .anySatisfy(info -> assertThat(info).contains("ANALYZE TABLE", "a_new"));
        }
    }

    private static List<String> binlogEvents(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        String file;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW MASTER STATUS")) {
            if (!rs.next()) {
                throw new AssertionError("the test server has no binary log");
            }
            file = rs.getString(1);
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW BINLOG EVENTS IN '" + file + "'")) {
            while (rs.next()) {
                out.add(rs.getString("Info"));
            }
        }
        return out;
    }

    @Test
    @DisplayName("the original's pages in the buffer pool give its hot ranges, and the copy's pages of those ranges are"
            + " in the buffer pool once they are read")
    void warmsTheHotRanges() throws Exception {
        try (Connection c = connect()) {
            exec(
                    c,
                    "DROP TABLE IF EXISTS w",
                    "DROP TABLE IF EXISTS w_new",
                    "CREATE TABLE w (id INT PRIMARY KEY, pad CHAR(200) NOT NULL) ENGINE=InnoDB",
                    "INSERT INTO w SELECT seq, REPEAT('x', 200) FROM seq_1_to_20000",
                    "CREATE TABLE w_new LIKE w",
                    "INSERT INTO w_new SELECT * FROM w");
            TableWarmer.Result r = TableWarmer.of(
                            SCHEMA,
                            "w",
                            "w_new",
                            PreSwapPolicy.defaults().withWarming(Duration.ofSeconds(30), 500, Duration.ZERO))
                    .buckets(20)
                    .run(c, (read, hot) -> {}, () -> false);
            assertThat(r.residentPages()).isPositive();
            assertThat(r.rangesHot()).isPositive();
            assertThat(r.rangesRead()).isEqualTo(r.rangesHot());
            assertThat(r.rowsRead()).isPositive();
            assertThat(r.budgetSpent()).isFalse();
            assertThat(count(
                            c,
                            "SELECT COUNT(*) FROM information_schema.INNODB_BUFFER_PAGE WHERE TABLE_NAME ="
                                    + " '`warm`.`w_new`' AND INDEX_NAME = 'PRIMARY' AND NUMBER_RECORDS > 0"))
                    .isPositive();
        }
    }

    @Test
    @DisplayName("a table without an integer primary key is refused with a clear error, nothing read")
    void refusesANonIntegerKey() throws Exception {
        try (Connection c = connect()) {
            exec(
                    c,
                    "DROP TABLE IF EXISTS s",
                    "DROP TABLE IF EXISTS s_new",
                    "CREATE TABLE s (k VARCHAR(10) PRIMARY KEY) ENGINE=InnoDB",
                    "CREATE TABLE s_new LIKE s");
            assertThatThrownBy(() -> TableWarmer.of(SCHEMA, "s", "s_new", PreSwapPolicy.defaults())
                            .run(c, (read, hot) -> {}, () -> false))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("integer primary key");
        }
    }
}
