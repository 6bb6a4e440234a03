package dev.osc4j.mysql;

import dev.osc4j.spi.ReplicationPosition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A replica's lag and applied position from the rows of {@code SHOW REPLICA STATUS} / {@code SHOW SLAVE STATUS}, by
 * column name, for MySQL (5.7 and 8.x column names, {@code Source} and {@code Master}) and MariaDB. Pure.
 *
 * @param lag the replication lag, or null when unknown: no replication configured, a thread not running, or {@code
 *     Seconds_Behind_*} NULL
 * @param position the position applied, in the same form as the primary's (a MariaDB GTID position, a MySQL GTID set
 *     or {@code file:offset}), or null when the replica does not show that form
 */
record ReplicaStatus(@Nullable Duration lag, @Nullable ReplicationPosition position) {

    /**
     * Reads the rows (one per replication channel or connection; lag is the worst, unknown if any is unknown).
     *
     * @param primaryForm the form of the primary's position, so the two can be compared
     */
    static ReplicaStatus of(List<Map<String, @Nullable String>> rows, ReplicationPosition.@Nullable Form primaryForm) {
        if (rows.isEmpty()) {
            return new ReplicaStatus(null, null);
        }
        Duration worst = Duration.ZERO;
        boolean unknown = false;
        for (Map<String, @Nullable String> row : rows) {
            String io = column(row, "Replica_IO_Running", "Slave_IO_Running");
            String sql = column(row, "Replica_SQL_Running", "Slave_SQL_Running");
            String seconds = column(row, "Seconds_Behind_Source", "Seconds_Behind_Master");
            if (!"Yes".equalsIgnoreCase(io)
                    || !"Yes".equalsIgnoreCase(sql)
                    || seconds == null
                    || !seconds.matches("\\d+")) {
                unknown = true;
            } else {
                Duration lag = Duration.ofSeconds(Long.parseLong(seconds));
                if (lag.compareTo(worst) > 0) {
                    worst = lag;
                }
            }
        }
        return new ReplicaStatus(unknown ? null : worst, position(rows.get(0), primaryForm));
    }

    private static @Nullable ReplicationPosition position(
            Map<String, @Nullable String> row, ReplicationPosition.@Nullable Form primaryForm) {
        if (primaryForm == null) {
            return null;
        }
        String value =
                switch (primaryForm) {
                    case MARIADB_GTID -> column(row, "Gtid_Slave_Pos");
                    case MYSQL_GTID -> column(row, "Executed_Gtid_Set");
                    case FILE_POSITION -> {
                        String file = column(row, "Relay_Source_Log_File", "Relay_Master_Log_File");
                        String pos = column(row, "Exec_Source_Log_Pos", "Exec_Master_Log_Pos");
                        yield file == null || pos == null || file.isEmpty() ? null : file + ":" + pos;
                    }
                    case EMPTY -> null;
                };
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            ReplicationPosition p = ReplicationPosition.of(value);
            return p.form() == primaryForm ? p : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static @Nullable String column(Map<String, @Nullable String> row, String... names) {
        for (String n : names) {
            if (row.containsKey(n)) {
                return row.get(n);
            }
        }
        return null;
    }
}
