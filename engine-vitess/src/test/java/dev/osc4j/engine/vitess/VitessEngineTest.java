package dev.osc4j.engine.vitess;

import static dev.osc4j.engine.vitess.VitessFixture.KS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.vitess.FakeVtgate;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The engine's calls one by one against the fake VTGate, and its configuration. */
class VitessEngineTest {
    private static Map<String, Long> twoShards() {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-80", 20_000L);
        rows.put("80-", 10_000L);
        return rows;
    }

    private static MigrationSpec spec() {
        return VitessFixture.request("engine-test").spec();
    }

    private static ShardTarget target(String shard) {
        return new ShardTarget(KS, shard, KS, null);
    }

    private static EngineKey key(int attempt, String shard) {
        return new EngineKey(MigrationId.of("m-engine"), attempt, shard);
    }

    @Test
    @DisplayName("a submission whose answer is lost is adopted, not sent again")
    void lostAnswerIsAdopted() {
        try (VitessFixture f = new VitessFixture(twoShards())) {
            f.vtgate.loseNextResponse("ALTER TABLE");
            VitessEngine engine = f.engine();
            EngineHandle first = engine.start(target("-80"), spec(), key(1, "-80"));
            EngineHandle second = engine.start(target("80-"), spec(), key(1, "80-"));
            assertThat(f.vtgate.submissions()).hasSize(2);
            String uuid = f.vtgate.submissions().get(0).uuid();
            assertThat(first.attribute(VitessEngine.UUID, "")).isEqualTo(uuid);
            assertThat(second.attribute(VitessEngine.UUID, "")).isEqualTo(uuid);
            assertThat(engine.start(target("-80"), spec(), key(1, "-80"))).isEqualTo(first);
            assertThat(f.vtgate.submissions()).hasSize(2);
            assertThat(engine.observe(first).phase()).isEqualTo(EnginePhase.STARTING);
            assertThat(engine.reattach(target("80-"), spec(), key(1, "80-"), null))
                    .contains(second);
        }
    }

    @Test
    @DisplayName("observations follow the row: copying with Vitess's figures, catching up, ready, cutting over, done")
    void observationsFollowTheRow() {
        try (VitessFixture f = new VitessFixture(twoShards())) {
            VitessEngine engine = f.engine();
            EngineHandle h = engine.start(target("-80"), spec(), key(1, "-80"));
            EngineObservation queued = engine.observe(h);
            assertThat(queued.phase()).isEqualTo(EnginePhase.STARTING);
            assertThat(queued.rowsTotal()).isEqualTo(-1);
            f.clock.advance(Duration.ofSeconds(3));
            EngineObservation copying = engine.observe(h);
            assertThat(copying.phase()).isEqualTo(EnginePhase.COPYING);
            assertThat(copying.rowsCopied()).isEqualTo(10_000);
            assertThat(copying.rowsTotal()).isEqualTo(20_000);
            assertThat(copying.engineEta()).isEqualTo(Duration.ofSeconds(1));
            assertThat(copying.throttled()).isFalse();
            f.clock.advance(Duration.ofSeconds(1));
            assertThat(engine.observe(h).phase()).isEqualTo(EnginePhase.CATCHING_UP);
            f.clock.advance(Duration.ofSeconds(2));
            assertThat(engine.observe(h).phase()).isEqualTo(EnginePhase.READY_FOR_CUTOVER);
            f.topology.setReplicaLag(KS, "-80", Duration.ofSeconds(30));
            f.clock.advance(Duration.ofSeconds(1));
            EngineObservation lagging = engine.observe(h);
            assertThat(lagging.phase()).as("ready_to_complete fell back to 0").isEqualTo(EnginePhase.CATCHING_UP);
            assertThat(lagging.throttleReason()).contains("vplayer").contains("lag=30s");
            f.topology.setReplicaLag(KS, "-80", Duration.ZERO);
            f.clock.advance(Duration.ofSeconds(3));
            assertThat(engine.observe(h).phase()).isEqualTo(EnginePhase.READY_FOR_CUTOVER);
            engine.releaseCutover(h);
            assertThat(engine.observe(h).phase()).isEqualTo(EnginePhase.CUTTING_OVER);
            f.clock.advance(Duration.ofSeconds(1));
            assertThat(engine.observe(h).phase()).isEqualTo(EnginePhase.COMPLETED);
            assertThat(f.vtgate.migration(KS, "80-", h.attribute(VitessEngine.UUID, "")))
                    .extracting(FakeVtgate.MigrationView::postponeCompletion)
                    .as("COMPLETE went to -80 only")
                    .isEqualTo(true);
        }
    }

    @Test
    @DisplayName("a handle whose row is gone observes as NOT_FOUND; a foreign context with another table is refused")
    void notFoundAndForeignContext() throws Exception {
        try (VitessFixture f = new VitessFixture(twoShards())) {
            VitessEngine engine = f.engine();
            EngineHandle h = engine.start(target("-80"), spec(), key(1, "-80"));
            EngineHandle bogus = new EngineHandle(
                    "vitess",
                    h.key(),
                    Map.of(
                            VitessEngine.UUID,
                            "00000000_0000_0000_0000_000000000000",
                            VitessEngine.KEYSPACE,
                            KS,
                            VitessEngine.SHARD,
                            "-80"));
            assertThat(engine.observe(bogus).phase()).isEqualTo(EnginePhase.NOT_FOUND);
            assertThatThrownBy(() -> engine.observe(new EngineHandle("vitess", h.key(), Map.of())))
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("not a Vitess engine handle");

            try (Connection c =
                            DriverManager.getConnection(f.vtgate.jdbcUrl(KS), f.vtgate.user(), f.vtgate.password());
                    Statement s = c.createStatement()) {
                s.execute("SET @@ddl_strategy='vitess', @@migration_context='osc4j:m-foreign'");
                s.execute("ALTER TABLE customers ADD COLUMN x INT");
            }
            EngineKey foreign = new EngineKey(MigrationId.of("m-foreign"), 1, "-80");
            assertThatThrownBy(() -> engine.start(target("-80"), spec(), foreign))
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("alters table customers");
        }
    }

    @Test
    @DisplayName("options are checked before anything is sent; the strategy always postpones completion")
    void options() {
        MigrationSpec ok = new MigrationSpec(
                KS,
                "orders",
                "ADD COLUMN a INT",
                "vitess",
                Map.of(VitessEngine.OPTION_STRATEGY_FLAGS, "--allow-concurrent --cut-over-threshold=20s"),
                List.of());
        assertThat(StrategyFlags.strategy(ok))
                .isEqualTo("vitess --postpone-completion --allow-concurrent --cut-over-threshold=20s");
        for (String bad : List.of(
                "--postpone-launch",
                "--singleton-table",
                "--nope",
                "--cut-over-threshold=soon",
                "allow-concurrent",
                "--allow-concurrent=1")) {
            MigrationSpec spec = new MigrationSpec(
                    KS,
                    "orders",
                    "ADD COLUMN a INT",
                    "vitess",
                    Map.of(VitessEngine.OPTION_STRATEGY_FLAGS, bad),
                    List.of());
            assertThatThrownBy(() -> StrategyFlags.strategy(spec))
                    .as(bad)
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining(VitessEngine.OPTION_STRATEGY_FLAGS);
        }
        MigrationSpec unknown =
                new MigrationSpec(KS, "orders", "ADD COLUMN a INT", "vitess", Map.of("chunk-size", "1"), List.of());
        assertThatThrownBy(() -> StrategyFlags.strategy(unknown))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("chunk-size");
    }

    @Test
    @DisplayName("the builder names what is wrong and never shows the password")
    void builder() {
        assertThatThrownBy(() -> VitessEngine.builder().build()).hasMessageContaining("dataSource or jdbcUrl");
        assertThatThrownBy(() -> VitessEngine.builder()
                        .jdbcUrl("jdbc:postgresql://x/?password=hunter2")
                        .credentials(CredentialsProvider.of("u", "hunter2"))
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() ->
                        VitessEngine.builder().jdbcUrl("jdbc:mysql://h:1/").build())
                .hasMessageContaining("credentials");
        assertThatThrownBy(() -> VitessEngine.builder()
                        .jdbcUrl("jdbc:mysql://h:1/")
                        .credentials(CredentialsProvider.of("u", ""))
                        .queryTimeout(Duration.ZERO)
                        .build())
                .hasMessageContaining("queryTimeout");
        VitessEngine engine = VitessEngine.builder()
                .jdbcUrl("jdbc:mysql://osc4j:hunter2@vtgate:15306/?password=hunter2")
                .credentials(CredentialsProvider.of("osc4j", "hunter2"))
                .build();
        assertThat(engine.toString()).contains("vtgate:15306").doesNotContain("hunter2");
        assertThat(engine.capabilities().retryInPlace()).isTrue();
        assertThat(engine.capabilities().postponedCutover()).isTrue();
        engine.close();
        engine.close();
    }

    @Test
    @DisplayName("the CredentialsProvider is asked for VTGate's endpoint on every new connection, so a rotated"
            + " password is used after a reconnect; a provider that fails is a retryable error")
    void credentialsPerConnection() {
        try (VitessFixture f = new VitessFixture(twoShards())) {
            List<Endpoint> asked = new CopyOnWriteArrayList<>();
            AtomicReference<String> password = new AtomicReference<>(f.vtgate.password());
            CredentialsProvider provider = endpoint -> {
                asked.add(endpoint);
                return new DatabaseCredentials(f.vtgate.user(), password.get());
            };
            VitessEngine engine = VitessEngine.builder()
                    .jdbcUrl(f.vtgate.jdbcUrl())
                    .credentials(provider)
                    .clock(f.clock)
                    .build();
            VitessTopologyProbe probe = VitessTopologyProbe.builder()
                    .jdbcUrl(f.vtgate.jdbcUrl())
                    .credentials(provider)
                    .clock(f.clock)
                    .build();
            try {
                EngineHandle h = engine.start(target("-80"), spec(), key(1, "-80"));
                probe.describe(KS);
                assertThat(asked)
                        .hasSize(2)
                        .allSatisfy(e -> assertThat(e.port()).isEqualTo(f.vtgate.port()));
                engine.observe(h);
                assertThat(asked).as("one connection, asked once").hasSize(2);

                f.vtgate.disconnectAll();
                password.set("rotated-but-wrong");
                f.clock.advance(Duration.ofSeconds(1)); // past the observation cache
                assertThatThrownBy(() -> engine.observe(h)).isInstanceOf(EngineException.class);
                assertThatThrownBy(() -> engine.observe(h))
                        .isInstanceOfSatisfying(
                                EngineException.class,
                                e -> assertThat(e.retryable()).isFalse())
                        .hasMessageNotContaining("rotated-but-wrong");
                password.set(f.vtgate.password());
                assertThat(engine.observe(h).phase()).isEqualTo(EnginePhase.STARTING);
                assertThat(asked).as("asked again for each new connection").hasSize(4);
            } finally {
                engine.close();
                probe.close();
            }
            VitessEngine failing = VitessEngine.builder()
                    .jdbcUrl(f.vtgate.jdbcUrl())
                    .credentials(endpoint -> {
                        throw new IllegalStateException("vault sealed");
                    })
                    .build();
            try {
                assertThatThrownBy(() -> failing.start(target("-80"), spec(), key(1, "-80")))
                        .isInstanceOfSatisfying(
                                EngineException.class,
                                e -> assertThat(e.retryable()).isTrue())
                        .hasMessageContaining("CredentialsProvider");
            } finally {
                failing.close();
            }
        }
    }

    @Test
    @DisplayName("an unreachable VTGate is a retryable error whose message has no password")
    void unreachable() {
        VitessEngine engine = VitessEngine.builder()
                .jdbcUrl("jdbc:mysql://127.0.0.1:1/")
                .credentials(CredentialsProvider.of("osc4j", "hunter2"))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        try {
            assertThatThrownBy(() -> engine.start(target("-80"), spec(), key(1, "-80")))
                    .isInstanceOfSatisfying(
                            EngineException.class,
                            e -> assertThat(e.retryable()).isTrue())
                    .hasMessageNotContaining("hunter2");
        } finally {
            engine.close();
        }
    }

    @Test
    @DisplayName("with a caller's DataSource, the session target and variables are put back after each call")
    void dataSourceSessionIsRestored() throws Exception {
        try (VitessFixture f = new VitessFixture(twoShards())) {
            Connection real = DriverManager.getConnection(f.vtgate.jdbcUrl(KS), f.vtgate.user(), f.vtgate.password());
            try {
                DataSource single = singleConnection(real);
                VitessEngine engine =
                        VitessEngine.builder().dataSource(single).clock(f.clock).build();
                EngineHandle h = engine.start(target("80-"), spec(), key(1, "80-"));
                engine.throttle(h, 0.25);
                assertThat(engine.observe(h).phase()).isEqualTo(EnginePhase.STARTING);
                assertThat(real.getCatalog()).isEqualTo(KS);
                try (Statement s = real.createStatement();
                        ResultSet rs = s.executeQuery("SELECT @@ddl_strategy, @@migration_context")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("direct");
                    assertThat(rs.getString(2)).isEmpty();
                }
                assertThat(f.statements("ALTER VITESS_MIGRATION", "THROTTLE EXPIRE '8760h' RATIO 0.25"))
                        .singleElement()
                        .satisfies(e -> assertThat(e.target()).isEqualTo("commerce:80-@primary"));
                assertThat(engine.toString()).contains("DataSource");
                engine.close();
                assertThat(real.isClosed())
                        .as("the caller's connection is the caller's")
                        .isFalse();
            } finally {
                real.close();
            }
        }
    }

    /** A DataSource that hands out one connection whose close() does nothing, like a pool of one. */
    private static DataSource singleConnection(Connection real) {
        Connection handle = (Connection) Proxy.newProxyInstance(
                VitessEngineTest.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return new DataSource() {
            @Override
            public Connection getConnection() {
                return handle;
            }

            @Override
            public Connection getConnection(String username, String password) {
                return handle;
            }

            @Override
            public @Nullable PrintWriter getLogWriter() {
                return null;
            }

            @Override
            public void setLogWriter(PrintWriter out) {}

            @Override
            public void setLoginTimeout(int seconds) {}

            @Override
            public int getLoginTimeout() {
                return 0;
            }

            @Override
            public Logger getParentLogger() {
                return Logger.getGlobal();
            }

            @Override
            public <T> T unwrap(Class<T> iface) throws SQLException {
                throw new SQLException("not a wrapper");
            }

            @Override
            public boolean isWrapperFor(Class<?> iface) {
                return false;
            }
        };
    }

    @Test
    @DisplayName("the probe reads shards in key-range order, primaries by alias, replica lag, and a reparent")
    void probe() {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("c0-", 1L);
        rows.put("-40", 1L);
        rows.put("80-c0", 1L);
        rows.put("40-80", 1L);
        try (VitessFixture f = new VitessFixture(rows)) {
            VitessTopologyProbe probe = f.probe();
            KeyspaceTopology topology = probe.describe(KS);
            assertThat(topology.shards())
                    .extracting(ShardTarget::shard)
                    .containsExactly("-40", "40-80", "80-c0", "c0-");
            assertThat(topology.shards())
                    .allMatch(t -> t.primary() == null && t.schema().equals(KS));
            assertThatThrownBy(() -> probe.describe("nowhere"))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining(KS);
            ShardHealth before = probe.health(KS, "80-c0");
            assertThat(before.primary()).matches("zone1-\\d{10}");
            assertThat(before.replicas()).hasSize(2).allMatch(r -> Duration.ZERO.equals(r.lag()));
            assertThat(before.primaryPosition()).isNull();
            f.topology.setReplicaLag(KS, "80-c0", Duration.ofSeconds(7));
            f.topology.stopReplication(KS, "40-80", true);
            f.clock.advance(Duration.ofSeconds(5));
            String promoted = f.topology.reparent(KS, "80-c0");
            assertThat(promoted).isNotEmpty();
            ShardHealth after = probe.health(KS, "80-c0");
            assertThat(after.primary()).isNotEqualTo(before.primary());
            assertThat(after.topologyVersion()).isGreaterThan(before.topologyVersion());
            assertThat(after.maxKnownLag()).isEqualTo(Duration.ofSeconds(7));
            assertThat(after.readAt()).isEqualTo(f.clock.instant());
            assertThat(probe.health(KS, "40-80").replicaWithUnknownLag()).isNotNull();
        }
    }

    @Test
    @DisplayName("a request for a subset of shards is submitted shard by shard, never to the others")
    void subsetOfShards() {
        try (VitessFixture f = new VitessFixture(twoShards())) {
            MigrationOrchestrator osc = f.orchestrator(null);
            MigrationRequest request = MigrationRequest.builder()
                    .idempotencyKey("subset")
                    .keyspace(KS)
                    .table("orders")
                    .ddl("ADD COLUMN note VARCHAR(64)")
                    .engine("vitess")
                    .requestedBy("test")
                    .shards("80-")
                    .build();
            MigrationId id = osc.submit(request);
            MigrationRecord done =
                    Simulation.of(osc, f.clock).runUntil(id, MigrationState.COMPLETED, Duration.ofMinutes(10));
            assertThat(done.shards())
                    .singleElement()
                    .satisfies(s -> assertThat(s.shard()).isEqualTo("80-"));
            assertThat(f.vtgate.submissions(KS, "80-")).hasSize(1);
            assertThat(f.vtgate.submissions(KS, "-80")).isEmpty();
            assertThat(f.topology.appliedDdl(KS, "-80")).isEmpty();
        }
    }
}
