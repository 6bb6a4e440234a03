package dev.osc4j.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRequest;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;

/**
 * A real MariaDB store with a controller driving fake-engine migrations (which can revert) on the real clock, for the command line's
 * end-to-end tests; the store password is in a 0600 file, as an operator would keep it.
 */
final class MariaDbFleet implements AutoCloseable {
    final LocalMariaDb server;
    final HikariDataSource pool;
    final JdbcStateStore store;
    final MigrationOrchestrator controller;
    final String url;
    final Path passwordFile;

    MariaDbFleet(Path dir, long rowsPerShard, long rowsPerSecond) throws SQLException, IOException {
        server = LocalMariaDb.start();
        server.createDatabase("osc4j_cli");
        url = server.jdbcUrl("osc4j_cli");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(server.user());
        config.setPassword(server.password());
        config.setMaximumPoolSize(4);
        pool = new HikariDataSource(config);
        store = JdbcStateStore.builder(pool).build();
        Clock clock = Clock.systemUTC();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", 4, rowsPerShard);
        controller = MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(FakeEngine.builder(topology)
                        .rowsPerSecond(rowsPerSecond)
                        .revert(true)
                        .build())
                .clock(clock)
                .pollInterval(Duration.ofMillis(200))
                .build();
        controller.start();
        passwordFile = dir.resolve("store-password");
        Files.createFile(
                passwordFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(passwordFile, server.password() + "\n");
    }

    /** A migration that ends COMPLETED at its swap (no revert window). */
    MigrationId submit(String key, String table) {
        return submit(
                key,
                table,
                MigrationPolicy.builder().revertWindow(Duration.ZERO).build());
    }

    /** A migration that swaps into its revert window (REVERTIBLE) for the default 24 hours. */
    MigrationId submitRevertible(String key, String table) {
        return submit(key, table, MigrationPolicy.defaults());
    }

    private MigrationId submit(String key, String table, MigrationPolicy policy) {
        return controller.submit(MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace("commerce")
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(policy)
                .build());
    }

    /** A command line that reaches this store: URL and user in the environment, the password in the file. */
    Cli cli() {
        Cli c = new Cli();
        c.env.put("OSC4J_STORE", url);
        c.env.put("OSC4J_STORE_USER", server.user());
        c.with("--password-file", passwordFile.toString());
        return c;
    }

    @Override
    public void close() {
        controller.close();
        store.close();
        pool.close();
        server.close();
    }
}
