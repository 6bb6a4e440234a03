package dev.osc4j.testkit.servers;

import dev.osc4j.testkit.servers.internal.Identifiers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A running MySQL-compatible server started by a test, with an application user that has all privileges: the launcher
 * interface every MySQL launcher of the testkit implements, so a test written against it runs on any of them.
 * {@link LocalMariaDb} starts MariaDB from the binaries installed on the machine; {@code ContainerMySql} (module
 * {@code osc4j-testkit-testcontainers}) starts MySQL 8 in Docker.
 *
 * <p>Every launcher writes a row-based binary log with GTIDs and gives each server a unique {@code server_id}, so a
 * server can be the primary of {@linkplain #startReplica() real replicas}. The password never appears on a command
 * line, in a log line, an exception message or {@code toString()}; client tools read it from {@link #optionFile()}.
 *
 * <pre>{@code
 * try (MySqlServer primary = LocalMariaDb.start(); // or ContainerMySql.start()
 *         MySqlServer replica = primary.startReplica()) {
 *     primary.createDatabase("app");
 *     try (Connection connection = primary.connect("app")) { ... }
 *     replica.waitForCatchUp(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>Implementations are thread-safe.
 */
public interface MySqlServer extends AutoCloseable {

    /**
     * Returns the host the test JVM reaches the server on.
     *
     * @return the host, for example {@code 127.0.0.1}
     */
    String host();

    /**
     * Returns the TCP port the test JVM reaches the server on; it stays the same across {@link #restart()}.
     *
     * @return the port
     */
    int port();

    /**
     * Returns a Connector/J URL for {@code database} without credentials; pass {@link #user()} and
     * {@link #password()} as connection properties.
     *
     * @param database the default database, or an empty string for none
     * @return the URL
     */
    String jdbcUrl(String database);

    /**
     * Returns the application user, which has all privileges.
     *
     * @return the user name
     */
    String user();

    /**
     * Returns the application user's password. Do not log it or put it on a command line; give client tools
     * {@link #optionFile()} instead.
     *
     * @return the password
     */
    String password();

    /**
     * Returns a MySQL option file (mode 0600) with a {@code [client]} group holding the user, password, host and
     * port, for {@code mysql --defaults-extra-file=<file>} or the DSN part {@code F=<file>} of Percona Toolkit.
     *
     * @return the path of the option file
     */
    Path optionFile();

    /**
     * Returns the {@code server_id}, unique among the servers this JVM started with this launcher.
     *
     * @return the server id
     */
    long serverId();

    /**
     * Returns whether this server was started as a replica.
     *
     * @return whether it replicates from another server of the same launcher
     */
    boolean isReplica();

    /**
     * Returns whether the server is running.
     *
     * @return whether it runs
     */
    boolean isRunning();

    /**
     * Opens a connection as the application user.
     *
     * @param database the default database, or an empty string for none
     * @return a new connection; the caller closes it
     * @throws SQLException if the server refuses or cannot be reached
     */
    Connection connect(String database) throws SQLException;

    /**
     * Creates a database if it does not exist.
     *
     * @param name the database name (letters, digits, {@code _} and {@code $})
     * @throws SQLException if the server refuses
     * @throws IllegalArgumentException if the name is not such an identifier
     */
    default void createDatabase(String name) throws SQLException {
        Identifiers.require("name", name);
        execute("CREATE DATABASE IF NOT EXISTS `" + name + "`");
    }

    /**
     * Executes one SQL statement as the application user on a new connection without a default database.
     *
     * @param sql the statement
     * @throws SQLException if the statement fails
     */
    default void execute(String sql) throws SQLException {
        try (Connection connection = connect("");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Shuts the server down cleanly; it keeps its data for {@link #restart()}. Does nothing if it is not running. */
    void stop();

    /** Kills the server, as a crash would, and waits until it is gone. Does nothing if it is not running. */
    void kill();

    /**
     * Starts the server again on the same data and port, after {@link #stop()} or {@link #kill()}; if it is running,
     * it is stopped cleanly first. Returns when it accepts connections. A replica resumes replicating from where it
     * stopped.
     *
     * @throws ServerLaunchException if it does not come up
     * @throws IllegalStateException if the server has been closed
     */
    void restart();

    /**
     * Starts a second server of the same launcher that replicates from this one with GTID auto-positioning,
     * read-only, with the same application user and password, reporting a host and port the test JVM can reach (so
     * the primary lists it in {@code SHOW REPLICAS}/{@code SHOW SLAVE HOSTS}). Returns once both replication threads
     * run and the replica has caught up.
     *
     * @return the running replica; closing it does not affect this server
     * @throws ServerLaunchException if the replica cannot be started or replication does not start
     */
    MySqlServer startReplica();

    /**
     * Stops the SQL thread of this replica, so that changes arrive in its relay log but are not applied: a simple
     * way to make it lag.
     *
     * @throws SQLException if the server refuses
     * @throws IllegalStateException if this server is not a replica
     */
    void stopReplicaSqlThread() throws SQLException;

    /**
     * Starts the SQL thread of this replica again.
     *
     * @throws SQLException if the server refuses
     * @throws IllegalStateException if this server is not a replica
     */
    void startReplicaSqlThread() throws SQLException;

    /**
     * Returns how many seconds this replica is behind its primary, as the server reports it.
     *
     * @return the lag in seconds, or {@code null} when replication is not running (for example after
     *     {@link #stopReplicaSqlThread()}) and the server cannot tell
     * @throws SQLException if the server refuses
     * @throws IllegalStateException if this server is not a replica
     */
    @Nullable
    Long replicaLagSeconds() throws SQLException;

    /**
     * Waits until this replica has applied every transaction the primary had written when this method was called.
     *
     * @param timeout how long to wait at most
     * @throws SQLException if either server refuses
     * @throws IllegalStateException if this server is not a replica, or it has not caught up within {@code timeout}
     */
    void waitForCatchUp(Duration timeout) throws SQLException;

    /**
     * Stops the server for good and frees what it holds (processes or containers, files). Calling it again does
     * nothing. Replicas of this server are not closed.
     */
    @Override
    void close();
}
