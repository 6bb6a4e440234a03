package dev.osc4j.engine.vitess;

import dev.osc4j.Endpoint;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Where VTGate connections come from: one connection the engine owns (from a JDBC URL, with the account a {@link
 * CredentialsProvider} gives for each new connection), or a caller's {@link DataSource}, whose connections may be
 * pooled and shared, so session state the engine changes must be put back.
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

    static ConnectionSource of(
            String url, Endpoint endpoint, CredentialsProvider credentials, Duration connectTimeout) {
        return new Owned(url, endpoint, credentials, connectTimeout);
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

    /**
     * One connection, opened on first use and again after it broke, with the account the provider gives at that
     * moment (so a rotated password is picked up); one piece of work at a time.
     */
    private static final class Owned extends ConnectionSource {
        private final String url;
        private final Endpoint endpoint;
        private final CredentialsProvider credentials;
        private final Duration connectTimeout;
        private @Nullable Connection connection; // guarded by this
        private boolean closed; // guarded by this

        Owned(String url, Endpoint endpoint, CredentialsProvider credentials, Duration connectTimeout) {
            this.url = url;
            this.endpoint = endpoint;
            this.credentials = credentials;
            this.connectTimeout = connectTimeout;
        }

        private Properties properties() throws SQLException {
            DatabaseCredentials account;
            try {
                account = credentials.credentialsFor(endpoint);
            } catch (RuntimeException e) {
                // The provider's message is not repeated: it is the caller's code and might carry a secret.
                throw new SQLNonTransientConnectionException(
                        "the CredentialsProvider failed for VTGate " + endpoint + " ("
                                + e.getClass().getSimpleName() + ")",
                        "08004");
            }
            Properties properties = new Properties();
            properties.setProperty("user", account.user());
            properties.setProperty("password", account.password());
            properties.setProperty("connectTimeout", Long.toString(connectTimeout.toMillis()));
            // The engine sets the target with setCatalog; the driver then skips a USE that would change nothing.
            properties.setProperty("useLocalSessionState", "true");
            return properties;
        }

        @Override
        synchronized <T> T with(Work<T> work) throws SQLException {
            if (closed) {
                throw new SQLNonTransientConnectionException("the Vitess engine is closed", "08003");
            }
            Connection c = connection;
            if (c == null || c.isClosed()) {
                c = new com.mysql.cj.jdbc.Driver().connect(url, properties());
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
