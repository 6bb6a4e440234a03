package dev.osc4j.bench.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.bench.ControllerLoadHarness;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.ForwardingStateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * What fresh progress outside the controller costs the store: one controller on a real MariaDB store drives N copying
 * migrations of S shards (fake topology and engine, real clock) for a while at a soft-write interval of 10 s (the
 * former default) and of 1 s (the default), in one run. For each it prints the record writes per second and their
 * JSON bytes per second, the bytes InnoDB wrote over the same time (server-wide), and the age of the
 * figures a reader in another "process" (a {@link MigrationClient} with its own store and pool) saw when it read every
 * 250 ms: p50, p99 and max of now minus the record's {@code progressPersistedAt}, read while the copy runs.
 *
 * <p>Arguments: migrations (50), shards (4), seconds per interval (30).
 */
public final class ProgressFreshnessBenchmark {
    private ProgressFreshnessBenchmark() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        int migrations = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int shards = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        System.out.printf(
                Locale.ROOT,
                "%d migrations x %d shards, %d s per interval, %d processors%n",
                migrations,
                shards,
                seconds,
                Runtime.getRuntime().availableProcessors());
        System.out.printf(
                Locale.ROOT,
                "%-9s %12s %12s %14s %10s %10s %10s%n",
                "interval",
                "writes/s",
                "JSON KiB/s",
                "InnoDB KiB/s",
                "age p50",
                "age p99",
                "age max");
        try (LocalMariaDb server = LocalMariaDb.start()) {
            int round = 0;
            for (Duration interval : List.of(Duration.ofSeconds(10), Duration.ofSeconds(1))) {
                String database = "fresh" + round++;
                server.createDatabase(database);
                run(server, database, interval, migrations, shards, seconds);
            }
        }
    }

    private static HikariDataSource pool(LocalMariaDb server, String database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.jdbcUrl(database));
        config.setUsername(server.user());
        config.setPassword(server.password());
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }

    private static void run(
            LocalMariaDb server, String database, Duration interval, int migrations, int shards, int seconds)
            throws Exception {
        Clock clock = Clock.systemUTC();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("ks", shards, 1_000_000_000L);
        FakeEngine engine = FakeEngine.builder(topology).rowsPerSecond(1000).build();
        AtomicLong writes = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        try (HikariDataSource controllerPool = pool(server, database);
                HikariDataSource readerPool = pool(server, database);
                JdbcStateStore raw = JdbcStateStore.builder(controllerPool).build();
                JdbcStateStore readerStore = JdbcStateStore.builder(readerPool).build()) {
            ForwardingStateStore counting = new ForwardingStateStore(raw) {
                @Override
                public MigrationRecord compareAndSet(
                        MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
                    MigrationRecord written = super.compareAndSet(next, expectedVersion, fence, audit);
                    writes.incrementAndGet();
                    bytes.addAndGet(RecordCodec.encode(next).length());
                    return written;
                }
            };
            try (MigrationOrchestrator osc = MigrationOrchestrator.builder()
                    .store(counting)
                    .topology(topology)
                    .engine(engine)
                    .progressWriteInterval(interval)
                    .clock(clock)
                    .build()) {
                List<MigrationId> ids = new ArrayList<>();
                for (int i = 0; i < migrations; i++) {
                    ids.add(osc.submit(MigrationRequest.builder()
                            .idempotencyKey("fresh-" + i)
                            .keyspace("ks")
                            .table("t" + i)
                            .ddl("ADD COLUMN c INT")
                            .engine(engine.name())
                            .requestedBy("bench")
                            .build()));
                }
                osc.start();
                MigrationClient reader = MigrationClient.of(readerStore);
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (ControllerLoadHarness.copying(reader) < migrations && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                }
                Thread.sleep(interval.toMillis() + 2000); // every migration has had a soft write at this interval
                long writes0 = writes.get();
                long bytes0 = bytes.get();
                long status0 = innodbDataWritten(server, database);
                long t0 = System.nanoTime();
                List<Long> agesMillis = new ArrayList<>();
                int next = 0;
                while (System.nanoTime() - t0 < seconds * 1_000_000_000L) {
                    MigrationRecord rec = reader.get(ids.get(next++ % ids.size()));
                    Instant persisted = rec.progressPersistedAt();
                    if (rec.state() == MigrationState.COPYING_ROWS && persisted != null) {
                        agesMillis.add(
                                Duration.between(persisted, clock.instant()).toMillis());
                    }
                    Thread.sleep(250);
                }
                double wall = (System.nanoTime() - t0) / 1e9;
                long status1 = innodbDataWritten(server, database);
                Collections.sort(agesMillis);
                System.out.printf(
                        Locale.ROOT,
                        "%-9s %12.1f %12.1f %14.1f %9.2fs %9.2fs %9.2fs%n",
                        interval.toSeconds() + " s",
                        (writes.get() - writes0) / wall,
                        (bytes.get() - bytes0) / wall / 1024,
                        (status1 - status0) / wall / 1024,
                        percentile(agesMillis, 0.50) / 1000.0,
                        percentile(agesMillis, 0.99) / 1000.0,
                        agesMillis.isEmpty() ? 0 : agesMillis.get(agesMillis.size() - 1) / 1000.0);
            }
        }
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /** The bytes InnoDB wrote so far, server-wide. */
    private static long innodbDataWritten(LocalMariaDb server, String database) throws SQLException {
        try (Connection c = server.connect(database);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Innodb_data_written'")) {
            return rs.next() ? rs.getLong(2) : 0;
        }
    }
}
