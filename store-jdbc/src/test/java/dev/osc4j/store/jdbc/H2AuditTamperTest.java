package dev.osc4j.store.jdbc;

import javax.sql.DataSource;
import org.junit.jupiter.api.DisplayName;

@DisplayName("Audit rows edited, removed and swapped with SQL in H2 are found by verification")
class H2AuditTamperTest extends JdbcAuditTamper {
    private final DataSource h2 = TestDatabases.h2Memory();

    @Override
    protected DataSource dataSource() {
        return h2;
    }
}
