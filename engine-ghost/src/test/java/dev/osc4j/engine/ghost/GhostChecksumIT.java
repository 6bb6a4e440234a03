package dev.osc4j.engine.ghost;

import static dev.osc4j.engine.ghost.GhostFixture.await;
import static dev.osc4j.engine.ghost.GhostFixture.columns;
import static dev.osc4j.engine.ghost.GhostFixture.createTable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.mysql.TableChecksum;
import dev.osc4j.spi.ChecksumStatus;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.testkit.ghost.FakeGhost;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("gh-ost engine: the checksum before the cut-over, in a drained snapshot, on the fake gh-ost whose binlog"
        + " applier lags")
class GhostChecksumIT {
    private static final Duration LONG = Duration.ofMinutes(2);
    private static final String ALTER = "ADD COLUMN note VARCHAR(32) NULL";
    /** How long the fake's applier holds each row event: longer than a naive comparison takes. */
    private static final Duration APPLY_DELAY = Duration.ofMillis(400);

    private static LocalMariaDb db;
    private static Path lagging;

    @BeforeAll
    static void setUp() {
        db = GhostFixture.server();
        lagging = GhostFixture.installFake(
                "checksum-lag", GhostFixture.fast().applyDelay(APPLY_DELAY).build());
    }

    @AfterAll
    static void killLeftovers() {
        FakeGhost.killAll(lagging);
    }

    private static MigrationSpec spec(String table) {
        return new MigrationSpec("ks", table, ALTER, GhostEngine.NAME, Map.of("chunk-size", "1000"), List.of());
    }

    private static EngineKey key(String name) {
        return new EngineKey(MigrationId.forIdempotencyKey(name), 1, "s1");
    }

    @Test
    @DisplayName("under a concurrent writer the ghost table lags the original (a comparison without the drain sees"
            + " differences), the drained checksum matches without copying a chunk again, and the swapped table has"
            + " every write")
    void drainedChecksumMatchesUnderWrites() throws Exception {
        String schema = "chk_writes";
        createTable(db, schema, "orders", 20_000);
        GhostEngine engine = GhostFixture.engine(
                        db, lagging, GhostFixture.home().resolve("work-chk-writes"))
                .checksumChunkRows(2_000)
                .build();
        assertThat(engine.capabilities().checksum()).isTrue();
        ShardTarget target = GhostFixture.target(db, "ks", "s1", schema);
        EngineKey key = key("chk-writes");
        try (Writer writer = new Writer(schema, "orders", 20_000)) {
            EngineHandle handle = engine.start(target, spec("orders"), key);
            // Under a steady writer and a 400 ms apply delay gh-ost always has a backlog: it postpones, catching up.
            await(
                    engine,
                    handle,
                    LONG,
                    o -> Objects.toString(o.message(), "").contains("postponing cut-over") && writer.writes() > 50);

            // The fake's applier holds each event 400 ms: a comparison of one snapshot per chunk, as for triggers,
            // catches the ghost table behind.
            try (Connection c = db.connect(schema)) {
                TableChecksum.Result naive = TableChecksum.of(schema, "orders", "_orders_gho")
                        .chunkRows(20_000)
                        .maxRecopies(0)
                        .build()
                        .run(c, (rows, estimate) -> {}, () -> false);
                assertThat(naive.mismatches())
                        .as("without the drain the ghost table lags behind the writes")
                        .isNotEmpty();
            }

            engine.verify(handle);
            engine.verify(handle); // idempotent: the comparison that runs is left as it is
            EngineObservation checked = await(engine, handle, LONG, GhostChecksumIT::compared);
            ChecksumStatus status = Objects.requireNonNull(checksum(checked));
            assertThat(status.state()).as(status.describe()).isEqualTo(ChecksumStatus.State.MATCHED);
            assertThat(status.rowsChecked()).isGreaterThanOrEqualTo(20_000);
            assertThat(status.recopiedChunks())
                    .as("the drain leaves nothing to copy again")
                    .isZero();
            Path run = engine.runDirectory(key);
            assertThat(Files.readString(run.resolve("checksum.json"))).contains("\"state\":\"MATCHED\"");
            assertThat(GhostFixture.runOutput(run)).doesNotContain("FATAL");

            writer.stop(); // so that the old table can be compared with the new one after the swap
            engine.releaseCutover(handle);
            await(engine, handle, LONG, o -> o.phase() == EnginePhase.COMPLETED);
        }
        assertThat(columns(db, schema, "orders")).contains("note");
        assertThat(sums(schema, "orders"))
                .as("the swapped table has every write, as the old one")
                .isEqualTo(sums(schema, "_orders_del"));
    }

    @Test
    @DisplayName("a row of the ghost table changed behind the engine's back whenever it is written is a mismatch after"
            + " the copies again: the cut-over is not released and the original table stays")
    void corruptionIsAMismatch() throws Exception {
        String schema = "chk_tamper";
        int rows = 5_000;
        createTable(db, schema, "orders", rows);
        GhostEngine engine = GhostFixture.engine(
                        db, lagging, GhostFixture.home().resolve("work-chk-tamper"))
                .checksumChunkRows(1_000)
                .checksumRecopies(2)
                .build();
        EngineKey key = key("chk-tamper");
        EngineHandle handle = engine.start(GhostFixture.target(db, "ks", "s1", schema), spec("orders"), key);
        await(engine, handle, LONG, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
        try (Connection c = db.connect(schema);
                Statement st = c.createStatement()) {
            st.execute("UPDATE _orders_gho SET amount = amount + 1 WHERE id = " + rows);
            st.execute("CREATE TRIGGER tamper BEFORE INSERT ON _orders_gho FOR EACH ROW"
                    + " SET NEW.amount = IF(NEW.id = " + rows + ", NEW.amount + 1, NEW.amount)");
        }
        engine.verify(handle);
        EngineObservation checked = await(engine, handle, LONG, GhostChecksumIT::compared);
        ChecksumStatus status = Objects.requireNonNull(checksum(checked));
        assertThat(status.state()).isEqualTo(ChecksumStatus.State.MISMATCHED);
        assertThat(status.recopiedChunks()).isEqualTo(1);
        assertThat(status.detail()).contains("after key [4000]", "still differ after 2 copies again");
        assertThat(engine.observe(handle).phase())
                .as("still held: nothing released it")
                .isIn(EnginePhase.READY_FOR_CUTOVER, EnginePhase.CATCHING_UP);
        assertThat(columns(db, schema, "orders")).doesNotContain("note");
        engine.cancel(handle);
        engine.cleanup(GhostFixture.target(db, "ks", "s1", schema), spec("orders"), key);
    }

    private static boolean compared(EngineObservation o) {
        ChecksumStatus c = o.checksum();
        return c != null && c.state() != ChecksumStatus.State.RUNNING;
    }

    private static @Nullable ChecksumStatus checksum(EngineObservation o) {
        return o.checksum();
    }

    private static String sums(String schema, String table) throws SQLException {
        return GhostFixture.count(db, schema, table) + "/"
                + GhostFixture.longQuery(
                        db,
                        schema,
                        "SELECT SUM(CRC32(CONCAT_WS('#', id, customer, amount, placed))) FROM `" + table + "`");
    }

    /** Updates, inserts and deletes rows of a table as fast as it can, until stopped. */
    private static final class Writer implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong writes = new AtomicLong();
        private final Thread thread;

        Writer(String schema, String table, int rows) {
            thread = new Thread(
                    () -> {
                        long next = rows + 1L;
                        try (Connection c = db.connect(schema);
                                Statement st = c.createStatement()) {
                            while (running.get()) {
                                long id = 1L + ThreadLocalRandom.current().nextInt(rows);
                                st.execute("UPDATE `" + table + "` SET amount = amount + 1 WHERE id = " + id);
                                st.execute("INSERT INTO `" + table + "` (id, customer, amount, placed) VALUES ("
                                        + next++ + ", 1, 1.00, NOW())");
                                st.execute("DELETE FROM `" + table + "` WHERE id = " + (id + 1));
                                writes.addAndGet(3);
                                Thread.sleep(5);
                            }
                        } catch (SQLException e) {
                            if (running.get()) {
                                throw new IllegalStateException(e);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "checksum-it-writer");
            thread.setDaemon(true);
            thread.start();
        }

        long writes() {
            return writes.get();
        }

        void stop() {
            running.set(false);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
