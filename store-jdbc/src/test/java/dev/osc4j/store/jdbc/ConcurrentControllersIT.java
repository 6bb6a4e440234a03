package dev.osc4j.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Eight controllers, each with its own store and connection pool, contend for three migrations on a real MariaDB. */
class ConcurrentControllersIT {

    @Test
    @DisplayName("for 10 s, 8 controllers fight over 3 migrations: every committed transition has exactly one winner,"
            + " no write with an expired lease lands, and the audit trails have no gap and no duplicate")
    void eightControllersTenSeconds() throws Exception {
        LocalMariaDb server = TestDatabases.sharedMariaDb();
        String prefix = TestDatabases.freshPrefix();
        List<HikariDataSource> pools = new ArrayList<>();
        List<JdbcStateStore> stores = new ArrayList<>();
        try (HikariDataSource setup = TestDatabases.mariaDbPool(server, 1)) {
            HikariConfig shape = new HikariConfig();
            setup.copyStateTo(shape);
            for (int i = 0; i < 8; i++) {
                HikariConfig config = new HikariConfig();
                shape.copyStateTo(config);
                config.setPoolName("controller-" + i);
                config.setMaximumPoolSize(2);
                HikariDataSource pool = new HikariDataSource(config);
                pools.add(pool);
                stores.add(JdbcStateStore.builder(pool).tablePrefix(prefix).build());
            }
            new ContendingControllers(stores, 3).runAndCheck(Duration.ofSeconds(10));
        } finally {
            stores.forEach(JdbcStateStore::close);
            pools.forEach(HikariDataSource::close);
        }
    }
}
