package dev.osc4j.store.jdbc;

import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** The JDBC store's own behaviour on H2 in memory. */
class H2StoreBehaviourTest extends JdbcStoreBehaviour {
    private static final JdbcDataSource H2 = TestDatabases.h2Memory();

    @Override
    protected DataSource dataSource() {
        return H2;
    }

    @Override
    protected boolean mysql() {
        return false;
    }
}
