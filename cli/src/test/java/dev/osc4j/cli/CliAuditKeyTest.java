package dev.osc4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.AuditKeys;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("audit --verify with the audit key, on an H2 file written by keyed controllers")
class CliAuditKeyTest {
    private static final byte[] KEY =
            "the fleet's audit key, thirty-two bytes or more".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    @DisplayName("a keyed trail verifies with --audit-key-file, is said to need the key without it, and an entry edited"
            + " in the database is named; the key never shows")
    void keyedTrail() throws Exception {
        Path database = dir.resolve("osc4j");
        MigrationId id;
        try (JdbcStateStore store = JdbcStateStore.h2File(database)) {
            SettableClock clock = SettableClock.startingAtEpoch2026();
            FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("billing", 1, 1_000);
            MigrationOrchestrator osc = MigrationOrchestrator.builder()
                    .store(store)
                    .topology(topology)
                    .engine(FakeEngine.on(topology))
                    .clock(clock)
                    .auditKeys(AuditKeys.of("fleet-1", KEY))
                    .build();
            id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("keyed")
                    .keyspace("billing")
                    .table("invoices")
                    .ddl("ADD COLUMN note INT")
                    .engine(FakeEngine.DEFAULT_NAME)
                    .requestedBy("test")
                    .build());
            Simulation.of(osc, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        }
        Path keyFile = dir.resolve("audit.key");
        Files.writeString(keyFile, "fleet-1:" + Base64.getEncoder().encodeToString(KEY) + "\n");
        Cli withKey = new Cli();
        withKey.env.put("OSC4J_STORE", "h2:" + database);
        withKey.env.put("OSC4J_AUDIT_KEY_FILE", keyFile.toString());
        Cli.Run intact = withKey.run("audit", id.value(), "--verify");
        assertThat(intact.code()).as(intact.toString()).isZero();
        assertThat(intact.out()).contains("hash chain intact");

        Cli withoutKey = new Cli();
        withoutKey.env.put("OSC4J_STORE", "h2:" + database);
        Cli.Run needsKey = withoutKey.run("audit", id.value(), "--verify");
        assertThat(needsKey.code()).as(needsKey.toString()).isEqualTo(ExitCodes.TAMPERED);
        assertThat(needsKey.out()).contains("is sealed with key 'fleet-1': verify with the keys");

        String url = "jdbc:h2:file:" + database.toAbsolutePath() + ";LOCK_TIMEOUT=10000;WRITE_DELAY=0";
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "sa", "");
                java.sql.PreparedStatement update = c.prepareStatement(
                        "UPDATE osc4j_audit SET entry_json = REPLACE(entry_json, '\"actor\":\"test\"',"
                                + " '\"actor\":\"mallory\"') WHERE migration_id = ? AND seq = 1")) {
            update.setString(1, id.value());
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
        Cli.Run tampered = withKey.run("audit", id.value(), "--verify");
        assertThat(tampered.code()).as(tampered.toString()).isEqualTo(ExitCodes.TAMPERED);
        assertThat(tampered.out()).contains("entry 1 does not match its keyed hash");
        String key64 = Base64.getEncoder().encodeToString(KEY);
        assertThat(intact.toString() + needsKey + tampered)
                .doesNotContain(key64)
                .doesNotContain("thirty-two bytes");
    }
}
