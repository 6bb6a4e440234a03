package dev.osc4j.engine.vitess;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Where VTGate connections come from: one connection the engine owns (from a JDBC URL), or a caller's {@link
 * DataSource}, whose connections may be pooled and shared, so session state the engine changes must be put back.
 */
abstract class ConnectionSource implements AutoCloseable {

    /** Work on a connection. */
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} on a connection. */
    abstract <T> T with(Work<T> work) throws SQLException;

    /** Whether the connection may be used by others afterwards, so session state must be restored. */
    abstract boolean shared();

    @Override
    public abstract void close();

    /** Whether {@code e} means the connection itself is unusable. */
    static boolean connectionBroken(SQLException e) {
        String state = e.getSQLState();
        return e instanceof SQLNonTransientConnectionException
                || e instanceof SQLRecoverableException
                || (state != null && state.startsWith("08"));
    }

    static ConnectionSource of(DataSource dataSource) {
        return new Pooled(dataSource);
    }

    static ConnectionSource of(String url, String user, String password, Duration connectTimeout) {
        return new Owned(url, user, password, connectTimeout);
    }

    /** Borrows a connection per piece of work and closes (returns) it after. */
    private static final class Pooled extends ConnectionSource {
        private final DataSource dataSource;

        Pooled(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        @Override
        <T> T with(Work<T> work) throws SQLException {
            try (Connection c = dataSource.getConnection()) {
                return work.run(c);
            }
        }

        @Override
        boolean shared() {
            return true;
        }

        @Override
        public void close() {}
    }

    /** One connection, opened on first use and again after it broke; one piece of work at a time. */
    private static final class Owned extends ConnectionSource {
        private final String url;
        private final Properties properties = new Properties();
        private @Nullable Connection connection; // guarded by this
        private boolean closed; // guarded by this

        Owned(String url, String user, String password, Duration connectTimeout) {
            this.url = url;
            properties.setProperty("user", user);
            properties.setProperty("password", password);
            properties.setProperty("connectTimeout", Long.toString(connectTimeout.toMillis()));
            // The engine sets the target with setCatalog; the driver then skips a USE that would change nothing.
            properties.setProperty("useLocalSessionState", "true");
        }

        @Override
        synchronized <T> T with(Work<T> work) throws SQLException {
            if (closed) {
                throw new SQLNonTransientConnectionException("the Vitess engine is closed", "08003");
            }
            Connection c = connection;
            if (c == null || c.isClosed()) {
                c = new com.mysql.cj.jdbc.Driver().connect(url, properties);
                if (c == null) {
                    throw new SQLNonTransientConnectionException(
                            "not a mysql-connector-j URL (expected jdbc:mysql://host:port/...)", "08001");
                }
                connection = c;
            }
            try {
                return work.run(c);
            } catch (SQLException e) {
                if (connectionBroken(e)) {
                    discard();
                }
                throw e;
            }
        }

        private void discard() {
            Connection c = connection;
            connection = null;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // already broken
                }
            }
        }

        @Override
        boolean shared() {
            return false;
        }

        @Override
        public synchronized void close() {
            closed = true;
            discard();
        }
    }
}
