package dev.osc4j.testkit.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real MySQL 8 primary and replica in Docker. Needs Docker: runs only with {@code mvn -Pdocker verify -pl
 * testkit-testcontainers -am} (the profile stops excluding the tag {@code docker}); this project's CI has no Docker
 * and does not select the profile.
 */
@Tag("docker")
class ContainerMySqlDockerIT {

    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    private static ContainerMySql primary;
    private static ContainerMySql replica;

    @BeforeAll
    static void startPrimaryAndReplica() {
        primary = ContainerMySql.start();
        replica = primary.startReplica();
    }

    @AfterAll
    static void closeBoth() {
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    void aRowWrittenOnThePrimaryIsReadOnTheReplica() throws SQLException {
        primary.createDatabase("app");
        primary.execute("CREATE TABLE app.items (id INT PRIMARY KEY, name VARCHAR(20))");
        primary.execute("INSERT INTO app.items VALUES (1, 'first')");

        replica.waitForCatchUp(CATCH_UP);

        assertThat(queryForString(replica, "SELECT name FROM app.items WHERE id = 1"))
                .isEqualTo("first");
    }

    @Test
    void itIsRealMySql8WithGtidsAndARowBasedBinaryLog() throws SQLException {
        assertThat(queryForString(primary, "SELECT VERSION()")).startsWith("8.");
        assertThat(queryForString(primary, "SELECT @@GLOBAL.gtid_mode")).isEqualTo("ON");
        assertThat(queryForString(primary, "SELECT @@GLOBAL.binlog_format")).isEqualTo("ROW");
        assertThat(queryForString(replica, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        assertThat(primary.serverId()).isNotEqualTo(replica.serverId());
        assertThat(primary.isReplica()).isFalse();
        assertThat(replica.isReplica()).isTrue();
    }

    @Test
    void thePrimaryListsTheReplicaWhereTheTestReachesIt() throws SQLException {
        try (Connection connection = primary.connect("");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW REPLICAS")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getLong("Server_Id")).isEqualTo(replica.serverId());
            assertThat(rows.getString("Host")).isEqualTo(replica.host());
            assertThat(rows.getInt("Port")).isEqualTo(replica.port());
        }
    }

    @Test
    void aStoppedSqlThreadLeavesTheLagUnknownUntilItRunsAgain() throws SQLException {
        replica.stopReplicaSqlThread();
        try {
            assertThat(replica.replicaLagSeconds()).isNull();
        } finally {
            replica.startReplicaSqlThread();
        }
        primary.execute("CREATE DATABASE IF NOT EXISTS lag_check");
        replica.waitForCatchUp(CATCH_UP);
        assertThat(replica.replicaLagSeconds()).isNotNull();
    }

    @Test
    void aKilledPrimaryRestartsOnTheSamePortWithItsData() throws SQLException {
        int port = primary.port();
        primary.createDatabase("durable");
        primary.execute("CREATE TABLE IF NOT EXISTS durable.t (id INT PRIMARY KEY)");
        primary.execute("REPLACE INTO durable.t VALUES (7)");

        primary.kill();
        assertThat(primary.isRunning()).isFalse();
        primary.restart();

        assertThat(primary.isRunning()).isTrue();
        assertThat(primary.port()).isEqualTo(port);
        assertThat(queryForString(primary, "SELECT id FROM durable.t")).isEqualTo("7");
        primary.execute("REPLACE INTO durable.t VALUES (8)");
        replica.waitForCatchUp(CATCH_UP);
        assertThat(queryForString(replica, "SELECT COUNT(*) FROM durable.t")).isEqualTo("2");
    }

    @Test
    void thePasswordIsInNoContainerLogAndOnlyInAPrivateOptionFile() throws Exception {
        assertThat(primary.containerLog()).doesNotContain(primary.password());
        assertThat(replica.containerLog()).doesNotContain(replica.password());
        assertThat(primary.toString()).doesNotContain(primary.password());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(primary.optionFile())))
                .isEqualTo("rw-------");
        assertThat(Files.readString(primary.optionFile()))
                .contains("password=" + primary.password())
                .contains("port=" + primary.port());
    }

    @Test
    void rootCannotLogInFromOutsideTheContainer() {
        assertThatThrownBy(() -> java.sql.DriverManager.getConnection(
                        "jdbc:mysql://" + primary.host() + ":" + primary.port()
                                + "/?sslMode=DISABLED&allowPublicKeyRetrieval=true",
                        "root",
                        primary.password()))
                .isInstanceOf(SQLException.class);
    }

    @Test
    void onlyAReplicaHasReplicationThreads() {
        assertThatThrownBy(primary::stopReplicaSqlThread).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> primary.waitForCatchUp(CATCH_UP)).isInstanceOf(IllegalStateException.class);
    }

    private static String queryForString(ContainerMySql server, String sql) throws SQLException {
        try (Connection connection = server.connect("");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            assertThat(row.next()).isTrue();
            return row.getString(1);
        }
    }
}
