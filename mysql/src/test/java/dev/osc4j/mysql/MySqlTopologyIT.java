package dev.osc4j.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("MySqlTopology on a real MariaDB primary and replica")
class MySqlTopologyIT {
    private static final String KEYSPACE = "commerce";
    private static final String SCHEMA = "app";

    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    private static MySqlTopology probe(Endpoint... extraReplicas) {
        List<Endpoint> replicas = new ArrayList<>(List.of(DB.replicaEndpoint()));
        replicas.addAll(List.of(extraReplicas));
        return MySqlTopology.builder()
                .credentials(DB.credentials())
                .shard(new MySqlShard(KEYSPACE, "s1", SCHEMA, DB.primaryEndpoint(), replicas))
                .build();
    }

    /** Creates {@code SCHEMA.table} with {@code rows} rows. */
    private static void createTable(String table, int rows) throws SQLException {
        DB.primary().createDatabase(SCHEMA);
        try (Connection c = DB.primary().connect(SCHEMA);
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS `" + table + "`");
            st.execute("CREATE TABLE `" + table + "` (id INT NOT NULL PRIMARY KEY, a INT NOT NULL) ENGINE=InnoDB");
            st.execute("INSERT INTO `" + table + "` (id, a) SELECT seq, seq MOD 1000 FROM seq_1_to_" + rows);
        }
    }

    @Test
    @DisplayName("describes the keyspace's shards and refuses unknown keyspaces and shards")
    void describe() {
        try (MySqlTopology t = probe()) {
            KeyspaceTopology k = t.describe(KEYSPACE);
            assertThat(k.shards()).hasSize(1);
            assertThat(k.shards().get(0).primary()).isEqualTo(DB.primaryEndpoint());
            assertThat(k.shards().get(0).schema()).isEqualTo(SCHEMA);
            assertThat(k.version()).isEqualTo(1);
            assertThatThrownBy(() -> t.describe("nope"))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining(KEYSPACE);
            assertThatThrownBy(() -> t.health(KEYSPACE, "s9")).isInstanceOf(InvalidRequestException.class);
        }
    }

    @Test
    @DisplayName("reads the primary's identity and GTID position and the replica's lag and position, which covers"
            + " the primary's once caught up")
    void health() throws Exception {
        createTable("probe_t", 1000);
        DB.replica().waitForCatchUp(Duration.ofSeconds(30));
        try (MySqlTopology t = probe()) {
            ShardHealth h = t.health(KEYSPACE, "s1");
            assertThat(h.primary())
                    .contains(":" + DB.primary().port())
                    .contains("server_id=" + DB.primary().serverId());
            ReplicationPosition primaryPos = Objects.requireNonNull(h.primaryPosition());
            assertThat(primaryPos.form()).isEqualTo(ReplicationPosition.Form.MARIADB_GTID);
            assertThat(h.replicas()).hasSize(1);
            ReplicaHealth r = h.replicas().get(0);
            assertThat(r.replica())
                    .isEqualTo(DB.replica().host() + ":" + DB.replica().port());
            assertThat(r.lag()).isEqualTo(Duration.ZERO);
            assertThat(Objects.requireNonNull(r.position()).covers(primaryPos)).isTrue();
            assertThat(t.estimateRows(KEYSPACE, "s1", "probe_t")).isBetween(500L, 2000L);
            assertThat(t.estimateRows(KEYSPACE, "s1", "missing_t")).isEqualTo(-1);
            // The same identity on every read: no topology change.
            assertThat(t.health(KEYSPACE, "s1").primary()).isEqualTo(h.primary());
            assertThat(t.describe(KEYSPACE).version()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a stopped replica SQL thread, or an unreachable replica, is an unknown lag")
    void unknownLag() throws Exception {
        try (MySqlTopology t = probe(new Endpoint("127.0.0.1", 1))) {
            DB.replica().stopReplicaSqlThread();
            try {
                DB.primary().execute("CREATE DATABASE IF NOT EXISTS app");
                ShardHealth h = t.health(KEYSPACE, "s1");
                assertThat(h.replicas()).extracting(ReplicaHealth::lag).containsOnlyNulls();
                assertThat(h.replicaWithUnknownLag())
                        .isEqualTo(DB.replica().host() + ":" + DB.replica().port());
            } finally {
                DB.replica().startReplicaSqlThread();
            }
            DB.replica().waitForCatchUp(Duration.ofSeconds(30));
            ShardHealth after = t.health(KEYSPACE, "s1");
            assertThat(after.replicas().get(0).lag()).isEqualTo(Duration.ZERO);
            assertThat(after.replicas().get(1).lag()).as("unreachable").isNull();
        }
    }

    @Test
    @DisplayName("with a heartbeat table the lag is the heartbeat's age on the replica, below a second; a missing"
            + " heartbeat row is an unknown lag (fail closed)")
    void heartbeatLag() throws Exception {
        DB.primary().createDatabase(SCHEMA);
        try (Connection c = DB.primary().connect(SCHEMA);
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS hb");
            // pt-heartbeat's table and format (local time with microseconds); 2.5 s old when written.
            st.execute("CREATE TABLE hb (ts VARCHAR(26) NOT NULL, server_id INT UNSIGNED NOT NULL PRIMARY KEY)");
            st.execute("INSERT INTO hb VALUES (DATE_FORMAT(NOW(6) - INTERVAL 2500000 MICROSECOND,"
                    + " '%Y-%m-%dT%H:%i:%s.%f'), @@server_id)");
        }
        DB.replica().waitForCatchUp(Duration.ofSeconds(30));
        try (MySqlTopology t = MySqlTopology.builder()
                .credentials(DB.credentials())
                .heartbeatTable(SCHEMA + ".hb")
                .shard(new MySqlShard(KEYSPACE, "s1", SCHEMA, DB.primaryEndpoint(), List.of(DB.replicaEndpoint())))
                .build()) {
            Duration lag = Objects.requireNonNull(
                    t.health(KEYSPACE, "s1").replicas().get(0).lag());
            assertThat(lag)
                    .as("sub-second precision, where Seconds_Behind_Master says 0")
                    .isBetween(Duration.ofMillis(2500), Duration.ofMillis(4500));
            assertThat(lag.toMillis() % 1000).isNotZero();
            DB.primary().execute("DELETE FROM " + SCHEMA + ".hb");
            DB.replica().waitForCatchUp(Duration.ofSeconds(30));
            ShardHealth h = t.health(KEYSPACE, "s1");
            assertThat(h.replicas().get(0).lag()).as("no heartbeat: unknown").isNull();
        }
        assertThatThrownBy(() -> MySqlTopology.builder().heartbeatTable("hb; DROP TABLE x"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("heartbeatTable");
    }

    @Test
    @DisplayName(
            "the probe reads the primary's Threads_running (the load ceiling's signal): it counts queries that run")
    void threadsRunning() throws Exception {
        try (MySqlTopology t = probe()) {
            int idle = Objects.requireNonNull(t.health(KEYSPACE, "s1").primaryThreadsRunning());
            assertThat(idle).as("at least the probe's own query").isGreaterThanOrEqualTo(1);
            int sleepers = 3;
            List<Thread> threads = new ArrayList<>();
            List<Connection> connections = new ArrayList<>();
            try {
                for (int i = 0; i < sleepers; i++) {
                    Connection c = DB.primary().connect("mysql");
                    connections.add(c);
                    Thread th = new Thread(() -> {
                        try (Statement st = c.createStatement()) {
                            st.executeQuery("SELECT SLEEP(3)").close();
                        } catch (SQLException e) {
                            // the connection closed after the assertion: nothing to report
                        }
                    });
                    th.start();
                    threads.add(th);
                }
                int busy = 0;
                long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (busy < sleepers + 1 && System.nanoTime() < until) {
                    busy = Objects.requireNonNull(t.health(KEYSPACE, "s1").primaryThreadsRunning());
                    Thread.sleep(50);
                }
                assertThat(busy)
                        .as("three queries sleeping on the primary, and the probe's own")
                        .isGreaterThanOrEqualTo(sleepers + 1);
            } finally {
                for (Thread th : threads) {
                    th.join();
                }
                for (Connection c : connections) {
                    c.close();
                }
            }
        }
    }

    @Test
    @DisplayName("an unreachable primary is a retryable failure; the probe recovers when it is back")
    void unreachablePrimary() {
        MySqlTopology t = MySqlTopology.builder()
                .credentials(DB.credentials())
                .connectTimeout(Duration.ofSeconds(2))
                .shard(MySqlShard.of(KEYSPACE, "dead", SCHEMA, new Endpoint("127.0.0.1", 1)))
                .build();
        try (t) {
            assertThatThrownBy(() -> t.health(KEYSPACE, "dead"))
                    .isInstanceOf(EngineException.class)
                    .satisfies(
                            e -> assertThat(((EngineException) e).retryable()).isTrue())
                    .hasMessageNotContaining(DB.primary().password());
        }
    }
}
