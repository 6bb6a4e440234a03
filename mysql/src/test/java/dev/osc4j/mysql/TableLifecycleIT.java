package dev.osc4j.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.InvalidRequestException;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.servers.LocalMariaDb;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("TableLifecycle on a real MariaDB: quarantine, hold, sweep")
class TableLifecycleIT {
    private static final String SCHEMA = "lifecycle";

    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryOnly();

    private static LocalMariaDb db() throws SQLException {
        LocalMariaDb primary = DB.primary();
        primary.createDatabase(SCHEMA);
        return primary;
    }

    private static void table(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE `" + name + "` (id INT PRIMARY KEY, v INT)");
            st.execute("INSERT INTO `" + name + "` VALUES (1, 10), (2, 20)");
        }
    }

    private static long rows(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM `" + name + "`")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    @DisplayName("a retired table is renamed with its rows to a quarantine name, kept through its hold, then swept;"
            + " the sweep also drops another controller's expired quarantine and leaves other tables alone")
    void quarantineHoldSweep() throws SQLException {
        SettableClock clock = SettableClock.startingAtEpoch2026();
        TableLifecycle lifecycle = new TableLifecycle(Duration.ofHours(24), clock);
        String longName = "_" + "x".repeat(58) + "_new"; // 63 characters: the quarantine name stays within 64
        try (Connection c = db().connect(SCHEMA)) {
            table(c, "_orders_new");
            table(c, longName);
            table(c, "orders");
            // Quarantined by a controller that is gone, two days ago.
            table(c, "_osc4j_hld_0123456789ab_20251230000000");
            String done = lifecycle.retire(c, SCHEMA, "_orders_new", "osc4j:m-1:1:s1 _orders_new");
            assertThat(done).startsWith("table lifecycle._orders_new quarantined as lifecycle._osc4j_hld_");
            lifecycle.retire(c, SCHEMA, longName, "osc4j:m-1:1:s1 " + longName);
            assertThat(lifecycle.retire(c, SCHEMA, "_orders_new", "again"))
                    .as("a repeated retire finds nothing")
                    .isEmpty();

            List<TableLifecycle.Quarantined> held = lifecycle.list(c, SCHEMA);
            assertThat(held).hasSize(3);
            assertThat(held.get(0).name()).isEqualTo("_osc4j_hld_0123456789ab_20251230000000");
            assertThat(held.get(1).since()).isEqualTo(clock.instant());
            assertThat(rows(c, held.get(1).name())).as("the rows are kept").isEqualTo(2);

            assertThat(lifecycle.sweep(c, SCHEMA))
                    .containsExactly("table lifecycle._osc4j_hld_0123456789ab_20251230000000");
            clock.advance(Duration.ofHours(23));
            assertThat(lifecycle.sweep(c, SCHEMA)).as("still held").isEmpty();
            clock.advance(Duration.ofHours(1));
            assertThat(lifecycle.sweep(c, SCHEMA)).hasSize(2);
            assertThat(lifecycle.list(c, SCHEMA)).isEmpty();
            assertThat(rows(c, "orders")).as("other tables left alone").isEqualTo(2);
        }
    }

    @Test
    @DisplayName("with a hold of zero a retired table is dropped at once; a negative hold is refused")
    void zeroHoldDrops() throws SQLException {
        TableLifecycle lifecycle = new TableLifecycle(Duration.ZERO, SettableClock.startingAtEpoch2026());
        try (Connection c = db().connect(SCHEMA)) {
            table(c, "_gone_new");
            assertThat(lifecycle.retire(c, SCHEMA, "_gone_new", "x")).isEqualTo("table lifecycle._gone_new");
            assertThat(lifecycle.list(c, SCHEMA)).isEmpty();
        }
        assertThatThrownBy(() -> new TableLifecycle(Duration.ofSeconds(-1), SettableClock.startingAtEpoch2026()))
                .isInstanceOf(InvalidRequestException.class);
    }
}
