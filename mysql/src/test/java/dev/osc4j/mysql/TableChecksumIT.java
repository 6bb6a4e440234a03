package dev.osc4j.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.InvalidRequestException;
import dev.osc4j.testkit.servers.LocalMariaDb;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("TableChecksum on a real MariaDB: a table and its altered copy compared chunk by chunk")
class TableChecksumIT {
    private static final String SCHEMA = "checksum";
    private static final int ROWS = 12_345;

    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryOnly();

    private static LocalMariaDb db() throws SQLException {
        LocalMariaDb primary = DB.primary();
        primary.createDatabase(SCHEMA);
        return primary;
    }

    /** {@code orig} and its copy as pt-osc leaves it: a column added, one widened, the rows copied. */
    private static void tables(String orig, String copy) throws SQLException {
        exec("DROP TABLE IF EXISTS `" + orig + "`", "DROP TABLE IF EXISTS `" + copy + "`");
        exec(
                "CREATE TABLE `" + orig + "` (id INT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(64) NULL,"
                        + " c DATETIME(3) NOT NULL, d DOUBLE NULL) ENGINE=InnoDB",
                "INSERT INTO `" + orig + "` SELECT seq, seq MOD 1000, IF(seq MOD 7 = 0, NULL, CONCAT('row-', seq)),"
                        + " '2026-01-01 00:00:00' + INTERVAL seq SECOND, IF(seq MOD 5 = 0, NULL, seq / 3)"
                        + " FROM seq_1_to_" + ROWS,
                "CREATE TABLE `" + copy + "` (id INT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NULL,"
                        + " c DATETIME(3) NOT NULL, d DOUBLE NULL, note VARCHAR(16) NOT NULL DEFAULT 'n')"
                        + " ENGINE=InnoDB",
                "INSERT INTO `" + copy + "` (id, a, b, c, d) SELECT id, a, b, c, d FROM `" + orig + "`");
    }

    private static void exec(String... statements) throws SQLException {
        try (Connection c = db().connect(SCHEMA);
                Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private static TableChecksum.Result run(TableChecksum checksum, List<Long> progress) throws SQLException {
        try (Connection c = db().connect(SCHEMA)) {
            return checksum.run(c, (rows, estimate) -> progress.add(rows), () -> false);
        }
    }

    @Test
    @DisplayName("equal tables match in every chunk, the added column ignored and the widened one equal")
    void equalTablesMatch() throws SQLException {
        tables("t_equal", "t_equal_new");
        List<Long> progress = new ArrayList<>();
        TableChecksum.Result r = run(
                TableChecksum.of(SCHEMA, "t_equal", "t_equal_new")
                        .chunkRows(1_000)
                        .build(),
                progress);
        assertThat(r.matches()).as(r.toString()).isTrue();
        assertThat(r.chunks()).isEqualTo(13);
        assertThat(r.rows()).isEqualTo(ROWS);
        assertThat(r.recopied()).isZero();
        assertThat(progress).hasSize(13).endsWith((long) ROWS).isSorted();
    }

    @Test
    @DisplayName("one changed, one missing and one phantom row of the copy are each found; without copies again the"
            + " result is a mismatch naming the chunks, with them the copy is repaired and matches")
    void corruptionIsFoundAndRepaired() throws SQLException {
        tables("t_bad", "t_bad_new");
        exec(
                "UPDATE t_bad_new SET b = 'tampered' WHERE id = 4321",
                "DELETE FROM t_bad_new WHERE id = 9000",
                "INSERT INTO t_bad_new (id, a, b, c) VALUES (20000, 1, 'phantom', NOW())");
        TableChecksum.Result found = run(
                TableChecksum.of(SCHEMA, "t_bad", "t_bad_new")
                        .chunkRows(1_000)
                        .maxRecopies(0)
                        .build(),
                new ArrayList<>());
        assertThat(found.matches()).isFalse();
        assertThat(found.mismatches())
                .hasSize(3)
                .anySatisfy(m -> assertThat(m).contains("up to key [5000]"))
                .anySatisfy(m -> assertThat(m).contains("up to key [9000]"))
                .anySatisfy(m -> assertThat(m).contains("to the last key"));

        TableChecksum.Result repaired = run(
                TableChecksum.of(SCHEMA, "t_bad", "t_bad_new").chunkRows(1_000).build(), new ArrayList<>());
        assertThat(repaired.matches()).as(repaired.toString()).isTrue();
        assertThat(repaired.recopied()).isEqualTo(3);
        assertThat(run(TableChecksum.of(SCHEMA, "t_bad", "t_bad_new").build(), new ArrayList<>())
                        .recopied())
                .as("nothing left to repair")
                .isZero();
    }

    @Test
    @DisplayName("a copy that corrupts what is copied into it cannot be repaired: the result stays a mismatch")
    void irreparableCopyIsAMismatch() throws SQLException {
        tables("t_worse", "t_worse_new");
        exec(
                "UPDATE t_worse_new SET a = a + 1 WHERE id = 77",
                "CREATE TRIGGER t_worse_new_bi BEFORE INSERT ON t_worse_new FOR EACH ROW"
                        + " SET NEW.a = IF(NEW.id = 77, NEW.a + 1, NEW.a)");
        TableChecksum.Result r = run(
                TableChecksum.of(SCHEMA, "t_worse", "t_worse_new")
                        .chunkRows(500)
                        .build(),
                new ArrayList<>());
        assertThat(r.matches()).isFalse();
        assertThat(r.mismatches()).singleElement().asString().contains("up to key [500]");
        assertThat(r.recopied()).isEqualTo(1);
    }

    @Test
    @DisplayName("with a writer changing the original and triggers carrying each change to the copy in the same"
            + " transaction (as pt-osc's do), every chunk matches at once: the snapshot is consistent")
    void consistentUnderWrites() throws Exception {
        tables("t_busy", "t_busy_new");
        exec(
                "CREATE TRIGGER t_busy_ai AFTER INSERT ON t_busy FOR EACH ROW REPLACE INTO t_busy_new (id, a, b, c, d)"
                        + " VALUES (NEW.id, NEW.a, NEW.b, NEW.c, NEW.d)",
                "CREATE TRIGGER t_busy_au AFTER UPDATE ON t_busy FOR EACH ROW REPLACE INTO t_busy_new (id, a, b, c, d)"
                        + " VALUES (NEW.id, NEW.a, NEW.b, NEW.c, NEW.d)",
                "CREATE TRIGGER t_busy_ad AFTER DELETE ON t_busy FOR EACH ROW DELETE FROM t_busy_new WHERE id ="
                        + " OLD.id");
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong writes = new AtomicLong();
        AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Connection c = db().connect(SCHEMA);
                    Statement st = c.createStatement()) {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!done.get()) {
                    int id = random.nextInt(1, ROWS + 2_000);
                    switch (random.nextInt(3)) {
                        case 0 ->
                            st.executeUpdate(
                                    "UPDATE t_busy SET a = a + 1, b = CONCAT('w', " + id + ") WHERE" + " id = " + id);
                        case 1 -> st.executeUpdate("DELETE FROM t_busy WHERE id = " + id);
                        default ->
                            st.executeUpdate(
                                    "INSERT IGNORE INTO t_busy VALUES (" + id + ", 1, 'new', NOW()," + " NULL)");
                    }
                    writes.incrementAndGet();
                }
            } catch (SQLException | RuntimeException e) {
                failure.set(e);
            }
        });
        writer.start();
        TableChecksum.Result r;
        try {
            r = run(
                    TableChecksum.of(SCHEMA, "t_busy", "t_busy_new")
                            .chunkRows(300)
                            .build(),
                    new ArrayList<>());
        } finally {
            done.set(true);
            writer.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(writes.get()).as("writes during the checksum").isGreaterThan(100);
        assertThat(r.matches()).as(r.toString()).isTrue();
        assertThat(r.recopied()).as("no chunk looked different").isZero();
    }

    @Test
    @DisplayName("stops before the next chunk when told to, and says it did not finish")
    void stops() throws SQLException {
        tables("t_stop", "t_stop_new");
        AtomicLong asked = new AtomicLong();
        try (Connection c = db().connect(SCHEMA)) {
            TableChecksum.Result r = TableChecksum.of(SCHEMA, "t_stop", "t_stop_new")
                    .chunkRows(1_000)
                    .build()
                    .run(c, (rows, estimate) -> {}, () -> asked.incrementAndGet() > 3);
            assertThat(r.stopped()).isTrue();
            assertThat(r.matches()).isFalse();
            assertThat(r.chunks()).isEqualTo(3);
        }
    }

    @Test
    @DisplayName("refuses with a typed error a missing table, tables with different primary keys, and bad settings")
    void badInput() throws SQLException {
        tables("t_in", "t_in_new");
        exec(
                "DROP TABLE IF EXISTS t_in_other",
                "CREATE TABLE t_in_other (id INT NOT NULL, a INT NOT NULL, PRIMARY KEY (a, id))");
        try (Connection c = db().connect(SCHEMA)) {
            assertThatThrownBy(() -> TableChecksum.of(SCHEMA, "t_in", "t_missing")
                            .build()
                            .run(c, (r, e) -> {}, () -> false))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("no table `checksum`.`t_missing`");
            assertThatThrownBy(() -> TableChecksum.of(SCHEMA, "t_in", "t_in_other")
                            .build()
                            .run(c, (r, e) -> {}, () -> false))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("same primary key");
        }
        assertThatThrownBy(() -> TableChecksum.of(SCHEMA, "t_in", "t_in")).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> TableChecksum.of(SCHEMA, "t_in", "t_in_new").chunkRows(0))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> TableChecksum.of(SCHEMA, "t_in", "t_in_new").maxRecopies(-1))
                .isInstanceOf(InvalidRequestException.class);
    }
}
