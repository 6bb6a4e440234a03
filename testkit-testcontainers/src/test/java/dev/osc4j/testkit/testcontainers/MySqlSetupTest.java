package dev.osc4j.testkit.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MySqlSetupTest {

    @Test
    void aPrimaryWritesARowBasedBinaryLogWithGtidsUnderItsOwnServerId() {
        String config = MySqlSetup.serverConfig(4242, false, "127.0.0.1", 33061, Map.of());

        assertThat(config)
                .startsWith("[mysqld]\n")
                .contains("server_id = 4242\n")
                .contains("log_bin = mysql-bin\n")
                .contains("binlog_format = ROW\n")
                .contains("gtid_mode = ON\n")
                .contains("enforce_gtid_consistency = ON\n")
                .doesNotContain("read_only");
    }

    @Test
    void aReplicaIsReadOnlyAndReportsWhereTheTestReachesIt() {
        String config = MySqlSetup.serverConfig(7, true, "127.0.0.1", 40001, Map.of());

        assertThat(config)
                .contains("read_only = ON\n")
                .contains("report_host = 127.0.0.1\n")
                .contains("report_port = 40001\n")
                .contains("gtid_mode = ON\n");
    }

    @Test
    void extraOptionsComeAfterTheLaunchersOwnSoTheyCanOverrideTuning() {
        String config = MySqlSetup.serverConfig(7, false, "127.0.0.1", 1, Map.of("sync_binlog", "1"));

        assertThat(config.lastIndexOf("sync_binlog = 1")).isGreaterThan(config.indexOf("sync_binlog = 0"));
    }

    @Test
    void theApplicationUserGetsEveryPrivilegeAndTheScriptHoldsNoSecret() {
        assertThat(MySqlSetup.grantScript("osc4j"))
                .isEqualTo("GRANT ALL PRIVILEGES ON *.* TO 'osc4j'@'%' WITH GRANT OPTION;\n")
                .doesNotContainIgnoringCase("password")
                .doesNotContainIgnoringCase("identified");
    }

    @Test
    void aReplicaFollowsItsSourceByGtidOverTheSharedNetwork() {
        assertThat(MySqlSetup.changeSource("mysql-1001", "osc4j", "pw"))
                .isEqualTo("CHANGE REPLICATION SOURCE TO SOURCE_HOST='mysql-1001', SOURCE_PORT=3306,"
                        + " SOURCE_USER='osc4j', SOURCE_PASSWORD='pw', SOURCE_AUTO_POSITION=1,"
                        + " SOURCE_CONNECT_RETRY=1, GET_SOURCE_PUBLIC_KEY=1");
    }

    @ParameterizedTest
    @CsvSource({
        "8.0.23, RESET MASTER",
        "8.0.40-log, RESET MASTER",
        "8.1.0, RESET MASTER",
        "8.2.0, RESET BINARY LOGS AND GTIDS",
        "8.4.3, RESET BINARY LOGS AND GTIDS",
        "9.1.0, RESET BINARY LOGS AND GTIDS"
    })
    void gtidsAreResetWithTheStatementTheServerVersionKnows(String version, String statement) {
        assertThat(MySqlSetup.resetGtids(version)).isEqualTo(statement);
    }

    @Test
    void anUnreadableVersionIsRefused() {
        assertThatThrownBy(() -> MySqlSetup.resetGtids("MariaDB"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MariaDB");
    }

    @Test
    void aLocalDockerPublishesTheFixedPortOnLoopbackOnly() {
        assertThat(MySqlSetup.portBindings("localhost", 40001)).containsExactly("127.0.0.1:40001:3306");
        assertThat(MySqlSetup.portBindings("127.0.0.1", 40001)).containsExactly("127.0.0.1:40001:3306");
        assertThat(MySqlSetup.reachableHost("localhost")).isEqualTo("127.0.0.1");
    }

    @Test
    void aRemoteDockerPublishesTheFixedPortOnItsOwnAddress() {
        assertThat(MySqlSetup.portBindings("docker.example", 40001)).containsExactly("40001:3306");
        assertThat(MySqlSetup.reachableHost("docker.example")).isEqualTo("docker.example");
    }

    @Test
    void thePasswordIsRedactedFromMessages() {
        String statement = MySqlSetup.changeSource("mysql-1", "osc4j", "s3cretPw");

        assertThat(MySqlSetup.redact("Error in: " + statement, "s3cretPw"))
                .doesNotContain("s3cretPw")
                .contains("SOURCE_PASSWORD='****'");
    }
}
