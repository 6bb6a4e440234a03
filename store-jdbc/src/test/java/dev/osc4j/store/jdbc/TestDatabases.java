package dev.osc4j.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.jspecify.annotations.Nullable;

/** Databases for the tests: one real MariaDB server shared by the test classes of this JVM, and H2 in memory. */
final class TestDatabases {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static @Nullable LocalMariaDb shared;

    private TestDatabases() {}

    /**
     * The MariaDB server the tests share, started on first use and killed when the JVM exits. Fails (never skips)
     * with a message naming the Debian package when MariaDB is not installed.
     */
    static synchronized LocalMariaDb sharedMariaDb() {
        LocalMariaDb server = shared;
        if (server == null || !server.isRunning()) {
            server = LocalMariaDb.start();
            shared = server;
        }
        return server;
    }

    /** A HikariCP pool on a fresh database of {@code server}, as users run the store. */
    static HikariDataSource mariaDbPool(LocalMariaDb server, int size) throws SQLException {
        String database = "osc4j_" + NEXT.incrementAndGet();
        server.createDatabase(database);
        HikariConfig config = new HikariConfig();
        config.setPoolName("osc4j-test-" + database);
        config.setJdbcUrl(server.jdbcUrl(database));
        config.setUsername(server.user());
        config.setPassword(server.password());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(3_000);
        config.setValidationTimeout(1_000);
        return new HikariDataSource(config);
    }

    /** A fresh in-memory H2 database that lives until the JVM exits. */
    static JdbcDataSource h2Memory() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:osc4j_" + NEXT.incrementAndGet() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
        dataSource.setUser("sa");
        return dataSource;
    }

    /** A table prefix no other test of this JVM uses, so each test starts with no tables. */
    static String freshPrefix() {
        return "t" + NEXT.incrementAndGet() + "_";
    }
}
