package dev.osc4j.testkit.ghost;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One run of the fake gh-ost, in the order of gh-ost's {@code Migrator.Migrate} ({@code go/logic/migrator.go}):
 * start-up hook, inspect the table, find the master, create {@code _<t>_ghc} and {@code _<t>_gho}, ALTER the ghost,
 * heartbeat, validated hook, serve the socket, count, copy in chunks (throttled and postponed as gh-ost would be),
 * row-copy-complete hook, postpone until released, swap with {@code RENAME TABLE}, drop the changelog, success hook.
 * A failure runs the failure hook and exits 1 leaving the tables; a panic exits 1 at once, leaving the socket file too.
 */
final class FakeGhostRun {
    static final String GIT_COMMIT = "osc4j-fake";
    private static final DateTimeFormatter LOG_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter RUBY_DATE = DateTimeFormatter.ofPattern(
                    "EEE MMM dd HH:mm:ss Z yyyy", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    private static final Pattern RENAME_TABLE =
            Pattern.compile("(?is)^\\s*rename\\s+(?:to\\s+|as\\s+)?(?!column\\b|index\\b|key\\b)[`\\w]");
    static final String THROTTLE_HINT =
            "# Note: you may only throttle for as long as your binary logs are not purged\n";

    private final GoFlags flags;
    private final FakeGhostBehavior behavior;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean verbose;
    private final String database;
    private final String table;
    private final String alter;
    private final String ghost;
    private final String changelog;
    private final String old;
    private final String user;
    private final String password;
    private final String hostname;
    private final boolean faults;
    private final Object outputLock = new Object();

    // settable through the socket
    private volatile long chunkSize;
    private volatile long dmlBatchSize;
    private volatile long maxLagMillis;
    private volatile double niceRatio;
    private volatile String maxLoad;
    private volatile String criticalLoad;
    private volatile String throttleQuery;
    private volatile String throttleHttp;
    private volatile List<String> controlReplicas;

    // progress and state
    private final AtomicLong copied = new AtomicLong();
    private volatile long rowsEstimate;
    private volatile long exactRows;
    private volatile boolean userThrottle;
    private volatile boolean countingRows;
    private volatile boolean postponing;
    private volatile boolean unpostponed;
    private volatile boolean rowCopyComplete;
    private volatile boolean finished;
    /** context.go: etaNanoseonds starts as ETAUnknown. */
    private volatile long etaSecondsForHooks = Long.MIN_VALUE;

    private volatile @Nullable String throttleReason;
    private volatile long inspectorLagNanos;
    private volatile long lastHeartbeatNanos = System.nanoTime();
    private volatile String streamer = "mysql-bin.000001:4";
    private volatile long etaRowsPerSecond;
    private volatile long startNanos = System.nanoTime();
    private volatile Instant startTime = Instant.now();
    private volatile long copyStartNanos;
    private volatile long copyEndNanos;

    private String inspectorKey = "";
    private String applierKey = "";
    private String applierHost = "";
    private int applierPort;
    private @Nullable FakeGhostSocket socket;
    private final List<Thread> threads = new ArrayList<>();
    /** Counted down after the collector's first evaluation; the copy waits for it (see {@link #startCollector}). */
    private final CountDownLatch firstThrottlingCollected = new CountDownLatch(1);

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
        this.ghost = safeName(base, "gho");
        this.changelog = safeName(base, "ghc");
        this.old = safeName(base, "del");
        this.user = user;
        this.password = password;
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
    }

    static String safeName(String base, String suffix) {
        String name = "_" + base + "_" + suffix;
        if (name.length() <= 64) {
            return name;
        }
        int extra = name.length() - 64;
        return "_" + base.substring(0, base.length() - extra) + "_" + suffix;
    }

    private static long clamp(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }

    private static List<String> splitList(String s) {
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
        try {
            migrate();
        } catch (Fatal e) {
            teardown();
            try {
                hooks("failure");
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
        hooks("startup");
        if (RENAME_TABLE.matcher(alter).find()) {
            throw new Fatal("ALTER statement seems to RENAME the table. This is not supported, and you should run"
                    + " your RENAME outside gh-ost.");
        }
        String host = flags.string("host", "127.0.0.1");
        int port = (int) flags.integer("port", 3306);
        inspectorKey = host + ":" + port;
        try (Connection inspector = connect(host, port)) {
            if (!tableExists(inspector, table)) {
                throw new Fatal("Cannot find table " + q(database) + "." + q(table) + "!");
            }
            String master = masterOf(inspector);
            boolean onReplica = flags.bool("migrate-on-replica") || flags.bool("test-on-replica");
            if (onReplica) {
                if (master == null) {
                    throw new Fatal("Instructed to --test-on-replica or --migrate-on-replica, but the server we"
                            + " connect to doesn't seem to be a replica");
                }
                applierKey = inspectorKey;
            } else if (flags.has("assume-master-host")) {
                String m = flags.string("assume-master-host", "");
                applierKey = m.contains(":") ? m : m + ":3306";
            } else if (master != null) {
                applierKey = master;
            } else {
                if (!flags.bool("allow-on-master")) {
                    throw new Fatal("It seems like this migration attempt to run directly on master. Preferably it"
                            + " would be executed on a replica (and this reduces load from the master). To proceed"
                            + " please provide --allow-on-master. Inspector config=" + inspectorKey
                            + ", applier config=" + inspectorKey);
                }
                applierKey = inspectorKey;
            }
            log("INFO", "Master found to be " + applierKey);
        } catch (SQLException e) {
            throw new Fatal(goError(e, inspectorKey));
        }
        applierHost = applierKey.substring(0, applierKey.lastIndexOf(':'));
        applierPort = Integer.parseInt(applierKey.substring(applierKey.lastIndexOf(':') + 1));
        boolean noop = !flags.bool("execute");
        try (Connection applier = connect(applierHost, applierPort)) {
            List<String> key = uniqueKey(applier, table);
            if (key.isEmpty()) {
                throw new Fatal("No PRIMARY nor UNIQUE key found in table! Bailing out");
            }
            validateOrDropExistingTables(applier);
            createChangelog(applier);
            exec(applier, "CREATE /* gh-ost */ TABLE " + qq(ghost) + " LIKE " + qq(table));
            log("INFO", "Altering ghost table " + qq(ghost));
            try {
                exec(applier, "ALTER /* gh-ost */ TABLE " + qq(ghost) + " " + alter);
            } catch (SQLException e) {
                log("ERROR", "Unable to ALTER ghost table, see further error details. Bailing out");
                throw new Fatal(goError(e, applierKey));
            }
            List<String> ghostColumns = columns(applier, ghost);
            if (!ghostColumns.containsAll(key)) {
                throw new Fatal("No shared unique key can be found after ALTER! Bailing out");
            }
            List<String> shared = new ArrayList<>(columns(applier, table));
            shared.retainAll(ghostColumns);
            writeChangelog(applier, "state", "GhostTableMigrated");
            startHeartbeat();
            createFlagFiles();
            if (flags.bool("attempt-instant-ddl") && !noop && attemptInstantDdl(applier)) {
                return; // migrator.go: before any postpone check, so the postpone flag file is never looked at
            }
            hooks("validated");
            serve();
            startCollector();
            awaitFirstThrottlingCollected();
            countRows(applier);
            hooks("before-row-copy");
            copyStartNanos = System.nanoTime();
            startStatus();
            if (!noop) {
                copyRows(applier, key, shared);
            }
            rowCopyComplete = true;
            copyEndNanos = System.nanoTime();
            log("INFO", "Row copy complete");
            hooks("row-copy-complete");
            printStatus(Rule.FORCE, null);
            hooks("before-cut-over");
            if (!noop) {
                cutOver(applier);
            }
            finished = true;
            stopThreads();
            writeChangelogQuietly(applier, "state", "Migrated");
            exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + qq(changelog));
            if (flags.bool("ok-to-drop-table") && !flags.bool("test-on-replica") && !noop) {
                exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + qq(old));
            } else if (noop) {
                exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + qq(ghost));
            } else {
                log(
                        "INFO",
                        "Am not dropping old table because I want this operation to be as live as possible."
                                + " If you insist I should do it, please add `--ok-to-drop-table` next time. But I prefer you"
                                + " do not. To drop the old table, issue:");
                log("INFO", "-- drop table " + q(database) + "." + q(old));
            }
        } catch (SQLException e) {
            throw new Fatal(goError(e, applierKey));
        }
        successHook(false);
        log("INFO", "Done migrating " + q(database) + "." + q(table));
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
            exec(applier, "ALTER /* gh-ost */ TABLE " + qq(table) + " " + alter + ", ALGORITHM=INSTANT");
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
            exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + qq(ghost));
            exec(applier, "DROP /* gh-ost */ TABLE IF EXISTS " + qq(changelog));
            successHook(true);
        }
        log("INFO", "Success! table " + q(database) + "." + q(table) + " migrated instantly");
        return true;
    }

    /** hooks.go {@code OnSuccess}: {@code GH_OST_INSTANT_DDL} from v1.1.9. */
    private void successHook(boolean instantDdl) throws Fatal {
        if (patch() >= 9) {
            hooks("success", "GH_OST_INSTANT_DDL=" + instantDdl);
        } else {
            hooks("success");
        }
    }

    private Connection connect(String host, int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5000");
        p.setProperty("sslMode", flags.bool("ssl") ? "REQUIRED" : "DISABLED");
        p.setProperty("allowPublicKeyRetrieval", "true");
        p.setProperty("characterEncoding", "UTF-8");
        Connection c = new com.mysql.cj.jdbc.Driver().connect("jdbc:mysql://" + host + ":" + port + "/" + database, p);
        if (c == null) {
            throw new SQLException("driver refused the URL");
        }
        return c;
    }

    private boolean tableExists(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, database);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** {@code host:port} of the server {@code c} replicates from, or null when it is not a replica. */
    private static @Nullable String masterOf(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                return null;
            }
            return rs.getString("Master_Host") + ":" + rs.getInt("Master_Port");
        }
    }

    /** The PRIMARY key's columns, else the first unique key on NOT NULL columns; empty when there is none. */
    private List<String> uniqueKey(Connection c, String name) throws SQLException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        Set<String> nullable = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT INDEX_NAME, COLUMN_NAME, NULLABLE FROM"
                + " information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0"
                + " ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX")) {
            ps.setString(1, database);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(rs.getString(2));
                    if ("YES".equals(rs.getString(3))) {
                        nullable.add(rs.getString(1));
                    }
                }
            }
        }
        for (Map.Entry<String, List<String>> e : keys.entrySet()) {
            if (!nullable.contains(e.getKey()) || flags.bool("allow-nullable-unique-key")) {
                return e.getValue();
            }
        }
        return List.of();
    }

    private List<String> columns(Connection c, String name) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, EXTRA FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, database);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String extra = String.valueOf(rs.getString(2)).toUpperCase(Locale.ROOT);
                    if (!extra.contains("GENERATED")) {
                        cols.add(rs.getString(1));
                    }
                }
            }
        }
        return cols;
    }

    private void validateOrDropExistingTables(Connection c) throws SQLException, Fatal {
        if (tableExists(c, ghost)) {
            if (flags.bool("initially-drop-ghost-table")) {
                exec(c, "DROP /* gh-ost */ TABLE IF EXISTS " + qq(ghost));
            } else {
                throw new Fatal("Table " + q(ghost) + " already exists. Panicking. Use --initially-drop-ghost-table to"
                        + " force dropping it, though I really prefer that you drop it or rename it away");
            }
        }
        if (tableExists(c, old)) {
            if (flags.bool("initially-drop-old-table")) {
                exec(c, "DROP /* gh-ost */ TABLE IF EXISTS " + qq(old));
            } else {
                throw new Fatal("Table " + q(old) + " already exists. Panicking. Use --initially-drop-old-table to"
                        + " force dropping it, though I really prefer that you drop it or rename it away");
            }
        }
    }

    private void createChangelog(Connection c) throws SQLException, Fatal {
        exec(c, "DROP /* gh-ost */ TABLE IF EXISTS " + qq(changelog));
        try {
            exec(
                    c,
                    "CREATE /* gh-ost */ TABLE " + qq(changelog) + " (id bigint unsigned auto_increment,"
                            + " last_update timestamp not null DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
                            + " hint varchar(64) charset ascii not null, value varchar(4096) charset ascii not null,"
                            + " primary key(id), unique key hint_uidx(hint)) auto_increment=256");
        } catch (SQLException e) {
            log(
                    "ERROR",
                    "Unable to create changelog table, see further error details. Perhaps a previous migration"
                            + " failed without dropping the table? OR is there a running migration? Bailing out");
            throw new Fatal(goError(e, applierKey));
        }
    }

    private void writeChangelog(Connection c, String hint, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT /* gh-ost */ INTO " + qq(changelog)
                + " (id, hint, value) VALUES (NULLIF(?, 0), ?, ?) ON DUPLICATE KEY UPDATE last_update = NOW(),"
                + " value = VALUES(value)")) {
            ps.setLong(1, hint.equals("heartbeat") ? 1 : hint.equals("state") ? 2 : 0);
            ps.setString(2, hint);
            ps.setString(3, value);
            ps.executeUpdate();
        }
    }

    private void writeChangelogQuietly(Connection c, String hint, String value) {
        try {
            writeChangelog(c, hint, value);
        } catch (SQLException e) {
            log("ERROR", goError(e, applierKey));
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

    private void countRows(Connection c) throws SQLException {
        countingRows =
                flags.bool("exact-rowcount") && flags.has("concurrent-rowcount") && !flags.bool("concurrent-rowcount");
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + qq(table))) {
            rs.next();
            exactRows = rs.getLong(1);
        }
        if (flags.bool("exact-rowcount")) {
            // gh-ost counts before the copy only with --concurrent-rowcount=false; the count above already ran.
            rowsEstimate = exactRows;
            countingRows = false;
        } else {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("EXPLAIN SELECT /* gh-ost */ * FROM " + qq(table) + " WHERE 1=1")) {
                rowsEstimate = rs.next() ? Math.max(0, rs.getLong("rows")) : exactRows;
            }
        }
        log("INFO", "Estimated number of rows via EXPLAIN: " + rowsEstimate);
    }

    // ------------------------------------------------------------------------------------------------ the copy

    private void copyRows(Connection c, List<String> key, List<String> shared) throws SQLException, Fatal {
        String cols = String.join(", ", shared.stream().map(FakeGhostRun::q).toList());
        String keyCols = String.join(", ", key.stream().map(FakeGhostRun::q).toList());
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
            try (PreparedStatement ps = c.prepareStatement("SELECT /* gh-ost */ " + keyCols + " FROM " + qq(table)
                    + after + " ORDER BY " + keyCols + " LIMIT 1 OFFSET " + (chunkSize - 1))) {
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
            try (PreparedStatement ps = c.prepareStatement("INSERT /* gh-ost */ IGNORE INTO " + qq(ghost) + " (" + cols
                    + ") SELECT " + cols + " FROM " + qq(table) + range + " LOCK IN SHARE MODE")) {
                int next = bind(ps, last, 1);
                bind(ps, end, next);
                copied.addAndGet(ps.executeUpdate());
            }
            if (end == null) {
                return;
            }
            last = end;
            long tookNanos = System.nanoTime() - started;
            sleep(behavior.chunkDelay().plusNanos((long) (niceRatio * tookNanos)));
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
        if (!faults || exactRows <= 0) {
            return;
        }
        double pct = 100.0 * copied.get() / exactRows;
        if (behavior.dieAtPercent() >= 0 && pct >= behavior.dieAtPercent()) {
            err.flush();
            out.flush();
            Runtime.getRuntime().halt(1); // dies without cleanup, hook or message, as a killed process would
        }
        if (behavior.failAtPercent() >= 0 && pct >= behavior.failAtPercent()) {
            throw new Fatal(String.format(
                    Locale.ROOT,
                    "fake gh-ost: injected failure at %.1f%% of the copy (osc4j testkit fault switch)",
                    pct));
        }
        if (behavior.hangAtPercent() >= 0 && pct >= behavior.hangAtPercent()) {
            log("INFO", "fake gh-ost: hanging at " + pct + "% (osc4j testkit fault switch)");
            while (true) {
                sleep(Duration.ofSeconds(1));
            }
        }
    }

    private void waitWhileThrottled() {
        while (throttleReason != null && !finished) {
            sleep(Duration.ofMillis(50));
        }
    }

    private void cutOver(Connection c) throws SQLException, Fatal {
        waitWhileThrottled();
        String postpone = flags.string("postpone-cut-over-flag-file", "");
        while (!postpone.isEmpty() && !unpostponed && Files.exists(Path.of(postpone))) {
            if (!postponing) {
                hooks("begin-postponed");
                postponing = true;
                log("INFO", "Postponing cut-over: " + postpone + " exists");
            }
            sleep(behavior.second());
        }
        postponing = false;
        log("INFO", "checking for cut-over postpone: complete");
        if (tableExists(c, old)) {
            throw new Fatal("Error 1050 (42S01): Table " + q(old) + " already exists");
        }
        if (flags.string("cut-over", "atomic").equals("two-step")) {
            exec(c, "RENAME /* gh-ost */ TABLE " + qq(table) + " TO " + qq(old));
            exec(c, "RENAME /* gh-ost */ TABLE " + qq(ghost) + " TO " + qq(table));
        } else {
            exec(
                    c,
                    "RENAME /* gh-ost */ TABLE " + qq(table) + " TO " + qq(old) + ", " + qq(ghost) + " TO "
                            + qq(table));
        }
        if (flags.bool("test-on-replica")) {
            exec(
                    c,
                    "RENAME /* gh-ost */ TABLE " + qq(table) + " TO " + qq(ghost) + ", " + qq(old) + " TO "
                            + qq(table));
        }
        log("INFO", "Tables renamed");
    }

    // ------------------------------------------------------------------------------------------------ background

    /**
     * Writes the heartbeat into the changelog every {@code --heartbeat-interval-millis}. When the server cannot be
     * reached for {@code --default-retries} attempts a "second" apart, the run panics, as gh-ost does when its retries
     * run out: a fake never outlives its database for long.
     */
    private void startHeartbeat() {
        long interval = clamp(flags.integer("heartbeat-interval-millis", 100), 100, 1000);
        long retries = Math.max(1, flags.integer("default-retries", 60));
        background("heartbeat", () -> {
            long failures = 0;
            Connection c = null;
            try {
                while (!finished) {
                    try {
                        if (c == null) {
                            c = connect(applierHost, applierPort);
                        }
                        writeChangelog(c, "heartbeat", Instant.now().toString());
                        lastHeartbeatNanos = System.nanoTime();
                        failures = 0;
                        sleep(Duration.ofMillis(interval));
                    } catch (SQLException e) {
                        closeQuietly(c);
                        c = null;
                        if (finished) {
                            return;
                        }
                        log("ERROR", goError(e, applierKey));
                        if (++failures >= retries) {
                            panic("heartbeat failed " + failures + " times: " + goError(e, applierKey));
                        }
                        sleep(behavior.second());
                    }
                }
            } finally {
                closeQuietly(c);
            }
        });
    }

    /**
     * As gh-ost's {@code Migrator.initiateThrottler} ({@code go/logic/migrator.go}) blocks on
     * {@code firstThrottlingCollected} before the row copy starts, the copy never begins before the first throttle
     * decision: a run that starts throttled copies no row.
     */
    private void awaitFirstThrottlingCollected() {
        log("INFO", "Waiting for first throttle metrics to be collected");
        while (!finished) {
            try {
                if (firstThrottlingCollected.await(100, TimeUnit.MILLISECONDS)) {
                    log("INFO", "First throttle metrics collected");
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Every 100 ms: the panic flag file, replication lag, the binlog position, whether to throttle. */
    private void startCollector() {
        background("collector", () -> {
            Map<String, Connection> replicas = new LinkedHashMap<>();
            long lastCoordinates = 0;
            long lastCount = 0;
            long lastCountAt = System.nanoTime();
            try (Connection inspector = connect(
                    inspectorKey.substring(0, inspectorKey.lastIndexOf(':')),
                    Integer.parseInt(inspectorKey.substring(inspectorKey.lastIndexOf(':') + 1)))) {
                while (!finished) {
                    String panicFile = flags.string("panic-flag-file", "");
                    if (!panicFile.isEmpty() && Files.exists(Path.of(panicFile))) {
                        panic("Found panic-file " + panicFile + ". Aborting without cleanup");
                    }
                    inspectorLagNanos = heartbeatLag(inspector);
                    if (System.nanoTime() - lastCoordinates > TimeUnit.SECONDS.toNanos(1)) {
                        streamer = coordinates(inspector);
                        lastCoordinates = System.nanoTime();
                    }
                    if (System.nanoTime() - lastCountAt >= behavior.second().toNanos()) {
                        long now = copied.get();
                        etaRowsPerSecond = (long) ((now - lastCount)
                                * (1e9 / (System.nanoTime() - lastCountAt))
                                * behavior.second().toNanos()
                                / 1e9);
                        lastCount = now;
                        lastCountAt = System.nanoTime();
                    }
                    throttleReason = shouldThrottle(inspector, replicas);
                    firstThrottlingCollected.countDown();
                    sleep(Duration.ofMillis(100));
                }
            } catch (SQLException e) {
                if (!finished) {
                    log("ERROR", goError(e, inspectorKey));
                }
            } finally {
                firstThrottlingCollected.countDown(); // a collector that failed must not hold the copy forever
                replicas.values().forEach(FakeGhostRun::closeQuietly);
            }
        });
    }

    private @Nullable String shouldThrottle(Connection inspector, Map<String, Connection> replicas) {
        if (userThrottle) {
            return "commanded by user";
        }
        for (String flag : List.of("throttle-flag-file", "throttle-additional-flag-file")) {
            String f = flags.string(flag, flag.equals("throttle-additional-flag-file") ? "/tmp/gh-ost.throttle" : "");
            if (!f.isEmpty() && Files.exists(Path.of(f))) {
                return "flag-file";
            }
        }
        String fault = behavior.throttleReason();
        if (fault != null && faults) {
            return fault;
        }
        String load = maxLoadExceeded(inspector);
        if (load != null) {
            return load;
        }
        if (inspectorLagNanos > TimeUnit.MILLISECONDS.toNanos(maxLagMillis)) {
            return String.format(Locale.ROOT, "lag=%fs", inspectorLagNanos / 1e9);
        }
        for (String replica : controlReplicas) {
            try {
                Connection c = replicas.get(replica);
                if (c == null || c.isClosed()) {
                    int colon = replica.lastIndexOf(':');
                    c = connect(replica.substring(0, colon), Integer.parseInt(replica.substring(colon + 1)));
                    replicas.put(replica, c);
                }
                long lag = heartbeatLag(c);
                if (lag > TimeUnit.MILLISECONDS.toNanos(maxLagMillis)) {
                    return String.format(Locale.ROOT, "%s replica-lag=%fs", replica, lag / 1e9);
                }
            } catch (SQLException e) {
                closeQuietly(replicas.remove(replica));
                return replica + " " + goError(e, replica);
            }
        }
        return null;
    }

    private @Nullable String maxLoadExceeded(Connection c) {
        String spec = maxLoad;
        if (spec.isBlank()) {
            return null;
        }
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement("SHOW GLOBAL STATUS LIKE ?")) {
                ps.setString(1, kv[0].strip());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        long value = Long.parseLong(rs.getString(2).strip());
                        long threshold = Long.parseLong(kv[1].strip());
                        if (value >= threshold) {
                            return "max-load " + kv[0].strip() + "=" + value + " >= " + threshold;
                        }
                    }
                }
            } catch (SQLException | NumberFormatException e) {
                return kv[0].strip() + " " + e.getMessage();
            }
        }
        return null;
    }

    /** Time since the heartbeat the server {@code c} has, as gh-ost measures lag. */
    private long heartbeatLag(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT value FROM " + qq(changelog) + " WHERE hint = 'heartbeat'")) {
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return 0;
                }
                Instant beat = Instant.parse(rs.getString(1));
                return Math.max(0, Duration.between(beat, Instant.now()).toNanos());
            }
        } catch (DateTimeParseException e) {
            return 0;
        } catch (SQLException e) {
            if (e.getErrorCode() == 1146) {
                return 0; // the changelog has not reached this server yet
            }
            throw e;
        }
    }

    private static String coordinates(Connection c) {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
            if (rs.next()) {
                return rs.getString("File") + ":" + rs.getLong("Position");
            }
        } catch (SQLException e) {
            // no binary log: keep the last coordinates
        }
        return "mysql-bin.000001:4";
    }

    private void startStatus() {
        printStatus(Rule.FORCE_WITH_HINT, null);
        background("status", () -> {
            long tick = 1;
            while (!finished) {
                long due = copyStartNanos + tick * behavior.second().toNanos();
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    sleep(Duration.ofNanos(wait));
                }
                tick++;
                if (!finished) {
                    printStatus(Rule.HEURISTIC, null);
                }
            }
        });
    }

    private void background(String name, Runnable body) {
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

    // ------------------------------------------------------------------------------------------------ status

    enum Rule {
        HEURISTIC,
        FORCE,
        FORCE_ONLY,
        FORCE_WITH_HINT
    }

    /** Prints the status (and the hint block when due) to stdout and to {@code also} if given; the status line. */
    @Nullable
    String printStatus(Rule rule, @Nullable StringBuilder also) {
        long elapsedNanos = System.nanoTime() - startNanos;
        long elapsedSeconds = elapsedNanos / behavior.second().toNanos();
        long total = copied.get();
        long estimate = rowCopyComplete ? total : rowsEstimate;
        double pct = estimate == 0 ? 100.0 : 100.0 * total / estimate;
        StringBuilder text = new StringBuilder();
        if (rule == Rule.FORCE_WITH_HINT || (rule != Rule.FORCE_ONLY && elapsedSeconds % 600 == 0)) {
            text.append(hint());
        }
        long etaSeconds = Long.MAX_VALUE;
        String eta = "N/A";
        if (pct >= 100.0) {
            eta = "due";
            etaSeconds = 0;
        } else if (pct >= 0.1) {
            long rate = etaRowsPerSecond;
            double secs;
            if (rate > 0) {
                secs = (estimate - total) / (double) rate;
            } else {
                double copySecs = (System.nanoTime() - copyStartNanos)
                        / (double) behavior.second().toNanos();
                secs = copySecs * estimate / Math.max(1, total) - copySecs;
            }
            etaSeconds = secs >= 0 ? (long) secs : 0;
            eta = etaSeconds == 0 ? "due" : goDuration(Duration.ofSeconds(etaSeconds));
        }
        // SetETADuration on every call; GetETASeconds gives ETAUnknown (math.MinInt64) while the ETA is unknown
        etaSecondsForHooks = etaSeconds == Long.MAX_VALUE ? Long.MIN_VALUE : etaSeconds;
        String state = "migrating";
        String reason = throttleReason;
        if (countingRows) {
            state = "counting rows";
        } else if (postponing) {
            eta = "due";
            state = "postponing cut-over";
        } else if (reason != null) {
            state = "throttled, " + reason;
        }
        boolean print = true;
        if (rule == Rule.HEURISTIC) {
            if (elapsedSeconds <= 60 || etaSeconds <= 60) {
                print = true;
            } else if (etaSeconds <= 180 || elapsedSeconds <= 180) {
                print = elapsedSeconds % 5 == 0;
            } else {
                print = elapsedSeconds % 30 == 0;
            }
        }
        if (!print) {
            if (text.length() > 0) {
                emit(text.toString(), also);
            }
            return null;
        }
        long copyNanos =
                copyStartNanos == 0 ? 0 : (rowCopyComplete ? copyEndNanos : System.nanoTime()) - copyStartNanos;
        String status = String.format(
                Locale.ROOT,
                "Copy: %d/%d %.1f%%; Applied: %d; Backlog: %d/%d; Time: %s(total), %s(copy); streamer: %s; Lag: %.2fs,"
                        + " HeartbeatLag: %.2fs, State: %s; ETA: %s",
                total,
                estimate,
                pct,
                0,
                0,
                1000,
                goDuration(Duration.ofNanos(elapsedNanos)),
                goDuration(Duration.ofNanos(copyNanos)),
                streamer,
                inspectorLagNanos / 1e9,
                (System.nanoTime() - lastHeartbeatNanos) / 1e9,
                state,
                eta);
        text.append(status).append('\n');
        emit(text.toString(), also);
        long interval = flags.integer("hooks-status-interval", 60);
        if (rule == Rule.HEURISTIC && interval > 0 && elapsedSeconds % interval == 0) {
            try {
                hooks("status", "GH_OST_STATUS='" + status + "'");
            } catch (Fatal e) {
                log("ERROR", String.valueOf(e.getMessage()));
            }
        }
        return status;
    }

    private void emit(String text, @Nullable StringBuilder also) {
        if (also != null) {
            also.append(text);
        }
        synchronized (outputLock) {
            out.print(text);
            out.flush();
        }
    }

    private String hint() {
        StringBuilder b = new StringBuilder();
        b.append("# Migrating ")
                .append(q(database))
                .append('.')
                .append(q(table))
                .append("; Ghost table is ")
                .append(q(database))
                .append('.')
                .append(q(ghost))
                .append('\n');
        b.append("# Migrating ")
                .append(applierKey)
                .append("; inspecting ")
                .append(inspectorKey)
                .append("; executing on ")
                .append(hostname)
                .append('\n');
        b.append("# Migration started at ").append(RUBY_DATE.format(startTime)).append('\n');
        b.append(String.format(
                Locale.ROOT,
                "# chunk-size: %d; max-lag-millis: %dms; dml-batch-size: %d; max-load: %s; critical-load: %s;"
                        + " nice-ratio: %f\n",
                chunkSize,
                maxLagMillis,
                dmlBatchSize,
                maxLoad,
                criticalLoad,
                niceRatio));
        for (String flag : List.of("throttle-flag-file", "throttle-additional-flag-file")) {
            String f = flags.string(flag, flag.equals("throttle-additional-flag-file") ? "/tmp/gh-ost.throttle" : "");
            if (!f.isEmpty()) {
                b.append("# ")
                        .append(flag)
                        .append(": ")
                        .append(f)
                        .append(' ')
                        .append(Files.exists(Path.of(f)) ? "[set]" : "")
                        .append('\n');
            }
        }
        if (!throttleQuery.isEmpty()) {
            b.append("# throttle-query: ").append(throttleQuery).append('\n');
        }
        if (!controlReplicas.isEmpty()) {
            b.append("# throttle-control-replicas count: ")
                    .append(controlReplicas.size())
                    .append('\n');
        }
        String postpone = flags.string("postpone-cut-over-flag-file", "");
        if (!postpone.isEmpty()) {
            b.append("# postpone-cut-over-flag-file: ")
                    .append(postpone)
                    .append(' ')
                    .append(Files.exists(Path.of(postpone)) ? "[set]" : "")
                    .append('\n');
        }
        String panic = flags.string("panic-flag-file", "");
        if (!panic.isEmpty()) {
            b.append("# panic-flag-file: ").append(panic).append('\n');
        }
        b.append("# Serving on unix socket: ")
                .append(flags.string("serve-socket-file", "/tmp/gh-ost." + database + "." + table + ".sock"))
                .append('\n');
        return b.toString();
    }

    /** A duration as gh-ost prints it ({@code PrettifyDurationOutput}): whole seconds, {@code 0s} under a second. */
    static String goDuration(Duration d) {
        long s = d.toSeconds();
        if (s <= 0) {
            return "0s";
        }
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        if (h > 0) {
            return h + "h" + m + "m" + sec + "s";
        }
        if (m > 0) {
            return m + "m" + sec + "s";
        }
        return sec + "s";
    }

    // ------------------------------------------------------------------------------------------------ socket

    /** Answers one interactive command ({@code applyServerCommand} in gh-ost 1.1.x's {@code go/logic/server.go}). */
    String command(String line) {
        String[] tokens = line.split("=", 2);
        String cmd = tokens[0].strip();
        String arg = tokens.length > 1 ? unquote(tokens[1].strip()) : "";
        StringBuilder w = new StringBuilder();
        try {
            hooks("interactive-command", "GH_OST_COMMAND='" + cmd + "'");
        } catch (Fatal e) {
            return e.getMessage() + "\n";
        }
        boolean question = arg.equals("?");
        @Nullable Rule rule = Rule.FORCE_WITH_HINT;
        switch (cmd) {
            case "help" -> {
                w.append(help());
                rule = null;
            }
            case "sup" -> rule = Rule.FORCE_ONLY;
            case "info", "status" -> rule = Rule.FORCE_WITH_HINT;
            case "coordinates" -> {
                if (!question && !arg.isEmpty()) {
                    return "coordinates are read-only\n";
                }
                w.append(streamer).append('\n');
                rule = null;
            }
            case "applier" -> {
                w.append("Host: ")
                        .append(applierKey)
                        .append(", Version: ")
                        .append(serverVersion())
                        .append('\n');
                rule = null;
            }
            case "inspector" -> {
                w.append("Host: ")
                        .append(inspectorKey)
                        .append(", Version: ")
                        .append(serverVersion())
                        .append('\n');
                rule = null;
            }
            case "chunk-size", "dml-batch-size", "max-lag-millis" -> {
                if (question) {
                    long v = cmd.equals("chunk-size")
                            ? chunkSize
                            : cmd.equals("dml-batch-size") ? dmlBatchSize : maxLagMillis;
                    return v + "\n";
                }
                long v;
                try {
                    v = Long.parseLong(arg);
                } catch (NumberFormatException e) {
                    return "strconv.Atoi: parsing \"" + arg + "\": invalid syntax\n";
                }
                switch (cmd) {
                    case "chunk-size" -> chunkSize = clamp(v, 10, 100_000);
                    case "dml-batch-size" -> dmlBatchSize = clamp(v, 1, 1000);
                    default -> maxLagMillis = Math.max(100, v);
                }
            }
            case "replication-lag-query" -> {
                return "replication-lag-query is deprecated. gh-ost uses an internal, subsecond resolution query\n";
            }
            case "nice-ratio" -> {
                if (question) {
                    return niceRatio + "\n";
                }
                try {
                    niceRatio = Math.max(0, Math.min(100, Double.parseDouble(arg)));
                } catch (NumberFormatException e) {
                    return "strconv.ParseFloat: parsing \"" + arg + "\": invalid syntax\n";
                }
            }
            case "max-load", "critical-load" -> {
                if (question) {
                    return (cmd.equals("max-load") ? maxLoad : criticalLoad) + "\n";
                }
                if (!arg.isEmpty() && !arg.matches("[A-Za-z_][A-Za-z0-9_]*=\\d+(,[A-Za-z_][A-Za-z0-9_]*=\\d+)*")) {
                    return "Invalid load map: " + arg + "\n";
                }
                if (cmd.equals("max-load")) {
                    maxLoad = arg;
                } else {
                    criticalLoad = arg;
                }
            }
            case "throttle-query", "throttle-http" -> {
                if (question) {
                    return (cmd.equals("throttle-query") ? throttleQuery : throttleHttp) + "\n";
                }
                if (cmd.equals("throttle-query")) {
                    throttleQuery = arg;
                } else {
                    throttleHttp = arg;
                }
                w.append(THROTTLE_HINT);
            }
            case "throttle-control-replicas" -> {
                if (question) {
                    return String.join(",", controlReplicas) + "\n";
                }
                controlReplicas = splitList(arg);
                w.append(String.join(",", controlReplicas)).append('\n');
            }
            case "throttle", "pause", "suspend" -> {
                userThrottle = true;
                throttleReason = "commanded by user";
                w.append(THROTTLE_HINT);
            }
            case "no-throttle", "unthrottle", "resume", "continue" -> {
                userThrottle = false;
                if ("commanded by user".equals(throttleReason)) {
                    throttleReason = null; // the collector re-evaluates other reasons within 100 ms
                }
            }
            case "unpostpone", "no-postpone", "cut-over" -> {
                if (arg.isEmpty() && flags.bool("force-named-cut-over")) {
                    return "User commanded 'unpostpone' without specifying table name, but --force-named-cut-over is"
                            + " set\n";
                }
                if (!arg.isEmpty() && !arg.equals(table)) {
                    return "User commanded 'unpostpone' on " + arg + ", but migrated table is " + table
                            + "; ignoring request.\n";
                }
                if (!postponing) {
                    // server.go: the period went in v1.1.9
                    return "You may only invoke this when gh-ost is actively postponing migration. At this time it is"
                            + " not" + (patch() >= 9 ? "" : ".") + "\n";
                }
                unpostponed = true;
                w.append("Unpostponed\n");
            }
            case "panic" -> {
                return panicReply();
            }
            default -> {
                // server.go: fmt.Errorf("Unknown command: %s") up to v1.1.8, lower-case from v1.1.9
                return (patch() >= 9 ? "unknown" : "Unknown") + " command: " + cmd + "\n";
            }
        }
        if (rule != null) {
            printStatus(rule, w);
        }
        return w.toString();
    }

    /** The reply to {@code panic} (server.go, the error printed with "%s\n"): capitalised up to v1.1.8. */
    String panicReply() {
        return patch() >= 9
                ? "user commanded 'panic'. The migration will be aborted without cleanup. Please drop the gh-ost tables"
                        + " before trying again\n"
                : "User commanded 'panic'. The migration will be aborted without cleanup. Please drop the gh-ost tables"
                        + " before trying again.\n";
    }

    private int patch() {
        String v = behavior.version();
        return Integer.parseInt(v.substring(v.lastIndexOf('.') + 1));
    }

    /** {@code help} as server.go prints it: {@code cpu-profile=} listed from v1.1.7, {@code postpone-cut-over-flag-file=} from v1.1.8. */
    private String help() {
        String h = HELP;
        if (patch() >= 7) {
            h = h.replace(
                    "sup                                  # Print a short status message\n",
                    "sup                                  # Print a short status message\n"
                            + "cpu-profile=<options>                # Print a base64-encoded runtime/pprof CPU profile"
                            + " using a duration, default: 30s. Comma-separated options 'gzip' and/or 'block' (blocked"
                            + " profile) may follow the profile duration\n");
        }
        if (patch() >= 8) {
            h = h.replace(
                    "unpostpone                           #",
                    "postpone-cut-over-flag-file=<path>   # Postpone the cut-over phase, writing a cut over flag file to"
                            + " the given path\nunpostpone                           #");
        }
        return h;
    }

    private static final String HELP = """
            available commands:
            status                               # Print a detailed status message
            sup                                  # Print a short status message
            coordinates                          # Print the currently inspected coordinates
            applier                              # Print the hostname of the applier
            inspector                            # Print the hostname of the inspector
            chunk-size=<newsize>                 # Set a new chunk-size
            dml-batch-size=<newsize>             # Set a new dml-batch-size
            nice-ratio=<ratio>                   # Set a new nice-ratio, immediate sleep after each row-copy operation, float (examples: 0 is aggressive, 0.7 adds 70% runtime, 1.0 doubles runtime, 2.0 triples runtime, ...)
            critical-load=<load>                 # Set a new set of max-load thresholds
            max-lag-millis=<max-lag>             # Set a new replication lag threshold
            replication-lag-query=<query>        # Set a new query that determines replication lag (no quotes)
            max-load=<load>                      # Set a new set of max-load thresholds
            throttle-query=<query>               # Set a new throttle-query (no quotes)
            throttle-http=<URL>                  # Set a new throttle URL
            throttle-control-replicas=<replicas> # Set a new comma delimited list of throttle control replicas
            throttle                             # Force throttling
            no-throttle                          # End forced throttling (other throttling may still apply)
            unpostpone                           # Bail out a cut-over postpone; proceed to cut-over
            panic                                # panic and quit without cleanup
            help                                 # This message
            - use '?' (question mark) as argument to get info rather than set. e.g. "max-load=?" will just print out current max-load.
            """;

    private String serverVersion() {
        try (Connection c = connect(applierHost, applierPort);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT VERSION()")) {
            return rs.next() ? rs.getString(1) : "";
        } catch (SQLException e) {
            return "";
        }
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            return s.substring(1, s.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------------ hooks

    /** Runs the hooks {@code <hooks-path>/gh-ost-on-<name>*} in name order; a failing hook fails the migration. */
    private void hooks(String name, String... extra) throws Fatal {
        String dir = flags.string("hooks-path", "");
        if (dir.isEmpty()) {
            return;
        }
        String prefix = "gh-ost-on-" + name;
        List<Path> found;
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            found = files.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return; // gh-ost's Glob on a missing directory finds nothing
        }
        for (Path hook : found) {
            log("INFO", "executing " + prefix + " hook: " + hook);
            ProcessBuilder pb = new ProcessBuilder(hook.toString()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.putAll(hookEnvironment());
            for (String e : extra) {
                int eq = e.indexOf('=');
                env.put(e.substring(0, eq), e.substring(eq + 1));
            }
            try {
                Process p = pb.start();
                p.getOutputStream().close();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int code = p.waitFor();
                synchronized (outputLock) {
                    err.println(output);
                    err.flush();
                }
                if (code != 0) {
                    log("ERROR", "exit status " + code);
                    throw new Fatal("exit status " + code);
                }
            } catch (IOException e) {
                throw new Fatal("fork/exec " + hook + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Fatal("interrupted running hook " + hook);
            }
        }
    }

    private Map<String, String> hookEnvironment() {
        long total = copied.get();
        long estimate = rowCopyComplete ? total : rowsEstimate;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        double copyElapsed =
                copyStartNanos == 0 ? 0 : ((rowCopyComplete ? copyEndNanos : System.nanoTime()) - copyStartNanos) / 1e9;
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GH_OST_DATABASE_NAME", database);
        env.put("GH_OST_TABLE_NAME", table);
        env.put("GH_OST_GHOST_TABLE_NAME", ghost);
        env.put("GH_OST_OLD_TABLE_NAME", old);
        env.put("GH_OST_DDL", alter);
        env.put("GH_OST_ELAPSED_SECONDS", String.format(Locale.ROOT, "%f", elapsed));
        env.put("GH_OST_ELAPSED_COPY_SECONDS", String.format(Locale.ROOT, "%f", copyElapsed));
        env.put("GH_OST_ESTIMATED_ROWS", Long.toString(estimate));
        env.put("GH_OST_COPIED_ROWS", Long.toString(total));
        env.put("GH_OST_MIGRATED_HOST", applierHost);
        env.put(
                "GH_OST_INSPECTED_HOST",
                inspectorKey.isEmpty() ? "" : inspectorKey.substring(0, inspectorKey.lastIndexOf(':')));
        env.put("GH_OST_EXECUTING_HOST", hostname);
        env.put("GH_OST_INSPECTED_LAG", String.format(Locale.ROOT, "%f", inspectorLagNanos / 1e9));
        env.put(
                "GH_OST_HEARTBEAT_LAG",
                String.format(Locale.ROOT, "%f", (System.nanoTime() - lastHeartbeatNanos) / 1e9));
        env.put("GH_OST_PROGRESS", String.format(Locale.ROOT, "%f", estimate == 0 ? 100.0 : 100.0 * total / estimate));
        env.put("GH_OST_ETA_SECONDS", Long.toString(etaSecondsForHooks));
        env.put("GH_OST_HOOKS_HINT", flags.string("hooks-hint", ""));
        env.put("GH_OST_HOOKS_HINT_OWNER", flags.string("hooks-hint-owner", ""));
        env.put("GH_OST_HOOKS_HINT_TOKEN", flags.string("hooks-hint-token", ""));
        env.put("GH_OST_DRY_RUN", Boolean.toString(!flags.bool("execute")));
        if (patch() >= 8) {
            env.put("GH_OST_REVERT", Boolean.toString(flags.bool("revert"))); // hooks.go from v1.1.8
        }
        return env;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private String qq(String name) {
        return q(database) + "." + q(name);
    }

    static String q(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    /** An error as Go's MySQL driver words it. */
    private static String goError(SQLException e, String endpoint) {
        String message = String.valueOf(e.getMessage()).split("\n")[0];
        if (e.getErrorCode() > 0) {
            return "Error " + e.getErrorCode() + " (" + e.getSQLState() + "): " + message;
        }
        return "dial tcp " + endpoint + ": " + message;
    }

    private static void closeQuietly(@Nullable Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing a broken connection
            }
        }
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
