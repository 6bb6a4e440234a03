package dev.osc4j.engine.ghost;

import static dev.osc4j.engine.ghost.GhostFixture.await;
import static dev.osc4j.engine.ghost.GhostFixture.columns;
import static dev.osc4j.engine.ghost.GhostFixture.createTable;
import static dev.osc4j.engine.ghost.GhostFixture.tables;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GhostEngine reverts a completed migration with the fake gh-ost's --revert on a real MariaDB")
class GhostRevertIT {
    private static final Duration LONG = Duration.ofMinutes(2);
    private static final String ALTER = "ADD COLUMN note VARCHAR(32) NULL";
    private static final List<String> ORIGINAL = List.of("id", "customer", "amount", "placed");

    private static LocalMariaDb db;
    private static Path exe;
    private static Path old;

    @BeforeAll
    static void setUp() {
        db = GhostFixture.server();
        exe = GhostFixture.installFake(
                "revert", GhostFixture.fast().version("1.1.10").build());
        old = GhostFixture.installFake(
                "revert-1.1.7", GhostFixture.fast().version("1.1.7").build());
    }

    @AfterAll
    static void killLeftovers() {
        FakeGhost.killAll(exe);
        FakeGhost.killAll(old);
    }

    private static MigrationSpec forward() {
        return new MigrationSpec("ks", "orders", ALTER, GhostEngine.NAME, Map.of(), List.of()).withRevertible(true);
    }

    private static EngineKey key(String name) {
        return new EngineKey(MigrationId.forIdempotencyKey(name), 1, "s1");
    }

    /** A schema with an {@code orders} table of {@code rows} rows, an engine working in its own directory. */
    private record Case(String schema, GhostEngine engine, ShardTarget target) {
        static Case of(String schema, int rows) throws SQLException {
            createTable(db, schema, "orders", rows);
            GhostEngine engine = GhostFixture.engine(
                            db, exe, GhostFixture.home().resolve("work-" + schema))
                    .build();
            return new Case(schema, engine, GhostFixture.target(db, "ks", "s1", schema));
        }
    }

    private static EngineHandle completeForward(GhostEngine engine, ShardTarget target, EngineKey key) {
        return completeForward(engine, target, forward(), key);
    }

    private static EngineHandle completeForward(
            GhostEngine engine, ShardTarget target, MigrationSpec spec, EngineKey key) {
        EngineHandle handle = engine.start(target, spec, key);
        await(engine, handle, LONG, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
        engine.releaseCutover(handle);
        await(engine, handle, LONG, o -> o.phase() == EnginePhase.COMPLETED);
        return handle;
    }

    @Test
    @DisplayName("a revertible migration with a writer, then its revert: it holds before the swap until released, the"
            + " original schema is back, and no write made after the forward swap is lost")
    void revertKeepsWrites() throws Exception {
        Case c = Case.of("eng_revert", 2000);
        String schema = c.schema();
        GhostEngine engine = c.engine();
        ShardTarget target = c.target();
        assertThat(engine.capabilities().revert()).isTrue();
        EngineKey forwardKey = key("revert-forward");
        Writer writer = new Writer(db, schema);
        try {
            writer.start();
            completeForward(engine, target, forwardKey);
            assertThat(columns(db, schema, "orders")).contains("note");
            writer.afterSwap = true;
            GhostFixture.sleep(Duration.ofMillis(800)); // writes, updates and deletes on the new table

            CleanupReport forwardCleanup = engine.cleanup(target, forward(), forwardKey);
            assertThat(forwardCleanup.notes()).anySatisfy(n -> assertThat(n).contains("kept _orders_del"));
            assertThat(tables(db, schema)).contains("_orders_del", "_orders_ghk");

            MigrationSpec revert = forward().revertOf(forwardKey.migrationId(), 1, List.of("s1"));
            engine.validate(revert);
            EngineKey revertKey = key("revert-revert");
            long started = System.nanoTime();
            EngineHandle handle = engine.start(target, revert, revertKey);
            await(engine, handle, LONG, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
            long ready = System.nanoTime();
            GhostFixture.sleep(Duration.ofMillis(600));
            assertThat(engine.observe(handle).phase())
                    .as("the revert holds before its swap until released")
                    .isEqualTo(EnginePhase.READY_FOR_CUTOVER);
            assertThat(columns(db, schema, "orders")).contains("note");
            long released = System.nanoTime();
            engine.releaseCutover(handle);
            EngineObservation done = await(
                    engine, handle, LONG, o -> o.phase() == EnginePhase.COMPLETED || o.phase() == EnginePhase.FAILED);
            long completed = System.nanoTime();
            assertThat(done.phase()).as(done.message()).isEqualTo(EnginePhase.COMPLETED);
            GhostFixture.sleep(Duration.ofMillis(300)); // writes on the reverted table
            writer.stop();

            assertThat(columns(db, schema, "orders")).isEqualTo(ORIGINAL);
            writer.verify();
            String events = Files.readString(engine.runDirectory(revertKey).resolve("events.jsonl"));
            assertThat(events).contains("\"GH_OST_REVERT\":\"true\"").contains("begin-postponed");
            System.out.printf(
                    Locale.ROOT,
                    "gh-ost revert wall time: start to ready %d ms, release to completed %d ms, total %d ms"
                            + " (%d writes, %d after the forward swap)%n",
                    (ready - started) / 1_000_000,
                    (completed - released) / 1_000_000,
                    (completed - started - (released - ready)) / 1_000_000,
                    writer.inserted.size(),
                    writer.afterSwapCount());

            CleanupReport revertCleanup = engine.cleanup(target, revert, revertKey);
            assertThat(revertCleanup.dropped())
                    .anySatisfy(d -> assertThat(d).contains("_orders_rev_del"))
                    .anySatisfy(d -> assertThat(d).contains("_orders_ghk"));
            assertThat(tables(db, schema)).containsExactly("orders");
            assertThat(engine.retire(target, forward(), forwardKey).dropped()).isEmpty();
        } finally {
            writer.stop();
        }
    }

    @Test
    @DisplayName("a cancelled revert, cleaned up, leaves the forward migration revertible; retire then drops what it"
            + " kept, and again finds nothing")
    void cancelKeepsForwardRevertible() throws Exception {
        Case c = Case.of("eng_revert_cancel", 500);
        String schema = c.schema();
        GhostEngine engine = c.engine();
        ShardTarget target = c.target();
        EngineKey forwardKey = key("revert-cancel-forward");
        completeForward(engine, target, forwardKey);
        engine.cleanup(target, forward(), forwardKey);
        MigrationSpec revert = forward().revertOf(forwardKey.migrationId(), 1, List.of("s1"));
        EngineKey revertKey = key("revert-cancel-revert");
        EngineHandle handle = engine.start(target, revert, revertKey);
        await(engine, handle, LONG, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
        engine.cancel(handle);
        assertThat(engine.observe(handle).phase()).isEqualTo(EnginePhase.CANCELLED);
        CleanupReport report = engine.cleanup(target, revert, revertKey);
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("stays revertible"));
        assertThat(tables(db, schema)).contains("orders", "_orders_del", "_orders_ghk");
        assertThat(columns(db, schema, "orders")).contains("note");

        // still revertible: a second revert completes
        EngineKey again = key("revert-cancel-again");
        EngineHandle second = engine.start(target, revert, again);
        await(engine, second, LONG, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
        engine.cancel(second);
        engine.cleanup(target, revert, again);

        CleanupReport retired = engine.retire(target, forward(), forwardKey);
        assertThat(retired.dropped())
                .anySatisfy(d -> assertThat(d).contains("_orders_del"))
                .anySatisfy(d -> assertThat(d).contains("_orders_ghk"));
        assertThat(tables(db, schema)).containsExactly("orders");
        CleanupReport twice = engine.retire(target, forward(), forwardKey);
        assertThat(twice.dropped()).isEmpty();
        assertThat(twice.notes()).anySatisfy(n -> assertThat(n).contains("nothing kept"));
    }

    @Test
    @DisplayName("gh-ost refuses a revert without the forward run's checkpoint with its own error")
    void noCheckpoint() throws Exception {
        Case c = Case.of("eng_revert_nochk", 200);
        String schema = c.schema();
        GhostEngine engine = c.engine();
        ShardTarget target = c.target();
        EngineKey forwardKey = key("revert-nochk-forward");
        MigrationSpec notRevertible = forward().withRevertible(false);
        completeForward(engine, target, notRevertible, forwardKey);
        assertThat(tables(db, schema)).contains("_orders_del").doesNotContain("_orders_ghk");

        MigrationSpec revert = notRevertible.revertOf(forwardKey.migrationId(), 1, List.of("s1"));
        EngineKey revertKey = key("revert-nochk-revert");
        EngineHandle handle = engine.start(target, revert, revertKey);
        EngineObservation failed = await(engine, handle, LONG, o -> o.phase() == EnginePhase.FAILED);
        assertThat(failed.message())
                .contains("no checkpoint found, unable to revert")
                .contains("_orders_ghk' doesn't exist");
        engine.cleanup(target, revert, revertKey);
        assertThat(tables(db, schema)).contains("orders", "_orders_del");
    }

    @Test
    @DisplayName("gh-ost refuses a revert whose old table is gone with its inspector's error, and the checkpoint stays")
    void noOldTable() throws Exception {
        Case c = Case.of("eng_revert_noold", 200);
        EngineKey forwardKey = key("revert-noold-forward");
        completeForward(c.engine(), c.target(), forwardKey);
        db.execute("RENAME TABLE " + c.schema() + "._orders_del TO " + c.schema() + ".elsewhere");
        MigrationSpec revert = forward().revertOf(forwardKey.migrationId(), 1, List.of("s1"));
        EngineKey revertKey = key("revert-noold-revert");
        EngineHandle handle = c.engine().start(c.target(), revert, revertKey);
        EngineObservation failed = await(c.engine(), handle, LONG, o -> o.phase() == EnginePhase.FAILED);
        assertThat(failed.message()).contains("no PRIMARY nor UNIQUE key found in table! Bailing out");
        c.engine().cleanup(c.target(), revert, revertKey);
        assertThat(tables(db, c.schema())).contains("orders", "_orders_ghk", "elsewhere");
    }

    @Test
    @DisplayName("gh-ost 1.1.7 has no --revert: no revert capability, and a revertible migration is refused naming"
            + " the version")
    void tooOld() {
        GhostEngine engine = GhostFixture.engine(db, old, GhostFixture.home().resolve("work-revert-old"))
                .build();
        assertThat(engine.capabilities().revert()).isFalse();
        engine.validate(forward().withRevertible(false));
        assertThatThrownBy(() -> engine.validate(forward()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("gh-ost 1.1.7 cannot revert a migration: --revert needs gh-ost 1.1.8 or later");
        assertThatThrownBy(() -> engine.validate(forward().revertOf(MigrationId.forIdempotencyKey("x"), 1, List.of())))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("1.1.7");
    }

    /**
     * Inserts rows continuously (ids from 10,000,000), and once {@link #afterSwap} is set also updates and deletes
     * rows it inserted after it was set; remembers what it did, to compare with the table at the end.
     */
    private static final class Writer {
        private final LocalMariaDb db;
        private final String schema;
        final Map<Long, Long> inserted = new ConcurrentHashMap<>(); // id -> customer expected
        final Map<Long, Boolean> afterSwapIds = new ConcurrentHashMap<>();
        final Map<Long, Boolean> deleted = new ConcurrentHashMap<>();
        volatile boolean afterSwap;
        private volatile boolean stop;
        private volatile @Nullable Exception error;
        private @Nullable Thread thread;

        Writer(LocalMariaDb db, String schema) {
            this.db = db;
            this.schema = schema;
        }

        void start() {
            thread = new Thread(this::write, "revert-writer");
            thread.start();
        }

        long afterSwapCount() {
            return afterSwapIds.size();
        }

        private void write() {
            long id = 10_000_000;
            try (Connection c = db.connect(schema)) {
                while (!stop) {
                    id++;
                    boolean swapped = afterSwap;
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, customer, amount, placed)"
                            + " VALUES (?, ?, 1.50, '2026-02-03 04:05:06')")) {
                        ps.setLong(1, id);
                        ps.setLong(2, id % 1000);
                        ps.executeUpdate();
                    }
                    inserted.put(id, id % 1000);
                    if (swapped) {
                        afterSwapIds.put(id, true);
                        if (id % 5 == 0 && afterSwapIds.containsKey(id - 3)) {
                            try (PreparedStatement ps =
                                    c.prepareStatement("UPDATE orders SET customer = ? WHERE id = ?")) {
                                ps.setLong(1, 4242);
                                ps.setLong(2, id - 3);
                                ps.executeUpdate();
                            }
                            inserted.put(id - 3, 4242L);
                        }
                        if (id % 7 == 0 && afterSwapIds.containsKey(id - 2)) {
                            try (PreparedStatement ps = c.prepareStatement("DELETE FROM orders WHERE id = ?")) {
                                ps.setLong(1, id - 2);
                                ps.executeUpdate();
                            }
                            deleted.put(id - 2, true);
                        }
                    }
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                error = e;
            }
        }

        void verify() throws SQLException {
            assertThat(error).as("the writer failed").isNull();
            Map<Long, Long> found = new ConcurrentHashMap<>();
            try (Connection c = db.connect(schema);
                    PreparedStatement ps = c.prepareStatement("SELECT id, customer FROM orders WHERE id > 10000000");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getLong(1), rs.getLong(2));
                }
            }
            for (Map.Entry<Long, Long> e : inserted.entrySet()) {
                if (deleted.containsKey(e.getKey())) {
                    assertThat(found).as("row %d was deleted", e.getKey()).doesNotContainKey(e.getKey());
                } else {
                    assertThat(found).as("row %d was written", e.getKey()).containsEntry(e.getKey(), e.getValue());
                }
            }
            assertThat(found.size()).isEqualTo(inserted.size() - deleted.size());
        }

        void stop() throws InterruptedException {
            stop = true;
            Thread t = thread;
            if (t != null) {
                t.join(10_000);
            }
        }
    }
}
