package dev.osc4j.bench.mysql;

import dev.osc4j.testkit.servers.LocalMariaDb;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Issue 13's first measurement: does a plain {@code DROP TABLE} of a big table stall a busy server? A local MariaDB with
 * production durability ({@code innodb_flush_log_at_trx_commit=1}, {@code sync_binlog=1}, doublewrite on, 1 GiB buffer
 * pool, 256 MiB redo log), a table of about {@code gib} GiB, and two threads doing point reads on another table. Prints
 * the point reads' p50/p99/max for 10 s before the drop and during it, side by side, and how long the drop took.
 *
 * <p>Arguments: table size in GiB (2), reader threads (2).
 */
public final class DropTableBenchmark {
    private DropTableBenchmark() {}

    public static void main(String[] args) throws Exception {
        double gib = args.length > 0 ? Double.parseDouble(args[0]) : 2;
        int readers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        try (LocalMariaDb db = LocalMariaDb.builder()
                .serverOption("innodb_flush_log_at_trx_commit", "1")
                .serverOption("sync_binlog", "1")
                .serverOption("innodb_doublewrite", "1")
                .serverOption("innodb_flush_method", "fsync")
                .serverOption("innodb_buffer_pool_size", "1G")
                .serverOption("innodb_log_file_size", "256M")
                .start()) {
            db.createDatabase("dropbench");
            try (Connection c = db.connect("dropbench");
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE hot (id INT PRIMARY KEY, v VARCHAR(64))");
                s.execute("INSERT INTO hot SELECT seq, CONCAT('v', seq) FROM seq_1_to_100000");
                s.execute("CREATE TABLE big (id BIGINT AUTO_INCREMENT PRIMARY KEY, a INT, b CHAR(200), c CHAR(200),"
                        + " KEY a_idx (a))");
                s.execute("INSERT INTO big (a, b, c) SELECT seq, REPEAT('b', 200), REPEAT('c', 200)"
                        + " FROM seq_1_to_100000");
                long bytes = size(s);
                long started = System.nanoTime();
                while (bytes < gib * (1L << 30)) {
                    s.execute("INSERT INTO big (a, b, c) SELECT a + id, b, c FROM big LIMIT 1000000");
                    bytes = size(s);
                }
                System.out.printf(
                        Locale.ROOT,
                        "MariaDB with flush_log_at_trx_commit=1, sync_binlog=1, doublewrite, 1 GiB pool; table big:"
                                + " %.2f GiB (%d rows), built in %.0f s%n",
                        bytes / (double) (1L << 30),
                        count(s),
                        (System.nanoTime() - started) / 1e9);
                s.execute("FLUSH TABLES");
            }
            List<Long> before = reads(db, readers, 10_000, null);
            AtomicBoolean dropping = new AtomicBoolean();
            long[] dropNanos = new long[1];
            Thread dropper = new Thread(() -> {
                try (Connection c = db.connect("dropbench");
                        Statement s = c.createStatement()) {
                    Thread.sleep(2_000);
                    dropping.set(true);
                    long t0 = System.nanoTime();
                    s.execute("DROP TABLE big");
                    dropNanos[0] = System.nanoTime() - t0;
                    dropping.set(false);
                } catch (SQLException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            dropper.start();
            List<Long> during = reads(db, readers, 8_000, dropping);
            dropper.join();
            System.out.printf(Locale.ROOT, "DROP TABLE big took %.3f s%n", dropNanos[0] / 1e9);
            print("point reads, 10 s before the drop", before);
            print("point reads while DROP TABLE ran", during);
        }
    }

    private static long size(Statement s) throws SQLException {
        s.execute("ANALYZE TABLE big");
        try (ResultSet r = s.executeQuery("SELECT data_length + index_length FROM information_schema.tables"
                + " WHERE table_schema = 'dropbench' AND table_name = 'big'")) {
            r.next();
            return r.getLong(1);
        }
    }

    private static long count(Statement s) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM big")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Point reads for {@code millis} from {@code threads} threads; latencies in ns, only while {@code only} is true. */
    private static List<Long> reads(
            LocalMariaDb db, int threads, long millis, @org.jspecify.annotations.Nullable AtomicBoolean only)
            throws InterruptedException {
        List<Long> all = Collections.synchronizedList(new ArrayList<>());
        List<Thread> workers = new ArrayList<>();
        long end = System.nanoTime() + millis * 1_000_000;
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try (Connection c = db.connect("dropbench");
                        PreparedStatement p = c.prepareStatement("SELECT v FROM hot WHERE id = ?")) {
                    while (System.nanoTime() < end) {
                        p.setInt(1, 1 + ThreadLocalRandom.current().nextInt(100_000));
                        boolean counted = only == null || only.get();
                        long t0 = System.nanoTime();
                        try (ResultSet r = p.executeQuery()) {
                            r.next();
                        }
                        long took = System.nanoTime() - t0;
                        if (counted || (only != null && only.get())) {
                            all.add(took);
                        }
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        return all;
    }

    private static void print(String what, List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            System.out.println(what + ": no reads");
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "%-40s %7d reads  p50 %.3f ms  p99 %.3f ms  max %.3f ms%n",
                what,
                sorted.size(),
                sorted.get(sorted.size() / 2) / 1e6,
                sorted.get((int) (sorted.size() * 0.99)) / 1e6,
                sorted.get(sorted.size() - 1) / 1e6);
    }
}
