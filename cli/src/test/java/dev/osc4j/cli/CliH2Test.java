package dev.osc4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command against the embedded default's H2 file, run in this process: a completed migration, one copying (4
 * shards), one aborted; directives, JSON, exit codes, bad input that changes nothing, and a password never printed.
 */
class CliH2Test {
    @TempDir
    static Path dir;

    static Path database;
    static JdbcStateStore store;
    static MigrationId completed;
    static MigrationId copying;
    static MigrationId aborted;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void seed() {
        database = dir.resolve("osc4j");
        store = JdbcStateStore.h2File(database);
        SettableClock clock = SettableClock.startingAtEpoch2026();
        FakeTopology topology = new FakeTopology(clock)
                .addUniformKeyspace("commerce", 4, 100_000)
                .addUniformKeyspace("billing", 1, 1_000);
        MigrationOrchestrator osc = MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(FakeEngine.builder(topology).rowsPerSecond(1_000).build())
                .clock(clock)
                .build();
        Simulation sim = Simulation.of(osc, clock);
        completed = osc.submit(request("done", "billing", "invoices"));
        sim.runUntil(completed, MigrationState.COMPLETED, Duration.ofHours(1));
        aborted = osc.submit(request("gone", "billing", "payments"));
        sim.runUntil(aborted, r -> r.shards().get(0).state() == MigrationState.COPYING_ROWS, Duration.ofHours(1));
        osc.abort(aborted, "abort-1", "test");
        sim.runUntil(aborted, MigrationState.ABORTED, Duration.ofHours(1));
        copying = osc.submit(request("busy", "commerce", "orders"));
        sim.runUntil(
                copying, r -> r.shards().stream().allMatch(s -> s.progress().percent() > 10), Duration.ofHours(1));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private static MigrationRequest request(String key, String keyspace, String table) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(keyspace)
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .build();
    }

    private static Cli cli() {
        Cli c = new Cli();
        c.env.put("OSC4J_STORE", "h2:" + database);
        c.env.put("USER", "alice");
        return c;
    }

    @Test
    @DisplayName("list shows the active migrations, --all every one, --output json parses")
    void list() throws Exception {
        Cli.Run active = cli().run("list");
        assertThat(active.code()).as(active.toString()).isZero();
        assertThat(active.out()).contains(copying.value(), "COPYING_ROWS", "commerce.orders");
        assertThat(active.out()).doesNotContain(completed.value());
        Cli.Run all = cli().run("list", "--all", "--output", "json");
        assertThat(all.code()).as(all.toString()).isZero();
        JsonNode array = JSON.readTree(all.out());
        assertThat(array.findValuesAsText("id"))
                .containsExactlyInAnyOrder(completed.value(), copying.value(), aborted.value());
        assertThat(array.findValuesAsText("state")).contains("COMPLETED", "ABORTED", "COPYING_ROWS");
    }

    @Test
    @DisplayName("show prints a bar per shard within the width; --output json is the record in the stores' own form")
    void show() {
        Cli c = cli();
        c.env.put("COLUMNS", "80");
        Cli.Run text = c.run("show", copying.value());
        assertThat(text.code()).as(text.toString()).isZero();
        List<String> lines = text.out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).contains(copying.value(), "COPYING_ROWS", "%");
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
        assertThat(lines.subList(1, 5)).allSatisfy(l -> assertThat(l).contains("[#", "COPYING_ROWS"));
        Cli.Run json = cli().run("show", copying.value(), "--output", "json");
        assertThat(json.code()).isZero();
        MigrationRecord decoded = RecordCodec.decode(copying, json.out().trim(), 1);
        assertThat(decoded.shards()).hasSize(4);
    }

    @Test
    @DisplayName("audit prints the trail; --output json has one object per entry")
    void audit() throws Exception {
        Cli.Run text = cli().run("audit", completed.value());
        assertThat(text.code()).isZero();
        assertThat(text.out()).contains("SUBMITTED", "TRANSITION", "-> COMPLETED");
        Cli.Run json = cli().run("audit", completed.value(), "--output", "json");
        assertThat(JSON.readTree(json.out()).size())
                .isEqualTo(store.audit(completed, 0, 10_000).size());
    }

    @Test
    @DisplayName("a directive with an id is idempotent; the same id for another directive is refused (4), changing"
            + " nothing")
    void directives() {
        Cli.Run paused = cli().run("pause", copying.value(), "--directive-id", "CHG-1");
        assertThat(paused.code()).as(paused.toString()).isZero();
        assertThat(paused.out()).contains("pause", "CHG-1", "alice");
        assertThat(store.read(copying).orElseThrow().controls().paused()).isTrue();
        Cli.Run again = cli().run("pause", copying.value(), "--directive-id", "CHG-1");
        assertThat(again.code()).isZero();
        int trail = store.audit(copying, 0, 10_000).size();
        Cli.Run conflicting = cli().run("resume", copying.value(), "--directive-id", "CHG-1");
        assertThat(conflicting.code()).as(conflicting.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(store.read(copying).orElseThrow().controls().paused()).isTrue();
        assertThat(store.audit(copying, 0, 10_000)).hasSize(trail);
        assertThat(store.audit(copying, 0, 10_000).stream()
                        .filter(e -> e.kind() == AuditEntry.Kind.DIRECTIVE
                                && e.stepId().equals("CHG-1")))
                .hasSize(1);
        Cli.Run resumed = cli().run("resume", copying.value(), "--output", "json");
        assertThat(resumed.code()).as(resumed.toString()).isZero();
        assertThat(resumed.out()).contains("\"kind\" : \"RESUME\"");
        assertThat(store.read(copying).orElseThrow().controls().paused()).isFalse();
    }

    @Test
    @DisplayName("a directive the state forbids is refused with exit code 4")
    void refused() {
        Cli.Run r = cli().run("retry", completed.value());
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(r.err()).startsWith("osc4j: ");
    }

    @Test
    @DisplayName("bad input: a ratio out of range and a bad id (5), an unknown id (3), no store (2); nothing changes")
    void badInput() {
        long version = store.read(copying).orElseThrow().version();
        assertThat(cli().run("throttle", copying.value(), "1.5").code()).isEqualTo(ExitCodes.INVALID);
        assertThat(cli().run("show", "not an id").code()).isEqualTo(ExitCodes.INVALID);
        assertThat(cli().run("show", "m-000000000000000000000000").code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(cli().run("approve", copying.value(), "--stage", "lunch").code())
                .isEqualTo(ExitCodes.INVALID);
        assertThat(cli().run("revoke", copying.value(), "--stage", "lunch").code())
                .isEqualTo(ExitCodes.INVALID);
        Cli.Run nothingToWithdraw = cli().run("revoke", copying.value(), "--stage", "cutover");
        assertThat(nothingToWithdraw.code()).as(nothingToWithdraw.toString()).isEqualTo(ExitCodes.REFUSED);
        Cli.Run noStore = new Cli().run("list");
        assertThat(noStore.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noStore.err()).contains("OSC4J_STORE");
        assertThat(cli().run("frobnicate").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(store.read(copying).orElseThrow().version()).isEqualTo(version);
    }

    @Test
    @DisplayName("the password comes from the environment or a file and is printed nowhere, not even on failure")
    void passwordNeverPrinted() throws Exception {
        String secret = "s3cr3t-" + System.nanoTime();
        Cli c = new Cli();
        c.env.put("OSC4J_STORE_PASSWORD", secret);
        Cli.Run fromEnv = c.run("list", "--store", "jdbc:mysql://127.0.0.1:1/osc4j", "--user", "ops");
        assertThat(fromEnv.code()).as(fromEnv.toString()).isEqualTo(ExitCodes.STORE);
        assertThat(fromEnv.out() + fromEnv.err()).doesNotContain(secret);
        Path file = dir.resolve("password");
        Files.writeString(file, secret + "\n");
        Cli.Run fromFile = new Cli()
                .run(
                        "list",
                        "--store",
                        "jdbc:mysql://127.0.0.1:1/osc4j?password=" + secret,
                        "--password-file",
                        file.toString());
        assertThat(fromFile.code()).isEqualTo(ExitCodes.STORE);
        assertThat(fromFile.out() + fromFile.err()).doesNotContain(secret);
        assertThat(new Cli()
                        .run("list", "--store", "jdbc:mysql://127.0.0.1:1/x", "--password-file", "/nonexistent")
                        .code())
                .isEqualTo(ExitCodes.INVALID);
    }

    @Test
    @DisplayName("watch of an ended migration prints it once and exits 0 if it completed, 7 if it did not")
    void watchEnded() {
        Cli.Run done = cli().run("watch", completed.value());
        assertThat(done.code()).as(done.toString()).isZero();
        assertThat(done.out()).contains("COMPLETED", "100.0%");
        Cli.Run gone = cli().run("watch", aborted.value(), "--output", "json");
        assertThat(gone.code()).isEqualTo(ExitCodes.NOT_COMPLETED);
        assertThat(gone.out().lines().count()).isEqualTo(1);
    }

    @Test
    @DisplayName("audit --verify: an intact trail exits 0 with its head; an entry edited in the database exits 8 naming"
            + " it")
    void verifyAudit() throws Exception {
        Cli.Run intact = cli().run("audit", aborted.value(), "--verify");
        assertThat(intact.code()).as(intact.toString()).isZero();
        assertThat(intact.out()).contains("hash chain intact", "head ");
        String url = "jdbc:h2:file:" + database.toAbsolutePath() + ";LOCK_TIMEOUT=10000;WRITE_DELAY=0";
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "sa", "");
                java.sql.PreparedStatement update = c.prepareStatement(
                        "UPDATE osc4j_audit SET entry_json = REPLACE(entry_json, '\"actor\":\"test\"',"
                                + " '\"actor\":\"mallory\"') WHERE migration_id = ? AND seq = 1")) {
            update.setString(1, aborted.value());
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
        Cli.Run tampered = cli().run("audit", aborted.value(), "--verify");
        assertThat(tampered.code()).as(tampered.toString()).isEqualTo(ExitCodes.TAMPERED);
        assertThat(tampered.out()).contains("does NOT match", "entry 1");
    }
}
