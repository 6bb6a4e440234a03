package dev.osc4j.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.testkit.servers.LocalHaProxy;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("HaProxyTrafficSwitch drains and restores a real HAProxy in front of a real MariaDB")
class HaProxyTrafficSwitchIT {

    private static final String SHARD = "s1";
    private static final ShardTarget TARGET = new ShardTarget("app", SHARD, "app", null);
    private static final MigrationSpec SPEC =
            new MigrationSpec("app", "t", "ALTER TABLE t ADD COLUMN c INT", "ptosc", Map.of(), List.of());

    private static LocalMariaDb mariaDb;
    private static LocalHaProxy haproxy;

    @BeforeAll
    static void start() {
        mariaDb = LocalMariaDb.start();
        haproxy = LocalHaProxy.builder()
                .proxy("db", "primary", mariaDb.host(), mariaDb.port())
                .section(HaProxyTrafficSwitch.holdTableSection(HaProxyTrafficSwitch.DEFAULT_HOLD_TABLE))
                .section("backend small_holds\n    stick-table type string len 16 size 10 nopurge store gpt0")
                .start();
    }

    @AfterAll
    static void stop() {
        if (haproxy != null) {
            haproxy.close();
        }
        if (mariaDb != null) {
            mariaDb.close();
        }
    }

    @BeforeEach
    void ready() {
        haproxy.command("set server db/primary state ready");
        haproxy.command("clear table " + HaProxyTrafficSwitch.DEFAULT_HOLD_TABLE);
    }

    @Test
    @DisplayName("hold drains the server: an open connection goes on, a new one is closed; restore makes it ready")
    void holdAndRestore() throws Exception {
        HaProxyTrafficSwitch routing = overTcp();
        EngineKey key = key("hold-restore");
        try (Connection open = connectThroughHaProxy()) {
            assertThat(selectOne(open)).isEqualTo(1);

            routing.hold(TARGET, SPEC, key);

            assertThat(adminState()).isEqualTo(8);
            assertThat(haproxy.command("show table osc4j_holds")).contains("key=db/primary/" + key.value());
            assertThat(selectOne(open))
                    .as("an established connection is not touched")
                    .isEqualTo(1);
            long before = System.nanoTime();
            assertThatThrownBy(HaProxyTrafficSwitchIT::connectThroughHaProxy)
                    .as("a new connection finds no server: HAProxy accepts it and closes it")
                    .isInstanceOf(SQLException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(3));

            routing.restore(TARGET, SPEC, key);

            assertThat(adminState()).isZero();
            assertThat(haproxy.command("show table osc4j_holds")).doesNotContain("key=");
            try (Connection fresh = connectThroughHaProxy()) {
                assertThat(selectOne(fresh)).isEqualTo(1);
            }
        }
    }

    @Test
    @DisplayName("restore without a hold changes nothing, not even an operator's drain")
    void restoreWithoutHold() {
        HaProxyTrafficSwitch routing = overTcp();
        routing.restore(TARGET, SPEC, key("never-held"));
        assertThat(adminState()).isZero();

        haproxy.command("set server db/primary state drain");
        routing.restore(TARGET, SPEC, key("never-held"));
        assertThat(adminState()).isEqualTo(8);
    }

    @Test
    @DisplayName("hold twice then restore gives ready: the second hold keeps the state from before the first")
    void holdTwice() throws Exception {
        HaProxyTrafficSwitch routing = overTcp();
        EngineKey key = key("twice");
        routing.hold(TARGET, SPEC, key);
        routing.hold(TARGET, SPEC, key);
        assertThat(adminState()).isEqualTo(8);

        routing.restore(TARGET, SPEC, key);
        routing.restore(TARGET, SPEC, key);

        assertThat(adminState()).isZero();
        try (Connection fresh = connectThroughHaProxy()) {
            assertThat(selectOne(fresh)).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a fresh instance, on the unix socket, restores what another instance held (a restarted controller)")
    void freshInstanceRestores() {
        overTcp().hold(TARGET, SPEC, key("crash"));
        assertThat(adminState()).isEqualTo(8);

        HaProxyTrafficSwitch restarted = HaProxyTrafficSwitch.builder()
                .runtimeApi(haproxy.runtimeApiSocket())
                .server(SHARD, "db", "primary")
                .build();
        restarted.restore(TARGET, SPEC, key("crash"));

        assertThat(adminState()).isZero();
    }

    @Test
    @DisplayName("a server an operator had drained stays drained after hold and restore")
    void operatorDrainKept() {
        haproxy.command("set server db/primary state drain");
        HaProxyTrafficSwitch routing = overTcp();
        routing.hold(TARGET, SPEC, key("operator"));
        routing.restore(TARGET, SPEC, key("operator"));
        assertThat(adminState()).isEqualTo(8);
        assertThat(haproxy.command("show table osc4j_holds")).doesNotContain("key=");
    }

    @Test
    @DisplayName("two runs holding the same server: it is ready again only after the last restore")
    void twoRuns() {
        HaProxyTrafficSwitch routing = overTcp();
        routing.hold(TARGET, SPEC, key("first"));
        routing.hold(TARGET, SPEC, key("second"));
        routing.restore(TARGET, SPEC, key("first"));
        assertThat(adminState()).isEqualTo(8);
        routing.restore(TARGET, SPEC, key("second"));
        assertThat(adminState()).isZero();
    }

    @Test
    @DisplayName("an unreachable runtime API is a retryable failure that names the address")
    void unreachable() throws Exception {
        InetSocketAddress closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
        }
        HaProxyTrafficSwitch routing = HaProxyTrafficSwitch.builder()
                .runtimeApi(closed)
                .server(SHARD, "db", "primary")
                .timeout(Duration.ofSeconds(1))
                .build();
        assertThatThrownBy(() -> routing.hold(TARGET, SPEC, key("unreachable")))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.reason()).isEqualTo(FailureReason.CONNECTION);
                })
                .hasMessageContaining(closed.getHostString() + ":" + closed.getPort())
                .hasMessageContaining("did not answer")
                .hasMessageNotContaining(mariaDb.password());
        assertThat(adminState()).isZero();
    }

    @Test
    @DisplayName("a server or backend HAProxy does not know is a permanent failure that names it")
    void unknownServer() {
        HaProxyTrafficSwitch routing = HaProxyTrafficSwitch.builder()
                .runtimeApi(haproxy.runtimeApi())
                .server(SHARD, "db", "nosuch")
                .server("s2", "nobackend", "primary")
                .build();
        assertThatThrownBy(() -> routing.hold(TARGET, SPEC, key("unknown")))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.reason()).isEqualTo(FailureReason.ENGINE_CONFIGURATION);
                })
                .hasMessageContaining("no server nosuch in backend db");
        ShardTarget s2 = new ShardTarget("app", "s2", "app", null);
        assertThatThrownBy(() -> routing.hold(s2, SPEC, key("unknown")))
                .isInstanceOfSatisfying(
                        EngineException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("nobackend");
        ShardTarget s3 = new ShardTarget("app", "s3", "app", null);
        assertThatThrownBy(() -> routing.restore(s3, SPEC, key("unknown")))
                .isInstanceOfSatisfying(
                        EngineException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("No HAProxy server is configured for shard s3");
        assertThat(haproxy.command("show table osc4j_holds")).doesNotContain("key=");
    }

    @Test
    @DisplayName("a missing or too small hold table is a permanent failure that says what to declare")
    void holdTable() {
        HaProxyTrafficSwitch missing = HaProxyTrafficSwitch.builder()
                .runtimeApi(haproxy.runtimeApi())
                .server(SHARD, "db", "primary")
                .holdTable("no_such_table")
                .build();
        assertThatThrownBy(() -> missing.hold(TARGET, SPEC, key("table")))
                .isInstanceOfSatisfying(
                        EngineException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("no_such_table")
                .hasMessageContaining("stick-table type string len 256");
        HaProxyTrafficSwitch small = HaProxyTrafficSwitch.builder()
                .runtimeApi(haproxy.runtimeApi())
                .server(SHARD, "db", "primary")
                .holdTable("small_holds")
                .build();
        assertThatThrownBy(() -> small.hold(TARGET, SPEC, key("table")))
                .isInstanceOfSatisfying(
                        EngineException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("did not keep the key");
        assertThat(adminState()).isZero();
    }

    private static HaProxyTrafficSwitch overTcp() {
        return HaProxyTrafficSwitch.builder()
                .runtimeApi(haproxy.runtimeApi())
                .server(SHARD, "db", "primary")
                .build();
    }

    private static EngineKey key(String migration) {
        return new EngineKey(MigrationId.of(migration), 1, SHARD);
    }

    /** {@code srv_admin_state} of db/primary: 0 ready, 8 drain. */
    private static int adminState() {
        return haproxy.adminState("db", "primary");
    }

    private static Connection connectThroughHaProxy() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", mariaDb.user());
        properties.setProperty("password", mariaDb.password());
        return DriverManager.getConnection(
                "jdbc:mysql://" + haproxy.host() + ":" + haproxy.port("db")
                        + "/?sslMode=DISABLED&connectTimeout=2000&socketTimeout=5000",
                properties);
    }

    private static int selectOne(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT 1")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
