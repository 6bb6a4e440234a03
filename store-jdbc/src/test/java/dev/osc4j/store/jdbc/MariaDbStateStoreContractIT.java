package dev.osc4j.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.MigrationId;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.StateStoreContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on a real MariaDB server, through HikariCP and Connector/J; fresh tables for each test. */
class MariaDbStateStoreContractIT extends StateStoreContract {
    private static HikariDataSource pool;

    private String prefix = "unset_";

    @BeforeAll
    static void startServer() throws Exception {
        pool = TestDatabases.mariaDbPool(TestDatabases.sharedMariaDb(), 10);
    }

    @AfterAll
    static void closePool() {
        pool.close();
    }

    @Override
    protected StateStore createStore() {
        prefix = TestDatabases.freshPrefix();
        return JdbcStateStore.builder(pool).tablePrefix(prefix).build();
    }

    @Override
    protected void elapse(Duration d) throws InterruptedException {
        // Leases expire by the database's clock, which is the real one.
        Thread.sleep(d.toMillis());
    }

    @Override
    protected void writeRawRecord(MigrationId id, String json) throws Exception {
        try (Connection c = pool.getConnection();
                PreparedStatement update =
                        c.prepareStatement("UPDATE " + prefix + "migrations SET record_json = ? WHERE id = ?")) {
            update.setString(1, json);
            update.setString(2, id.value());
            if (update.executeUpdate() != 1) {
                throw new AssertionError("no row for " + id);
            }
        }
    }
}
