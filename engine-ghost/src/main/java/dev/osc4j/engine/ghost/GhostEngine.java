package dev.osc4j.engine.ghost;

import dev.osc4j.Artifact;
import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.engine.ghost.GhostOutputParser.Status;
import dev.osc4j.mysql.BackgroundChecksum;
import dev.osc4j.mysql.MySqlConnections;
import dev.osc4j.mysql.TableChecksum;
import dev.osc4j.mysql.TableLifecycle;
import dev.osc4j.process.FileTail;
import dev.osc4j.process.LocalProcesses;
import dev.osc4j.process.RunEventWatcher;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.ChecksumStatus;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ExecutionEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ExecutionEngine} that runs <a href="https://github.com/github/gh-ost">gh-ost</a> (1.1.x) for each shard and
 * steers it through its socket, flag files and hooks.
 *
 * <pre>{@code
 * GhostEngine engine = GhostEngine.builder()
 *     .executable(Path.of("/usr/local/bin/gh-ost"))
 *     .credentials(server -> new DatabaseCredentials("osc", vault.password("osc")))
 *     .workDirectory(Path.of("/var/lib/osc4j/gh-ost"))
 *     .build();
 * }</pre>
 *
 * <p><b>Runs.</b> Each {@link EngineKey} gets a directory under the work directory, named from the key, holding the
 * {@code --conf} file with the credentials (mode 0600: the password never appears on a command line), the socket
 * ({@code --serve-socket-file}), the flag files ({@code --postpone-cut-over-flag-file}, always set so the cut-over waits
 * for osc4j's barrier, {@code --panic-flag-file}, {@code --throttle-flag-file}), the hooks ({@code --hooks-path}) and
 * gh-ost's output. gh-ost runs detached, in a session of its own, under a small shell wrapper that records its pid and
 * exit code there, so it outlives a controller crash and any controller finds it again. {@link #start} is idempotent on
 * the key: a run that exists is adopted, never started twice. Each run gets its own {@code --replica-server-id}, derived
 * from the key.
 *
 * <p><b>Observing.</b> Three sources, reconciled: the socket's {@code sup} answer (else the last status line gh-ost
 * printed), the events the engine's hooks record (startup, validated, before-row-copy, row-copy-complete,
 * begin-postponed, status, success, failure), and the process itself (alive, or its exit code and last error lines).
 *
 * <p><b>Steering.</b> {@link #releaseCutover} deletes the postpone flag file and sends {@code unpostpone};
 * {@link #throttle} at ratio 1 sends {@code throttle} and sets the run's throttle flag file (which also works before
 * the socket is up); between 0 and 1 it sets gh-ost's {@code nice-ratio} to {@code ratio / (1 - ratio)} through the
 * socket, so gh-ost sleeps after each chunk and copies at about {@code 1 - ratio} of its speed ({@link
 * EngineCapabilities#throttleRatio()} is true); at 0 it clears both. {@link #cancel} sends {@code panic}, creates the panic flag
 * file and returns once gh-ost has exited. {@link #setChunkSize} and {@link #setMaxLagMillis} change a running copy. {@link #cleanup} stops the run if it
 * still runs and drops exactly {@code _<table>_gho}, {@code _<table>_ghc}, {@code _<table>_del} and
 * {@code _<table>_ghk} (names cut to 64 characters as gh-ost cuts them) and the stale socket, nothing else, except
 * what a revert needs (below).
 *
 * <p><b>Revert</b> (gh-ost 1.1.8 and later; {@link EngineCapabilities#revert()} says whether the gh-ost at hand can, and
 * {@link #validate} refuses a revertible migration or a revert naming the version otherwise). A {@linkplain
 * MigrationSpec#revertible() revertible} run adds {@code --checkpoint}, so gh-ost writes the cut-over's binlog
 * coordinates to {@code _<table>_ghk}, and never passes {@code --ok-to-drop-table}; once it swapped, {@link #cleanup}
 * keeps {@code _<table>_del} and {@code _<table>_ghk} and {@link #retire} hands them to the table lifecycle. A
 * {@linkplain MigrationSpec#revertOf() revert} runs gh-ost with {@code --revert --old-table=_<table>_del} and without
 * {@code --alter} (doc/revert.md): gh-ost applies the changes made since the cut-over to {@code _<table>_del}, then
 * holds before its swap on the same postpone flag file as any run until {@link #releaseCutover}; the swapped-out table
 * is {@code _<table>_rev_del}. Cleaning up a revert that did not swap drops only its changelog, so the forward stays
 * revertible; after a swap it retires {@code _<table>_rev_del} and drops the spent checkpoint.
 *
 * <p><b>Options.</b> A migration may set the gh-ost flags on an allow-list as engine options of the same name
 * ({@code chunk-size}, {@code max-lag-millis}, {@code throttle-control-replicas}, {@code cut-over}, ...), plus
 * {@code mode} ({@code allow-on-master}, the default; {@code replica}; {@code migrate-on-replica};
 * {@code test-on-replica}) and {@code inspect-host} ({@code host:port} of the replica for the replica modes; per shard
 * as {@code inspect-host.<shard>}). Anything else is refused by {@link #validate} naming the option.
 *
 * <p><b>Checksum before the swap</b> ({@link EngineCapabilities#checksum()} is true): while the run postpones its
 * cut-over, {@link #verify} starts comparing the original table with {@code _<table>_gho} ({@link TableChecksum}, in
 * a thread of the engine; request, progress and result in the run directory, so a restarted controller finds a
 * comparison that ended and starts again one that was interrupted). Because gh-ost applies changes from the binary log,
 * the chunks are compared in a snapshot opened once gh-ost has applied everything up to a moment when writes to the
 * original were held ({@link DrainedSnapshot}: {@code LOCK TABLES ... READ}, wait for gh-ost's streamer and backlog,
 * {@code START TRANSACTION WITH CONSISTENT SNAPSHOT}, {@code UNLOCK TABLES}; at most {@link
 * Builder#checksumHoldLimit} of held writes). Differing chunks are copied again from the original and compared again
 * in a new such snapshot, up to {@link Builder#checksumRecopies} times.
 *
 * <p>Apart from the comparisons, the engine starts no thread; every call does its work on the caller's thread and
 * returns.
 */
public final class GhostEngine implements ExecutionEngine {
    /** The engine's name, which requests use to choose it. */
    public static final String NAME = "gh-ost";
    /** The executable used unless the builder names another: {@code gh-ost} on the {@code PATH}. */
    public static final Path DEFAULT_EXECUTABLE = Path.of("gh-ost");
    /** How long a socket command may take. */
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(5);
    /** How long {@code --version} and {@code --check-flag} may take. */
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(60);
    /** How long {@link #cancel} and {@link #cleanup} wait for a run they stop to exit, after {@code panic} and again after SIGTERM. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(15);
    /** How long {@link #start} waits for the wrapper to record gh-ost's pid. */
    public static final Duration DEFAULT_LAUNCH_TIMEOUT = Duration.ofSeconds(15);
    /** How long writes may be held for a drained snapshot unless the builder says otherwise. */
    public static final Duration DEFAULT_CHECKSUM_HOLD_LIMIT = Duration.ofSeconds(3);
    /** JDBC properties {@link #cleanup} connects with unless the builder says otherwise. */
    public static final Map<String, String> DEFAULT_JDBC_PROPERTIES =
            Map.of("sslMode", "PREFERRED", "connectTimeout", "10000", "socketTimeout", "600000");

    private static final Logger LOG = LoggerFactory.getLogger(GhostEngine.class);
    private static final EngineCapabilities CAPABILITIES = new EngineCapabilities(true, true, true, false, false);
    /** Flags the engine uses only when the gh-ost at hand has them. */
    private static final List<String> OPTIONAL_FLAGS = List.of("initially-drop-socket-file", "hooks-hint", "verbose");

    private static final Pattern PASSWORD_FIELD = Pattern.compile("(?i)(password\\s*[:=]\\s*)[^\\s,}\\]]+");

    private final GhostExecutable executable;
    private final CredentialsProvider credentials;
    private final Path workDirectory;
    private final Map<String, String> defaults;
    private final Clock clock;
    private final Map<String, String> environment;
    private final MySqlConnections connections;
    private final Duration socketTimeout;
    private final Duration stopTimeout;
    private final Duration launchTimeout;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final RunPreparation preparation;
    private final RunControl control;
    private final RunCleanup runCleanup;
    private final BackgroundChecksum checksums;
    private final Duration checksumHoldLimit;
    private final RunEventWatcher runEvents = new RunEventWatcher(
            "osc4j-gh-ost-events",
            Set.of(RunDirectory.EVENTS, RunDirectory.EXIT, RunDirectory.CHECKSUM_DONE),
            dir -> {});

    private GhostEngine(Builder b, CredentialsProvider credentials) {
        this.executable = new GhostExecutable(b.executable, b.environment, b.probeTimeout);
        this.credentials = credentials;
        this.workDirectory = b.workDirectory.toAbsolutePath().normalize();
        this.defaults = Map.copyOf(b.defaults);
        this.clock = b.clock;
        this.environment = Map.copyOf(b.environment);
        this.connections = new MySqlConnections(credentials, b.jdbcProperties);
        this.socketTimeout = b.socketTimeout;
        this.stopTimeout = b.stopTimeout;
        this.launchTimeout = b.launchTimeout;
        this.preparation = new RunPreparation(workDirectory, clock, throttleAllFlag());
        this.control = new RunControl(socketTimeout, stopTimeout);
        this.runCleanup =
                new RunCleanup(credentials, connections, control, new TableLifecycle(b.quarantineHold, b.clock));
        this.checksums = new BackgroundChecksum(NAME, connections, b.clock, b.checksumChunkRows, b.checksumRecopies);
        this.checksumHoldLimit = b.checksumHoldLimit;
    }

    /** Starts configuring an engine; {@link Builder#credentials} is required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Postponed cut-over, partial throttle ratios, reattach and the checksum before the swap: yes; retry in place,
     * applied positions: no. Revert:
     * when the gh-ost at hand is 1.1.8 or later ({@code --revert}, {@code --old-table} and {@code --checkpoint} came
     * with it, github/gh-ost PR #1607), asked once with {@code --version}; false when it cannot be asked.
     */
    @Override
    public EngineCapabilities capabilities() {
        String version = knownVersion();
        return CAPABILITIES.withChecksum(true).withRevert(version != null && canRevert(version));
    }

    /**
     * Checks the migration's engine options against the allow-list, merged over the engine's defaults, and that the
     * gh-ost at hand can revert when the migration keeps its table for a revert or is one.
     *
     * @throws InvalidRequestException naming the first option that is unknown, managed by the engine, or invalid; or
     *     naming the gh-ost version that cannot revert
     */
    @Override
    public void validate(MigrationSpec spec) {
        GhostOptions.resolve(defaults, spec.engineOptions());
        if (spec.revertible() || spec.revertOf() != null) {
            String version = knownVersion();
            if (version != null && !canRevert(version)) {
                throw new InvalidRequestException(
                        "gh-ost " + version + " cannot revert a migration: --revert needs gh-ost " + REVERT_VERSION
                                + " or later",
                        null);
            }
        }
    }

    /** The first gh-ost release with {@code --revert}, {@code --old-table} and {@code --checkpoint}. */
    public static final String REVERT_VERSION = "1.1.8";

    /** Whether gh-ost {@code version} (as {@code --version} prints it, such as {@code 1.1.10}) has {@code --revert}. */
    static boolean canRevert(String version) {
        java.util.regex.Matcher m =
                Pattern.compile("^v?(\\d+)\\.(\\d+)\\.(\\d+)").matcher(version);
        if (!m.find()) {
            return false;
        }
        int[] v = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        int[] min = {1, 1, 8};
        for (int i = 0; i < 3; i++) {
            if (v[i] != min[i]) {
                return v[i] > min[i];
            }
        }
        return true;
    }

    private @Nullable String knownVersion() {
        try {
            return executable.version();
        } catch (EngineException e) {
            LOG.debug("cannot ask gh-ost for its version: {}", e.getMessage());
            return null;
        }
    }

    /** The directory of the run with {@code key}: its logs, events, and the files gh-ost works with. */
    public Path runDirectory(EngineKey key) {
        return RunDirectory.of(workDirectory, key).path();
    }

    /**
     * The tables gh-ost will create ({@link GhostTables}, names fixed by the table's name): a forward run's {@code _gho},
     * {@code _ghc}, {@code _del} (at the cut-over) and {@code _ghk} (gh-ost 1.1.8 and later); a revert's changelog,
     * {@code _rev_del} and checkpoint. gh-ost creates no triggers.
     */
    @Override
    public List<Artifact> plannedArtifacts(ShardTarget target, MigrationSpec spec, EngineKey key) {
        GhostTables names = GhostTables.of(spec.table());
        List<String> tables = spec.revertOf() != null
                ? List.of(names.changelog(), names.revertedOld(), names.checkpoint())
                : names.all();
        return tables.stream().map(n -> Artifact.table(target.schema(), n, key)).toList();
    }

    @Override
    public EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key) {
        GhostOptions options = options(spec);
        Endpoint primary = target.primary();
        if (primary == null) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION,
                    "gh-ost connects to MySQL directly, but the topology gave no primary for shard " + target.shard());
        }
        synchronized (lock(key)) {
            RunDirectory run = RunDirectory.of(workDirectory, key);
            if (run.exists()) {
                String recorded = run.recordedKey();
                if (recorded != null && !recorded.strip().equals(key.value())) {
                    throw EngineException.permanent(
                            FailureReason.ENGINE_CONFIGURATION,
                            "run directory " + run + " belongs to " + recorded.strip() + ", not " + key.value());
                }
                if (run.launched() || GhostProcesses.find(run).isPresent()) {
                    LOG.info("gh-ost run {} already exists in {}: adopting it", key, run);
                    runEvents.watch(run.path());
                    return handle(key, run);
                }
            }
            Endpoint connect = RunPreparation.connectEndpoint(options, target, primary);
            String version = executable.version();
            if ((spec.revertible() || spec.revertOf() != null) && !canRevert(version)) {
                throw EngineException.permanent(
                        FailureReason.ENGINE_CONFIGURATION,
                        "gh-ost " + version + " cannot revert a migration: --revert needs gh-ost " + REVERT_VERSION
                                + " or later");
            }
            List<String> arguments = preparation.arguments(run, target, spec, key, options, connect, primary);
            List<String> unknown = executable.unsupported(arguments);
            List<String> missing = new ArrayList<>();
            for (String flag : unknown) {
                if (OPTIONAL_FLAGS.contains(flag)) {
                    arguments.removeIf(a -> GhostExecutable.flagName(a).equals(flag));
                } else {
                    missing.add("--" + flag);
                }
            }
            if (!missing.isEmpty()) {
                throw EngineException.permanent(
                        FailureReason.ENGINE_CONFIGURATION,
                        "gh-ost " + version + " at " + executable.path() + " does not support " + missing
                                + "; use gh-ost 1.1.x or drop the options that need them");
            }
            DatabaseCredentials account = credentialsFor(credentials, target, primary);
            String conf = GhostConf.render(account, version); // refuses what gh-ost cannot read, before any write
            preparation.prepare(run, key, target, spec, options, version, primary, connect, conf);
            List<String> command = new ArrayList<>();
            command.add(executable.path().toString());
            command.addAll(arguments);
            try {
                Long pid = GhostProcesses.launch(run, command, environment, launchTimeout);
                LOG.info(
                        "started gh-ost {} for {} on {}.{} at {} (pid {}, run {})",
                        version,
                        key,
                        target.schema(),
                        spec.table(),
                        connect,
                        pid,
                        run);
            } catch (IOException e) {
                throw EngineException.transientFailure("cannot start gh-ost for " + key + ": " + e.getMessage(), e);
            }
            runEvents.watch(run.path());
            return handle(key, run);
        }
    }

    private GhostOptions options(MigrationSpec spec) {
        try {
            return GhostOptions.resolve(defaults, spec.engineOptions());
        } catch (InvalidRequestException e) {
            throw EngineException.permanent(FailureReason.ENGINE_CONFIGURATION, String.valueOf(e.getMessage()));
        }
    }

    /** gh-ost's command line for a run (without the executable); package-private for tests. */
    List<String> arguments(
            RunDirectory run,
            ShardTarget target,
            MigrationSpec spec,
            EngineKey key,
            GhostOptions options,
            Endpoint connect,
            Endpoint primary) {
        return preparation.arguments(run, target, spec, key, options, connect, primary);
    }

    /**
     * The file that throttles every gh-ost run of this engine while it exists ({@code --throttle-additional-flag-file}
     * of each run): {@code throttle-all.flag} in the work directory.
     */
    public Path throttleAllFlagFile() {
        return throttleAllFlag();
    }

    private Path throttleAllFlag() {
        return workDirectory.resolve("throttle-all.flag");
    }

    private EngineHandle handle(EngineKey key, RunDirectory run) {
        Map<String, String> attributes = new LinkedHashMap<>();
        Map<String, String> facts = RunPreparation.readFacts(run);
        for (String name : List.of("version", "replicaServerId", "schema", "table", "connectTo", "mode")) {
            String v = facts.get(name);
            if (v != null) {
                attributes.put(name, v);
            }
        }
        attributes.put("runDirectory", run.path().toString());
        attributes.put("socket", run.socket().toString());
        Long pid = run.pid();
        if (pid != null) {
            attributes.put("pid", Long.toString(pid));
        }
        return new EngineHandle(NAME, key, attributes);
    }

    private RunDirectory runOf(EngineHandle handle) {
        String recorded = handle.attributes().get("runDirectory");
        if (recorded != null) {
            RunDirectory r = new RunDirectory(Path.of(recorded));
            if (r.exists()) {
                return r;
            }
        }
        return RunDirectory.of(workDirectory, handle.key());
    }

    @Override
    public EngineObservation observe(EngineHandle handle) {
        RunDirectory run = runOf(handle);
        if (run.exists()) {
            runEvents.watch(run.path());
        } else {
            return EngineObservation.of(EnginePhase.NOT_FOUND)
                    .withMessage("no gh-ost run directory for " + handle.key() + " under " + workDirectory);
        }
        Optional<ProcessHandle> process = GhostProcesses.find(run);
        boolean alive = process.isPresent();
        Status status = null;
        if (alive) {
            try {
                status = GhostOutputParser.lastStatus(lines(SocketClient.send(run.socket(), "sup", socketTimeout)));
            } catch (IOException e) {
                LOG.debug("gh-ost socket {} did not answer 'sup': {}", run.socket(), e.toString());
            }
        }
        List<String> stdout = FileTail.lastLines(run.stdout());
        if (status == null) {
            status = GhostOutputParser.lastStatus(stdout);
        }
        Integer exit = null;
        if (!alive) {
            exit = run.exitCode();
            if (exit == null && run.launched()) {
                // gh-ost has just exited and the wrapper is about to record the code: give it a moment.
                LocalProcesses.waitUntil(Duration.ofMillis(500), Duration.ofMillis(50), () -> run.exitCode() != null);
                exit = run.exitCode();
                stdout = FileTail.lastLines(run.stdout());
            }
        }
        String errors =
                alive ? "" : redact(GhostOutputParser.errorSummary(FileTail.lastLines(run.stderr()), stdout), run);
        Map<String, String> facts = RunPreparation.readFacts(run);
        long maxLag = RunPreparation.parseLong(facts.get("maxLagMillis"), GhostOptions.DEFAULT_MAX_LAG_MILLIS);
        EngineObservation obs = new RunObservation(
                        run.launched() || alive,
                        alive,
                        exit,
                        GhostOutputParser.printedDone(stdout),
                        status,
                        HookEvents.read(run.events()),
                        !Files.exists(run.postponeFlag()),
                        Files.exists(run.cancelledMarker()),
                        errors,
                        Duration.ofMillis(maxLag))
                .observe();
        if (!alive) {
            RunFiles.delete(run.conf()); // the secret is not needed once gh-ost is gone
        }
        ChecksumStatus checksum = checksums.status(checksumPaths(run), () -> alive ? checksumTarget(run) : null);
        if (checksum != null) {
            obs = obs.withChecksum(checksum);
        }
        double nice = RunFiles.readDecimal(run.niceRatioFile()).orElse(0.0);
        if (nice > 0 && !obs.throttled() && obs.phase() == EnginePhase.COPYING) {
            obs = obs.withThrottle(
                    true,
                    String.format(
                            Locale.ROOT,
                            "slowed by osc4j to about %.0f%% of full speed (nice-ratio %s: a sleep after each chunk)",
                            100 / (1 + nice),
                            RunPreparation.formatRatio(nice)));
        }
        return obs;
    }

    private static List<String> lines(String text) {
        return List.of(text.split("\n"));
    }

    /** Removes anything that looks like a password from gh-ost's output before it goes into a message. */
    private String redact(String text, RunDirectory run) {
        String out = PASSWORD_FIELD.matcher(text).replaceAll("$1****");
        String confText = RunFiles.read(run.conf()).orElse(null);
        String pw = confText == null ? null : GhostConf.password(confText);
        if (pw != null && pw.length() >= 3) {
            out = out.replace(pw, "****");
        }
        return out;
    }

    /**
     * Starts comparing the original table with gh-ost's ghost table while the run postpones its cut-over (see the
     * class comment: a drained snapshot, then chunks hashed on the server, differing chunks copied again). Idempotent:
     * a comparison that runs or ended is left as it is; one a controller restart interrupted is started again.
     *
     * @throws EngineException (retryable) when gh-ost does not run; (permanent) when there is no run
     */
    @Override
    public void verify(EngineHandle handle) {
        RunDirectory run = runOf(handle);
        if (!run.exists()) {
            throw EngineException.permanent(FailureReason.RUN_LOST, "no gh-ost run for " + handle.key());
        }
        if (GhostProcesses.find(run).isEmpty()) {
            throw EngineException.transientFailure(
                    "gh-ost run " + handle.key() + " is not running; its tables cannot be compared now", null);
        }
        BackgroundChecksum.Target target = checksumTarget(run);
        if (target == null) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION,
                    "gh-ost run " + handle.key() + " recorded no schema, table or applier: cannot compare");
        }
        checksums.request(checksumPaths(run), target);
    }

    private static BackgroundChecksum.Paths checksumPaths(RunDirectory run) {
        return new BackgroundChecksum.Paths(run.verifyRequested(), run.checksum(), run.checksumDone());
    }

    /**
     * The original and ghost tables on the server gh-ost applies to, compared in a {@link DrainedSnapshot}; for a run
     * that streams another server's binary log ({@code mode=replica}) a snapshot that refuses, since the coordinates
     * of the two servers cannot be compared.
     */
    private BackgroundChecksum.@Nullable Target checksumTarget(RunDirectory run) {
        Map<String, String> facts = RunPreparation.readFacts(run);
        String schema = facts.get("schema");
        String table = facts.get("table");
        String host = facts.get("applierHost");
        String port = facts.get("applierPort");
        if (schema == null || table == null || host == null || port == null) {
            return null;
        }
        Endpoint applier = new Endpoint(host, Integer.parseInt(port));
        String ghost = GhostTables.of(table).ghost();
        TableChecksum.Snapshot snapshot;
        if (applier.toString().equals(facts.get("connectTo"))) {
            snapshot = new DrainedSnapshot(run, connections, applier, schema, table, checksumHoldLimit, socketTimeout);
        } else {
            snapshot = c -> {
                throw new InvalidRequestException(
                        "gh-ost streams the binary log of " + facts.get("connectTo") + " but applies to " + applier
                                + ": osc4j cannot tell when its backlog is drained",
                        null);
            };
        }
        return new BackgroundChecksum.Target(applier, schema, table, ghost, snapshot);
    }

    @Override
    public void releaseCutover(EngineHandle handle) {
        RunDirectory run = runOf(handle);
        if (!run.exists()) {
            throw EngineException.permanent(FailureReason.RUN_LOST, "no gh-ost run for " + handle.key());
        }
        // The deleted flag file is what makes the release durable: gh-ost checks it every second, and a run that has
        // not reached its cut-over yet will not postpone when it does.
        RunFiles.delete(run.postponeFlag());
        if (GhostProcesses.find(run).isPresent()) {
            control.command(run, "unpostpone", false);
        }
        LOG.info("released the cut-over of gh-ost run {}", handle.key());
    }

    /**
     * Throttles the run: at 1 gh-ost's throttle (its flag file and the socket's {@code throttle}), which pauses the copy
     * and the binlog apply; between 0 and 1 gh-ost's {@code nice-ratio} through the socket, set to {@code ratio / (1 -
     * ratio)} (at most 100), so gh-ost sleeps that multiple of each chunk's copy time after it and copies at about
     * {@code 1 - ratio} of its speed (go/logic/migrator.go); at 0 neither. A partial throttle needs the socket: when
     * gh-ost does not answer yet, it fails retryably and is sent again.
     *
     * @throws InvalidRequestException when {@code ratio} is not within [0, 1]
     */
    @Override
    public void throttle(EngineHandle handle, double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new InvalidRequestException("throttle ratio must be within [0, 1], got " + ratio, null);
        }
        RunDirectory run = runOf(handle);
        if (!run.exists()) {
            throw EngineException.permanent(FailureReason.RUN_LOST, "no gh-ost run for " + handle.key());
        }
        boolean alive = GhostProcesses.find(run).isPresent();
        if (ratio >= 1) {
            RunFiles.touch(run.throttleFlag());
            if (alive) {
                control.command(run, "throttle", false);
            }
            return;
        }
        RunFiles.delete(run.throttleFlag());
        double nice = ratio > 0 ? Math.min(100, ratio / (1 - ratio)) : 0;
        if (alive) {
            control.command(run, "no-throttle", false);
            String value = String.format(Locale.ROOT, "%.6f", nice);
            control.command(run, "nice-ratio=" + value, ratio > 0);
        } else if (ratio > 0) {
            throw EngineException.transientFailure(
                    "gh-ost run " + handle.key() + " is not running yet; its nice-ratio is set once it answers", null);
        }
        if (ratio > 0) {
            RunFiles.write(run.niceRatioFile(), String.format(Locale.ROOT, "%.6f%n", nice));
        } else {
            RunFiles.delete(run.niceRatioFile());
        }
    }

    /**
     * Stops the run and returns once gh-ost has exited: {@code panic} (gh-ost then exits without cleanup, from
     * another goroutine, so the reply comes before the exit), SIGTERM when the socket is not up or after the stop
     * timeout, SIGKILL after another. A run without a directory, or whose gh-ost has exited, is left alone.
     *
     * @throws EngineException (retryable) when gh-ost does not exit even after SIGKILL
     */
    @Override
    public void cancel(EngineHandle handle) {
        RunDirectory run = runOf(handle);
        if (!run.exists()) {
            return;
        }
        RunFiles.touch(run.cancelledMarker());
        RunFiles.touch(run.panicFlag());
        control.stop(run, handle.key());
        LOG.info("cancelled gh-ost run {}", handle.key());
    }

    /**
     * Sets {@code chunk-size} of a running copy through the socket (gh-ost's range: 10 to 100000 rows). Not recorded
     * in the migration: a restarted run uses the migration's option again.
     *
     * @throws InvalidRequestException when {@code rows} is out of range
     * @throws EngineException when the run is not running or refuses
     */
    public void setChunkSize(EngineHandle handle, int rows) {
        if (rows < 10 || rows > 100_000) {
            throw new InvalidRequestException("chunk-size must be within [10, 100000], got " + rows, null);
        }
        setAndCheck(handle, "chunk-size", rows, "# chunk-size: " + rows + ";");
    }

    /**
     * Sets {@code max-lag-millis} of a running copy through the socket. Not recorded in the migration.
     *
     * @throws InvalidRequestException when {@code millis} is below 100 (gh-ost's minimum)
     * @throws EngineException when the run is not running or refuses
     */
    public void setMaxLagMillis(EngineHandle handle, long millis) {
        if (millis < 100) {
            throw new InvalidRequestException("max-lag-millis must be at least 100, got " + millis, null);
        }
        setAndCheck(handle, "max-lag-millis", millis, "max-lag-millis: " + millis + "ms");
    }

    private void setAndCheck(EngineHandle handle, String name, long value, String expect) {
        RunDirectory run = runOf(handle);
        if (!run.exists() || GhostProcesses.find(run).isEmpty()) {
            throw EngineException.permanent(FailureReason.RUN_LOST, "gh-ost run " + handle.key() + " is not running");
        }
        String reply = control.command(run, name + "=" + value, true);
        if (reply == null || !reply.contains(expect)) {
            String first = reply == null ? "no reply" : reply.strip().split("\n")[0];
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION, "gh-ost did not take " + name + "=" + value + ": " + first);
        }
    }

    @Override
    public CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key) {
        synchronized (lock(key)) {
            RunDirectory run = RunDirectory.of(workDirectory, key);
            runEvents.forget(run.path());
            checksums.forget(checksumPaths(run));
            return runCleanup.cleanup(target, spec, key, run);
        }
    }

    /**
     * Ends the revert window of the forward run {@code key}: its {@code _<table>_del} goes to the table lifecycle
     * (quarantined for the hold, or dropped with a zero hold) and its checkpoint table {@code _<table>_ghk} is dropped.
     * Waits (retryably) while another gh-ost works on the table. Idempotent: nothing left is nothing to do.
     */
    @Override
    public CleanupReport retire(ShardTarget target, MigrationSpec spec, EngineKey key) {
        synchronized (lock(key)) {
            return runCleanup.retire(target, spec, key, RunDirectory.of(workDirectory, key));
        }
    }

    @Override
    public Optional<EngineHandle> reattach(
            ShardTarget target, MigrationSpec spec, EngineKey key, @Nullable EngineHandle recorded) {
        RunDirectory run = recorded != null ? runOf(recorded) : RunDirectory.of(workDirectory, key);
        if (!run.exists() || !run.launched()) {
            return Optional.empty();
        }
        if (GhostProcesses.find(run).isPresent()) {
            String reply = control.command(run, "sup", false);
            LOG.info(
                    "reattached to gh-ost run {} ({}): {}",
                    key,
                    run,
                    reply == null ? "socket not answering yet" : reply.strip());
        } else {
            LOG.info("reattached to gh-ost run {} ({}), which has exited", key, run);
        }
        return Optional.of(handle(key, run));
    }

    /** The account for {@code server}: the shard's primary, or the server cleanup connects to when none is known. */
    static DatabaseCredentials credentialsFor(CredentialsProvider credentials, ShardTarget target, Endpoint server) {
        try {
            return credentials.credentialsFor(server);
        } catch (RuntimeException e) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION,
                    "the credentials provider failed for shard " + target.shard() + ": "
                            + e.getClass().getName());
        }
    }

    private Object lock(EngineKey key) {
        return locks.computeIfAbsent(key.value(), k -> new Object());
    }

    /**
     * Calls {@code listener} when a hook of gh-ost fires (the hooks append to the run's event log: validated, row copy
     * complete, postponed cut-over, success, failure) or the run's exit status appears, in any run this engine started
     * or observed: through inotify on the run directories, at once.
     */
    @Override
    public AutoCloseable watch(Runnable listener) {
        return runEvents.subscribe(listener);
    }

    /** Stops watching run directories; runs continue without the engine. Idempotent. */
    @Override
    public void close() {
        runEvents.close();
    }

    @Override
    public String toString() {
        return "GhostEngine{" + executable.path() + ", workDirectory=" + workDirectory + "}";
    }

    /** Configures a {@link GhostEngine}; every setting but {@link #credentials} has a default. */
    public static final class Builder {
        private Path executable = DEFAULT_EXECUTABLE;
        private @Nullable CredentialsProvider credentials;
        private Path workDirectory = Path.of(System.getProperty("java.io.tmpdir"), "osc4j-gh-ost");
        private Map<String, String> defaults = Map.of();
        private Clock clock = Clock.systemUTC();
        private Map<String, String> environment = Map.of();
        private Map<String, String> jdbcProperties = DEFAULT_JDBC_PROPERTIES;
        private Duration socketTimeout = DEFAULT_SOCKET_TIMEOUT;
        private Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;
        private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
        private Duration launchTimeout = DEFAULT_LAUNCH_TIMEOUT;
        private Duration quarantineHold = TableLifecycle.DEFAULT_HOLD;
        private int checksumChunkRows = TableChecksum.DEFAULT_CHUNK_ROWS;
        private int checksumRecopies = TableChecksum.DEFAULT_MAX_RECOPIES;
        private Duration checksumHoldLimit = DEFAULT_CHECKSUM_HOLD_LIMIT;

        private Builder() {}

        /**
         * Rows per chunk of the comparison before the swap (default {@value TableChecksum#DEFAULT_CHUNK_ROWS}).
         *
         * @throws InvalidRequestException when not within 1 to 1,000,000
         */
        public Builder checksumChunkRows(int value) {
            TableChecksum.of("s", "a", "b").chunkRows(value);
            this.checksumChunkRows = value;
            return this;
        }

        /**
         * Copies again of a chunk that differs before the comparison is a mismatch and the shard fails with {@link
         * FailureReason#CHECKSUM_MISMATCH} (default {@value TableChecksum#DEFAULT_MAX_RECOPIES}; 0 fails at the first
         * difference).
         *
         * @throws InvalidRequestException when not within 0 to 100
         */
        public Builder checksumRecopies(int value) {
            TableChecksum.of("s", "a", "b").maxRecopies(value);
            this.checksumRecopies = value;
            return this;
        }

        /**
         * The longest writes to the original table are held to open a drained snapshot for the comparison (waiting
         * for the table lock, then for gh-ost to apply the binary log up to it); past it the lock is released and the
         * comparison starts again a few seconds later (default {@link #DEFAULT_CHECKSUM_HOLD_LIMIT}).
         *
         * @throws InvalidRequestException when not within 100 ms to 60 s
         */
        public Builder checksumHoldLimit(Duration value) {
            if (value.toMillis() < 100 || value.toMillis() > 60_000) {
                throw new InvalidRequestException("checksumHoldLimit must be 100 ms to 60 s, got " + value, null);
            }
            this.checksumHoldLimit = value;
            return this;
        }

        /** The gh-ost executable (default {@link #DEFAULT_EXECUTABLE}, looked up on the {@code PATH}). */
        public Builder executable(Path value) {
            this.executable = value;
            return this;
        }

        /**
         * Where the accounts gh-ost connects with come from. Required. Asked with the shard's primary each time a run
         * starts or is cleaned up; gh-ost uses the same account on the replica it inspects.
         */
        public Builder credentials(CredentialsProvider value) {
            this.credentials = value;
            return this;
        }

        /**
         * The root of the runs' directories (default {@code ${java.io.tmpdir}/osc4j-gh-ost}). Every controller that
         * may take over a migration must see the same directory (and run on the same host as gh-ost). Short: the
         * runs' sockets live in it, and socket paths are limited to about 100 bytes.
         */
        public Builder workDirectory(Path value) {
            this.workDirectory = value;
            return this;
        }

        /** Engine options every migration gets unless it sets them itself, checked like the migration's. */
        public Builder defaults(Map<String, String> value) {
            this.defaults = Map.copyOf(value);
            return this;
        }

        /** The clock for the timestamps the engine records (default: system UTC). */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** Extra environment variables for gh-ost and its hooks (never put a password here: use the provider). */
        public Builder environment(Map<String, String> value) {
            this.environment = Map.copyOf(value);
            return this;
        }

        /**
         * Connector/J properties for the connection {@link GhostEngine#cleanup} drops tables over (default
         * {@link #DEFAULT_JDBC_PROPERTIES}); {@code user} and {@code password} come from the provider.
         */
        public Builder jdbcProperties(Map<String, String> value) {
            this.jdbcProperties = Map.copyOf(value);
            return this;
        }

        /** How long a socket command may take (default {@link #DEFAULT_SOCKET_TIMEOUT}). */
        public Builder socketTimeout(Duration value) {
            this.socketTimeout = value;
            return this;
        }

        /** How long {@code --version} and {@code --check-flag} may take (default {@link #DEFAULT_PROBE_TIMEOUT}). */
        public Builder probeTimeout(Duration value) {
            this.probeTimeout = value;
            return this;
        }

        /** How long cleanup waits for a run it stops (default {@link #DEFAULT_STOP_TIMEOUT}). */
        public Builder stopTimeout(Duration value) {
            this.stopTimeout = value;
            return this;
        }

        /**
         * How long the tables of a failed or aborted run that hold rows ({@code _gho}, {@code _del}) are kept under a
         * quarantine name ({@link TableLifecycle}) before a later cleanup's sweep drops them (default 24 hours; zero
         * drops at once).
         *
         * @throws InvalidRequestException when negative
         */
        public Builder quarantineHold(Duration value) {
            new TableLifecycle(value, Clock.systemUTC());
            this.quarantineHold = value;
            return this;
        }

        /** How long start waits for gh-ost's pid (default {@link #DEFAULT_LAUNCH_TIMEOUT}). */
        public Builder launchTimeout(Duration value) {
            this.launchTimeout = value;
            return this;
        }

        /**
         * Builds the engine. Runs nothing yet: the executable is first asked for its version when a run starts.
         *
         * @throws InvalidRequestException naming the missing or invalid setting
         */
        public GhostEngine build() {
            CredentialsProvider provider = credentials;
            if (provider == null) {
                throw new InvalidRequestException("credentials are required", null);
            }
            requirePositive("socketTimeout", socketTimeout);
            requirePositive("probeTimeout", probeTimeout);
            requirePositive("stopTimeout", stopTimeout);
            requirePositive("launchTimeout", launchTimeout);
            GhostOptions.resolve(defaults, Map.of());
            for (Map.Entry<String, String> e : jdbcProperties.entrySet()) {
                String k = e.getKey().toLowerCase(Locale.ROOT);
                if (k.equals("user") || k.equals("password")) {
                    throw new InvalidRequestException(
                            "jdbcProperties must not contain '" + e.getKey() + "': the credentials provider gives it",
                            null);
                }
            }
            Path root = workDirectory.toAbsolutePath().normalize();
            String socket =
                    root.resolve("gh-0123456789abcdef").resolve("gh-ost.sock").toString();
            int bytes = socket.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > RunDirectory.MAX_SOCKET_PATH_BYTES) {
                throw new InvalidRequestException(
                        "workDirectory '" + root + "' is too long: the runs' socket paths would be " + bytes
                                + " bytes, and Unix sockets allow " + RunDirectory.MAX_SOCKET_PATH_BYTES,
                        null);
            }
            return new GhostEngine(this, provider);
        }

        private static void requirePositive(String name, Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new InvalidRequestException(name + " must be positive, got " + value, null);
            }
        }
    }
}
