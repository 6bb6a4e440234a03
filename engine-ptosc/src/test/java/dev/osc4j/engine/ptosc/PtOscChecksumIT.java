package dev.osc4j.engine.ptosc;

import static dev.osc4j.engine.ptosc.Fixture.SCHEMA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pt-osc engine: the checksum before the swap, on a real MariaDB primary and replica")
class PtOscChecksumIT {
    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    @TempDir
    Path work;

    private static MigrationRequest request(String key, String table) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(Fixture.KEYSPACE)
                .table(table)
                .ddl("ADD COLUMN note VARCHAR(16) NOT NULL DEFAULT 'n', MODIFY a BIGINT NOT NULL")
                .engine(PtOscEngine.DEFAULT_NAME)
                .options(Fixture.slow(1_000, "0.05"))
                .requestedBy("test")
                .build();
    }

    @Test
    @DisplayName("a migration compares the tables before the swap, then swaps: the audit has the request, the run"
            + " directory the result")
    void comparedThenSwapped() throws Exception {
        Fixture.createTable(DB.primary(), "checked", 20_000);
        PtOscEngine engine = Fixture.engine(DB.primary(), work);
        try (MySqlTopology topology = Fixture.topology(DB.primary(), Fixture.shard("s1", DB.primary(), DB.replica()));
                MigrationOrchestrator osc = Fixture.orchestrator(new InMemoryStateStore(), topology, engine)) {
            osc.start();
            MigrationId id = osc.submit(request("checked-1", "checked"));
            MigrationRecord rec = Fixture.awaitState(osc, id, MigrationState.COMPLETED, Duration.ofMinutes(2));
            AuditTrails.assertSound(osc.audit(id));
            assertThat(osc.audit(id))
                    .anyMatch(e ->
                            e.kind() == AuditEntry.Kind.EFFECT && e.detail().startsWith("VERIFY done"));
            Path run = Path.of(Objects.requireNonNull(rec.shards().get(0).handle())
                    .attributes()
                    .get(PtOscEngine.ATTR_RUN_DIR));
            assertThat(Files.readString(run.resolve("checksum.json")))
                    .contains("\"state\":\"MATCHED\"", "\"rowsChecked\":20000");
        }
        assertThat(Fixture.columns(DB.primary(), "checked")).contains("note");
        Fixture.assertNoArtifacts(DB.primary(), "checked");
    }

    @Test
    @DisplayName("a row of the new table changed behind the engine's back, and changed again whenever it is copied,"
            + " stops the cut-over: the shard fails with CHECKSUM_MISMATCH, the original table is not swapped, and"
            + " an abort drops the triggers and quarantines the copy with its rows for the hold period")
    void corruptionStopsTheCutover() throws Exception {
        int rows = 60_000;
        Fixture.createTable(DB.primary(), "tampered", rows);
        PtOscEngine engine = Fixture.engineWithQuarantine(DB.primary(), work);
        try (MySqlTopology topology = Fixture.topology(DB.primary(), Fixture.shard("s1", DB.primary(), DB.replica()));
                MigrationOrchestrator osc = Fixture.orchestrator(new InMemoryStateStore(), topology, engine)) {
            osc.start();
            MigrationId id = osc.submit(request("tampered-1", "tampered"));
            // Once pt-osc has created its new table, and long before its paced copy reaches the last row, a trigger
            // of someone else's changes that row whenever it is written into the new table.
            awaitTable("_tampered_new", Duration.ofSeconds(60));
            try (Connection c = DB.primary().connect(SCHEMA);
                    Statement st = c.createStatement()) {
                st.execute("CREATE TRIGGER tamper BEFORE INSERT ON _tampered_new FOR EACH ROW"
                        + " SET NEW.b = IF(NEW.id = " + rows + ", 'tampered', NEW.b)");
            }
            MigrationRecord failed = Fixture.awaitState(osc, id, MigrationState.FAILED, Duration.ofMinutes(2));
            ShardRecord shard = failed.shards().get(0);
            assertThat(Objects.requireNonNull(shard.failure()).reason()).isEqualTo(FailureReason.CHECKSUM_MISMATCH);
            assertThat(Objects.requireNonNull(shard.failure()).message())
                    .contains("checksum mismatched", "up to key [" + rows + "]", "copies again");
            assertThat(osc.audit(id)).noneMatch(e -> e.detail().startsWith("RELEASE_CUTOVER"));
            assertThat(Fixture.columns(DB.primary(), "tampered"))
                    .as("the original table, not swapped")
                    .doesNotContain("note");
            assertThat(value("SELECT b FROM tampered WHERE id = " + rows)).isEqualTo("row-" + rows);

            osc.abort(id, "abort-1", "test");
            Fixture.awaitState(osc, id, MigrationState.ABORTED, Duration.ofMinutes(1));
            assertThat(osc.audit(id))
                    .anyMatch(e -> e.detail().startsWith("CLEANUP done")
                            && e.detail().contains("_tampered_new quarantined as " + SCHEMA + "._osc4j_hld_"));
        }
        Fixture.assertNoArtifacts(DB.primary(), "tampered");
        String quarantined = value("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + SCHEMA
                + "' AND TABLE_NAME LIKE '\\_osc4j\\_hld\\_%'");
        assertThat(value("SELECT COUNT(*) FROM `" + quarantined + "`"))
                .as("the copy, kept for the hold")
                .isEqualTo(Integer.toString(rows));
    }

    private static void awaitTable(String table, Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + SCHEMA
                        + "' AND TABLE_NAME = '" + table + "'")
                .equals("0")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(table + " was not created within " + timeout);
            }
            Fixture.sleep(20);
        }
    }

    private static String value(String sql) throws SQLException {
        try (Connection c = DB.primary().connect(SCHEMA);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
