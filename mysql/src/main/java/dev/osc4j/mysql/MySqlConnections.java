package dev.osc4j.mysql;

import dev.osc4j.Endpoint;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/**
 * Opens JDBC connections to MySQL/MariaDB servers with MySQL Connector/J, for {@link MySqlTopology} and the engines
 * that connect to the servers themselves (pt-osc, gh-ost). The driver is named explicitly, so another driver claiming
 * {@code jdbc:mysql:} on the classpath cannot take over. The password goes into the connection properties only, never
 * into the URL or a message; the account is asked of the {@link CredentialsProvider} at every connection, so a
 * rotated secret is picked up by the next one.
 */
public final class MySqlConnections {
    private static final Driver DRIVER = driver();

    private final CredentialsProvider credentials;
    private final Map<String, String> properties;

    /**
     * Connections with accounts from {@code credentials} and the given Connector/J properties (timeouts, TLS).
     *
     * @param credentials where accounts come from
     * @param properties Connector/J connection properties; {@code user} and {@code password} are set per connection
     */
    public MySqlConnections(CredentialsProvider credentials, Map<String, String> properties) {
        this.credentials = credentials;
        this.properties = Map.copyOf(properties);
    }

    /**
     * The account for {@code server}, as the provider gives it.
     *
     * @param server the server about to be connected to
     * @return the account
     */
    public DatabaseCredentials credentials(Endpoint server) {
        return credentials.credentialsFor(server);
    }

    /**
     * A new connection to {@code server}, without a default database, with the provider's account for it.
     *
     * @param server the server
     * @return the connection; the caller closes it
     * @throws SQLException when the server cannot be reached or refuses the account
     */
    public Connection open(Endpoint server) throws SQLException {
        return open(server, credentials(server));
    }

    /**
     * A new connection to {@code server}, without a default database, with {@code account}.
     *
     * @param server the server
     * @param account the account to connect with
     * @return the connection; the caller closes it
     * @throws SQLException when the server cannot be reached or refuses the account
     */
    public Connection open(Endpoint server, DatabaseCredentials account) throws SQLException {
        Properties p = new Properties();
        properties.forEach(p::setProperty);
        p.setProperty("user", account.user());
        p.setProperty("password", account.password());
        Connection connection = DRIVER.connect(url(server), p);
        if (connection == null) {
            throw new SQLException("MySQL Connector/J refused the URL " + url(server));
        }
        return connection;
    }

    /**
     * The Connector/J URL of {@code server}, without a database and without credentials.
     *
     * @param server the server
     * @return {@code jdbc:mysql://host:port/}, an IPv6 host in brackets
     */
    public static String url(Endpoint server) {
        String host = server.host().contains(":") ? "[" + server.host() + "]" : server.host();
        return "jdbc:mysql://" + host + ":" + server.port() + "/";
    }

    private static Driver driver() {
        try {
            return new com.mysql.cj.jdbc.Driver();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot load MySQL Connector/J", e);
        }
    }
}
