package dev.osc4j.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.spi.ReplicationPosition;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Replica status rows of MySQL and MariaDB")
class ReplicaStatusTest {

    private static Map<String, @Nullable String> row(String... kv) {
        Map<String, @Nullable String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], "NULL".equals(kv[i + 1]) ? null : kv[i + 1]);
        }
        return m;
    }

    @Test
    @DisplayName("MariaDB: Seconds_Behind_Master and Gtid_Slave_Pos")
    void mariaDb() {
        ReplicaStatus s = ReplicaStatus.of(
                List.of(row(
                        "Slave_IO_Running", "Yes",
                        "Slave_SQL_Running", "Yes",
                        "Seconds_Behind_Master", "3",
                        "Gtid_Slave_Pos", "0-1-100")),
                ReplicationPosition.Form.MARIADB_GTID);
        assertThat(s.lag()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.position()).isEqualTo(ReplicationPosition.of("0-1-100"));
    }

    @Test
    @DisplayName("MySQL 8: Seconds_Behind_Source and Executed_Gtid_Set, with line breaks")
    void mySqlGtid() {
        String set = "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5,\n4E11FA47-71CA-11E1-9E33-C80AA9429562:1-3";
        ReplicaStatus s = ReplicaStatus.of(
                List.of(row(
                        "Replica_IO_Running", "Yes",
                        "Replica_SQL_Running", "Yes",
                        "Seconds_Behind_Source", "0",
                        "Executed_Gtid_Set", set)),
                ReplicationPosition.Form.MYSQL_GTID);
        assertThat(s.lag()).isEqualTo(Duration.ZERO);
        assertThat(s.position())
                .isNotNull()
                .extracting(ReplicationPosition::form)
                .isEqualTo(ReplicationPosition.Form.MYSQL_GTID);
    }

    @Test
    @DisplayName("file positions when the primary has no GTIDs")
    void filePosition() {
        ReplicaStatus s = ReplicaStatus.of(
                List.of(row(
                        "Slave_IO_Running", "Yes",
                        "Slave_SQL_Running", "Yes",
                        "Seconds_Behind_Master", "0",
                        "Relay_Master_Log_File", "mysql-bin.000003",
                        "Exec_Master_Log_Pos", "1234")),
                ReplicationPosition.Form.FILE_POSITION);
        assertThat(s.position()).isEqualTo(ReplicationPosition.of("mysql-bin.000003:1234"));
    }

    @Test
    @DisplayName("a stopped thread, a NULL lag, or no replication at all is an unknown lag")
    void unknown() {
        assertThat(ReplicaStatus.of(
                                List.of(row(
                                        "Slave_IO_Running", "Yes",
                                        "Slave_SQL_Running", "No",
                                        "Seconds_Behind_Master", "NULL",
                                        "Gtid_Slave_Pos", "0-1-5")),
                                ReplicationPosition.Form.MARIADB_GTID)
                        .lag())
                .isNull();
        assertThat(ReplicaStatus.of(List.of(), ReplicationPosition.Form.MARIADB_GTID))
                .isEqualTo(new ReplicaStatus(null, null));
    }

    @Test
    @DisplayName("several channels: the worst lag, unknown if any is unknown")
    void channels() {
        ReplicaStatus s = ReplicaStatus.of(
                List.of(
                        row("Slave_IO_Running", "Yes", "Slave_SQL_Running", "Yes", "Seconds_Behind_Master", "2"),
                        row("Slave_IO_Running", "Yes", "Slave_SQL_Running", "Yes", "Seconds_Behind_Master", "9")),
                null);
        assertThat(s.lag()).isEqualTo(Duration.ofSeconds(9));
        assertThat(s.position()).isNull();
    }

    @Test
    @DisplayName("a position in another form than the primary's is not reported")
    void otherForm() {
        ReplicaStatus s = ReplicaStatus.of(
                List.of(row(
                        "Slave_IO_Running", "Yes",
                        "Slave_SQL_Running", "Yes",
                        "Seconds_Behind_Master", "0",
                        "Gtid_Slave_Pos", "0-1-100")),
                ReplicationPosition.Form.FILE_POSITION);
        assertThat(s.position()).isNull();
    }
}
