package dev.osc4j.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The JDBC store's own behaviour on a real MariaDB server, through HikariCP and Connector/J. */
class MariaDbStoreBehaviourIT extends JdbcStoreBehaviour {
    private static HikariDataSource pool;

    @BeforeAll
    static void startServer() throws Exception {
        pool = TestDatabases.mariaDbPool(TestDatabases.sharedMariaDb(), 4);
    }

    @AfterAll
    static void closePool() {
        pool.close();
    }

    @Override
    protected DataSource dataSource() {
        return pool;
    }

    @Override
    protected boolean mysql() {
        return true;
    }
}
