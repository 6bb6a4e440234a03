package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.GoMySql.goError;
import static dev.osc4j.testkit.ghost.GoMySql.q;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One run of the fake gh-ost, in the order of gh-ost's {@code Migrator.Migrate} ({@code go/logic/migrator.go}):
 * start-up hook, inspect the table, find the master, create {@code _<t>_ghc} and {@code _<t>_gho}, ALTER the ghost,
 * heartbeat, validated hook, serve the socket, count, copy in chunks (throttled and postponed as gh-ost would be),
 * row-copy-complete hook, postpone until released, swap with {@code RENAME TABLE}, drop the changelog, success hook.
 * A failure runs the failure hook and exits 1 leaving the tables; a panic exits 1 at once, leaving the socket file too.
 *
 * <p>The run keeps that order and the state the jobs share; the jobs themselves are classes of their own:
 * {@link GhostInspector}, {@link GhostChangelog}, {@link GhostRowCopy}, {@link ThrottleCollector},
 * {@link GhostStatusPrinter}, {@link GhostSocketCommands}, {@link GhostHooks}, and {@link GoMySql} to talk to the server.
 */
final class FakeGhostRun {
    static final String GIT_COMMIT = "osc4j-fake";
    private static final DateTimeFormatter LOG_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final Pattern RENAME_TABLE =
            Pattern.compile("(?is)^\\s*rename\\s+(?:to\\s+|as\\s+)?(?!column\\b|index\\b|key\\b)[`\\w]");

    // The run's state below is package-private: the classes that do the run's jobs (inspection, changelog, row
    // copy, throttle collector, status, socket commands, hooks) read and set it through the run they are given.
    final GoFlags flags;
    final FakeGhostBehavior behavior;
    final PrintStream out;
    final PrintStream err;
    private final boolean verbose;
    final String database;
    final String table;
    final String alter;
    final String ghost;
    final String changelog;
    final String old;
    /** {@code _<t>_ghk}, the checkpoint table ({@code --checkpoint}, gh-ost 1.1.8+). */
    final String checkpointTable;
    /** {@code --revert}: the run reverts a completed migration instead of migrating. */
    final boolean revert;

    final String hostname;
    final boolean faults;
    final Object outputLock = new Object();

    // settable through the socket
    volatile long chunkSize;
    volatile long dmlBatchSize;
    volatile long maxLagMillis;
    volatile double niceRatio;
    volatile String maxLoad;
    volatile String criticalLoad;
    volatile String throttleQuery;
    volatile String throttleHttp;
    volatile List<String> controlReplicas;

    // progress and state
    final AtomicLong copied = new AtomicLong();
    volatile long rowsEstimate;
    volatile long exactRows;
    volatile boolean userThrottle;
    volatile boolean countingRows;
    volatile boolean postponing;
    volatile boolean unpostponed;
    volatile boolean rowCopyComplete;
    volatile boolean finished;
    /** context.go: etaNanoseonds starts as ETAUnknown. */
    volatile long etaSecondsForHooks = Long.MIN_VALUE;

    volatile @Nullable String throttleReason;
    volatile long inspectorLagNanos;
    volatile long lastHeartbeatNanos = System.nanoTime();
    volatile String streamer = "mysql-bin.000001:4";
    /** True once a streamer owns {@link #streamer} (the binlog read position); before, the collector shows the master's. */
    volatile boolean streaming;
    /** The forward run's streamer and applier, once the DML listener is added; null before and in noop or revert. */
    volatile @Nullable GhostDmlApplier dml;
    /** {@code TotalDMLEventsApplied} of a revert (a forward run counts in {@link #dml}). */
    final AtomicLong revertApplied = new AtomicLong();

    volatile long etaRowsPerSecond;
    volatile long startNanos = System.nanoTime();
    volatile Instant startTime = Instant.now();
    volatile long copyStartNanos;
    volatile long copyEndNanos;

    String inspectorKey = "";
    String applierKey = "";
    String applierHost = "";
    int applierPort;
    private @Nullable FakeGhostSocket socket;
    private final List<Thread> threads = new ArrayList<>();

    // the run's jobs, each in a class of its own
    final GoMySql mysql;
    final GhostInspector inspection;
    final GhostChangelog changelogWriter;
    final GhostRowCopy rowCopy;
    final ThrottleCollector collector;
    final GhostStatusPrinter status;
    final GhostSocketCommands commands;
    final GhostHooks hooks;
    final GhostCheckpoint checkpoint;

    /** A fatal error: the run ends with the failure hook and exit code 1. */
    static final class Fatal extends Exception {
        private static final long serialVersionUID = 1L;

        Fatal(String message) {
            super(message);
        }
    }

    FakeGhostRun(
            GoFlags flags, FakeGhostBehavior behavior, String user, String password, PrintStream out, PrintStream err) {
        this.flags = flags;
        this.behavior = behavior;
        this.out = out;
        this.err = err;
        this.verbose = flags.bool("verbose") || flags.bool("debug");
        this.database = flags.string("database", "");
        this.table = flags.string("table", "");
        this.alter = flags.string("alter", "");
        String base = flags.string("force-table-names", table);
        // context.go: in revert the "ghost" is --old-table and the old table is _<t>_rev_del
        this.revert = flags.bool("revert");
        this.ghost = revert ? flags.string("old-table", "") : safeName(base, "gho");
        this.changelog = safeName(base, "ghc");
        this.old = safeName(base, revert ? "rev_del" : "del");
        this.checkpointTable = safeName(base, "ghk");
        this.hostname = localHostname();
        this.faults = behavior.faultsApplyTo(table);
        this.chunkSize = clamp(flags.integer("chunk-size", 1000), 10, 100_000);
        this.dmlBatchSize = clamp(flags.integer("dml-batch-size", 10), 1, 1000);
        this.maxLagMillis = Math.max(100, flags.integer("max-lag-millis", 1500));
        this.niceRatio = Math.max(0, Math.min(100, flags.decimal("nice-ratio", 0)));
        this.maxLoad = flags.string("max-load", "");
        this.criticalLoad = flags.string("critical-load", "");
        this.throttleQuery = flags.string("throttle-query", "");
        this.throttleHttp = flags.string("throttle-http", "");
        this.controlReplicas = splitList(flags.string("throttle-control-replicas", ""));
        this.mysql = new GoMySql(flags, user, password, database);
        this.inspection = new GhostInspector(this);
        this.changelogWriter = new GhostChangelog(this);
        this.rowCopy = new GhostRowCopy(this);
        this.collector = new ThrottleCollector(this);
        this.status = new GhostStatusPrinter(this);
        this.commands = new GhostSocketCommands(this);
        this.hooks = new GhostHooks(this);
        this.checkpoint = new GhostCheckpoint(this);
    }

    static String safeName(String base, String suffix) {
        String name = "_" + base + "_" + suffix;
        if (name.length() <= 64) {
            return name;
        }
        int extra = name.length() - 64;
        return "_" + base.substring(0, base.length() - extra) + "_" + suffix;
    }

    static long clamp(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }

    static List<String> splitList(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) {
            if (!p.isBlank()) {
                out.add(p.strip().contains(":") ? p.strip() : p.strip() + ":3306");
            }
        }
        return List.copyOf(out);
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    // ------------------------------------------------------------------------------------------------ the run

    /** Runs the migration; the exit code. */
    int run() {
        startNanos = System.nanoTime();
        startTime = Instant.now();
        // main.go: "starting gh-ost %+v" at v1.1.6, with " (git commit: %s)" from v1.1.7 on
        log(
                "INFO",
                "starting gh-ost " + behavior.version()
                        + (behavior.version().equals("1.1.6") ? "" : " (git commit: " + GIT_COMMIT + ")"));
        if (revert && !alter.isEmpty()) {
            log("WARNING", "--alter was provided with --revert, it will be ignored"); // main.go
        }
        try {
            if (revert) {
                revertMigration();
            } else {
                migrate();
            }
        } catch (Fatal e) {
            teardown();
            try {
                hooks.executeHooks("failure");
            } catch (Fatal ignored) {
                // gh-ost ignores the failure hook's own failure
            }
            log("FATAL", String.valueOf(e.getMessage()));
            return 1;
        }
        teardown();
        println("# Done");
        return 0;
    }

    private void migrate() throws Fatal {
        log("INFO", "Migrating " + q(database) + "." + q(table));
        hooks.executeHooks("startup");
        if (RENAME_TABLE.matcher(alter).find()) {
            throw new Fatal("ALTER statement seems to RENAME the table. This is not supported, and you should run"
                    + " your RENAME outside gh-ost.");
        }
        inspection.initiateInspector();
        boolean noop = !flags.bool("execute");
        try (Connection applier = mysql.connect(applierHost, applierPort)) {
            List<String> key = inspection.uniqueKey(applier, table);
            if (key.isEmpty()) {
                throw new Fatal("No PRIMARY nor UNIQUE key found in table! Bailing out");
            }
            validateOrDropExistingTables(applier);
            changelogWriter.createChangelog(applier);
            mysql.exec(applier, "CREATE /* gh-ost */ TABLE " + mysql.qq(ghost) + " LIKE " + mysql.qq(table));
            log("INFO", "Altering ghost table " + mysql.qq(ghost));
            try {
                mysql.exec(applier, "ALTER /* gh-ost */ TABLE " + mysql.qq(ghost) + " " + alter);
            } catch (SQLException e) {
                log("ERROR", "Unable to ALTER ghost table, see further error details. Bailing out");
                throw new Fatal(goError(e, applierKey));
            }
            List<String> ghostColumns = inspection.columns(applier, ghost);
            if (!ghostColumns.containsAll(key)) {
                throw new Fatal("No shared unique key can be found after ALTER! Bailing out");
            }
            List<String> shared = new ArrayList<>(inspection.columns(applier, table));
            shared.retainAll(ghostColumns);
            changelogWriter.writeChangelog(applier, "state", "GhostTableMigrated");
            if (flags.bool("checkpoint")) {
                checkpoint.create(applier, key); // migrator.go: after inspectOriginalAndGhostTables
            }
            changelogWriter.startHeartbeat();
            createFlagFiles();
            if (flags.bool("attempt-instant-ddl") && !noop && attemptInstantDdl(applier)) {
                return; // migrator.go: before any postpone check, so the postpone flag file is never looked at
            }
            hooks.executeHooks("validated");
            serve();
            collector.startCollector();
            collector.awaitFirstThrottlingCollected();
            inspection.countRows(applier);
            if (!noop) {
                startDmlApplier(applier, key, shared); // migrator.go: addDMLEventsListener, then executeWriteFuncs
            }
            hooks.executeHooks("before-row-copy");
            copyStartNanos = System.nanoTime();
            status.startStatus();
            if (!noop) {
                rowCopy.copyRows(applier, key, shared);
            }
            rowCopyComplete = true;
            copyEndNanos = System.nanoTime();
            log("INFO", "Row copy complete");
            hooks.executeHooks("row-copy-complete");
            status.printStatus(GhostStatusPrinter.Rule.FORCE, null);
            hooks.executeHooks("before-cut-over");
            String coords = null;
            GhostDmlApplier events = dml;
            if (!noop && events != null) {
                coords = rowCopy.cutOver(applier, (file, pos, monitor) -> events.awaitUpTo(file, pos));
            }
            if (flags.bool("checkpoint") && !noop && coords != null) {
                try {
                    checkpoint.writeCutover(applier, key, coords, copied.get());
                } catch (SQLException e) {
                    log("WARNING", "failed to checkpoint after cutover: " + goError(e, applierKey));
                }
            }
            finished = true;
            stopThreads();
            finalCleanup(applier, noop);
        } catch (SQLException e) {
            throw new Fatal(goError(e, applierKey));
        }
        successHook(false);
        log("INFO", "Done migrating " + q(database) + "." + q(table));
    }

    /**
     * {@code addDMLEventsListener} and {@code executeWriteFuncs} ({@code go/logic/migrator.go}): from here on every row
     * event on the original table reaches the ghost table through the binlog ({@link GhostDmlApplier}).
     */
    private void startDmlApplier(Connection applier, List<String> key, List<String> shared) throws SQLException, Fatal {
        String[] at = masterCoordinates(applier);
        GhostBinlogReplay log = new GhostBinlogReplay(
                this,
                mysql.user(),
                mysql.password(),
                at[0],
                Long.parseLong(at[1]),
                inspection.columns(applier, table),
                shared,
                key);
        GhostDmlApplier events = new GhostDmlApplier(this, log);
        streaming = true;
        dml = events;
        events.start(mysql.connect(applierHost, applierPort));
    }

    /** {@code readCurrentBinlogCoordinates} in {@code go/logic/streamer.go}: file and position of the master. */
    static String[] masterCoordinates(Connection c) throws SQLException, Fatal {
        try (java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs =
                        st.executeQuery("SHOW /* gh-ost readCurrentBinlogCoordinates */ MASTER STATUS")) {
            if (!rs.next()) {
                throw new Fatal("fake gh-ost: SHOW MASTER STATUS is empty: is the binary log on?");
            }
            return new String[] {rs.getString(1), Long.toString(rs.getLong(2))};
        }
    }

    /** {@code finalCleanup} in {@code go/logic/migrator.go}: the changelog goes; the old and checkpoint tables stay unless {@code --ok-to-drop-table}. */
    private void finalCleanup(Connection applier, boolean noop) throws SQLException {
        changelogWriter.writeChangelogQuietly(applier, "state", "Migrated");
        mysql.exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + mysql.qq(changelog));
        if (flags.bool("ok-to-drop-table") && !flags.bool("test-on-replica") && !noop) {
            mysql.exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + mysql.qq(old));
            if (patch() >= 8) {
                mysql.exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + mysql.qq(checkpointTable));
            }
        } else if (noop) {
            mysql.exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + mysql.qq(ghost));
        } else {
            log(
                    "INFO",
                    "Am not dropping old table because I want this operation to be as live as possible."
                            + " If you insist I should do it, please add `--ok-to-drop-table` next time. But I prefer you"
                            + " do not. To drop the old table, issue:");
            log("INFO", "-- drop table " + q(database) + "." + q(old));
            if (flags.bool("checkpoint")) {
                log(
                        "INFO",
                        "Am not dropping checkpoint table without `--ok-to-drop-table`. To drop the checkpoint"
                                + " table, issue:");
                log("INFO", "-- drop table " + q(database) + "." + q(checkpointTable));
            }
        }
    }

    /**
     * {@code Revert} in {@code go/logic/migrator.go} (gh-ost 1.1.8+, {@code --revert --old-table=_<t>_del}): no ghost
     * table and no copy; the cut-over checkpoint of the forward run gives the binlog coordinates from which every
     * change to the table is applied to the old table ({@link GhostBinlogReplay}), then the same postponed cut-over
     * swaps them back ({@code _<t>_del} becomes {@code <t>}, {@code <t>} becomes {@code _<t>_rev_del}). Hooks run with
     * {@code GH_OST_REVERT=true}: startup, validated, begin-postponed, before-cut-over, success.
     */
    private void revertMigration() throws Fatal {
        log("INFO", "Reverting " + q(database) + "." + q(table) + " from " + q(database) + "." + q(ghost));
        hooks.executeHooks("startup");
        inspection.initiateInspector();
        try (Connection applier = mysql.connect(applierHost, applierPort);
                Connection replayConnection = mysql.connect(applierHost, applierPort)) {
            changelogWriter.createChangelog(applier);
            createFlagFiles();
            List<String> ghostKey = inspection.uniqueKey(applier, ghost);
            if (ghostKey.isEmpty()) {
                throw new Fatal("no PRIMARY nor UNIQUE key found in table! Bailing out");
            }
            List<String> key = inspection.uniqueKey(applier, table);
            List<String> tableColumns = inspection.columns(applier, table);
            List<String> shared = new ArrayList<>(tableColumns);
            shared.retainAll(inspection.columns(applier, ghost));
            GhostCheckpoint.Checkpoint chk = checkpoint.readCutover(applier);
            log("INFO", "Reverting from checkpoint coords=" + chk.coords());
            GhostBinlogReplay replay = new GhostBinlogReplay(
                    this,
                    mysql.user(),
                    mysql.password(),
                    chk.file(),
                    chk.position(),
                    tableColumns,
                    shared,
                    key.isEmpty() ? ghostKey : key);
            revertApplied.addAndGet(replay.catchUp(replayConnection));
            streaming = true;
            streamer = replay.coordinates();
            changelogWriter.writeChangelog(applier, "state", "GhostTableMigrated");
            changelogWriter.startHeartbeat();
            hooks.executeHooks("validated");
            serve();
            copied.set(chk.rowsCopied());
            rowsEstimate = chk.rowsCopied();
            exactRows = chk.rowsCopied();
            rowCopyComplete = true;
            copyStartNanos = System.nanoTime();
            copyEndNanos = copyStartNanos;
            collector.startCollector();
            collector.awaitFirstThrottlingCollected();
            // One applier at a time, as gh-ost's single applier ("The function fills the data single-threaded. Both
            // event backlog and rowcopy events are polled; the backlog events have precedence": executeWriteFuncs in
            // go/logic/migrator.go, which returns once finishedMigrating is set): once the cut-over begins it applies
            // the events up to the lock itself (waitForEventsUpToLock, same file), and nothing may apply to the old
            // table after the RENAME has given its name away (a background pass then failed with 1146 on _<t>_del
            // while the application kept writing).
            AtomicBoolean cuttingOver = new AtomicBoolean();
            background("revert-apply", () -> {
                while (!finished) {
                    synchronized (replay) {
                        if (cuttingOver.get()) {
                            return;
                        }
                        try {
                            revertApplied.addAndGet(replay.catchUp(replayConnection));
                            streamer = replay.coordinates();
                        } catch (Fatal e) {
                            panic(String.valueOf(e.getMessage()));
                        }
                    }
                    sleep(Duration.ofMillis(100));
                }
            });
            status.startStatus();
            status.printStatus(GhostStatusPrinter.Rule.FORCE, null);
            hooks.executeHooks("before-cut-over");
            synchronized (replay) {
                cuttingOver.set(true);
            }
            rowCopy.cutOver(applier, (file, pos, monitor) -> {
                while (!replay.reached(file, pos)) {
                    revertApplied.addAndGet(replay.catchUp(monitor));
                }
            });
            finished = true;
            stopThreads();
            finalCleanup(applier, false);
        } catch (SQLException e) {
            throw new Fatal(goError(e, applierKey));
        }
        successHook(false);
        log("INFO", "Done reverting " + q(database) + "." + q(table));
    }

    /**
     * {@code --attempt-instant-ddl} ({@code Migrate} in {@code go/logic/migrator.go}, {@code AttemptInstantDDL} in
     * {@code applier.go}): the ALTER with {@code ALGORITHM=INSTANT} on the original table; when the server takes it,
     * v1.1.6 returns at once (its tables stay), v1.1.7+ drops them ({@code finalCleanup}) and runs the success hook;
     * either way gh-ost then prints {@code # Done} and exits 0 without postponing. When the server refuses, the
     * migration goes on as usual.
     */
    private boolean attemptInstantDdl(Connection applier) throws Fatal, SQLException {
        log("INFO", "Attempting to execute alter with ALGORITHM=INSTANT");
        try {
            mysql.exec(applier, "ALTER /* gh-ost */ TABLE " + mysql.qq(table) + " " + alter + ", ALGORITHM=INSTANT");
        } catch (SQLException e) {
            log(
                    "INFO",
                    "ALGORITHM=INSTANT not supported for this operation, proceeding with original algorithm: "
                            + goError(e, applierKey));
            return false;
        }
        finished = true;
        stopThreads();
        if (!behavior.version().equals("1.1.6")) {
            mysql.exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + mysql.qq(ghost));
            mysql.exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + mysql.qq(changelog));
            successHook(true);
        }
        log("INFO", "Success! table " + q(database) + "." + q(table) + " migrated instantly");
        return true;
    }

    /** hooks.go {@code OnSuccess}: {@code GH_OST_INSTANT_DDL} from v1.1.9. */
    private void successHook(boolean instantDdl) throws Fatal {
        if (patch() >= 9) {
            hooks.executeHooks("success", "GH_OST_INSTANT_DDL=" + instantDdl);
        } else {
            hooks.executeHooks("success");
        }
    }

    private void validateOrDropExistingTables(Connection c) throws SQLException, Fatal {
        if (inspection.tableExists(c, ghost)) {
            if (flags.bool("initially-drop-ghost-table")) {
                mysql.exec(c, "DROP /* gh-ost */ TABLE IF EXISTS " + mysql.qq(ghost));
            } else {
                throw new Fatal("Table " + q(ghost) + " already exists. Panicking. Use --initially-drop-ghost-table to"
                        + " force dropping it, though I really prefer that you drop it or rename it away");
            }
        }
        if (inspection.tableExists(c, old)) {
            if (flags.bool("initially-drop-old-table")) {
                mysql.exec(c, "DROP /* gh-ost */ TABLE IF EXISTS " + mysql.qq(old));
            } else {
                throw new Fatal("Table " + q(old) + " already exists. Panicking. Use --initially-drop-old-table to"
                        + " force dropping it, though I really prefer that you drop it or rename it away");
            }
        }
    }

    private void createFlagFiles() throws Fatal {
        String postpone = flags.string("postpone-cut-over-flag-file", "");
        if (!postpone.isEmpty() && !Files.exists(Path.of(postpone))) {
            try {
                Files.createFile(Path.of(postpone));
                log("INFO", "Created postpone-cut-over-flag-file: " + postpone);
            } catch (IOException e) {
                throw new Fatal(
                        "--postpone-cut-over-flag-file indicated by gh-ost is unable to create said file: " + e);
            }
        }
    }

    private void serve() throws Fatal {
        String path = flags.string("serve-socket-file", "/tmp/gh-ost." + database + "." + table + ".sock");
        Path p = Path.of(path);
        if (flags.bool("initially-drop-socket-file")) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new Fatal("cannot remove socket file " + path + ": " + e);
            }
        }
        try {
            socket = FakeGhostSocket.start(p, this);
        } catch (IOException e) {
            throw new Fatal("listen unix " + path + ": bind: address already in use");
        }
        log("INFO", "Listening on unix socket file: " + path);
    }

    // ------------------------------------------------------------------------------------------------ background

    void background(String name, Runnable body) {
        Thread t = new Thread(body, "fake-gh-ost-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void stopThreads() {
        finished = true;
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void teardown() {
        stopThreads();
        FakeGhostSocket s = socket;
        if (s != null) {
            s.close(); // deferred RemoveSocketFile in gh-ost: removes the socket file
            socket = null;
        }
    }

    /** Exits at once, without cleanup, like gh-ost's PanicAbort: the socket file stays. */
    void panic(String message) {
        log("FATAL", message);
        out.flush();
        err.flush();
        Runtime.getRuntime().halt(1);
    }

    // ------------------------------------------------------------------------------------------------ socket

    /** Answers one interactive command (see {@link GhostSocketCommands#command}). */
    String command(String line) {
        return commands.command(line);
    }

    /** The reply to {@code panic} (see {@link GhostSocketCommands#panicReply}). */
    String panicReply() {
        return commands.panicReply();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The patch number of the gh-ost version the fake is (6 for 1.1.6): socket replies and hook variables vary by it. */
    int patch() {
        String v = behavior.version();
        return Integer.parseInt(v.substring(v.lastIndexOf('.') + 1));
    }

    /** A duration as gh-ost prints it (see {@link GhostStatusPrinter#goDuration}). */
    static String goDuration(Duration d) {
        return GhostStatusPrinter.goDuration(d);
    }

    void log(String level, String message) {
        if (level.equals("INFO") && !verbose) {
            return;
        }
        synchronized (outputLock) {
            err.println(LOG_TIME.format(Instant.now()) + " " + level + " " + message);
            err.flush();
        }
    }

    private void println(String s) {
        synchronized (outputLock) {
            out.println(s);
            out.flush();
        }
    }

    static void sleep(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
