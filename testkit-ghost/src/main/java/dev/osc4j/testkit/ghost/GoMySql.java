package dev.osc4j.testkit.ghost;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * How the fake talks to MySQL, the way gh-ost does through {@code go-sql-driver/mysql}: connections with the run's
 * credentials ({@code go/mysql/connection.go}), names quoted with backticks, and errors worded as the driver words them
 * ({@code MySQLError.Error} in {@code vendor/github.com/go-sql-driver/mysql/errors.go}), or as a failed dial.
 */
final class GoMySql {
    private final GoFlags flags;
    private final String user;
    private final String password;
    private final String database;

    GoMySql(GoFlags flags, String user, String password, String database) {
        this.flags = flags;
        this.user = user;
        this.password = password;
        this.database = database;
    }

    Connection connect(String host, int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5000");
        p.setProperty("sslMode", flags.bool("ssl") ? "REQUIRED" : "DISABLED");
        p.setProperty("allowPublicKeyRetrieval", "true");
        p.setProperty("characterEncoding", "UTF-8");
        Connection c = new com.mysql.cj.jdbc.Driver().connect("jdbc:mysql://" + host + ":" + port + "/" + database, p);
        if (c == null) {
            throw new SQLException("driver refused the URL");
        }
        return c;
    }

    /** The user the run connects as (for a client tool such as {@code mariadb-binlog}). */
    String user() {
        return user;
    }

    /** The password the run connects with (for a client tool's 0600 defaults file only). */
    String password() {
        return password;
    }

    void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    String qq(String name) {
        return q(database) + "." + q(name);
    }

    static String q(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    /** An error as Go's MySQL driver words it. */
    static String goError(SQLException e, String endpoint) {
        String message = String.valueOf(e.getMessage()).split("\n")[0];
        if (e.getErrorCode() > 0) {
            return "Error " + e.getErrorCode() + " (" + e.getSQLState() + "): " + message;
        }
        return "dial tcp " + endpoint + ": " + message;
    }

    static void closeQuietly(@Nullable Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing a broken connection
            }
        }
    }
}
