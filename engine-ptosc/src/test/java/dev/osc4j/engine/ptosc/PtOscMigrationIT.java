package dev.osc4j.engine.ptosc;

import static dev.osc4j.engine.ptosc.Fixture.SCHEMA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.CutoverMode;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pt-osc engine: migrations through the orchestrator on a real MariaDB primary and replica")
class PtOscMigrationIT {
    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    @TempDir
    Path work;

    private MigrationRequest request(String key, String table, String ddl, Map<String, String> options) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(Fixture.KEYSPACE)
                .table(table)
                .ddl(ddl)
                .engine(PtOscEngine.DEFAULT_NAME)
                .options(options)
                .requestedBy("test")
                .build();
    }

    @Test
    @DisplayName("the password is on no process's command line while pt-osc runs")
    void passwordNeverOnACommandLine() throws Exception {
        Fixture.createTable(DB.primary(), "secrets", 60_000);
        PtOscEngine engine = Fixture.engine(DB.primary(), work);
        Map<String, String> options = new java.util.HashMap<>(Fixture.slow(500, "0.02"));
        options.put(
                PtOscEngine.OPTION_REPLICAS,
                DB.replica().host() + ":" + DB.replica().port());
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger scans = new AtomicInteger();
        AtomicInteger ptOscSeen = new AtomicInteger();
        List<String> leaks = new ArrayList<>();
        byte[] password = DB.primary().password().getBytes(StandardCharsets.UTF_8);
        Thread scanner = new Thread(
                () -> {
                    while (!done.get()) {
                        try (var dirs = Files.list(Path.of("/proc"))) {
                            for (Path p : (Iterable<Path>) dirs::iterator) {
                                if (!p.getFileName().toString().matches("\\d+")) {
                                    continue;
                                }
                                byte[] cmdline;
                                try {
                                    cmdline = Files.readAllBytes(p.resolve("cmdline"));
                                } catch (java.io.IOException e) {
                                    continue; // exited meanwhile, or not ours to read
                                }
                                String text = new String(cmdline, StandardCharsets.UTF_8);
                                if (text.contains("pt-online-schema-change")) {
                                    ptOscSeen.incrementAndGet();
                                }
                                if (indexOf(cmdline, password) >= 0) {
                                    synchronized (leaks) {
                                        leaks.add(p + ": " + text.replace('\0', ' '));
                                    }
                                }
                            }
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        scans.incrementAndGet();
                        Fixture.sleep(20);
                    }
                },
                "cmdline-scanner");
        scanner.setDaemon(true);
        scanner.start();
        try (MySqlTopology topology = Fixture.topology(DB.primary(), Fixture.shard("s1", DB.primary(), DB.replica()));
                MigrationOrchestrator osc = Fixture.orchestrator(new InMemoryStateStore(), topology, engine)) {
            osc.start();
            MigrationId id = osc.submit(request("secrets-1", "secrets", "ADD COLUMN note VARCHAR(16)", options));
            MigrationRecord rec = Fixture.awaitState(osc, id, MigrationState.COMPLETED, Duration.ofMinutes(2));
            AuditTrails.assertSound(osc.audit(id));
            assertThat(rec.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
        } finally {
            done.set(true);
            scanner.join(5000);
        }
        assertThat(ptOscSeen.get())
                .as("scans that saw pt-online-schema-change running")
                .isGreaterThan(10);
        assertThat(leaks)
                .as("command lines containing the password (of %d scans)", scans.get())
                .isEmpty();
        assertThat(Fixture.columns(DB.primary(), "secrets")).contains("note");
        // The option file that held the password is gone once the run ended.
        try (var runs = Files.list(work)) {
            for (Path run : (Iterable<Path>) runs::iterator) {
                assertThat(run.resolve("client.cnf")).doesNotExist();
                assertThat(Files.readString(run.resolve("output.log")))
                        .doesNotContain(DB.primary().password());
                assertThat(Files.readString(run.resolve("run.json")))
                        .doesNotContain(DB.primary().password());
            }
        }
        Fixture.assertNoArtifacts(DB.primary(), "secrets");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    @DisplayName("two shards on two servers are held in CUTOVER_PENDING until released, then swapped together")
    void barrierAcrossTwoServers() throws Exception {
        try (LocalMariaDb second = LocalMariaDb.start()) {
            Fixture.createTable(DB.primary(), "orders", 20_000);
            Fixture.createTable(second, "orders", 5_000);
            PtOscEngine engine = PtOscEngine.builder()
                    .credentials(server -> server.port() == second.port()
                            ? new DatabaseCredentials(second.user(), second.password())
                            : new DatabaseCredentials(
                                    DB.primary().user(), DB.primary().password()))
                    .workDirectory(work)
                    .defaultOptions(Fixture.FAST)
                    .build();
            MySqlTopology topology = MySqlTopology.builder()
                    .credentials(server -> server.port() == second.port()
                            ? new DatabaseCredentials(second.user(), second.password())
                            : new DatabaseCredentials(
                                    DB.primary().user(), DB.primary().password()))
                    .shard(Fixture.shard("s1", DB.primary(), DB.replica()))
                    .shard(Fixture.shard("s2", second))
                    .build();
            MigrationPolicy manual =
                    Fixture.policy().cutoverMode(CutoverMode.MANUAL).build();
            try (topology;
                    MigrationOrchestrator osc = Fixture.orchestrator(new InMemoryStateStore(), topology, engine)) {
                osc.start();
                MigrationId id = osc.submit(MigrationRequest.builder()
                        .idempotencyKey("barrier-1")
                        .keyspace(Fixture.KEYSPACE)
                        .table("orders")
                        .ddl("ALTER TABLE orders ADD COLUMN shipped_at DATETIME NULL")
                        .engine(PtOscEngine.DEFAULT_NAME)
                        .requestedBy("test")
                        .policy(manual)
                        .build());
                MigrationRecord held = Fixture.await(
                        osc,
                        id,
                        Duration.ofMinutes(2),
                        "both shards in CUTOVER_PENDING",
                        r -> r.shards().stream().allMatch(s -> s.state() == MigrationState.CUTOVER_PENDING));
                // Held: neither table is swapped while the orchestrator waits for the release.
                Fixture.sleep(2000);
                MigrationRecord still = osc.get(id);
                assertThat(still.shards()).allMatch(s -> s.state() == MigrationState.CUTOVER_PENDING);
                assertThat(still.shards())
                        .allMatch(s -> String.valueOf(s.waitReason()).contains("cutover_release"));
                assertThat(Fixture.columns(DB.primary(), "orders")).doesNotContain("shipped_at");
                assertThat(Fixture.columns(second, "orders")).doesNotContain("shipped_at");
                for (ShardRecord s : held.shards()) {
                    assertThat(engine.observe(java.util.Objects.requireNonNull(s.handle()))
                                    .phase())
                            .isEqualTo(dev.osc4j.spi.EnginePhase.READY_FOR_CUTOVER);
                }
                osc.releaseCutover(id, "release-1", "test");
                MigrationRecord done = Fixture.awaitState(osc, id, MigrationState.COMPLETED, Duration.ofMinutes(1));
                assertThat(Fixture.columns(DB.primary(), "orders")).contains("shipped_at");
                assertThat(Fixture.columns(second, "orders")).contains("shipped_at");
                assertThat(Fixture.count(DB.primary(), "orders")).isEqualTo(20_000);
                assertThat(Fixture.count(second, "orders")).isEqualTo(5_000);
                // Both shards left CUTOVER_PENDING in one write: the barrier released them together.
                List<dev.osc4j.AuditEntry> trail = osc.audit(id);
                AuditTrails.assertSound(trail);
                List<dev.osc4j.AuditEntry> releases = trail.stream()
                        .filter(e -> e.shard() != null && e.to() == MigrationState.SWITCHING_TRAFFIC)
                        .toList();
                assertThat(releases).extracting(dev.osc4j.AuditEntry::shard).containsExactlyInAnyOrder("s1", "s2");
                assertThat(releases.stream().map(dev.osc4j.AuditEntry::at).distinct())
                        .as("both shards enter SWITCHING_TRAFFIC in the same write")
                        .hasSize(1);
                assertThat(done.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
                Fixture.assertNoArtifacts(DB.primary(), "orders");
                Fixture.assertNoArtifacts(second, "orders");
            }
        }
    }

    @Test
    @DisplayName("200,000 rows under concurrent inserts, updates and deletes: COMPLETED, new schema, no lost or phantom"
            + " writes")
    void twoHundredThousandRowsUnderConcurrentWrites() throws Exception {
        int rows = 200_000;
        Fixture.createTable(DB.primary(), "events", rows);
        PtOscEngine engine = Fixture.engine(DB.primary(), work);
        Map<String, String> options = new java.util.HashMap<>(Fixture.slow(2000, "0.05"));
        options.put(PtOscEngine.OPTION_RECURSION_METHOD, "hosts");
        MigrationRecord done;
        ConcurrentWriter writer = new ConcurrentWriter(DB.primary(), "events", rows, 42).start();
        try (writer;
                MySqlTopology topology =
                        Fixture.topology(DB.primary(), Fixture.shard("s1", DB.primary(), DB.replica()));
                MigrationOrchestrator osc = Fixture.orchestrator(new InMemoryStateStore(), topology, engine)) {
            osc.start();
            MigrationId id = osc.submit(request(
                    "events-1",
                    "events",
                    "ALTER TABLE events ADD COLUMN note VARCHAR(32) NOT NULL DEFAULT 'n', ADD INDEX a_idx (a)",
                    options));
            MigrationRecord copying = Fixture.await(
                    osc,
                    id,
                    Duration.ofMinutes(1),
                    "copy progress",
                    r -> r.shards().get(0).progress().rowsCopied() > 0);
            assertThat(copying.shards().get(0).progress().rowsTotal()).isGreaterThan(rows / 2);
            long writesDuringCopy = writer.operations();
            long copyObservedAt = System.nanoTime();
            done = Fixture.awaitState(osc, id, MigrationState.COMPLETED, Duration.ofMinutes(3));
            double writesPerSecond =
                    (writer.operations() - writesDuringCopy) / ((System.nanoTime() - copyObservedAt) / 1e9);
            AuditTrails.assertSound(osc.audit(id));
            // A figure, not an assertion: how long the binlog-alignment gate held the shard after the engine was ready
            // while the writer kept the primary's position moving (the gate's target is fixed when the engine is
            // ready).
            java.time.Instant catchingUp = null;
            java.time.Instant pending = null;
            for (dev.osc4j.AuditEntry e : osc.audit(id)) {
                if (e.kind() == dev.osc4j.AuditEntry.Kind.TRANSITION && e.shard() != null) {
                    catchingUp = e.to() == MigrationState.WAITING_FOR_CATCHUP ? e.at() : catchingUp;
                    pending = e.to() == MigrationState.CUTOVER_PENDING ? e.at() : pending;
                }
            }
            System.out.printf(
                    java.util.Locale.ROOT,
                    "catch-up: WAITING_FOR_CATCHUP -> CUTOVER_PENDING took %d ms with a writer at %.0f operations/s%n",
                    catchingUp == null || pending == null
                            ? -1
                            : Duration.between(catchingUp, pending).toMillis(),
                    writesPerSecond);
            assertThat(writer.operations())
                    .as("the writer kept writing through the copy and the swap")
                    .isGreaterThan(writesDuringCopy);
        }
        assertThat(writer.broken()).as(writer.summary()).isNull();
        assertThat(writer.operations()).as(writer.summary()).isGreaterThan(500);
        assertThat(Fixture.columns(DB.primary(), "events")).containsExactly("id", "a", "b", "note");
        List<String> differences = writer.differences(20);
        assertThat(differences)
                .as("rows that differ from the writer's log (%s)", writer.summary())
                .isEmpty();
        assertThat(Fixture.count(DB.primary(), "events")).isEqualTo(writer.expectedRows());
        DB.replica().waitForCatchUp(Duration.ofSeconds(60));
        assertThat(Fixture.columns(DB.replica(), "events")).containsExactly("id", "a", "b", "note");
        assertThat(checksum(DB.replica(), "events")).isEqualTo(checksum(DB.primary(), "events"));
        assertThat(done.shards().get(0).progress().percent()).isEqualTo(100.0);
        Fixture.assertNoArtifacts(DB.primary(), "events");
    }

    private static long checksum(LocalMariaDb server, String table) throws java.sql.SQLException {
        try (var c = server.connect(SCHEMA);
                var rs = c.createStatement().executeQuery("CHECKSUM TABLE `" + table + "`")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    @Test
    @DisplayName("a migration of an empty table completes")
    void emptyTable() throws Exception {
        Fixture.createTable(DB.primary(), "empty_t", 0);
        PtOscEngine engine = Fixture.engine(DB.primary(), work);
        try (MySqlTopology topology = Fixture.topology(DB.primary(), Fixture.shard("s1", DB.primary(), DB.replica()));
                MigrationOrchestrator osc = Fixture.orchestrator(new InMemoryStateStore(), topology, engine)) {
            osc.start();
            MigrationId id = osc.submit(request("empty-1", "empty_t", "ADD INDEX a_idx (a)", Map.of()));
            Fixture.awaitState(osc, id, MigrationState.COMPLETED, Duration.ofMinutes(1));
        }
        try (var c = DB.primary().connect(SCHEMA);
                var rs = c.createStatement().executeQuery("SHOW INDEX FROM empty_t WHERE Key_name = 'a_idx'")) {
            assertThat(rs.next()).isTrue();
        }
    }
}
