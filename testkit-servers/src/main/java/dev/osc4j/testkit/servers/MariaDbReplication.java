package dev.osc4j.testkit.servers;

import static dev.osc4j.testkit.servers.LocalMariaDb.HOST;

import dev.osc4j.testkit.servers.internal.MySqlClient;
import dev.osc4j.testkit.servers.internal.Poll;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Replication of a {@link LocalMariaDb} replica from its primary: set up with {@code CHANGE MASTER TO ...
 * MASTER_USE_GTID=slave_pos} and checked until both threads run and the primary lists the replica; its lag, and
 * waiting until it has applied what the primary had written ({@code MASTER_GTID_WAIT}).
 */
final class MariaDbReplication {
    private final LocalMariaDb replica;

    MariaDbReplication(LocalMariaDb replica) {
        this.replica = replica;
    }

    /** Makes the replica replicate from {@code source}; returns once it runs, is listed and has caught up. */
    void startReplication(LocalMariaDb source) {
        try {
            replica.execute(
                    "CHANGE MASTER TO MASTER_HOST='" + HOST + "', MASTER_PORT=" + source.port + ", MASTER_USER='"
                            + replica.user + "', MASTER_PASSWORD='" + replica.password + "', MASTER_USE_GTID=slave_pos,"
                            + " MASTER_CONNECT_RETRY=1");
            replica.execute("START SLAVE");
            boolean running = Poll.until(replica.settings.startTimeout, () -> {
                try {
                    return isReplicating();
                } catch (SQLException e) {
                    return false;
                }
            });
            if (!running) {
                Map<String, String> status = replicaStatus();
                throw replica.launchFailure("Replication from " + HOST + ":" + source.port + " did not start within "
                        + replica.settings.startTimeout + ": Slave_IO_Running=" + status.get("Slave_IO_Running")
                        + ", Slave_SQL_Running=" + status.get("Slave_SQL_Running") + ", Last_IO_Error="
                        + status.get("Last_IO_Error") + ", Last_SQL_Error=" + status.get("Last_SQL_Error")
                        + "\nReplica error log:\n" + replica.errorLogTail());
            }
            boolean listed = Poll.until(replica.settings.startTimeout, () -> listsReplica(source, replica.serverId));
            if (!listed) {
                throw replica.launchFailure("The primary " + HOST + ":" + source.port
                        + " does not list replica server_id " + replica.serverId + " in SHOW SLAVE HOSTS");
            }
            replica.waitForCatchUp(replica.settings.startTimeout);
        } catch (SQLException e) {
            // Server messages may quote the statement, and CHANGE MASTER carries the password.
            throw replica.launchFailure("Cannot set up replication from " + HOST + ":" + source.port + ": "
                    + replica.redact(String.valueOf(e.getMessage())) + " (SQLState " + e.getSQLState() + ", error "
                    + e.getErrorCode() + ")");
        }
    }

    private static boolean listsReplica(LocalMariaDb source, long replicaServerId) {
        try (Connection connection = source.connect("");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW SLAVE HOSTS")) {
            while (rows.next()) {
                if (rows.getLong("Server_id") == replicaServerId) {
                    return true;
                }
            }
            return false;
        } catch (SQLException e) {
            return false;
        }
    }

    /** {@code Seconds_Behind_Master}, or null when the server cannot tell (see {@link LocalMariaDb#replicaLagSeconds()}). */
    @Nullable
    Long replicaLagSeconds() throws SQLException {
        try (Connection connection = replica.connect("");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SHOW SLAVE STATUS")) {
            if (!row.next()) {
                return null;
            }
            long seconds = row.getLong("Seconds_Behind_Master");
            return row.wasNull() ? null : seconds;
        }
    }

    /** Waits until the replica has applied what {@code source} had written (see {@link LocalMariaDb#waitForCatchUp}). */
    void waitForCatchUp(LocalMariaDb source, Duration timeout) throws SQLException {
        String target = Objects.requireNonNullElse(source.queryForString("SELECT @@gtid_binlog_pos"), "");
        if (target.isEmpty()) {
            return;
        }
        Integer result;
        try (Connection connection = replica.connect("");
                PreparedStatement statement = connection.prepareStatement("SELECT MASTER_GTID_WAIT(?, ?)")) {
            statement.setString(1, target);
            statement.setDouble(2, Math.max(0.001, timeout.toMillis() / 1000.0));
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                int value = row.getInt(1);
                result = row.wasNull() ? null : value;
            }
        }
        if (result == null || result != 0) {
            Map<String, String> status = replicaStatus();
            throw new IllegalStateException(
                    "Replica " + HOST + ":" + replica.port + " did not catch up with primary " + HOST
                            + ":" + source.port + " within " + timeout + ": primary gtid_binlog_pos=" + target
                            + ", replica gtid_slave_pos=" + replica.queryForString("SELECT @@gtid_slave_pos")
                            + ", Slave_IO_Running=" + status.get("Slave_IO_Running")
                            + ", Slave_SQL_Running=" + status.get("Slave_SQL_Running")
                            + ", Last_Error=" + status.get("Last_Error"));
        }
    }

    /** Both replication threads of this replica run. */
    boolean isReplicating() throws SQLException {
        Map<String, String> status = replicaStatus();
        return "Yes".equals(status.get("Slave_IO_Running")) && "Yes".equals(status.get("Slave_SQL_Running"));
    }

    /** The row of SHOW SLAVE STATUS by column name (NULL as "NULL"); empty if replication is not configured. */
    Map<String, String> replicaStatus() throws SQLException {
        try (Connection connection = replica.connect("")) {
            return MySqlClient.firstRow(connection, "SHOW SLAVE STATUS");
        }
    }
}
