package dev.osc4j.engine.ptosc;

import static dev.osc4j.engine.ptosc.Fixture.SCHEMA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.EngineException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.mysql.KeptTable;
import dev.osc4j.mysql.TableLifecycle;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.testkit.servers.LocalMariaDb;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pt-osc engine: a revertible migration and its revert on a real MariaDB primary and replica")
class PtOscRevertIT {
    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    @TempDir
    Path work;

    private static ShardTarget target() {
        return new ShardTarget(Fixture.KEYSPACE, "s1", SCHEMA, Fixture.endpoint(DB.primary()));
    }

    private static MigrationSpec forward(String table) {
        return new MigrationSpec(
                        Fixture.KEYSPACE,
                        table,
                        "ADD COLUMN note VARCHAR(32) NOT NULL DEFAULT 'n'",
                        PtOscEngine.DEFAULT_NAME,
                        Fixture.slow(1000, "0.01"),
                        List.of())
                .withRevertible(true);
    }

    @Test
    @DisplayName("forward, window and revert under inserts, updates and deletes: no write lost, none failed, nothing"
            + " left, the replica agrees")
    void forwardAndRevertUnderWrites() throws Exception {
        int rows = 30_000;
        String table = "rv";
        Fixture.createTable(DB.primary(), table, rows);
        PtOscEngine engine = Fixture.engineWithQuarantine(DB.primary(), work);
        MigrationId id = MigrationId.of("rv-forward");
        EngineKey fwdKey = new EngineKey(id, 1, "s1");
        MigrationSpec fwd = forward(table);
        ConcurrentWriter writer = new ConcurrentWriter(DB.primary(), table, rows, 7).start();
        long forwardMillis;
        long revertMillis;
        try (writer) {
            long t0 = System.nanoTime();
            EngineHandle h = engine.start(target(), fwd, fwdKey);
            await(engine, h, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
            engine.releaseCutover(h);
            engine.releaseCutover(h); // a repeated release after a crash changes nothing
            await(engine, h, o -> o.phase() == EnginePhase.COMPLETED);
            forwardMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(Fixture.columns(DB.primary(), table)).containsExactly("id", "a", "b", "note");
            try (Connection c = DB.primary().connect(SCHEMA)) {
                assertThat(KeptTable.of(SCHEMA, table, KeptTable.keptName(table))
                                .inSync(c))
                        .as("the original is kept in sync")
                        .isTrue();
            }
            assertThat(engine.cleanup(target(), fwd, fwdKey).dropped())
                    .as("cleanup of the completed forward run leaves the kept table and its triggers")
                    .noneMatch(d -> d.contains(KeptTable.keptName(table)) || d.contains("osc4j_rev"));
            Fixture.sleep(1500); // the revert window, with the writer going

            MigrationSpec revertSpec = fwd.revertOf(id, 1, List.of("s1"));
            EngineKey revKey = new EngineKey(MigrationId.of("rv-revert"), 1, "s1");
            long t1 = System.nanoTime();
            EngineHandle r = engine.start(target(), revertSpec, revKey);
            assertThat(engine.start(target(), revertSpec, revKey)).isEqualTo(r);
            EngineObservation ready = await(engine, r, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
            assertThat(ready.rowsTotal()).isZero();
            Fixture.sleep(500);
            engine.releaseCutover(r);
            engine.releaseCutover(r);
            await(engine, r, o -> o.phase() == EnginePhase.COMPLETED);
            revertMillis = (System.nanoTime() - t1) / 1_000_000;
            Fixture.sleep(1000); // writes after the swap back
            assertThat(engine.retire(target(), fwd, fwdKey).dropped())
                    .as("nothing to retire after a revert")
                    .isEmpty();
        }
        System.out.printf(
                "revert IT: %d rows, forward %d ms, revert %d ms, writer: %s%n",
                rows, forwardMillis, revertMillis, writer.summary());
        assertThat(writer.broken()).as(writer.summary()).isNull();
        assertThat(writer.errors()).as("application writes that failed").isEmpty();
        assertThat(writer.differences(20))
                .as("rows that differ from the writer's log")
                .isEmpty();
        assertThat(Fixture.columns(DB.primary(), table)).containsExactly("id", "a", "b");
        assertThat(triggers(DB.primary())).isEmpty();
        assertThat(tables(DB.primary()))
                .as("tables besides the quarantined ones")
                .filteredOn(t -> !t.startsWith(TableLifecycle.PREFIX) && t.contains(table))
                .containsExactly(table);
        assertThat(tables(DB.primary()))
                .as("no placeholder of the swaps is left")
                .noneMatch(t -> t.startsWith("_osc4j_swp_") || t.startsWith("_osc4j_kph_"));
        DB.replica().waitForCatchUp(Duration.ofSeconds(60));
        assertThat(checksum(DB.replica(), table)).isEqualTo(checksum(DB.primary(), table));
    }

    @Test
    @DisplayName("a cancelled revert leaves the forward revertible; retire drops the triggers, then quarantines the"
            + " kept table, under writes")
    void cancelledRevertThenRetire() throws Exception {
        int rows = 5_000;
        String table = "rt";
        Fixture.createTable(DB.primary(), table, rows);
        PtOscEngine engine = Fixture.engineWithQuarantine(DB.primary(), work);
        MigrationId id = MigrationId.of("rt-forward");
        EngineKey fwdKey = new EngineKey(id, 1, "s1");
        MigrationSpec fwd = forward(table);
        EngineHandle h = engine.start(target(), fwd, fwdKey);
        await(engine, h, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
        engine.releaseCutover(h);
        await(engine, h, o -> o.phase() == EnginePhase.COMPLETED);

        MigrationSpec revertSpec = fwd.revertOf(id, 1, List.of("s1"));
        EngineKey revKey = new EngineKey(MigrationId.of("rt-revert"), 1, "s1");
        EngineHandle r = engine.start(target(), revertSpec, revKey);
        await(engine, r, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
        engine.cancel(r);
        assertThat(engine.observe(r).phase()).isEqualTo(EnginePhase.CANCELLED);
        engine.cleanup(target(), revertSpec, revKey);
        engine.cleanup(target(), revertSpec, revKey);
        try (Connection c = DB.primary().connect(SCHEMA)) {
            assertThat(KeptTable.of(SCHEMA, table, KeptTable.keptName(table)).inSync(c))
                    .as("the forward migration stays revertible")
                    .isTrue();
        }

        ConcurrentWriter writer = new ConcurrentWriter(DB.primary(), table, rows, 11).start();
        try (writer) {
            Fixture.sleep(500);
            List<String> dropped = engine.retire(target(), fwd, fwdKey).dropped();
            assertThat(dropped).hasSizeGreaterThanOrEqualTo(4);
            assertThat(dropped.subList(0, 3)).allMatch(d -> d.startsWith("trigger "));
            assertThat(dropped.get(3)).contains(KeptTable.keptName(table) + " quarantined as");
            assertThat(engine.retire(target(), fwd, fwdKey).dropped())
                    .as("a second retire")
                    .isEmpty();
            Fixture.sleep(500);
        }
        assertThat(writer.errors()).isEmpty();
        assertThat(writer.differences(20)).isEmpty();
        assertThat(triggers(DB.primary())).isEmpty();
        assertThat(tables(DB.primary()))
                .filteredOn(t -> !t.startsWith(TableLifecycle.PREFIX))
                .contains(table)
                .noneMatch(t -> t.startsWith("_rt_"));
        EngineKey again = new EngineKey(MigrationId.of("rt-revert-2"), 1, "s1");
        assertThatThrownBy(() -> engine.start(target(), revertSpec, again))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("retired");
    }

    private static EngineObservation await(PtOscEngine engine, EngineHandle handle, Predicate<EngineObservation> c) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        EngineObservation o = engine.observe(handle);
        while (!c.test(o)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out; last observation " + o);
            }
            if (o.phase() == EnginePhase.FAILED || o.phase() == EnginePhase.CANCELLED) {
                throw new AssertionError("the run ended: " + o);
            }
            Fixture.sleep(100);
            o = engine.observe(handle);
        }
        return o;
    }

    private static List<String> triggers(LocalMariaDb server) throws SQLException {
        return names(server, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?");
    }

    private static List<String> tables(LocalMariaDb server) throws SQLException {
        return names(server, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1");
    }

    private static List<String> names(LocalMariaDb server, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = server.connect(SCHEMA);
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, SCHEMA);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static long checksum(LocalMariaDb server, String table) throws SQLException {
        try (Connection c = server.connect(SCHEMA);
                ResultSet rs = c.createStatement().executeQuery("CHECKSUM TABLE `" + table + "`")) {
            rs.next();
            return rs.getLong(2);
        }
    }
}
