package dev.osc4j.testkit.servers;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Launcher builders reject bad settings with the parameter and its value")
class LaunchSettingsTest {

    @Test
    @DisplayName("a MariaDB user name that is not a plain identifier is rejected")
    void badUser() {
        assertThatThrownBy(() -> LocalMariaDb.builder().user("x'; DROP"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user")
                .hasMessageContaining("x'; DROP");
    }

    @Test
    @DisplayName("a server option with a bad name or a line break is rejected")
    void badServerOption() {
        assertThatThrownBy(() -> LocalMariaDb.builder().serverOption("--log-bin", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--log-bin");
        assertThatThrownBy(() -> LocalMariaDb.builder().serverOption("log_bin", "x\ny"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("log_bin");
    }

    @Test
    @DisplayName("options that decide where a server listens or keeps its files are refused")
    void managedOptions() {
        assertThatThrownBy(() -> LocalMariaDb.builder().serverOption("bind-address", "0.0.0.0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bind-address");
        assertThatThrownBy(() -> LocalMariaDb.builder().serverOption("datadir", "/var/lib/mysql"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("datadir");
        assertThatThrownBy(() -> LocalEtcd.builder().option("listen-client-urls", "http://0.0.0.0:2379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listen-client-urls");
    }

    @Test
    @DisplayName("a non-positive start timeout is rejected")
    void badTimeout() {
        assertThatThrownBy(() -> LocalMariaDb.builder().startTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("startTimeout")
                .hasMessageContaining("PT0S");
        assertThatThrownBy(() -> LocalEtcd.builder().startTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("startTimeout");
    }

    @Test
    @DisplayName("an etcd cluster must have 1 to 9 members")
    void badClusterSize() {
        assertThatThrownBy(() -> LocalEtcd.builder().members(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("members")
                .hasMessageContaining("0");
        assertThatThrownBy(() -> LocalEtcd.builder().members(10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10");
    }
}
