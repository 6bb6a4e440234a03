package dev.osc4j.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

@DisplayName("Audit rows edited, removed and swapped with SQL on a real MariaDB are found by verification")
class MariaDbAuditTamperIT extends JdbcAuditTamper {
    private static @Nullable HikariDataSource pool;

    @BeforeAll
    static void startServer() throws Exception {
        pool = TestDatabases.mariaDbPool(TestDatabases.sharedMariaDb(), 2);
    }

    @AfterAll
    static void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    @Override
    protected DataSource dataSource() {
        if (pool == null) {
            throw new IllegalStateException("MariaDB did not start");
        }
        return pool;
    }
}
