package dev.osc4j.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CredentialsProvider;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("MySqlTopology and MySqlShard configuration (no server)")
class MySqlTopologyTest {

    @Test
    @DisplayName("the builder names what is missing or wrong")
    void builder() {
        assertThatThrownBy(() -> MySqlTopology.builder().build()).hasMessage("credentials are required");
        assertThatThrownBy(() -> MySqlTopology.builder()
                        .credentials(CredentialsProvider.of("u", "p"))
                        .build())
                .hasMessage("at least one shard is required");
        MySqlShard s = MySqlShard.of("ks", "s1", "app", new Endpoint("h", 1));
        assertThatThrownBy(() -> MySqlTopology.builder().shard(s).shard(s)).hasMessageContaining("added twice");
        assertThatThrownBy(() -> MySqlTopology.builder()
                        .credentials(CredentialsProvider.of("u", "p"))
                        .shard(s)
                        .queryTimeout(Duration.ofMillis(500))
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("queryTimeout");
    }

    @Test
    @DisplayName("a shard refuses a replica listed twice, its primary as a replica, and a bad schema name")
    void shard() {
        assertThatThrownBy(() -> MySqlShard.of("ks", "s1", "app", new Endpoint("h", 1), new Endpoint("h", 1)))
                .hasMessageContaining("primary");
        assertThatThrownBy(() -> MySqlShard.of(
                        "ks", "s1", "app", new Endpoint("h", 1), new Endpoint("r", 1), new Endpoint("r", 1)))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> MySqlShard.of("ks", "s1", "a-b", new Endpoint("h", 1)))
                .hasMessageContaining("schema");
        assertThat(MySqlShard.of("ks", "s1", "app", new Endpoint("h", 1)).target())
                .isEqualTo(new ShardTarget("ks", "s1", "app", new Endpoint("h", 1)));
    }

    @Test
    @DisplayName("describe lists a keyspace's shards without connecting, and names the configured keyspaces")
    void describeWithoutServers() {
        try (MySqlTopology t = MySqlTopology.builder()
                .credentials(CredentialsProvider.of("u", "p"))
                .shard(MySqlShard.of("ks", "s1", "app", new Endpoint("h1", 1)))
                .shard(MySqlShard.of("ks", "s2", "app", new Endpoint("h2", 1)))
                .build()) {
            assertThat(t.describe("ks").shards()).extracting(ShardTarget::shard).containsExactly("s1", "s2");
            assertThatThrownBy(() -> t.describe("other"))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("[ks]");
            assertThatThrownBy(() -> t.health("ks", "s9")).isInstanceOf(InvalidRequestException.class);
        }
    }
}
