package dev.osc4j.bench.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import dev.osc4j.Transitions;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * What a committed transition costs in the JDBC store, next to the same work by hand on the same database in the same
 * run (issue 12's P1 baseline): one transaction of a versioned {@code UPDATE ... WHERE id = ? AND version = ?} of the
 * record's JSON plus an {@code INSERT} of the audit entry's JSON, committed. A transition is a {@link
 * JdbcStateStore#compareAndSet} of a record of 1 and of 64 shards with one audit entry and one shard changed, fenced by
 * a lease (fence check, versioned update, the changed shard's row, audit insert, in one transaction). Since the store
 * keeps shards apart (schema version 4) it writes less than that baseline, so a second baseline does by hand what it
 * writes: the head's versioned UPDATE, one shard row's UPDATE and the audit INSERT. The ratios of the medians to both
 * are printed per shard count. Runs on a local MariaDB (started from the Debian binaries, through HikariCP
 * and Connector/J) and on an H2 file (the embedded default), single-threaded for latency and with several threads on
 * separate migrations for throughput.
 *
 * <p>Arguments: transitions per measurement (default 3000), threads for the throughput run (default 4), and which
 * databases ({@code mariadb,h2}).
 */
public final class JdbcStoreBenchmark {
    private static final Map<MigrationState, MigrationState> NEXT = Map.of(
            MigrationState.QUEUED, MigrationState.INITIALIZING,
            MigrationState.INITIALIZING, MigrationState.FAILED,
            MigrationState.FAILED, MigrationState.QUEUED);

    /** Measured rounds per shard count; odd, so the median ratio is one round's. */
    private static final int ROUNDS = 5;

    private final Clock clock = Clock.systemUTC();
    private int shardCount = 4;

    private JdbcStoreBenchmark() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        int transitions = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        List<String> databases = Arrays.asList((args.length > 2 ? args[2] : "mariadb,h2").split(","));
        JdbcStoreBenchmark bench = new JdbcStoreBenchmark();
        System.out.printf(
                Locale.ROOT,
                "%-8s %-38s %8s %10s %10s %10s%n",
                "database",
                "operation",
                "threads",
                "per second",
                "p50 ms",
                "p99 ms");
        if (databases.contains("mariadb")) {
            try (LocalMariaDb server = LocalMariaDb.start()) {
                server.createDatabase("bench");
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl(server.jdbcUrl("bench"));
                config.setUsername(server.user());
                config.setPassword(server.password());
                config.setMaximumPoolSize(threads + 2);
                // Driver properties to try, for the store and the statements by hand alike, e.g.
                // -Dosc4j.bench.driver=useServerPrepStmts=true,cachePrepStmts=true
                for (String p : System.getProperty("osc4j.bench.driver", "").split(",")) {
                    if (p.contains("=")) {
                        config.addDataSourceProperty(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1));
                    }
                }
                try (HikariDataSource pool = new HikariDataSource(config)) {
                    bench.run("mariadb", pool, "LONGTEXT", transitions, threads);
                }
            }
        }
        if (databases.contains("h2")) {
            Path directory = Files.createTempDirectory("osc4j-bench-h2");
            Path file = directory.resolve("osc4j");
            // The same URL the embedded default uses, so the bare update pays the same durability as the store.
            JdbcConnectionPool pool =
                    JdbcConnectionPool.create("jdbc:h2:file:" + file + ";LOCK_TIMEOUT=10000;WRITE_DELAY=0", "sa", "");
            try {
                bench.run("h2", pool, "CHARACTER VARYING(1000000)", transitions, threads);
            } finally {
                pool.dispose();
                try (var files = Files.list(directory)) {
                    for (Path p : (Iterable<Path>) files::iterator) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(directory);
            }
        }
    }

    private void run(String database, DataSource dataSource, String textType, int transitions, int threads)
            throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE bench_bare (id VARCHAR(64) NOT NULL PRIMARY KEY, version BIGINT NOT NULL, doc "
                    + textType + " NOT NULL)");
            s.execute("CREATE TABLE bench_bare_audit (id VARCHAR(64) NOT NULL, seq BIGINT NOT NULL, doc " + textType
                    + " NOT NULL, PRIMARY KEY (id, seq))");
            s.execute("CREATE TABLE bench_bare_shard (id VARCHAR(64) NOT NULL, idx INT NOT NULL, doc " + textType
                    + " NOT NULL, PRIMARY KEY (id, idx))");
        }
        try (JdbcStateStore store = JdbcStateStore.builder(dataSource).build()) {
            for (int shards : new int[] {1, 64}) {
                shardCount = shards;
                String op = "store transition, " + shards + " shard(s)";
                String hand = "UPDATE+INSERT by hand, " + shards + " shard(s)";
                String apart = "head+shard+audit by hand, " + shards;
                // Warm up every path (JIT, statement caches, buffer pool) with a full-size run each, then measure them
                // in ROUNDS rounds, each in a different order, so that drift in the machine's load falls on all three.
                byHand(dataSource, "warmup-" + shards, transitions);
                byHandApart(dataSource, "warmup-apart-" + shards, transitions);
                transitions(store, "warmup-" + shards, transitions);
                List<Long> handMedians = new ArrayList<>();
                List<Long> apartMedians = new ArrayList<>();
                List<Long> storeMedians = new ArrayList<>();
                for (int round = 1; round <= ROUNDS; round++) {
                    for (int k = 0; k < 3; k++) {
                        switch ((round + k) % 3) {
                            case 0 ->
                                handMedians.add(print(
                                        database,
                                        hand,
                                        1,
                                        byHand(dataSource, "hand-" + shards + "-" + round, transitions)));
                            case 1 ->
                                apartMedians.add(print(
                                        database,
                                        apart,
                                        1,
                                        byHandApart(dataSource, "apart-" + shards + "-" + round, transitions)));
                            default ->
                                storeMedians.add(print(
                                        database,
                                        op,
                                        1,
                                        transitions(store, "cas-" + shards + "-" + round, transitions)));
                        }
                    }
                }
                print(
                        database,
                        hand,
                        threads,
                        parallel(
                                threads,
                                i -> byHand(dataSource, "hand-par-" + shards + "-" + i, transitions / threads)));
                print(
                        database,
                        op,
                        threads,
                        parallel(
                                threads,
                                i -> transitions(store, "cas-par-" + shards + "-" + i, transitions / threads)));
                List<Double> toWhole = new ArrayList<>();
                List<Double> toRows = new ArrayList<>();
                for (int round = 0; round < ROUNDS; round++) {
                    toWhole.add((double) storeMedians.get(round) / handMedians.get(round));
                    toRows.add((double) storeMedians.get(round) / apartMedians.get(round));
                    System.out.printf(
                            Locale.ROOT,
                            "%-8s ratio of medians, %d shard(s), round %d: %.2fx the whole record by hand, %.2fx the"
                                    + " same rows by hand (store %.3f ms, whole by hand %.3f ms, same rows %.3f ms)%n",
                            database,
                            shards,
                            round + 1,
                            (double) storeMedians.get(round) / handMedians.get(round),
                            (double) storeMedians.get(round) / apartMedians.get(round),
                            storeMedians.get(round) / 1e6,
                            handMedians.get(round) / 1e6,
                            apartMedians.get(round) / 1e6);
                }
                toWhole.sort(null);
                toRows.sort(null);
                System.out.printf(
                        Locale.ROOT,
                        "%-8s median of %d rounds, %d shard(s): %.2fx the whole record by hand, %.2fx the same rows by"
                                + " hand%n",
                        database,
                        ROUNDS,
                        shards,
                        toWhole.get(ROUNDS / 2),
                        toRows.get(ROUNDS / 2));
            }
        }
    }

    /** Latencies (ns) and the wall time of a run. */
    @SuppressWarnings("ArrayRecordComponent") // a private carrier of measurements, never compared or hashed
    private record Result(long[] latencies, long wallNanos) {}

    @FunctionalInterface
    private interface Task {
        Result run(int index) throws Exception;
    }

    private static Result parallel(int threads, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<Result>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                futures.add(pool.submit(() -> task.run(index)));
            }
            List<long[]> all = new ArrayList<>();
            int total = 0;
            for (Future<Result> f : futures) {
                long[] l = f.get().latencies();
                all.add(l);
                total += l.length;
            }
            long wall = System.nanoTime() - start;
            long[] merged = new long[total];
            int at = 0;
            for (long[] l : all) {
                System.arraycopy(l, 0, merged, at, l.length);
                at += l.length;
            }
            return new Result(merged, wall);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One migration moved through {@code n} fenced transitions, each with one audit entry and a change of one shard
     * (the next in turn), as a shard's transition changes its shard.
     */
    private Result transitions(JdbcStateStore store, String key, int n) {
        MigrationRecord r = record(key);
        r = store.create(r, List.of(submitted(r))).record();
        Lease lease =
                store.tryAcquire(r.id(), "bench-" + key, Duration.ofMinutes(10)).orElseThrow();
        long[] latencies = new long[n];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            MigrationState to = NEXT.getOrDefault(r.state(), MigrationState.QUEUED);
            long seq = r.auditSeq() + 1;
            Instant now = clock.instant();
            String shard = r.shards().get(i % r.shards().size()).target().shard();
            MigrationRecord next = r.with(to, r.attempt(), r.shards(), r.controls(), r.directives(), seq, null, now)
                    .withShard(shard, s -> s.withWaitReason("step " + seq));
            AuditEntry entry = new AuditEntry(
                    r.id(),
                    seq,
                    now,
                    "bench",
                    AuditEntry.Kind.TRANSITION,
                    null,
                    r.state(),
                    to,
                    Transitions.find(r.state(), to).orElseThrow().trigger(),
                    "step-" + seq,
                    "benchmark");
            long t0 = System.nanoTime();
            r = store.compareAndSet(next, r.version(), lease, List.of(entry));
            latencies[i] = System.nanoTime() - t0;
        }
        return new Result(latencies, System.nanoTime() - start);
    }

    /**
     * One row moved through {@code n} versions by hand, as the baseline: per version, one transaction of a
     * versioned UPDATE carrying the record's JSON and an INSERT of an audit entry's JSON, on a connection borrowed for
     * it (as the store borrows one per operation).
     */
    private Result byHand(DataSource dataSource, String key, int n) throws SQLException {
        return byHand(dataSource, key, n, false);
    }

    /**
     * The same rows by hand as the store writes since its shards are kept apart: per version, one transaction of a
     * versioned UPDATE of the head's JSON, an UPDATE of one shard's JSON (the next in turn) and an INSERT of an audit
     * entry's JSON (for 1 shard, which the store keeps whole, the same as {@link #byHand}).
     */
    private Result byHandApart(DataSource dataSource, String key, int n) throws SQLException {
        return byHand(dataSource, key, n, true);
    }

    private Result byHand(DataSource dataSource, String key, int n, boolean shardRows) throws SQLException {
        MigrationRecord r = record(key);
        // As the store does, a record of one shard is kept whole.
        boolean apart = shardRows && r.shards().size() > 1;
        String json = apart ? RecordCodec.encodeHead(r) : RecordCodec.encode(r);
        String shard = RecordCodec.encodeShard(r.shards().get(0));
        String audit = RecordCodec.encodeAudit(submitted(r));
        String id = r.id().value();
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement("INSERT INTO bench_bare VALUES (?, 1, ?)");
                PreparedStatement shardInsert = c.prepareStatement("INSERT INTO bench_bare_shard VALUES (?, ?, ?)")) {
            insert.setString(1, id);
            insert.setString(2, json);
            insert.executeUpdate();
            for (int i = 0; apart && i < r.shards().size(); i++) {
                shardInsert.setString(1, id);
                shardInsert.setInt(2, i);
                shardInsert.setString(3, shard);
                shardInsert.executeUpdate();
            }
        }
        long[] latencies = new long[n];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            try (Connection each = dataSource.getConnection()) {
                each.setAutoCommit(false);
                try (PreparedStatement update = each.prepareStatement(
                                "UPDATE bench_bare SET version = ?, doc = ? WHERE id = ? AND version = ?");
                        PreparedStatement shardUpdate =
                                each.prepareStatement("UPDATE bench_bare_shard SET doc = ? WHERE id = ? AND idx = ?");
                        PreparedStatement insert =
                                each.prepareStatement("INSERT INTO bench_bare_audit VALUES (?, ?, ?)")) {
                    update.setLong(1, i + 2L);
                    update.setString(2, json);
                    update.setString(3, id);
                    update.setLong(4, i + 1L);
                    if (update.executeUpdate() != 1) {
                        throw new IllegalStateException("update by hand lost its row");
                    }
                    if (apart) {
                        shardUpdate.setString(1, shard);
                        shardUpdate.setString(2, id);
                        shardUpdate.setInt(3, i % r.shards().size());
                        shardUpdate.executeUpdate();
                    }
                    insert.setString(1, id);
                    insert.setLong(2, i + 2L);
                    insert.setString(3, audit);
                    insert.executeUpdate();
                    each.commit();
                } finally {
                    each.setAutoCommit(true);
                }
            }
            latencies[i] = System.nanoTime() - t0;
        }
        return new Result(latencies, System.nanoTime() - start);
    }

    /** Prints a line of figures; returns the median latency in nanoseconds. */
    private static long print(String database, String operation, int threads, Result result) {
        long[] sorted = result.latencies().clone();
        Arrays.sort(sorted);
        double perSecond = sorted.length / (result.wallNanos() / 1e9);
        System.out.printf(
                Locale.ROOT,
                "%-8s %-38s %8d %10.0f %10.3f %10.3f%n",
                database,
                operation,
                threads,
                perSecond,
                sorted[sorted.length / 2] / 1e6,
                sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] / 1e6);
        return sorted[sorted.length / 2];
    }

    private MigrationRecord record(String key) {
        Instant now = clock.instant();
        List<ShardRecord> shards = new ArrayList<>();
        for (int i = 0; i < shardCount; i++) {
            String shard = String.format(Locale.ROOT, "s%02d", i);
            shards.add(ShardRecord.queued(new ShardTarget("commerce", shard, "commerce", null), now));
        }
        return new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                MigrationId.forIdempotencyKey(key),
                0,
                key,
                "fp-" + key,
                new MigrationSpec(
                        "commerce", "orders", "ADD COLUMN note VARCHAR(255) NULL", "fake", Map.of(), List.of()),
                MigrationPolicy.defaults(),
                "bench",
                MigrationState.QUEUED,
                1,
                shards,
                Controls.NONE,
                Map.of(),
                1,
                null,
                now,
                now,
                null);
    }

    private static AuditEntry submitted(MigrationRecord r) {
        return new AuditEntry(
                r.id(),
                1,
                r.createdAt(),
                "bench",
                AuditEntry.Kind.SUBMITTED,
                null,
                null,
                MigrationState.QUEUED,
                null,
                "submit",
                "created");
    }
}
