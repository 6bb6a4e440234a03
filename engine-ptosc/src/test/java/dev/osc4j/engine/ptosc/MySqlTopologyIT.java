package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.testkit.LocalMariaDb;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("MySqlTopology on a real MariaDB primary and replica")
class MySqlTopologyIT {
    static LocalMariaDb primary;
    static LocalMariaDb replica;

    @BeforeAll
    static void servers() {
        primary = LocalMariaDb.start();
        replica = primary.startReplica();
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    private static MySqlTopology probe(Endpoint... extraReplicas) {
        List<Endpoint> replicas = new java.util.ArrayList<>(List.of(Fixture.endpoint(replica)));
        replicas.addAll(List.of(extraReplicas));
        return Fixture.topology(
                primary, new MySqlShard(Fixture.KEYSPACE, "s1", Fixture.SCHEMA, Fixture.endpoint(primary), replicas));
    }

    @Test
    @DisplayName("describes the keyspace's shards and refuses unknown keyspaces and shards")
    void describe() {
        try (MySqlTopology t = probe()) {
            KeyspaceTopology k = t.describe(Fixture.KEYSPACE);
            assertThat(k.shards()).hasSize(1);
            assertThat(k.shards().get(0).primary()).isEqualTo(Fixture.endpoint(primary));
            assertThat(k.shards().get(0).schema()).isEqualTo(Fixture.SCHEMA);
            assertThat(k.version()).isEqualTo(1);
            assertThatThrownBy(() -> t.describe("nope"))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining(Fixture.KEYSPACE);
            assertThatThrownBy(() -> t.health(Fixture.KEYSPACE, "s9")).isInstanceOf(InvalidRequestException.class);
        }
    }

    @Test
    @DisplayName("reads the primary's identity and GTID position and the replica's lag and position, which covers"
            + " the primary's once caught up")
    void health() throws Exception {
        Fixture.createTable(primary, "probe_t", 1000);
        replica.waitForCatchUp(Duration.ofSeconds(30));
        try (MySqlTopology t = probe()) {
            ShardHealth h = t.health(Fixture.KEYSPACE, "s1");
            assertThat(h.primary()).contains(":" + primary.port()).contains("server_id=" + primary.serverId());
            ReplicationPosition primaryPos = Objects.requireNonNull(h.primaryPosition());
            assertThat(primaryPos.form()).isEqualTo(ReplicationPosition.Form.MARIADB_GTID);
            assertThat(h.replicas()).hasSize(1);
            ReplicaHealth r = h.replicas().get(0);
            assertThat(r.replica()).isEqualTo(replica.host() + ":" + replica.port());
            assertThat(r.lag()).isEqualTo(Duration.ZERO);
            assertThat(Objects.requireNonNull(r.position()).covers(primaryPos)).isTrue();
            assertThat(t.estimateRows(Fixture.KEYSPACE, "s1", "probe_t")).isBetween(500L, 2000L);
            assertThat(t.estimateRows(Fixture.KEYSPACE, "s1", "missing_t")).isEqualTo(-1);
            // The same identity on every read: no topology change.
            assertThat(t.health(Fixture.KEYSPACE, "s1").primary()).isEqualTo(h.primary());
            assertThat(t.describe(Fixture.KEYSPACE).version()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a stopped replica SQL thread, or an unreachable replica, is an unknown lag")
    void unknownLag() throws Exception {
        try (MySqlTopology t = probe(new Endpoint("127.0.0.1", 1))) {
            replica.stopReplicaSqlThread();
            try {
                primary.execute("CREATE DATABASE IF NOT EXISTS app");
                ShardHealth h = t.health(Fixture.KEYSPACE, "s1");
                assertThat(h.replicas()).extracting(ReplicaHealth::lag).containsOnlyNulls();
                assertThat(h.replicaWithUnknownLag()).isEqualTo(replica.host() + ":" + replica.port());
            } finally {
                replica.startReplicaSqlThread();
            }
            replica.waitForCatchUp(Duration.ofSeconds(30));
            ShardHealth after = t.health(Fixture.KEYSPACE, "s1");
            assertThat(after.replicas().get(0).lag()).isEqualTo(Duration.ZERO);
            assertThat(after.replicas().get(1).lag()).as("unreachable").isNull();
        }
    }

    @Test
    @DisplayName("an unreachable primary is a retryable failure; the probe recovers when it is back")
    void unreachablePrimary() {
        MySqlTopology t = MySqlTopology.builder()
                .credentials(Fixture.credentials(primary))
                .connectTimeout(Duration.ofSeconds(2))
                .shard(MySqlShard.of(Fixture.KEYSPACE, "dead", Fixture.SCHEMA, new Endpoint("127.0.0.1", 1)))
                .build();
        try (t) {
            assertThatThrownBy(() -> t.health(Fixture.KEYSPACE, "dead"))
                    .isInstanceOf(EngineException.class)
                    .satisfies(
                            e -> assertThat(((EngineException) e).retryable()).isTrue())
                    .hasMessageNotContaining(primary.password());
        }
    }

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
        assertThatThrownBy(() -> MySqlShard.of("ks", "s1", "app", new Endpoint("h", 1), new Endpoint("h", 1)))
                .hasMessageContaining("primary");
        assertThatThrownBy(() -> MySqlShard.of("ks", "s1", "a-b", new Endpoint("h", 1)))
                .hasMessageContaining("schema");
    }
}
