package dev.osc4j.engine.ptosc;

import dev.osc4j.Endpoint;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * Opens JDBC connections with MySQL Connector/J, named explicitly so another driver claiming {@code jdbc:mysql:} on
 * the classpath cannot take over. The password goes into the connection properties only, never into the URL or a
 * message.
 */
final class Connections {
    private static final Driver DRIVER = driver();

    private final CredentialsProvider credentials;
    private final Duration connectTimeout;
    private final Duration socketTimeout;
    private final Map<String, String> extraProperties;

    Connections(
            CredentialsProvider credentials,
            Duration connectTimeout,
            Duration socketTimeout,
            Map<String, String> extraProperties) {
        this.credentials = credentials;
        this.connectTimeout = connectTimeout;
        this.socketTimeout = socketTimeout;
        this.extraProperties = Map.copyOf(extraProperties);
    }

    /** The credentials for {@code server}. */
    DatabaseCredentials credentials(Endpoint server) {
        return credentials.credentialsFor(server);
    }

    /** A new connection to {@code server}, without a default database. */
    Connection open(Endpoint server) throws SQLException {
        DatabaseCredentials c = credentials.credentialsFor(server);
        Properties p = new Properties();
        extraProperties.forEach(p::setProperty);
        p.setProperty("user", c.user());
        p.setProperty("password", c.password());
        p.setProperty("connectTimeout", Long.toString(connectTimeout.toMillis()));
        p.setProperty("socketTimeout", Long.toString(socketTimeout.toMillis()));
        Connection connection = DRIVER.connect(url(server), p);
        if (connection == null) {
            throw new SQLException("MySQL Connector/J refused the URL " + url(server));
        }
        return connection;
    }

    static String url(Endpoint server) {
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
