package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.FakeGhostRun.sleep;
import static dev.osc4j.testkit.ghost.GoMySql.q;

import dev.osc4j.testkit.ghost.FakeGhostRun.Fatal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The row copy and the cut-over, as gh-ost's {@code Migrator} drives them ({@code go/logic/migrator.go}:
 * {@code iterateChunks}, {@code cutOver}, {@code cutOverTwoStep}) and its {@code Applier} runs them
 * ({@code go/logic/applier.go}: {@code CalculateNextIterationRangeEndValues}, {@code ApplyIterationInsertQuery}): the
 * table copied into the ghost in chunks along its unique key, throttled and slowed by {@code nice-ratio}, then
 * postponed while the flag file says so, and swapped with {@code RENAME TABLE}. The testkit's fault switches (die,
 * fail or hang at a percentage of the copy) are checked before each chunk.
 */
final class GhostRowCopy {
    private final FakeGhostRun run;

    GhostRowCopy(FakeGhostRun run) {
        this.run = run;
    }

    void copyRows(Connection c, List<String> key, List<String> shared) throws SQLException, Fatal {
        String cols = String.join(", ", shared.stream().map(GoMySql::q).toList());
        String keyCols = String.join(", ", key.stream().map(GoMySql::q).toList());
        String keyTuple = key.size() == 1 ? q(key.get(0)) : "(" + keyCols + ")";
        String params = key.size() == 1
                ? "?"
                : "(" + String.join(", ", key.stream().map(k -> "?").toList()) + ")";
        Object[] last = null;
        while (true) {
            checkFaults();
            waitWhileThrottled();
            String after = last == null ? "" : " WHERE " + keyTuple + " > " + params;
            Object[] end = null;
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT /* gh-ost */ " + keyCols + " FROM " + run.mysql.qq(run.table) + after
                            + " ORDER BY " + keyCols + " LIMIT 1 OFFSET " + (run.chunkSize - 1))) {
                bind(ps, last, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        end = new Object[key.size()];
                        for (int i = 0; i < key.size(); i++) {
                            end[i] = rs.getObject(i + 1);
                        }
                    }
                }
            }
            long started = System.nanoTime();
            String range =
                    end == null ? after : (last == null ? " WHERE " : after + " AND ") + keyTuple + " <= " + params;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT /* gh-ost */ IGNORE INTO " + run.mysql.qq(run.ghost) + " (" + cols + ") SELECT " + cols
                            + " FROM " + run.mysql.qq(run.table) + range + " LOCK IN SHARE MODE")) {
                int next = bind(ps, last, 1);
                bind(ps, end, next);
                run.copied.addAndGet(ps.executeUpdate());
            }
            if (end == null) {
                return;
            }
            last = end;
            long tookNanos = System.nanoTime() - started;
            sleep(run.behavior.chunkDelay().plusNanos((long) (run.niceRatio * tookNanos)));
        }
    }

    private static int bind(PreparedStatement ps, Object @Nullable [] values, int from) throws SQLException {
        int i = from;
        if (values != null) {
            for (Object v : values) {
                ps.setObject(i++, v);
            }
        }
        return i;
    }

    private void checkFaults() throws Fatal {
        if (!run.faults || run.exactRows <= 0) {
            return;
        }
        double pct = 100.0 * run.copied.get() / run.exactRows;
        if (run.behavior.dieAtPercent() >= 0 && pct >= run.behavior.dieAtPercent()) {
            run.err.flush();
            run.out.flush();
            Runtime.getRuntime().halt(1); // dies without cleanup, hook or message, as a killed process would
        }
        if (run.behavior.failAtPercent() >= 0 && pct >= run.behavior.failAtPercent()) {
            throw new Fatal(String.format(
                    Locale.ROOT,
                    "fake gh-ost: injected failure at %.1f%% of the copy (osc4j testkit fault switch)",
                    pct));
        }
        if (run.behavior.hangAtPercent() >= 0 && pct >= run.behavior.hangAtPercent()) {
            run.log("INFO", "fake gh-ost: hanging at " + pct + "% (osc4j testkit fault switch)");
            while (true) {
                sleep(Duration.ofSeconds(1));
            }
        }
    }

    private void waitWhileThrottled() {
        while (run.throttleReason != null && !run.finished) {
            sleep(Duration.ofMillis(50));
        }
    }

    /** {@code waitForEventsUpToLock} in {@code go/logic/migrator.go}: every event up to the coordinates applied. */
    @FunctionalInterface
    interface EventsUpToLock {
        /**
         * Returns once every row event up to {@code file:position} is applied; {@code monitor} is a connection of the
         * cut-over's own that the wait may use.
         */
        void await(String file, long position, Connection monitor) throws Fatal;
    }

    /**
     * Postpones while the flag file says so, then swaps. The default ({@code --cut-over=atomic}, and with
     * {@code --checkpoint} or {@code --revert} whatever the flag) is gh-ost's atomic cut-over ({@code atomicCutOver} in
     * {@code go/logic/migrator.go}): the original table is locked, the binlog coordinates taken and every event up to
     * them applied ({@code waitForEventsUpToLock}), the {@code RENAME} issued from another connection and seen waiting
     * for the lock, then the lock released so that the {@code RENAME} runs before any write waiting for the table (a
     * pending exclusive metadata lock goes first). Without the sentry table and the changelog handshake of the real
     * one. {@code --cut-over=two-step} and {@code --test-on-replica} wait for the events up to the coordinates, then
     * rename without a lock (gh-ost locks for those too). Returns the cut-over's coordinates, or null without a lock.
     */
    @Nullable
    String cutOver(Connection c, EventsUpToLock events) throws SQLException, Fatal {
        waitWhileThrottled();
        String postpone = run.flags.string("postpone-cut-over-flag-file", "");
        while (!postpone.isEmpty() && !run.unpostponed && Files.exists(Path.of(postpone))) {
            if (!run.postponing) {
                run.hooks.executeHooks("begin-postponed");
                run.postponing = true;
                run.log("INFO", "Postponing cut-over: " + postpone + " exists");
            }
            sleep(run.behavior.second());
        }
        run.postponing = false;
        run.log("INFO", "checking for cut-over postpone: complete");
        if (run.inspection.tableExists(c, run.old)) {
            throw new Fatal("Error 1050 (42S01): Table " + q(run.old) + " already exists");
        }
        String atomic = "RENAME /* gh-ost */ TABLE " + run.mysql.qq(run.table) + " TO " + run.mysql.qq(run.old) + ", "
                + run.mysql.qq(run.ghost) + " TO " + run.mysql.qq(run.table);
        boolean twoStep = run.flags.string("cut-over", "atomic").equals("two-step");
        if (run.flags.bool("checkpoint") || run.revert || (!twoStep && !run.flags.bool("test-on-replica"))) {
            String coords = lockedRename(c, atomic, events);
            run.log("INFO", "Tables renamed");
            return coords;
        }
        String[] at = FakeGhostRun.masterCoordinates(c);
        events.await(at[0], Long.parseLong(at[1]), c);
        if (twoStep) {
            run.mysql.exec(c, "RENAME /* gh-ost */ TABLE " + run.mysql.qq(run.table) + " TO " + run.mysql.qq(run.old));
            run.mysql.exec(
                    c, "RENAME /* gh-ost */ TABLE " + run.mysql.qq(run.ghost) + " TO " + run.mysql.qq(run.table));
        } else {
            run.mysql.exec(c, atomic);
        }
        if (run.flags.bool("test-on-replica")) {
            run.mysql.exec(
                    c,
                    "RENAME /* gh-ost */ TABLE " + run.mysql.qq(run.table) + " TO " + run.mysql.qq(run.ghost) + ", "
                            + run.mysql.qq(run.old) + " TO " + run.mysql.qq(run.table));
        }
        run.log("INFO", "Tables renamed");
        return null;
    }

    private String lockedRename(Connection c, String rename, EventsUpToLock events) throws SQLException, Fatal {
        run.mysql.exec(c, "LOCK /* gh-ost */ TABLES " + run.mysql.qq(run.table) + " WRITE");
        boolean locked = true;
        try (Connection renamer = run.mysql.connect(run.applierHost, run.applierPort);
                Connection monitor = run.mysql.connect(run.applierHost, run.applierPort)) {
            String file;
            long pos;
            try (PreparedStatement ps = c.prepareStatement("SHOW MASTER STATUS");
                    ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new Fatal("fake gh-ost: SHOW MASTER STATUS is empty: is the binary log on?");
                }
                file = rs.getString(1);
                pos = rs.getLong(2);
            }
            run.log("INFO", "Waiting for events up to lock");
            events.await(file, pos, monitor);
            run.log("INFO", "Done waiting for events up to lock");
            long renamerId;
            try (PreparedStatement ps = renamer.prepareStatement("SELECT CONNECTION_ID()");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                renamerId = rs.getLong(1);
            }
            java.util.concurrent.CompletableFuture<@Nullable SQLException> renamed =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            run.mysql.exec(renamer, rename);
                            return null;
                        } catch (SQLException e) {
                            return e;
                        }
                    });
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!waitingForLock(monitor, renamerId) && !renamed.isDone()) {
                if (System.nanoTime() > deadline) {
                    throw new Fatal("fake gh-ost: the RENAME is not waiting for the lock after 10 s");
                }
                sleep(Duration.ofMillis(5));
            }
            run.mysql.exec(c, "UNLOCK TABLES");
            locked = false;
            SQLException failed = renamed.join();
            if (failed != null) {
                throw failed;
            }
            return file + ":" + pos;
        } finally {
            if (locked) {
                run.mysql.exec(c, "UNLOCK TABLES");
            }
        }
    }

    private static boolean waitingForLock(Connection monitor, long id) throws SQLException {
        try (PreparedStatement ps = monitor.prepareStatement(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND STATE LIKE '%metadata lock%'")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }
}
