package dev.osc4j.bench.ptosc;

import dev.osc4j.Endpoint;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.engine.ptosc.PtOscEngine;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wall time of a revertible pt-osc migration and of its revert, with a concurrent writer (inserts, updates, deletes,
 * one autocommit statement at a time) running through the forward swap, the window and the swap back; then the rows
 * lost or phantom against the writer's log and the application writes that failed at each swap.
 *
 * <p>Arguments: {@code rows=200000}.
 */
public final class PtOscRevertBenchmark {
    private static final String SCHEMA = "bench";
    private static final String TABLE = "rv";

    private PtOscRevertBenchmark() {}

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        int rows = 200_000;
        int writerCount = 1;
        for (String a : args) {
            if (a.startsWith("rows=")) {
                rows = Integer.parseInt(a.substring(5));
            } else if (a.startsWith("writers=")) {
                writerCount = Integer.parseInt(a.substring(8));
            }
        }
        Path work = Files.createTempDirectory("osc4j-ptosc-revert-bench-");
        try (LocalMariaDb primary = LocalMariaDb.start();
                LocalMariaDb replica = primary.startReplica()) {
            primary.createDatabase(SCHEMA);
            try (Connection c = primary.connect(SCHEMA);
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + TABLE + " (id INT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(64) NOT"
                        + " NULL) ENGINE=InnoDB");
                st.execute("INSERT INTO " + TABLE + " SELECT seq, seq MOD 1000, CONCAT('row-', seq) FROM seq_1_to_"
                        + rows);
            }
            PtOscEngine engine = PtOscEngine.builder()
                    .credentials(CredentialsProvider.of(primary.user(), primary.password()))
                    .workDirectory(work)
                    .build();
            ShardTarget target = new ShardTarget("bench", "s1", SCHEMA, new Endpoint(primary.host(), primary.port()));
            Map<String, String> options = new HashMap<>();
            options.put(PtOscEngine.OPTION_PROGRESS_INTERVAL, "1");
            MigrationSpec forward = new MigrationSpec(
                            "bench",
                            TABLE,
                            "ADD COLUMN note VARCHAR(32) NOT NULL DEFAULT 'n'",
                            PtOscEngine.DEFAULT_NAME,
                            options,
                            List.of())
                    .withRevertible(true);
            MigrationId id = MigrationId.of("bench-forward");
            Writers writer = new Writers(primary, rows, writerCount);
            writer.start();
            long t0 = System.nanoTime();
            EngineHandle h = engine.start(target, forward, new EngineKey(id, 1, "s1"));
            await(engine, h, EnginePhase.READY_FOR_CUTOVER);
            int before = writer.failed.get();
            engine.releaseCutover(h);
            await(engine, h, EnginePhase.COMPLETED);
            long forwardMillis = (System.nanoTime() - t0) / 1_000_000;
            Thread.sleep(500);
            int forwardFailures = writer.failed.get() - before;
            Thread.sleep(2000);
            long t1 = System.nanoTime();
            EngineHandle r = engine.start(
                    target,
                    forward.revertOf(id, 1, List.of("s1")),
                    new EngineKey(MigrationId.of("bench-revert"), 1, "s1"));
            await(engine, r, EnginePhase.READY_FOR_CUTOVER);
            int beforeRevert = writer.failed.get();
            engine.releaseCutover(r);
            await(engine, r, EnginePhase.COMPLETED);
            long revertMillis = (System.nanoTime() - t1) / 1_000_000;
            Thread.sleep(500);
            int revertFailures = writer.failed.get() - beforeRevert;
            writer.stop();
            int[] diff = writer.compare(primary);
            replica.waitForCatchUp(java.time.Duration.ofMinutes(2));
            boolean replicaSame = checksum(replica) == checksum(primary);
            System.out.printf(
                    "rows=%d writers=%d forward_ms=%d revert_ms=%d writes=%d failed_writes_total=%d failed_at_forward_swap=%d"
                            + " failed_at_swap_back=%d lost=%d phantom=%d different=%d replica_same=%s first_error=%s%n",
                    rows,
                    writerCount,
                    forwardMillis,
                    revertMillis,
                    writer.ok(),
                    writer.failed.get(),
                    forwardFailures,
                    revertFailures,
                    diff[0],
                    diff[1],
                    diff[2],
                    replicaSame,
                    writer.firstError());
        }
    }

    private static long checksum(LocalMariaDb server) throws SQLException {
        try (Connection c = server.connect(SCHEMA);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("CHECKSUM TABLE " + TABLE)) {
            rs.next();
            return rs.getLong(2);
        }
    }

    private static void await(PtOscEngine engine, EngineHandle h, EnginePhase phase) throws InterruptedException {
        EngineObservation o = engine.observe(h);
        while (o.phase() != phase) {
            if (o.phase() == EnginePhase.FAILED || o.phase() == EnginePhase.CANCELLED) {
                throw new IllegalStateException("the run ended: " + o);
            }
            Thread.sleep(100);
            o = engine.observe(h);
        }
    }

    /**
     * Concurrent writers, each on its own rows (ids {@code i % count == index}, inserts from its own range), so that each
     * one's model of its rows is exact and the union is the table's.
     */
    private static final class Writers {
        private final List<Writer> writers = new java.util.ArrayList<>();
        private final List<Thread> threads = new java.util.ArrayList<>();
        final AtomicInteger failed = new AtomicInteger();

        Writers(LocalMariaDb server, int rows, int count) {
            for (int i = 0; i < count; i++) {
                writers.add(new Writer(server, rows, i, count, failed));
            }
        }

        void start() {
            for (Writer w : writers) {
                Thread t = new Thread(w, "writer-" + threads.size());
                threads.add(t);
                t.start();
            }
        }

        void stop() throws InterruptedException {
            writers.forEach(w -> w.stop = true);
            for (Thread t : threads) {
                t.join();
            }
        }

        long ok() {
            return writers.stream().mapToLong(w -> w.ok.get()).sum();
        }

        String firstError() {
            return writers.stream()
                    .map(w -> w.firstError)
                    .filter(e -> !e.equals("none"))
                    .findFirst()
                    .orElse("none");
        }

        /** Lost, phantom and different rows against the writers' models. */
        int[] compare(LocalMariaDb server) throws SQLException {
            Map<Integer, String> expected = new HashMap<>();
            writers.forEach(w -> expected.putAll(w.expected));
            return Writer.compare(server, expected);
        }
    }

    /** One writer and its model of its rows (ids to (a, b)). */
    private static final class Writer implements Runnable {
        private final LocalMariaDb server;
        private final int index;
        private final Map<Integer, String> expected = new HashMap<>();
        private final List<Integer> ids = new java.util.ArrayList<>();
        private final AtomicLong ok = new AtomicLong();
        private final AtomicInteger failed;
        private volatile boolean stop;
        private volatile String firstError = "none";

        Writer(LocalMariaDb server, int rows, int index, int count, AtomicInteger failed) {
            this.server = server;
            this.index = index;
            this.failed = failed;
            for (int i = 1; i <= rows; i++) {
                if (i % count == index) {
                    expected.put(i, (i % 1000) + "|row-" + i);
                    ids.add(i);
                }
            }
        }

        @Override
        public void run() {
            Random random = new Random(42 + index);
            int next = 10_000_001 + index * 20_000_000;
            try (Connection c = server.connect(SCHEMA);
                    PreparedStatement ins =
                            c.prepareStatement("INSERT INTO " + TABLE + " (id, a, b) VALUES (?, ?, ?)");
                    PreparedStatement upd = c.prepareStatement("UPDATE " + TABLE + " SET a = ?, b = ? WHERE id = ?");
                    PreparedStatement del = c.prepareStatement("DELETE FROM " + TABLE + " WHERE id = ?")) {
                long op = 0;
                while (!stop) {
                    op++;
                    int dice = random.nextInt(10);
                    try {
                        if (dice < 4 || ids.isEmpty()) {
                            int id = next++;
                            int a = random.nextInt(1_000_000);
                            ins.setInt(1, id);
                            ins.setInt(2, a);
                            ins.setString(3, "ins-" + op);
                            if (ins.executeUpdate() == 1) {
                                expected.put(id, a + "|ins-" + op);
                                ids.add(id);
                            }
                        } else {
                            int pos = random.nextInt(ids.size());
                            int id = ids.get(pos);
                            if (dice < 8) {
                                int a = random.nextInt(1_000_000);
                                upd.setInt(1, a);
                                upd.setString(2, "upd-" + op);
                                upd.setInt(3, id);
                                if (upd.executeUpdate() == 1) {
                                    expected.put(id, a + "|upd-" + op);
                                }
                            } else {
                                del.setInt(1, id);
                                if (del.executeUpdate() == 1) {
                                    expected.remove(id);
                                    ids.set(pos, ids.get(ids.size() - 1));
                                    ids.remove(ids.size() - 1);
                                }
                            }
                        }
                        ok.incrementAndGet();
                    } catch (SQLException e) {
                        if (failed.getAndIncrement() == 0) {
                            firstError = e.getErrorCode() + " " + e.getMessage();
                        }
                    }
                }
            } catch (SQLException e) {
                firstError = "cannot connect: " + e.getMessage();
            }
        }

        /** Lost, phantom and different rows of the table against {@code expected}. */
        static int[] compare(LocalMariaDb server, Map<Integer, String> expected) throws SQLException {
            Map<Integer, String> remaining = new HashMap<>(expected);
            int phantom = 0;
            int different = 0;
            try (Connection c = server.connect(SCHEMA);
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT id, a, b FROM " + TABLE)) {
                while (rs.next()) {
                    String want = remaining.remove(rs.getInt(1));
                    String got = rs.getInt(2) + "|" + rs.getString(3);
                    if (want == null) {
                        phantom++;
                    } else if (!want.equals(got)) {
                        different++;
                    }
                }
            }
            return new int[] {remaining.size(), phantom, different};
        }
    }
}
