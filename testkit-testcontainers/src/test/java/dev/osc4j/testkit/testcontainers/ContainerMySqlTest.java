package dev.osc4j.testkit.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.testkit.servers.ServerLaunchException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What ContainerMySql does without Docker: checks its settings, and fails with a typed error, never skips. */
class ContainerMySqlTest {

    /** What Testcontainers 2.0.5's DockerClientFactory.client() throws when no strategy finds Docker. */
    private static final String NO_DOCKER =
            "Could not find a valid Docker environment. Please see logs and check configuration";

    @Test
    void withoutDockerStartingFailsWithATypedErrorSayingDockerIsRequired() {
        assertThatThrownBy(() -> ContainerMySql.builder().start(() -> {
                    throw new IllegalStateException(NO_DOCKER);
                }))
                .isInstanceOf(DockerUnavailableException.class)
                .isInstanceOf(ServerLaunchException.class)
                .hasMessageStartingWith("Docker is required")
                .hasMessageContaining(NO_DOCKER)
                .hasMessageContaining("LocalMariaDb")
                .hasCauseInstanceOf(IllegalStateException.class)
                .satisfies(e ->
                        assertThat(((ServerLaunchException) e).debianPackage()).isEqualTo("docker.io"));
    }

    @Test
    void aWorkingDockerLetsTheStartGoOn() {
        ContainerMySql.requireDocker(() -> {});
    }

    @Test
    void anImageNameMustBeValid() {
        assertThatThrownBy(() -> ContainerMySql.builder().image(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("image");
        assertThatThrownBy(() -> ContainerMySql.builder().image("mysql 8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mysql 8");
        assertThatThrownBy(() -> ContainerMySql.builder().image("MySQL:8.4"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ContainerMySql.builder().image("mysql:8.0")).isNotNull();
        assertThat(ContainerMySql.builder().image("percona/percona-server:8.0")).isNotNull();
    }

    @Test
    void theUserMustBeAPlainNameOtherThanRoot() {
        assertThatThrownBy(() -> ContainerMySql.builder().user("root"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("root");
        assertThatThrownBy(() -> ContainerMySql.builder().user("o'brien"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("o'brien");
        assertThat(ContainerMySql.builder().user("app_1")).isNotNull();
    }

    @Test
    void theStartTimeoutMustBeAtLeastASecond() {
        assertThatThrownBy(() -> ContainerMySql.builder().startTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ContainerMySql.builder().startTimeout(Duration.ofMillis(500)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void optionsThatMakeTheServerAPrimaryOrAReplicaAreRefused() {
        for (String option : new String[] {"server_id", "server-id", "gtid_mode", "read_only", "log_bin", "port"}) {
            assertThatThrownBy(() -> ContainerMySql.builder().serverOption(option, "1"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(option);
        }
        assertThatThrownBy(() -> ContainerMySql.builder().serverOption("binlog_row_image", "FULL\n[client]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> ContainerMySql.builder().serverOption("Bad Name", "1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ContainerMySql.builder().serverOption("binlog_row_image", "MINIMAL"))
                .isNotNull();
    }
}
