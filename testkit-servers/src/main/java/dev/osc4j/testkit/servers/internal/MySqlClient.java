package dev.osc4j.testkit.servers.internal;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * How the MySQL launchers talk to their servers: Connector/J named explicitly, the password only in connection
 * properties, random application passwords.
 */
public final class MySqlClient {

    private static final Driver DRIVER = createDriver();
    private static final String PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private MySqlClient() {}

    /**
     * Opens a connection.
     *
     * @param url a {@code jdbc:mysql:} URL without credentials
     * @param user the user
     * @param password the password, passed as a connection property only
     * @param connectTimeoutMillis how long connecting may take
     * @return a new connection; the caller closes it
     * @throws SQLException if the server refuses or cannot be reached
     */
    public static Connection connect(String url, String user, String password, int connectTimeoutMillis)
            throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", Integer.toString(connectTimeoutMillis));
        return DRIVER.connect(url, properties);
    }

    /**
     * Runs a query and returns the first column of the first row.
     *
     * @param connection an open connection
     * @param sql the query
     * @return the value, or null if there is no row or it is NULL
     * @throws SQLException if the query fails
     */
    public static @Nullable String queryForString(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getString(1) : null;
        }
    }

    /**
     * Runs a query and returns its first row by column label, for {@code SHOW SLAVE STATUS} and the like.
     *
     * @param connection an open connection
     * @param sql the query
     * @return the columns in order, NULL as {@code "NULL"}; empty if there is no row
     * @throws SQLException if the query fails
     */
    public static Map<String, String> firstRow(Connection connection, String sql) throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            if (row.next()) {
                int count = row.getMetaData().getColumnCount();
                for (int i = 1; i <= count; i++) {
                    String value = row.getString(i);
                    columns.put(row.getMetaData().getColumnLabel(i), value == null ? "NULL" : value);
                }
            }
        }
        return columns;
    }

    /**
     * Returns a new random password of 24 letters and digits, without look-alikes and nothing to quote.
     *
     * @return the password
     */
    public static String randomPassword() {
        SecureRandom random = new SecureRandom();
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(PASSWORD_ALPHABET.charAt(random.nextInt(PASSWORD_ALPHABET.length())));
        }
        return password.toString();
    }

    private static Driver createDriver() {
        try {
            // Named explicitly so another driver claiming jdbc:mysql: on the classpath cannot take over.
            return new com.mysql.cj.jdbc.Driver();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot load MySQL Connector/J", e);
        }
    }
}
