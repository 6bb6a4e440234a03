package dev.osc4j.testkit.ghost;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A fake {@code gh-ost} executable for tests: the interface of gh-ost 1.1.6 to 1.1.10, written from their source, doing the real work on a real MySQL or MariaDB server. {@link #install(Path)} writes a {@code gh-ost} launcher
 * script that runs this class's {@link #main} in a new JVM; point an engine at it as at gh-ost.
 *
 * <p>What it does as gh-ost does: reads gh-ost's flags (Go syntax), refusing unknown ones with exit code 2; answers
 * {@code --version}, {@code --check-flag} and {@code --help}; reads the credentials from the {@code --conf} file
 * ({@code [client] user, password}) with go-ini's rules ({@link GoIni}), so a value written in another syntax is read
 * as real gh-ost reads it and the login fails the same way; connects to {@code --host}/{@code --port}, finds the master (or needs
 * {@code --allow-on-master}); refuses a table without a unique key or with leftover {@code _<t>_gho}/{@code _<t>_del};
 * creates {@code _<t>_ghc} and {@code _<t>_gho}, ALTERs the ghost, writes a heartbeat; copies rows in chunks of
 * {@code --chunk-size} by the unique key; prints status lines in gh-ost's exact format at gh-ost's cadence (every
 * "second" for the first minute, then every 5 or 30), and the hint block; serves the socket commands of gh-ost 1.1.x
 * with their exact replies ({@code sup}, {@code status}, {@code throttle}, {@code no-throttle}, {@code unpostpone},
 * {@code chunk-size=}, {@code max-lag-millis=}, {@code panic}, ...); honours the postpone, panic and throttle flag
 * files, {@code --max-lag-millis} (heartbeat lag on the inspected server and the {@code --throttle-control-replicas}),
 * {@code --max-load}; runs the hooks in {@code --hooks-path} with the {@code GH_OST_*} environment; swaps the tables
 * with {@code RENAME TABLE}; drops the changelog; prints {@code # Done} and exits 0. A failure runs the failure hook and
 * exits 1 leaving its tables behind; a panic exits 1 at once leaving the socket file too.
 *
 * <p><b>Limitation:</b> a forward run does not stream the binary log, so writes made to the table during its copy are not
 * carried over to the new table (its status lines always show {@code Applied: 0; Backlog: 0/1000}). Use it on tables nobody
 * writes to while it runs. The atomic cut-over is a single {@code RENAME TABLE} without gh-ost's lock-and-sentry
 * dance.
 *
 * <p><b>Checkpoint and revert</b> (1.1.8 and later, github/gh-ost PR #1607; {@code doc/revert.md},
 * {@code doc/resume.md}, {@code go/cmd/gh-ost/main.go}, {@code Revert} and {@code CheckpointAfterCutOver} in
 * {@code go/logic/migrator.go}, {@code GetGhostTableName}/{@code GetOldTableName} in {@code go/base/context.go}):
 * with {@code --checkpoint} the run creates {@code _<t>_ghk} ({@code GhostCheckpoint}), swaps with gh-ost's locked
 * cut-over and writes the cut-over checkpoint with its binlog coordinates; {@code --ok-to-drop-table} then drops the
 * checkpoint table too. {@code --revert --old-table=_<t>_del} (refused with {@code --resume}, or without
 * {@code --old-table}, in main.go's words; {@code --alter} ignored with main.go's warning) reads that checkpoint
 * (failing as gh-ost does when there is none, or when the last one is not the cut-over's), applies every change made to
 * the table since then to {@code _<t>_del} ({@code GhostBinlogReplay}: this is the only place the fake reads the binary
 * log), and swaps back after the same postponed cut-over ({@code <t>} becomes {@code _<t>_rev_del}); hooks see
 * {@code GH_OST_REVERT=true}. The periodic checkpoints during a copy, and so {@code --resume}, are not done.
 *
 * <p><b>Versions.</b> It is one of gh-ost 1.1.6 to 1.1.10 ({@link FakeGhostBehavior.Builder#version}, default 1.1.10)
 * and behaves as that tag's source does (github/gh-ost, {@code git show <tag>:<path>}): the flags it defines and the
 * {@code --version} line ({@code go/cmd/gh-ost/main.go}); the socket replies to {@code panic}, {@code help}, unknown
 * commands and {@code unpostpone} ({@code go/logic/server.go}); the hook environment, {@code GH_OST_ETA_SECONDS} as
 * {@code GetETASeconds} gives it, {@code GH_OST_REVERT}, {@code GH_OST_INSTANT_DDL} ({@code go/logic/hooks.go},
 * {@code go/base/context.go}); the status line ({@code printStatus} in {@code go/logic/migrator.go}); the
 * {@code --conf} reader (go-ini, {@code ReadConfigFile} in {@code go/base/context.go} and
 * {@code vendor/github.com/go-ini/ini/parser.go}, see {@code GoIni}); {@code --attempt-instant-ddl} ({@code Migrate} in
 * {@code migrator.go}, {@code AttemptInstantDDL} in {@code go/logic/applier.go}).
 *
 * <p>Test switches ({@link #configure}): the length of a status-cadence second, a pause per chunk, failing, hanging or
 * dying at a percentage of the copy, and reporting throttling. Every run appends its pid to a list ({@link #launches})
 * so tests can count gh-ost processes and {@link #killAll} leftovers.
 */
public final class FakeGhost {
    /** The environment variable the launcher sets to the directory it was installed in. */
    public static final String HOME_VARIABLE = "OSC4J_FAKE_GHOST_HOME";

    private static final String BEHAVIOR_FILE = "fake-gh-ost.properties";
    private static final String LAUNCHES_FILE = "launches.log";

    private FakeGhost() {}

    /**
     * A run the fake started.
     *
     * @param pid the process id
     * @param database the {@code --database}
     * @param table the {@code --table}
     */
    public record Launch(long pid, String database, String table) {}

    /**
     * Writes a {@code gh-ost} launcher script into {@code directory} (created if missing) that runs the fake with this
     * JVM's {@code java} and the classes of the testkit and of MySQL Connector/J.
     *
     * @param directory where to put it; its path must not contain a single quote
     * @return the executable, to give an engine as its gh-ost
     */
    public static Path install(Path directory) {
        try {
            Files.createDirectories(directory);
            Path script = directory.resolve("gh-ost");
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String body = "#!/bin/sh\n"
                    + "# osc4j testkit: a fake gh-ost (dev.osc4j.testkit.ghost.FakeGhost), for tests only.\n"
                    + HOME_VARIABLE + "="
                    + shellQuote(directory.toAbsolutePath().toString()) + "\n"
                    + "export " + HOME_VARIABLE + "\n"
                    + "exec " + shellQuote(java)
                    + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k -Xmx128m -cp "
                    + shellQuote(classpath()) + " " + FakeGhost.class.getName() + " \"$@\"\n";
            Files.writeString(script, body);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the fake gh-ost in " + directory, e);
        }
    }

    /** Sets how every later run of the fake installed as {@code executable} behaves. */
    public static void configure(Path executable, FakeGhostBehavior behavior) {
        Path dir = home(executable);
        try {
            Path tmp = dir.resolve(BEHAVIOR_FILE + ".tmp");
            Files.writeString(tmp, behavior.toProperties());
            Files.move(
                    tmp,
                    dir.resolve(BEHAVIOR_FILE),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot configure the fake gh-ost in " + dir, e);
        }
    }

    /** The runs (not {@code --version} or {@code --check-flag}) the fake installed as {@code executable} started. */
    public static List<Launch> launches(Path executable) {
        Path file = home(executable).resolve(LAUNCHES_FILE);
        List<Launch> out = new ArrayList<>();
        try {
            if (!Files.exists(file)) {
                return out;
            }
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split("\t", -1);
                if (f.length >= 3) {
                    out.add(new Launch(Long.parseLong(f[0]), f[1], f[2]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    /**
     * Kills (SIGKILL) every run of the fake installed as {@code executable} that still runs: fakes are detached, as
     * gh-ost is, so they outlive the test that started them unless it kills them.
     *
     * @return how many were killed
     */
    public static int killAll(Path executable) {
        int killed = 0;
        for (Launch l : launches(executable)) {
            Optional<ProcessHandle> p = ProcessHandle.of(l.pid());
            if (p.isPresent() && p.get().isAlive() && isFake(p.get())) {
                p.get().destroyForcibly();
                killed++;
            }
        }
        return killed;
    }

    private static boolean isFake(ProcessHandle p) {
        return p.info()
                .arguments()
                .map(a -> List.of(a).contains(FakeGhost.class.getName()))
                .orElse(false);
    }

    private static Path home(Path executable) {
        Path dir = executable.toAbsolutePath().getParent();
        if (dir == null) {
            throw new IllegalArgumentException(
                    "executable must be a file installed by FakeGhost.install, got " + executable);
        }
        return dir;
    }

    private static String classpath() {
        Set<String> entries = new LinkedHashSet<>();
        entries.add(location(FakeGhost.class));
        entries.add(location(com.mysql.cj.jdbc.Driver.class));
        for (String optional : List.of("com.google.protobuf.Message", "org.jspecify.annotations.Nullable")) {
            try {
                entries.add(location(Class.forName(optional)));
            } catch (ClassNotFoundException | IllegalStateException e) {
                // not needed for JDBC: leave it out
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static String location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null) {
            throw new IllegalStateException("cannot locate the classes of " + type.getName());
        }
        try {
            return Path.of(source.getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the classes of " + type.getName(), e);
        }
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Runs the fake gh-ost with gh-ost's command line and exits with gh-ost's exit code.
     *
     * @param args gh-ost's flags
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        FakeGhostBehavior behavior = FakeGhostBehavior.defaults();
        String home = System.getenv(HOME_VARIABLE);
        Path behaviorFile = home == null ? null : Path.of(home, BEHAVIOR_FILE);
        try {
            if (behaviorFile != null && Files.exists(behaviorFile)) {
                behavior = FakeGhostBehavior.fromProperties(Files.readString(behaviorFile));
            }
        } catch (IOException | RuntimeException e) {
            fatal(err, "fake gh-ost: cannot read its settings in " + home + ": " + e);
            return 1;
        }
        String version = behavior.version();
        GoFlags flags;
        try {
            flags = GoFlags.parse(args, version);
        } catch (GoFlags.FlagException e) {
            if ("help requested".equals(e.getMessage())) {
                out.print(GoFlags.usage(version));
                return 0;
            }
            out.println(e.getMessage());
            out.print(GoFlags.usage(version));
            return 2;
        }
        if (flags.bool("check-flag")) {
            return 0;
        }
        if (flags.bool("help")) {
            out.print(GoFlags.usage(version));
            return 0;
        }
        if (flags.bool("version")) {
            // v1.1.6 prints AppVersion alone; v1.1.7 and later "%s (git commit: %s)" (main.go)
            out.println(version.equals("1.1.6") ? version : version + " (git commit: " + FakeGhostRun.GIT_COMMIT + ")");
            return 0;
        }
        String problem = invalid(flags);
        if (problem != null) {
            fatal(err, problem);
            return 1;
        }
        String user = flags.string("user", "");
        String password = flags.string("password", "");
        String conf = flags.string("conf", "");
        if (!conf.isEmpty()) {
            try {
                ConfAccount account = readConf(Path.of(conf), version);
                if (!account.user().isEmpty()) {
                    user = user.isEmpty() ? account.user() : user;
                }
                if (password.isEmpty()) {
                    password = account.password();
                }
            } catch (IOException e) {
                // main.go: log.Fatale(err) on ReadConfigFile's error
                fatal(err, String.valueOf(e.getMessage()));
                return 1;
            }
        }
        if (home != null) {
            try {
                Files.writeString(
                        Path.of(home, LAUNCHES_FILE),
                        ProcessHandle.current().pid() + "\t" + flags.string("database", "") + "\t"
                                + flags.string("table", "") + "\n",
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                fatal(err, "fake gh-ost: cannot record its launch in " + home + ": " + e);
                return 1;
            }
        }
        return new FakeGhostRun(flags, behavior, user, password, out, err).run();
    }

    /** gh-ost's checks of its command line before it connects anywhere ({@code main.go}). */
    private static @Nullable String invalid(GoFlags f) {
        boolean revert = f.bool("revert");
        if (f.string("alter", "").isEmpty() && !revert) {
            return "--alter must be provided and statement must not be empty";
        }
        if (revert && f.bool("resume")) {
            return "--revert cannot be used with --resume";
        }
        if (revert && f.string("old-table", "").isEmpty()) {
            return "--revert must be called with --old-table";
        }
        if (f.string("database", "").isEmpty()) {
            return "--database must be provided and database name must not be empty, or --alter must specify"
                    + " database name";
        }
        if (f.string("table", "").isEmpty()) {
            return "--table must be provided and table name must not be empty, or --alter must specify table name";
        }
        if (f.bool("allow-on-master") && f.bool("test-on-replica")) {
            return "--allow-on-master and --test-on-replica are mutually exclusive";
        }
        if (f.bool("allow-on-master") && f.bool("migrate-on-replica")) {
            return "--allow-on-master and --migrate-on-replica are mutually exclusive";
        }
        if (f.bool("migrate-on-replica") && f.bool("test-on-replica")) {
            return "--migrate-on-replica and --test-on-replica are mutually exclusive";
        }
        if (f.bool("switch-to-rbr") && f.bool("assume-rbr")) {
            return "--switch-to-rbr and --assume-rbr are mutually exclusive";
        }
        String cutOver = f.string("cut-over", "atomic");
        if (!List.of("atomic", "default", "", "two-step").contains(cutOver)) {
            return "Unknown cut-over: " + cutOver;
        }
        if (f.integer("checkpoint-seconds", 300) < 10) {
            return "--checkpoint-seconds should be >=10"; // main.go from v1.1.8, which defines the flag
        }
        return null;
    }

    /**
     * The account of a {@code --conf} file as gh-ost reads it. {@link #toString()} hides the password.
     *
     * @param user {@code [client] user}, empty when missing
     * @param password {@code [client] password}, empty when missing
     */
    public record ConfAccount(String user, String password) {
        @Override
        public String toString() {
            return "ConfAccount[user=" + user + ", password=****]";
        }
    }

    /**
     * Reads {@code [client] user, password} of a {@code --conf} file as gh-ost {@code version} does: with go-ini from
     * v1.1.6 on ({@code ReadConfigFile} in {@code go/base/context.go}; see {@link GoIni} for its rules), so a writer
     * can be tested against the reader.
     *
     * @param file the file
     * @param version one of {@link FakeGhostBehavior#VERSIONS}
     * @return the account, with what go-ini makes of each value
     * @throws IOException when the file cannot be read, or where go-ini's {@code ini.Load} returns an error
     */
    public static ConfAccount readConf(Path file, String version) throws IOException {
        if (!FakeGhostBehavior.VERSIONS.contains(version)) {
            throw new IllegalArgumentException("version must be one of " + FakeGhostBehavior.VERSIONS);
        }
        GoIni ini = GoIni.parse(Files.readString(file, StandardCharsets.UTF_8));
        String user = ini.get("client", "user");
        String password = ini.get("client", "password");
        return new ConfAccount(user == null ? "" : user, password == null ? "" : password);
    }

    private static void fatal(PrintStream err, String message) {
        err.println(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
                        .withZone(java.time.ZoneId.systemDefault())
                        .format(Instant.now())
                + " FATAL " + message);
        err.flush();
    }
}
