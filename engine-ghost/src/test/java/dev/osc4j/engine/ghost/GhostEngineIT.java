package dev.osc4j.engine.ghost;

import static dev.osc4j.engine.ghost.GhostFixture.await;
import static dev.osc4j.engine.ghost.GhostFixture.columns;
import static dev.osc4j.engine.ghost.GhostFixture.count;
import static dev.osc4j.engine.ghost.GhostFixture.createTable;
import static dev.osc4j.engine.ghost.GhostFixture.tables;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.testkit.ghost.FakeGhost;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GhostEngine driving the fake gh-ost on a real MariaDB")
class GhostEngineIT {
    private static final Duration LONG = Duration.ofMinutes(2);
    private static final String ALTER = "ADD COLUMN note VARCHAR(32) NULL";

    private static LocalMariaDb db;
    private static Path fast;
    private static Path slow;

    @BeforeAll
    static void setUp() {
        db = GhostFixture.server();
        fast = GhostFixture.installFake("engine-fast", GhostFixture.fast().build());
        slow = GhostFixture.installFake(
                "engine-slow",
                GhostFixture.fast().chunkDelay(Duration.ofMillis(50)).build());
    }

    @AfterAll
    static void killLeftovers() {
        FakeGhost.killAll(fast);
        FakeGhost.killAll(slow);
    }

    private static MigrationSpec spec(String ddl, Map<String, String> options) {
        return new MigrationSpec("ks", "orders", ddl, GhostEngine.NAME, options, List.of());
    }

    private static EngineKey key(String name) {
        return new EngineKey(MigrationId.forIdempotencyKey(name), 1, "s1");
    }

    private static GhostEngine engine(Path executable, String work) {
        return GhostFixture.engine(db, executable, GhostFixture.home().resolve(work))
                .build();
    }

    private static long launches(Path executable, String schema) {
        return FakeGhost.launches(executable).stream()
                .filter(l -> l.database().equals(schema))
                .count();
    }

    @Test
    @DisplayName("logs in with a password full of the characters go-ini treats specially (# ; \\ \" ` ' %), on gh-ost"
            + " 1.1.6 and 1.1.10")
    void specialPassword() throws Exception {
        String password = "p#a;s\\s\"w`o'r d%(password)s;#";
        for (String version : List.of("1.1.6", "1.1.10")) {
            String user = "osc_special_" + version.replace('.', '_');
            for (String host : List.of("%", "localhost", "127.0.0.1")) {
                db.execute("CREATE OR REPLACE USER '" + user + "'@'" + host + "' IDENTIFIED BY '"
                        + password.replace("\\", "\\\\").replace("'", "\\'") + "'");
                db.execute("GRANT ALL PRIVILEGES ON *.* TO '" + user + "'@'" + host + "'");
            }
            String schema = "eng_pw_" + version.replace('.', '_');
            createTable(db, schema, "orders", 500);
            Path exe = GhostFixture.installFake(
                    "engine-pw-" + version, GhostFixture.fast().version(version).build());
            try {
                GhostEngine engine = GhostFixture.engine(
                                db, exe, GhostFixture.home().resolve("work-pw-" + version))
                        .credentials(dev.osc4j.spi.CredentialsProvider.of(user, password))
                        .build();
                EngineKey key = key("pw-" + version);
                EngineHandle handle =
                        engine.start(GhostFixture.target(db, "ks", "s1", schema), spec(ALTER, Map.of()), key);
                assertThat(handle.attributes()).containsEntry("version", version);
                EngineObservation ready = await(
                        engine,
                        handle,
                        LONG,
                        o -> o.phase() == EnginePhase.READY_FOR_CUTOVER || o.phase() == EnginePhase.FAILED);
                assertThat(ready.phase())
                        .as("gh-ost %s read the password from --conf: %s", version, ready.message())
                        .isEqualTo(EnginePhase.READY_FOR_CUTOVER);
                engine.releaseCutover(handle);
                await(engine, handle, LONG, o -> o.phase() == EnginePhase.COMPLETED);
                assertThat(columns(db, schema, "orders")).contains("note");
            } finally {
                FakeGhost.killAll(exe);
            }
        }
    }

    @Test
    @DisplayName("runs gh-ost through copy, a held cut-over, the release and the swap; start is idempotent")
    void lifecycle() throws Exception {
        String schema = "eng_life";
        createTable(db, schema, "orders", 3000);
        long checksum = GhostFixture.checksum(db, schema, "orders");
        GhostEngine engine = engine(fast, "work-life");
        ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
        MigrationSpec spec = spec(ALTER, Map.of("chunk-size", "500"));
        EngineKey key = key("life");

        EngineHandle handle = engine.start(target, spec, key);
        assertThat(handle.attributes())
                .containsKeys("pid", "socket", "runDirectory")
                .containsEntry("version", "1.1.10");
        EngineHandle again = engine.start(target, spec, key);
        assertThat(again.attribute("pid", "?")).isEqualTo(handle.attribute("pid", "-"));

        EngineObservation ready = await(engine, handle, LONG, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
        assertThat(ready.rowsCopied()).isEqualTo(3000);
        assertThat(ready.rowsTotal()).isEqualTo(3000);
        assertThat(ready.message()).contains("postponing cut-over");
        GhostFixture.sleep(Duration.ofSeconds(1));
        assertThat(engine.observe(handle).phase())
                .as("still held (a heartbeat hiccup on a busy machine may show it catching up again)")
                .isIn(EnginePhase.READY_FOR_CUTOVER, EnginePhase.CATCHING_UP);
        assertThat(columns(db, schema, "orders")).doesNotContain("note");

        engine.releaseCutover(handle);
        EngineObservation done = await(engine, handle, LONG, o -> o.phase() == EnginePhase.COMPLETED);
        assertThat(done.rowsCopied()).isEqualTo(3000);
        assertThat(columns(db, schema, "orders")).contains("note");
        assertThat(count(db, schema, "orders")).isEqualTo(3000);
        assertThat(GhostFixture.checksum(db, schema, "orders")).isEqualTo(checksum);
        // gh-ost keeps the old table unless --ok-to-drop-table; the changelog is gone
        assertThat(tables(db, schema)).containsExactlyInAnyOrder("_orders_del", "orders");
        assertThat(launches(fast, schema)).isEqualTo(1);
        assertThat(engine.start(target, spec, key).attribute("pid", "?")).isEqualTo(handle.attribute("pid", "-"));
        assertThat(launches(fast, schema)).isEqualTo(1);

        List<String> stdout = Files.readAllLines(engine.runDirectory(key).resolve("stdout.log"));
        assertThat(stdout).anySatisfy(l -> assertThat(l).startsWith("# Migrating `eng_life`.`orders`; Ghost table is"));
        assertThat(stdout).last().isEqualTo("# Done");
        assertThat(stdout.stream().filter(GhostOutputParser::looksLikeStatus))
                .as("every status line the fake printed is in gh-ost's format")
                .hasSizeGreaterThan(3)
                .allSatisfy(GhostOutputParser::parseStatus);
        List<String> eventLines = Files.readAllLines(engine.runDirectory(key).resolve("events.jsonl"));
        assertThat(eventLines.get(0))
                .as("the startup hook sees GetETASeconds' ETAUnknown (math.MinInt64), as real gh-ost passes it")
                .contains("\"hook\":\"startup\"")
                .contains("\"GH_OST_ETA_SECONDS\":\"-9223372036854775808\"")
                .contains("GH_OST_REVERT");
        HookEvents.Recorded events = HookEvents.read(engine.runDirectory(key).resolve("events.jsonl"));
        assertThat(events.seen())
                .containsSubsequence(
                        "startup", "validated", "before-row-copy", "row-copy-complete", "begin-postponed", "success");
        assertThat(Files.exists(engine.runDirectory(key).resolve("gh-ost.conf")))
                .as("the credentials file is removed once gh-ost is gone")
                .isFalse();
    }

    @Test
    @DisplayName("throttles and unthrottles through the socket; the throttled status shows gh-ost's reason")
    void throttle() throws Exception {
        String schema = "eng_throttle";
        createTable(db, schema, "orders", 20_000);
        GhostEngine engine = engine(slow, "work-throttle");
        ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
        MigrationSpec spec = spec(ALTER, Map.of("chunk-size", "100"));
        EngineKey key = key("throttle");
        EngineHandle handle = engine.start(target, spec, key);
        await(engine, handle, LONG, o -> o.phase() == EnginePhase.COPYING && o.rowsCopied() > 0);

        engine.throttle(handle, 1.0);
        EngineObservation throttled = await(engine, handle, LONG, EngineObservation::throttled);
        assertThat(throttled.throttleReason()).isEqualTo("commanded by user");
        assertThat(throttled.phase()).isEqualTo(EnginePhase.COPYING);
        GhostFixture.sleep(Duration.ofMillis(500));
        long held = engine.observe(handle).rowsCopied();
        GhostFixture.sleep(Duration.ofSeconds(1));
        EngineObservation still = engine.observe(handle);
        assertThat(still.rowsCopied()).as("no rows are copied while throttled").isEqualTo(held);
        assertThat(still.throttled()).isTrue();

        // A partial throttle is gh-ost's nice-ratio: ratio 0.5 sleeps as long as each chunk took, copying goes on.
        engine.throttle(handle, 0.5);
        EngineObservation slowed = await(engine, handle, LONG, o -> o.rowsCopied() > held);
        assertThat(slowed.throttled()).isTrue();
        assertThat(slowed.throttleReason())
                .isEqualTo("slowed by osc4j to about 50% of full speed (nice-ratio 1: a sleep after each chunk)");
        assertThat(SocketClient.send(Path.of(handle.attribute("socket", "")), "nice-ratio=?", Duration.ofSeconds(5))
                        .strip())
                .isEqualTo("1.0");

        engine.throttle(handle, 0);
        long slowedRows = engine.observe(handle).rowsCopied();
        EngineObservation running = await(engine, handle, LONG, o -> !o.throttled() && o.rowsCopied() > slowedRows);
        assertThat(running.throttleReason()).isNull();
        assertThat(SocketClient.send(Path.of(handle.attribute("socket", "")), "nice-ratio=?", Duration.ofSeconds(5))
                        .strip())
                .isEqualTo("0.0");

        engine.setChunkSize(handle, 200);
        engine.setMaxLagMillis(handle, 2500);
        assertThatThrownBy(() -> engine.setChunkSize(handle, 5)).isInstanceOf(InvalidRequestException.class);
        String reply = SocketClient.send(Path.of(handle.attribute("socket", "")), "status", Duration.ofSeconds(5));
        assertThat(reply).contains("# chunk-size: 200; max-lag-millis: 2500ms;");

        engine.cancel(handle);
        EngineObservation cancelled = await(engine, handle, LONG, o -> o.phase() != EnginePhase.COPYING);
        assertThat(cancelled.phase()).isEqualTo(EnginePhase.CANCELLED);
        CleanupReport report = engine.cleanup(target, spec, key);
        assertThat(report.dropped()).contains("`eng_throttle`.`_orders_gho`", "`eng_throttle`.`_orders_ghc`");
        assertThat(tables(db, schema)).containsExactly("orders");
        assertThat(columns(db, schema, "orders")).doesNotContain("note");
    }

    @Test
    @DisplayName("reports the reason gh-ost gives for throttling itself")
    void engineReportedThrottling() throws Exception {
        Path lagging = GhostFixture.installFake(
                "engine-lagging",
                GhostFixture.fast().throttleReason("lag=3.500000s").build());
        try {
            String schema = "eng_lagging";
            createTable(db, schema, "orders", 1000);
            GhostEngine engine = engine(lagging, "work-lagging");
            ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
            MigrationSpec spec = spec(ALTER, Map.of());
            EngineKey key = key("lagging");
            EngineHandle handle = engine.start(target, spec, key);
            EngineObservation o = await(engine, handle, LONG, EngineObservation::throttled);
            assertThat(o.throttleReason()).isEqualTo("lag=3.500000s");
            assertThat(o.rowsCopied()).isZero();
            engine.cancel(handle);
            await(engine, handle, LONG, x -> x.phase() == EnginePhase.CANCELLED);
            engine.cleanup(target, spec, key);
            assertThat(tables(db, schema)).containsExactly("orders");
        } finally {
            FakeGhost.killAll(lagging);
        }
    }

    @Test
    @DisplayName("never puts the password on a command line: gh-ost reads it from a 0600 --conf file")
    void passwordNeverOnCommandLine() throws Exception {
        String schema = "eng_secret";
        createTable(db, schema, "orders", 20_000);
        GhostEngine engine = engine(slow, "work-secret");
        ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
        MigrationSpec spec = spec(ALTER, Map.of("chunk-size", "100"));
        EngineKey key = key("secret");
        EngineHandle handle = engine.start(target, spec, key);
        await(engine, handle, LONG, o -> o.phase() == EnginePhase.COPYING && o.rowsCopied() > 0);

        List<String> commandLines = GhostFixture.allCommandLines();
        String pid = handle.attribute("pid", "?");
        String ghost = new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")), StandardCharsets.UTF_8)
                .replace('\0', ' ');
        assertThat(ghost).contains("--conf=").contains("--table=orders").contains("--allow-on-master");
        assertThat(commandLines).isNotEmpty().noneMatch(c -> c.contains(db.password()));
        Path run = engine.runDirectory(key);
        assertThat(Files.getPosixFilePermissions(run.resolve("gh-ost.conf")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(run)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.readString(run.resolve("gh-ost.conf"))).contains(db.password());

        engine.cancel(handle);
        await(engine, handle, LONG, o -> o.phase() == EnginePhase.CANCELLED);
        for (String log : List.of("stdout.log", "stderr.log", "wrapper.log", "events.jsonl", "run.properties")) {
            if (Files.exists(run.resolve(log))) {
                assertThat(Files.readString(run.resolve(log))).as(log).doesNotContain(db.password());
            }
        }
        engine.cleanup(target, spec, key);
    }

    @Test
    @DisplayName("a gh-ost that dies without cleanup is FAILED; cleanup drops its tables and the stale socket")
    void diesWithoutCleanup() throws Exception {
        Path dying = GhostFixture.installFake(
                "engine-dying", GhostFixture.fast().dieAtPercent(30).build());
        String schema = "eng_dies";
        createTable(db, schema, "orders", 5000);
        GhostEngine engine = engine(dying, "work-dies");
        ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
        MigrationSpec spec = spec(ALTER, Map.of("chunk-size", "250"));
        EngineKey key = key("dies");
        EngineHandle handle = engine.start(target, spec, key);
        EngineObservation failed = await(engine, handle, LONG, o -> o.phase() == EnginePhase.FAILED);
        assertThat(failed.failureReason()).isEqualTo(FailureReason.ENGINE_FAILED);
        assertThat(failed.message()).contains("exited with code 1");
        Path socket = Path.of(handle.attribute("socket", ""));
        assertThat(socket).as("a killed gh-ost leaves its socket").exists();
        assertThat(tables(db, schema)).contains("_orders_ghc", "_orders_gho");

        CleanupReport report = engine.cleanup(target, spec, key);
        assertThat(report.dropped())
                .containsExactlyInAnyOrder("`eng_dies`.`_orders_gho`", "`eng_dies`.`_orders_ghc`", "socket " + socket);
        assertThat(socket).doesNotExist();
        assertThat(tables(db, schema)).containsExactly("orders");
        assertThat(engine.cleanup(target, spec, key).dropped())
                .as("cleanup again finds nothing")
                .isEmpty();
    }

    @Test
    @DisplayName("with a quarantine hold, cleanup keeps a dead run's copy with its rows under a quarantine name (the"
            + " changelog is dropped), and a cleanup after the hold sweeps it")
    void quarantine() throws Exception {
        Path dying = GhostFixture.installFake(
                "engine-dying-held", GhostFixture.fast().dieAtPercent(30).build());
        String schema = "eng_held";
        createTable(db, schema, "orders", 5000);
        GhostEngine engine = GhostFixture.engine(db, dying, GhostFixture.home().resolve("work-held"))
                .quarantineHold(Duration.ofSeconds(2))
                .build();
        ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
        MigrationSpec spec = spec(ALTER, Map.of("chunk-size", "250"));
        EngineKey key = key("held");
        EngineHandle handle = engine.start(target, spec, key);
        await(engine, handle, LONG, o -> o.phase() == EnginePhase.FAILED);
        long copied = GhostFixture.count(db, schema, "_orders_gho");

        CleanupReport report = engine.cleanup(target, spec, key);
        assertThat(report.dropped())
                .contains("`eng_held`.`_orders_ghc`")
                .anySatisfy(d ->
                        assertThat(d).startsWith("table eng_held._orders_gho quarantined as eng_held._osc4j_hld_"));
        List<String> held = tables(db, schema).stream()
                .filter(t -> t.startsWith("_osc4j_hld_"))
                .toList();
        assertThat(held).hasSize(1);
        assertThat(tables(db, schema)).containsExactlyInAnyOrder("orders", held.get(0));
        assertThat(GhostFixture.count(db, schema, held.get(0)))
                .as("the copy's rows, kept")
                .isEqualTo(copied);

        Thread.sleep(3_000);
        assertThat(engine.cleanup(target, spec, key).dropped())
                .as("a cleanup after the hold sweeps it")
                .containsExactly("table eng_held." + held.get(0));
        assertThat(tables(db, schema)).containsExactly("orders");
    }

    @Test
    @DisplayName("a hung gh-ost keeps answering its socket with gh-ost's replies, and still takes panic")
    void socketRepliesAndHang() throws Exception {
        Path hanging = GhostFixture.installFake(
                "engine-hang", GhostFixture.fast().hangAtPercent(20).build());
        try {
            String schema = "eng_hang";
            createTable(db, schema, "orders", 5000);
            GhostEngine engine = engine(hanging, "work-hang");
            ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
            MigrationSpec spec = spec(ALTER, Map.of("chunk-size", "250"));
            EngineKey key = key("hang");
            EngineHandle handle = engine.start(target, spec, key);
            await(engine, handle, LONG, o -> o.rowsCopied() >= 1000);
            GhostFixture.sleep(Duration.ofMillis(500));
            long hungAt = engine.observe(handle).rowsCopied();
            GhostFixture.sleep(Duration.ofSeconds(1));
            EngineObservation hung = engine.observe(handle);
            assertThat(hung.rowsCopied()).isEqualTo(hungAt);
            assertThat(hung.phase()).isEqualTo(EnginePhase.COPYING);

            Path socket = Path.of(handle.attribute("socket", ""));
            Duration t = Duration.ofSeconds(10);
            String sup = SocketClient.send(socket, "sup", t);
            assertThat(sup.lines())
                    .singleElement()
                    .satisfies(l -> assertThat(GhostOutputParser.parseStatus(l).rowsCopied())
                            .isEqualTo(hungAt));
            String status = SocketClient.send(socket, "status", t);
            assertThat(status)
                    .startsWith("# Migrating `eng_hang`.`orders`; Ghost table is `eng_hang`.`_orders_gho`\n")
                    .contains("# chunk-size: 250; max-lag-millis: 1500ms; dml-batch-size: 10;")
                    .contains("# postpone-cut-over-flag-file: "
                            + engine.runDirectory(key).resolve("postpone-cut-over.flag") + " [set]\n")
                    .contains("# Serving on unix socket: " + socket + "\n");
            assertThat(GhostOutputParser.lastStatus(status.lines().toList())).isNotNull();
            assertThat(SocketClient.send(socket, "unpostpone", t))
                    .isEqualTo("You may only invoke this when gh-ost is actively postponing migration. At this time it"
                            + " is not\n");
            assertThat(SocketClient.send(socket, "frobnicate", t)).isEqualTo("unknown command: frobnicate\n");
            assertThat(SocketClient.send(socket, "chunk-size=?", t)).isEqualTo("250\n");
            assertThat(SocketClient.send(socket, "chunk-size=abc", t))
                    .isEqualTo("strconv.Atoi: parsing \"abc\": invalid syntax\n");
            assertThat(SocketClient.send(socket, "throttle", t))
                    .startsWith(
                            "# Note: you may only throttle for as long as your binary logs are not purged\n# Migrating")
                    .contains("State: throttled, commanded by user; ETA: ");
            assertThat(SocketClient.send(socket, "no-throttle", t)).contains("State: migrating; ETA: ");
            assertThat(SocketClient.send(socket, "coordinates", t)).matches("mysql-bin\\.\\d+:\\d+\n");
            assertThat(SocketClient.send(socket, "help", t)).startsWith("available commands:\n");

            engine.cancel(handle);
            EngineObservation cancelled = await(engine, handle, LONG, o -> o.phase() == EnginePhase.CANCELLED);
            assertThat(cancelled.message()).contains("panic");
            assertThat(socket)
                    .as("panic leaves the socket behind, as gh-ost does")
                    .exists();
            assertThat(engine.cleanup(target, spec, key).dropped()).contains("socket " + socket);
            assertThat(tables(db, schema)).containsExactly("orders");
        } finally {
            FakeGhost.killAll(hanging);
        }
    }

    @Test
    @DisplayName("an ALTER MariaDB refuses is FAILED with INVALID_DDL and the server's error")
    void invalidDdl() throws Exception {
        String schema = "eng_badddl";
        createTable(db, schema, "orders", 100);
        GhostEngine engine = engine(fast, "work-badddl");
        ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
        MigrationSpec spec = spec("ADD COLUMN broken NOT_A_TYPE", Map.of());
        EngineKey key = key("badddl");
        EngineHandle handle = engine.start(target, spec, key);
        EngineObservation failed = await(engine, handle, LONG, o -> o.phase() == EnginePhase.FAILED);
        assertThat(failed.failureReason()).isEqualTo(FailureReason.INVALID_DDL);
        assertThat(failed.message()).contains("Unable to ALTER ghost table").contains("NOT_A_TYPE");
        engine.cleanup(target, spec, key);
        assertThat(tables(db, schema)).containsExactly("orders");
    }

    @Test
    @DisplayName("keeps tables it did not create: a run that failed on leftovers of another run drops nothing")
    void keepsOthersLeftovers() throws Exception {
        String schema = "eng_leftover";
        createTable(db, schema, "orders", 100);
        db.execute("CREATE TABLE `" + schema + "`.`_orders_gho` (id INT PRIMARY KEY)");
        GhostEngine engine = engine(fast, "work-leftover");
        ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
        MigrationSpec spec = spec(ALTER, Map.of());
        EngineKey key = key("leftover");
        EngineHandle handle = engine.start(target, spec, key);
        EngineObservation failed = await(engine, handle, LONG, o -> o.phase() == EnginePhase.FAILED);
        assertThat(failed.message()).contains("`_orders_gho` already exists");
        CleanupReport report = engine.cleanup(target, spec, key);
        assertThat(report.dropped()).isEmpty();
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("already existed"));
        assertThat(tables(db, schema)).containsExactlyInAnyOrder("_orders_gho", "orders");
    }

    @Test
    @DisplayName("refuses options it does not know, naming them, before anything runs")
    void refusesUnknownOptions() {
        GhostEngine engine = engine(fast, "work-options");
        MigrationSpec spec = spec(ALTER, Map.of("frobnicate", "yes"));
        assertThatThrownBy(() -> engine.validate(spec))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'frobnicate'");
        assertThatThrownBy(() -> engine.start(GhostFixture.target(db, "ks", "s1", "nowhere"), spec, key("options")))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("'frobnicate'");
        assertThat(engine.runDirectory(key("options"))).doesNotExist();
        assertThat(engine.reattach(GhostFixture.target(db, "ks", "s1", "nowhere"), spec, key("options"), null))
                .isEmpty();
    }
}
