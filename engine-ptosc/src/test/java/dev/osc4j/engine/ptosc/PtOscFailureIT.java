package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pt-osc engine: bad input, killed runs, cleanup and retry on a real MariaDB primary and replica")
class PtOscFailureIT {
    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    @TempDir
    Path work;

    PtOscEngine engine;
    MySqlTopology topology;
    MigrationOrchestrator osc;

    @BeforeEach
    void controller() {
        engine = Fixture.engine(DB.primary(), work);
        topology = Fixture.topology(DB.primary(), Fixture.shard("s1", DB.primary(), DB.replica()));
        osc = Fixture.orchestrator(new InMemoryStateStore(), topology, engine);
        osc.start();
    }

    @AfterEach
    void closeController() {
        osc.close();
        topology.close();
    }

    private MigrationId submit(String key, String table, String ddl, Map<String, String> options) {
        return osc.submit(MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(Fixture.KEYSPACE)
                .table(table)
                .ddl(ddl)
                .engine(PtOscEngine.DEFAULT_NAME)
                .requestedBy("test")
                .options(options)
                .build());
    }

    private ShardRecord failedShard(MigrationId id) {
        MigrationRecord rec = Fixture.awaitState(osc, id, MigrationState.FAILED, Duration.ofMinutes(1));
        return rec.shards().get(0);
    }

    @Test
    @DisplayName("an ALTER the server rejects ends FAILED with INVALID_DDL and leaves nothing behind")
    void invalidDdl() throws Exception {
        Fixture.createTable(DB.primary(), "bad_ddl", 100);
        MigrationId id = submit("bad-ddl", "bad_ddl", "ADD COLUMN d INTT", Map.of());
        ShardRecord s = failedShard(id);
        assertThat(Objects.requireNonNull(s.failure()).reason()).isEqualTo(FailureReason.INVALID_DDL);
        assertThat(s.failure().message()).contains("INTT");
        Fixture.assertNoArtifacts(DB.primary(), "bad_ddl");
        abortAndCheckClean(id, "bad_ddl");
    }

    @Test
    @DisplayName("a missing table ends FAILED with TABLE_NOT_FOUND and leaves nothing behind")
    void missingTable() throws Exception {
        DB.primary().createDatabase(Fixture.SCHEMA);
        MigrationId id = submit("missing", "no_such_table", "ADD COLUMN d INT", Map.of());
        ShardRecord s = failedShard(id);
        assertThat(Objects.requireNonNull(s.failure()).reason()).isEqualTo(FailureReason.TABLE_NOT_FOUND);
        assertThat(s.failure().message()).contains("does not exist");
        Fixture.assertNoArtifacts(DB.primary(), "no_such_table");
    }

    @Test
    @DisplayName("a table without a primary or unique key ends FAILED with NO_UNIQUE_KEY and leaves nothing behind")
    void noUniqueKey() throws Exception {
        DB.primary().createDatabase(Fixture.SCHEMA);
        DB.primary().execute("CREATE TABLE app.no_key (a INT, b INT)");
        DB.primary().execute("INSERT INTO app.no_key VALUES (1, 2), (3, 4)");
        MigrationId id = submit("no-key", "no_key", "ADD COLUMN c INT", Map.of());
        ShardRecord s = failedShard(id);
        assertThat(Objects.requireNonNull(s.failure()).reason()).isEqualTo(FailureReason.NO_UNIQUE_KEY);
        Fixture.assertNoArtifacts(DB.primary(), "no_key");
    }

    @Test
    @DisplayName("a table referenced by foreign keys, without a method for them, ends FAILED with FOREIGN_KEYS")
    void foreignKeys() throws Exception {
        DB.primary().createDatabase(Fixture.SCHEMA);
        DB.primary().execute("CREATE TABLE app.fk_parent (id INT PRIMARY KEY) ENGINE=InnoDB");
        DB.primary()
                .execute("CREATE TABLE app.fk_child (id INT PRIMARY KEY, pid INT,"
                        + " FOREIGN KEY (pid) REFERENCES app.fk_parent (id)) ENGINE=InnoDB");
        DB.primary().execute("INSERT INTO app.fk_parent VALUES (1), (2)");
        DB.primary().execute("INSERT INTO app.fk_child VALUES (1, 1), (2, 2)");
        MigrationId id = submit("fk", "fk_parent", "ADD COLUMN name VARCHAR(10)", Map.of());
        ShardRecord s = failedShard(id);
        assertThat(Objects.requireNonNull(s.failure()).reason()).isEqualTo(FailureReason.FOREIGN_KEYS);
        assertThat(s.failure().message()).contains("foreign keys");
        Fixture.assertNoArtifacts(DB.primary(), "fk_parent");
    }

    @Test
    @DisplayName("pt-osc killed with SIGKILL during the copy: FAILED; abort drops exactly its triggers and tables")
    void killedDuringCopyThenAbort() throws Exception {
        Fixture.createTable(DB.primary(), "victim", 60_000);
        // A table that merely looks like pt-osc's: it existed before the run, so cleanup must leave it.
        DB.primary().execute("CREATE TABLE app._victim_new (id INT PRIMARY KEY)");
        MigrationId id = submit("kill-abort", "victim", "ADD COLUMN extra INT", Fixture.slow(500, "0.05"));
        EngineHandle handle = awaitCopying(id);
        killPtOsc(handle);
        ShardRecord s = failedShard(id);
        assertThat(Objects.requireNonNull(s.failure()).reason()).isEqualTo(FailureReason.ENGINE_FAILED);
        assertThat(s.failure().message()).contains("killed by signal 9");
        assertThat(Fixture.artifacts(DB.primary(), "victim"))
                .contains(
                        "table __victim_new",
                        "trigger pt_osc_app_victim_del",
                        "trigger pt_osc_app_victim_ins",
                        "trigger pt_osc_app_victim_upd");
        // Registered before pt-osc ran: the name it took (the look-alike was there first), not the look-alike.
        assertThat(registered(id))
                .containsExactlyInAnyOrder(
                        "table __victim_new",
                        "trigger pt_osc_app_victim_del",
                        "trigger pt_osc_app_victim_ins",
                        "trigger pt_osc_app_victim_upd");
        osc.abort(id, "abort-1", "test");
        MigrationRecord aborted = Fixture.awaitState(osc, id, MigrationState.ABORTED, Duration.ofMinutes(1));
        assertThat(registered(id)).isEmpty();
        AuditTrails.assertSound(osc.audit(id));
        assertThat(Fixture.artifacts(DB.primary(), "victim")).containsExactly("table _victim_new");
        assertThat(Fixture.columns(DB.primary(), "victim")).doesNotContain("extra");
        assertThat(Fixture.count(DB.primary(), "victim")).isEqualTo(60_000);
        assertThat(osc.audit(id).stream().map(e -> e.detail()))
                .anySatisfy(d -> assertThat(d).contains("dropped").contains("__victim_new"));
        assertThat(aborted.shards().get(0).state()).isEqualTo(MigrationState.ABORTED);
    }

    @Test
    @DisplayName("pt-osc killed during the copy, then retried: the retry cleans up and succeeds from the start")
    void killedDuringCopyThenRetry() throws Exception {
        Fixture.createTable(DB.primary(), "again", 60_000);
        MigrationId id = submit("kill-retry", "again", "ADD COLUMN extra INT", Fixture.slow(500, "0.05"));
        EngineHandle first = awaitCopying(id);
        killPtOsc(first);
        failedShard(id);
        osc.retry(id, "retry-1", "test");
        MigrationRecord done = Fixture.awaitState(osc, id, MigrationState.COMPLETED, Duration.ofMinutes(2));
        AuditTrails.assertSound(osc.audit(id));
        assertThat(done.attempt()).isEqualTo(2);
        EngineHandle second = Objects.requireNonNull(done.shards().get(0).handle());
        assertThat(second.key().attempt()).isEqualTo(2);
        assertThat(second.attribute(PtOscEngine.ATTR_RUN_DIR, ""))
                .isNotEqualTo(first.attribute(PtOscEngine.ATTR_RUN_DIR, ""));
        assertThat(Fixture.columns(DB.primary(), "again")).contains("extra");
        assertThat(Fixture.count(DB.primary(), "again")).isEqualTo(60_000);
        Fixture.assertNoArtifacts(DB.primary(), "again");
    }

    @Test
    @DisplayName("pt-osc and its wrapper both gone without an exit status: FAILED with RUN_LOST listing what is left")
    void lostRunReportsItsArtifacts() throws Exception {
        Fixture.createTable(DB.primary(), "lost", 60_000);
        MigrationId id = submit("lost", "lost", "ADD COLUMN extra INT", Fixture.slow(500, "0.05"));
        EngineHandle handle = awaitCopying(id);
        ProcessHandle wrapper = ProcessHandle.of(Long.parseLong(handle.attribute(PtOscEngine.ATTR_PID, "-1")))
                .orElseThrow();
        List<ProcessHandle> children = wrapper.children().toList();
        wrapper.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        ShardRecord s = failedShard(id);
        assertThat(Objects.requireNonNull(s.failure()).reason()).isEqualTo(FailureReason.RUN_LOST);
        assertThat(s.failure().message())
                .contains("gone without an exit status")
                .contains("trigger pt_osc_app_lost_ins")
                .contains("table _lost_new");
        osc.abort(id, "abort-lost", "test");
        Fixture.awaitState(osc, id, MigrationState.ABORTED, Duration.ofMinutes(1));
        Fixture.assertNoArtifacts(DB.primary(), "lost");
    }

    @Test
    @DisplayName("abort during the copy stops pt-osc (SIGTERM), then drops what it created: ABORTED, nothing left")
    void abortDuringCopy() throws Exception {
        Fixture.createTable(DB.primary(), "stopme", 60_000);
        MigrationId id = submit("abort-copy", "stopme", "ADD COLUMN extra INT", Fixture.slow(500, "0.05"));
        EngineHandle handle = awaitCopying(id);
        assertThat(Fixture.ptOscProcesses(work.toString())).hasSize(1);
        osc.abort(id, "abort-copy-1", "test");
        MigrationRecord aborted = Fixture.awaitState(osc, id, MigrationState.ABORTED, Duration.ofMinutes(1));
        AuditTrails.assertSound(osc.audit(id));
        assertThat(Fixture.ptOscProcesses(work.toString())).isEmpty();
        assertThat(engine.observe(handle).phase()).isEqualTo(dev.osc4j.spi.EnginePhase.CANCELLED);
        assertThat(aborted.shards().get(0).state()).isEqualTo(MigrationState.ABORTED);
        Fixture.assertNoArtifacts(DB.primary(), "stopme");
        assertThat(Fixture.columns(DB.primary(), "stopme")).doesNotContain("extra");
        assertThat(Fixture.count(DB.primary(), "stopme")).isEqualTo(60_000);
    }

    @Test
    @DisplayName("abort while pt-osc holds before the swap: the table is never swapped and nothing is left; the record"
            + " registered exactly what the run created (information_schema) and keeps nothing registered after")
    void abortWhileHeld() throws Exception {
        Fixture.createTable(DB.primary(), "heldback", 5_000);
        MigrationId id = osc.submit(held("abort-held", "heldback"));
        Fixture.awaitState(osc, id, MigrationState.CUTOVER_PENDING, Duration.ofMinutes(1));
        List<String> created = Fixture.artifacts(DB.primary(), "heldback");
        assertThat(created).contains("table _heldback_new");
        assertThat(registered(id)).containsExactlyInAnyOrderElementsOf(created);
        osc.abort(id, "abort-held-1", "test");
        Fixture.awaitState(osc, id, MigrationState.ABORTED, Duration.ofMinutes(1));
        assertThat(registered(id)).isEmpty();
        assertThat(Fixture.ptOscProcesses(work.toString())).isEmpty();
        Fixture.assertNoArtifacts(DB.primary(), "heldback");
        assertThat(Fixture.columns(DB.primary(), "heldback")).doesNotContain("extra");
    }

    @Test
    @DisplayName("abort with a writer running: pt-osc's triggers go before the table they write to, so no application"
            + " write fails; the control, dropping the new table first as a careless cleanup would, fails writes with"
            + " 1146")
    void triggersGoFirstUnderWrites() throws Exception {
        Fixture.createTable(DB.primary(), "busy", 5_000);
        MigrationId id = osc.submit(held("abort-busy", "busy"));
        Fixture.awaitState(osc, id, MigrationState.CUTOVER_PENDING, Duration.ofMinutes(1));
        try (ConcurrentWriter writer = new ConcurrentWriter(DB.primary(), "busy", 5_000, 11).start()) {
            Thread.sleep(300);
            osc.abort(id, "abort-busy-1", "test");
            Fixture.awaitState(osc, id, MigrationState.ABORTED, Duration.ofMinutes(1));
            Thread.sleep(300);
            assertThat(writer.operations()).isPositive();
            assertThat(writer.errors())
                    .as("application writes refused during the cleanup")
                    .isEmpty();
        }
        Fixture.assertNoArtifacts(DB.primary(), "busy");

        // The control: the same situation, the new table dropped while the triggers that write to it remain.
        Fixture.createTable(DB.primary(), "careless", 5_000);
        MigrationId control = osc.submit(held("abort-careless", "careless"));
        Fixture.awaitState(osc, control, MigrationState.CUTOVER_PENDING, Duration.ofMinutes(1));
        try (ConcurrentWriter writer = new ConcurrentWriter(DB.primary(), "careless", 5_000, 12).start()) {
            Thread.sleep(300);
            try (Connection c = DB.primary().connect(Fixture.SCHEMA);
                    Statement st = c.createStatement()) {
                st.execute("DROP TABLE `_careless_new`");
            }
            Thread.sleep(300);
            assertThat(writer.errors())
                    .as("writes while the triggers name a table that is gone")
                    .isNotEmpty()
                    .allSatisfy(e -> assertThat(e).contains("1146"));
        }
        osc.abort(control, "abort-careless-1", "test");
        Fixture.awaitState(osc, control, MigrationState.ABORTED, Duration.ofMinutes(1));
        Fixture.assertNoArtifacts(DB.primary(), "careless");
    }

    /** A request that holds before the swap until released (manual cut-over), without a revert window. */
    private static MigrationRequest held(String key, String table) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(Fixture.KEYSPACE)
                .table(table)
                .ddl("ADD COLUMN extra INT")
                .engine(PtOscEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(Fixture.policy()
                        .cutoverMode(dev.osc4j.CutoverMode.MANUAL)
                        .build())
                .build();
    }

    private EngineHandle awaitCopying(MigrationId id) {
        MigrationRecord rec = Fixture.await(
                osc,
                id,
                Duration.ofMinutes(1),
                "the copy under way",
                r -> r.shards().get(0).state() == MigrationState.COPYING_ROWS
                        && r.shards().get(0).handle() != null
                        && engine.observe(Objects.requireNonNull(
                                                r.shards().get(0).handle()))
                                        .rowsCopied()
                                > 0);
        return Objects.requireNonNull(rec.shards().get(0).handle());
    }

    /** The shard's artifact registry, as {@link Fixture#artifacts} names them. */
    private List<String> registered(MigrationId id) {
        return osc.get(id).shards().get(0).artifacts().stream()
                .map(a -> {
                    assertThat(a.schema()).isEqualTo(Fixture.SCHEMA);
                    return a.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + a.name();
                })
                .toList();
    }

    private static void killPtOsc(EngineHandle handle) {
        ProcessHandle wrapper = ProcessHandle.of(Long.parseLong(handle.attribute(PtOscEngine.ATTR_PID, "-1")))
                .orElseThrow(() -> new AssertionError("the wrapper is not running"));
        List<ProcessHandle> tools = wrapper.children().toList();
        assertThat(tools).hasSize(1);
        assertThat(tools.get(0).info().commandLine().orElse("")).contains("pt-online-schema-change");
        tools.get(0).destroyForcibly(); // SIGKILL, as kill -9 would
    }

    private void abortAndCheckClean(MigrationId id, String table) throws Exception {
        osc.abort(id, "abort-" + table, "test");
        Fixture.awaitState(osc, id, MigrationState.ABORTED, Duration.ofMinutes(1));
        Fixture.assertNoArtifacts(DB.primary(), table);
        try (Connection c = DB.primary().connect(Fixture.SCHEMA);
                Statement st = c.createStatement()) {
            st.execute("SELECT 1 FROM `" + table + "` LIMIT 1");
        }
    }
}
