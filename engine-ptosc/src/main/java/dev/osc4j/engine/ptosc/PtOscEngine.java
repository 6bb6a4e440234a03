package dev.osc4j.engine.ptosc;

import dev.osc4j.Artifact;
import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationSpec;
import dev.osc4j.PreSwapPolicy;
import dev.osc4j.ShardTarget;
import dev.osc4j.engine.ptosc.RunDirectory.RunRecord;
import dev.osc4j.mysql.BackgroundChecksum;
import dev.osc4j.mysql.BackgroundPreSwap;
import dev.osc4j.mysql.KeptTable;
import dev.osc4j.mysql.MySqlConnections;
import dev.osc4j.mysql.TableChecksum;
import dev.osc4j.mysql.TableLifecycle;
import dev.osc4j.mysql.TableWarmer;
import dev.osc4j.process.LocalProcesses;
import dev.osc4j.process.RunEventWatcher;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.ChecksumStatus;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.PreSwapStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a migration's copy on one shard with Percona's {@code pt-online-schema-change} (3.2.1 as shipped by Debian;
 * package {@value #DEBIAN_PACKAGE} with {@code libdbd-mysql-perl}).
 *
 * <pre>{@code
 * PtOscEngine ptosc = PtOscEngine.builder()
 *     .credentials(CredentialsProvider.of("osc", secretFromVault))
 *     .workDirectory(Path.of("/var/lib/osc4j/pt-osc"))
 *     .defaultOption("max-lag", "5")
 *     .build();
 * }</pre>
 *
 * <h2>How a run works</h2>
 *
 * <ul>
 *   <li><b>One directory per run</b>, named after the {@link EngineKey}, under the {@linkplain Builder#workDirectory
 *       work directory}: records, the tool's output, the plugin's events, the exit status. {@link #start} with a key
 *       whose directory records a launch returns that run; nothing else starts a process. A new engine in a new
 *       process finds, observes and cleans up a run from its directory alone.
 *   <li><b>Detached process.</b> The tool runs under {@code setsid} in a small shell wrapper that writes its output
 *       and exit status to files, so it survives the controller (reattach after a restart), and is identified by pid
 *       and start time (a reused pid is not mistaken for it). Run controllers that use this engine on one host (the
 *       run's host is recorded; another host's controller waits instead of failing the shard).
 *   <li><b>Credentials</b> go into a private (0600) option file in the run directory, named by {@code F=} in the
 *       DSN: never on a command line, in the environment, a log line, a handle or a message. The file is deleted
 *       when the run has ended.
 *   <li><b>The plugin</b> ({@code osc4j_plugin.pm}, written into the run directory) reports every hook as a JSON
 *       event, holds {@code before_swap_tables} until {@link #releaseCutover} creates the release file (a postponed
 *       cut-over, so several shards swap together), and makes {@code --pause-file} react within a second.
 *   <li><b>Phases</b>: {@code STARTING} until the copy begins, {@code COPYING}, {@code CATCHING_UP} once the rows are
 *       copied, {@code READY_FOR_CUTOVER} while the plugin holds, {@code CUTTING_OVER} once released, {@code
 *       COMPLETED} on exit status 0 after the tool's success line. <b>Failures</b> are classified from the tool's
 *       error lines, then its documented exit status (TABLE_NOT_FOUND, NO_UNIQUE_KEY, FOREIGN_KEYS, INVALID_DDL,
 *       CONNECTION, CUTOVER_FAILED, ...); a process that vanished without an exit status is {@code
 *       FAILED}/{@link FailureReason#RUN_LOST} with what it left on the server in the message.
 *   <li><b>Throttle</b>: pt-osc's own lag and load checks (options {@code max-lag}, {@code max-load}, ...) plus
 *       osc4j's: at ratio 1 the pause file; between 0 and 1 a ratio file the plugin reads before each chunk, pausing
 *       after each chunk for {@code ratio / (1 - ratio)} of the chunk's time, so the copy runs at about {@code 1 -
 *       ratio} of its speed ({@link EngineCapabilities#throttleRatio()} is true).
 *   <li><b>Cleanup</b> drops the triggers, then retires the tables (quarantined for {@link Builder#quarantineHold},
 *       then dropped by a later cleanup's sweep), that this run created and nothing else: names pt-osc uses
 *       for this table, absent before the run, reported by the run's plugin (triggers must also write into the run's
 *       new table). It stops a run that is still going first.
 *   <li><b>Revertible runs</b> ({@link MigrationSpec#revertible()}): pt-osc runs with {@code --no-swap-tables
 *       --no-drop-triggers}; at the release the engine rotates the tables itself ({@link KeptTable#rotate}: placeholder,
 *       reverse triggers, one three-way RENAME, then pt-osc's triggers and the placeholder dropped) so the original is
 *       kept as {@code _<table>_old}, in sync, until {@link #retire} (reverse triggers dropped first, then the table
 *       quarantined). A revert ({@link MigrationSpec#revertOf()}) runs no process: it holds in {@code
 *       READY_FOR_CUTOVER}, swaps back at {@link #releaseCutover} ({@link KeptTable#swapBack}) and hands the new-schema
 *       table to the lifecycle. See docs/revert.md, with the measured 1146 limit.
 * </ul>
 *
 * <p>Engine options (request options over {@linkplain Builder#defaultOption builder defaults}; anything else is
 * refused by {@link #validate}): {@value #OPTION_CHUNK_SIZE}, {@value #OPTION_CHUNK_TIME}, {@value
 * #OPTION_CHUNK_SIZE_LIMIT}, {@value #OPTION_CHUNK_INDEX}, {@value #OPTION_MAX_LAG}, {@value #OPTION_CHECK_INTERVAL},
 * {@value #OPTION_MAX_LOAD}, {@value #OPTION_CRITICAL_LOAD}, {@value #OPTION_RECURSION_METHOD}, {@value
 * #OPTION_REPLICAS}, {@value #OPTION_ALTER_FOREIGN_KEYS_METHOD}, {@value #OPTION_SLEEP}, {@value #OPTION_SET_VARS},
 * {@value #OPTION_TRIES}, {@value #OPTION_PROGRESS_INTERVAL}, {@value #OPTION_PAUSE_POLL}, {@value
 * #OPTION_HOLD_KEEPALIVE}, {@value #OPTION_FLAGS}.
 */
public final class PtOscEngine implements ExecutionEngine {
    /** The engine name requests use by default. */
    public static final String DEFAULT_NAME = "pt-osc";
    /** The executable looked up on {@code PATH} by default. */
    public static final String DEFAULT_BINARY = "pt-online-schema-change";
    /** The Debian package that provides the tool. */
    public static final String DEBIAN_PACKAGE = "percona-toolkit";
    /** Default for {@link Builder#cancelTimeout}: 30 seconds between SIGTERM and SIGKILL. */
    public static final Duration DEFAULT_CANCEL_TIMEOUT = Duration.ofSeconds(30);
    /** Default for {@link Builder#connectTimeout}: 10 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Default for {@link Builder#queryTimeout}: 60 seconds (a DROP waits for metadata locks). */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(60);
    /** Default for {@link Builder#observationMaxAge}, in milliseconds. */
    public static final long DEFAULT_OBSERVATION_MAX_AGE_MILLIS = 200;
    /** Default for {@link Builder#observationMaxAge}: 200 ms. */
    public static final Duration DEFAULT_OBSERVATION_MAX_AGE = Duration.ofMillis(DEFAULT_OBSERVATION_MAX_AGE_MILLIS);
    /** How long a vanished run's observation (which lists artifacts over JDBC) is reused before it is redone. */
    static final Duration LOST_RECHECK = Duration.ofSeconds(30);

    /** Option: rows per chunk ({@code --chunk-size}); 1 to 10,000,000. */
    public static final String OPTION_CHUNK_SIZE = PtOscOptions.CHUNK_SIZE;
    /** Option: target seconds per chunk ({@code --chunk-time}); 0 keeps the chunk size fixed. */
    public static final String OPTION_CHUNK_TIME = PtOscOptions.CHUNK_TIME;
    /** Option: {@code --chunk-size-limit}. */
    public static final String OPTION_CHUNK_SIZE_LIMIT = PtOscOptions.CHUNK_SIZE_LIMIT;
    /** Option: the index to chunk on ({@code --chunk-index}). */
    public static final String OPTION_CHUNK_INDEX = PtOscOptions.CHUNK_INDEX;
    /** Option: seconds of replica lag at which pt-osc pauses the copy ({@code --max-lag}). */
    public static final String OPTION_MAX_LAG = PtOscOptions.MAX_LAG;
    /** Option: seconds between lag checks while pausing ({@code --check-interval}). */
    public static final String OPTION_CHECK_INTERVAL = PtOscOptions.CHECK_INTERVAL;
    /** Option: {@code Var=N,...} status thresholds that pause the copy ({@code --max-load}). */
    public static final String OPTION_MAX_LOAD = PtOscOptions.MAX_LOAD;
    /** Option: {@code Var=N,...} status thresholds that abort the run ({@code --critical-load}). */
    public static final String OPTION_CRITICAL_LOAD = PtOscOptions.CRITICAL_LOAD;
    /**
     * Option: how pt-osc finds replicas ({@code --recursion-method}): {@code processlist}, {@code hosts}, {@code
     * none} or {@code dsn=D=<db>,t=<table>} (a DSN table, without credentials).
     */
    public static final String OPTION_RECURSION_METHOD = PtOscOptions.RECURSION_METHOD;
    /** Option: the replica, {@code host:port}, whose lag pauses the copy ({@code --check-slave-lag}); one only. */
    public static final String OPTION_REPLICAS = PtOscOptions.REPLICAS;
    /** Option: {@code auto}, {@code rebuild_constraints} or {@code drop_swap}. */
    public static final String OPTION_ALTER_FOREIGN_KEYS_METHOD = PtOscOptions.ALTER_FOREIGN_KEYS_METHOD;
    /** Option: seconds to sleep after each chunk ({@code --sleep}). */
    public static final String OPTION_SLEEP = PtOscOptions.SLEEP;
    /** Option: session variables ({@code --set-vars}). */
    public static final String OPTION_SET_VARS = PtOscOptions.SET_VARS;
    /** Option: {@code --tries} ({@code operation:tries:wait,...}). */
    public static final String OPTION_TRIES = PtOscOptions.TRIES;
    /** Option: seconds between progress lines ({@code --progress time,N}); default 2. */
    public static final String OPTION_PROGRESS_INTERVAL = PtOscOptions.PROGRESS_INTERVAL;
    /** Option: seconds between pause-file checks while paused; default 1 (pt-osc alone checks every 60). */
    public static final String OPTION_PAUSE_POLL = PtOscOptions.PAUSE_POLL;
    /** Option: seconds between keep-alive queries while holding before the swap; default 60. */
    public static final String OPTION_HOLD_KEEPALIVE = PtOscOptions.HOLD_KEEPALIVE;
    /** Option: switches from a reviewed list, space-separated, such as {@code --no-check-alter}. */
    public static final String OPTION_FLAGS = PtOscOptions.FLAGS;

    static final String ATTR_RUN_DIR = "runDir";
    static final String ATTR_PID = "pid";
    static final String ATTR_PID_STARTED = "pidStartedAt";
    static final String ATTR_HOST = "controllerHost";
    static final String ATTR_SERVER = "server";
    static final String ATTR_TABLE = "table";

    private static final Logger LOG = LoggerFactory.getLogger(PtOscEngine.class);

    private final String name;
    private final Path binary;
    private final Path workDirectory;
    private final Map<String, String> defaultOptions;
    private final Clock clock;
    private final Duration cancelTimeout;
    private final Duration observationMaxAge;
    private final MySqlConnections connections;
    private final String hostName;
    private final RunLauncher launcher;
    private final RunObserver observer;
    private final RunEventWatcher runEvents;
    private final BackgroundChecksum checksums;
    private final BackgroundPreSwap warmings;
    private final TableLifecycle lifecycle;
    private final RevertRun reverts;
    private final Map<Path, Object> startLocks = new ConcurrentHashMap<>();

    private PtOscEngine(Builder b, Path binary, Path shell, @Nullable Path setsid, CredentialsProvider credentials) {
        this.name = b.name;
        this.binary = binary;
        this.workDirectory = b.workDirectory.toAbsolutePath().normalize();
        this.defaultOptions = Map.copyOf(b.defaultOptions);
        this.clock = b.clock;
        this.cancelTimeout = b.cancelTimeout;
        this.observationMaxAge = b.observationMaxAge;
        Map<String, String> jdbc = new LinkedHashMap<>(b.jdbcProperties);
        jdbc.put("connectTimeout", Long.toString(b.connectTimeout.toMillis()));
        jdbc.put("socketTimeout", Long.toString(b.queryTimeout.toMillis()));
        this.connections = new MySqlConnections(credentials, jdbc);
        this.hostName = localHostName();
        this.launcher = new RunLauncher(name, binary, shell, setsid, clock, connections, hostName);
        this.observer = new RunObserver(clock, observationMaxAge, connections);
        this.lifecycle = new TableLifecycle(b.quarantineHold, clock);
        this.reverts = new RevertRun(name, hostName, clock, connections, lifecycle);
        this.checksums = new BackgroundChecksum("pt-osc", connections, clock, b.checksumChunkRows, b.checksumRecopies);
        this.warmings = new BackgroundPreSwap("pt-osc", BackgroundPreSwap.Step.WARM, connections);
        this.runEvents = new RunEventWatcher(
                "osc4j-pt-osc-events",
                Set.of(RunDirectory.EVENTS, RunDirectory.EXIT, RunDirectory.CHECKSUM_DONE, RunDirectory.WARM_DONE),
                dir -> observer.forgetRecent(new RunDirectory(dir)));
    }

    /** Configures an engine. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * A postponed cut-over (the plugin holds before the swap) and reattach; no partial throttle ratios (any ratio
     * above 0 pauses), no retry in place (a retry cleans up and runs again), no applied binlog position (triggers
     * apply changes synchronously, so there is nothing to catch up on the primary). Warming before the swap; no
     * ANALYZE asked of osc4j, because pt-osc runs its own ({@code --analyze-before-swap}, on by default with persistent
     * statistics) right before its swap: osc4j does not run it twice.
     */
    @Override
    public EngineCapabilities capabilities() {
        return new EngineCapabilities(true, true, true, false, false)
                .withChecksum(true)
                .withRevert(true)
                .withPreSwap(false, true);
    }

    /** Checks the engine options against the reviewed list. */
    @Override
    public void validate(MigrationSpec spec) {
        Map<String, String> options = PtOscOptions.effective(defaultOptions, spec.engineOptions());
        if (spec.revertible()) {
            PtOscOptions.requireRevertible(options);
        }
    }

    /** The root under which runs have their directories. */
    public Path workDirectory() {
        return workDirectory;
    }

    /** The executable this engine runs. */
    public Path binary() {
        return binary;
    }

    /**
     * pt-osc's new table and three triggers, and for a revertible run the kept table and its reverse triggers; for a
     * revert the set-aside name and the swap back's placeholder; with the names free on the primary now, which are the
     * ones the run will take (pt-osc takes the first free new-table name).
     */
    @Override
    public List<Artifact> plannedArtifacts(ShardTarget target, MigrationSpec spec, EngineKey key) {
        Endpoint primary = primaryOf(target);
        String schema = schemaOf(target);
        try (Connection c = connections.open(primary)) {
            Artifacts.Found before = Artifacts.find(c, schema, spec.table(), List.of());
            return Artifacts.planned(before, schema, spec.table(), spec.revertible(), spec.revertOf() != null, key);
        } catch (IllegalArgumentException e) { // a table no revertible run can have: start refuses it the same way
            throw refused(e, key, target);
        } catch (SQLException e) {
            throw new EngineException(
                    FailureReason.CONNECTION,
                    true,
                    "cannot read the pt-osc artifacts of " + schema + "." + spec.table() + " on " + primary + ": "
                            + e.getMessage(),
                    key.migrationId(),
                    target.shard(),
                    e);
        }
    }

    @Override
    public EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key) {
        Endpoint primary = primaryOf(target);
        String schema = schemaOf(target);
        if (spec.revertOf() != null) {
            return startRevert(target, spec, key, primary, schema);
        }
        Map<String, String> options;
        try {
            options = PtOscOptions.effective(defaultOptions, spec.engineOptions());
            if (spec.revertible()) {
                PtOscOptions.requireRevertible(options);
                KeptTable.keptName(spec.table()); // a name the rotation can use (RunLauncher)
            }
        } catch (InvalidRequestException | IllegalArgumentException e) {
            throw refused(e, key, target);
        }
        RunDirectory run = RunDirectory.of(workDirectory, key);
        try {
            synchronized (startLock(run)) {
                run.create();
                try (FileChannel channel =
                        FileChannel.open(run.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    // Another process (a second controller) may be starting the same key: one launch per key.
                    FileLock lock = channel.lock();
                    try {
                        Optional<EngineHandle> existing = launcher.find(run, key);
                        if (existing.isPresent()) {
                            LOG.info("pt-osc run {} already exists ({}); not starting another", key, run);
                            runEvents.watch(run.dir());
                            return existing.get();
                        }
                        if (Files.exists(run.cleanedMarker())) {
                            throw new EngineException(
                                    FailureReason.RUN_LOST,
                                    false,
                                    "the run " + key + " was cleaned up; a new attempt needs a new key",
                                    key.migrationId(),
                                    target.shard(),
                                    null);
                        }
                        runEvents.watch(run.dir());
                        return launcher.launch(run, key, target, primary, schema, spec, options);
                    } finally {
                        lock.release();
                    }
                }
            }
        } catch (IOException e) {
            throw new EngineException(
                    FailureReason.ENGINE_CONFIGURATION,
                    true,
                    "cannot prepare the run directory " + run + ": " + e,
                    key.migrationId(),
                    target.shard(),
                    e);
        }
    }

    private EngineHandle startRevert(
            ShardTarget target, MigrationSpec spec, EngineKey key, Endpoint primary, String schema) {
        dev.osc4j.RevertOf of = java.util.Objects.requireNonNull(spec.revertOf());
        RunDirectory run = RunDirectory.of(workDirectory, key);
        RunDirectory forward = RunDirectory.of(workDirectory, of.forwardKey(target.shard()));
        run.create();
        // The forward run's lock: a retire and a revert of the same run do not interleave.
        synchronized (startLock(forward)) {
            synchronized (startLock(run)) {
                EngineHandle h = reverts.start(run, forward, key, primary, schema);
                runEvents.watch(run.dir());
                return h;
            }
        }
    }

    @Override
    public EngineObservation observe(EngineHandle handle) {
        RunDirectory run = runOf(handle);
        requireThisHost(handle);
        if (!run.exists()) {
            return EngineObservation.runLost("the run directory " + run + " of " + handle.key() + " is gone");
        }
        if (RevertRun.isRevert(run)) {
            synchronized (startLock(run)) {
                return reverts.observe(run);
            }
        }
        runEvents.watch(run.dir());
        try {
            rotateIfReleased(run);
        } catch (SQLException e) {
            LOG.warn(
                    "pt-osc run {}: the rotation did not finish; tried again at the next observation", handle.key(), e);
        }
        Optional<String> rotateFailure = RunFiles.read(rotateFailed(run));
        if (rotateFailure.isPresent()) {
            return EngineObservation.failed(FailureReason.CUTOVER_FAILED, rotateFailure.get());
        }
        EngineObservation obs = observer.observe(handle, run);
        ChecksumStatus checksum = checksums.status(checksumPaths(run), () -> tablesOf(run));
        PreSwapStatus warm = warmings.status(warmPaths(run), () -> warmTablesOf(run));
        return (checksum == null ? obs : obs.withChecksum(checksum)).withWarm(warm);
    }

    /**
     * Reads the original table's hot key ranges of pt-osc's new table while the plugin holds before the swap ({@link
     * TableWarmer} from osc4j-mysql), in a thread of this engine, recorded in the run directory.
     */
    @Override
    public void warm(EngineHandle handle, PreSwapPolicy policy) {
        requireThisHost(handle);
        RunDirectory run = existingRun(handle);
        BackgroundPreSwap.Target tables = warmTablesOf(run);
        if (tables == null) {
            throw EngineException.transientFailure(
                    "pt-osc run " + handle.key() + " has not named its new table yet; cannot warm it", null);
        }
        warmings.request(warmPaths(run), tables, policy);
        observer.forgetRecent(run);
    }

    private static BackgroundPreSwap.Paths warmPaths(RunDirectory run) {
        return new BackgroundPreSwap.Paths(run.warmRequested(), run.warm(), run.warmDone());
    }

    private BackgroundPreSwap.@Nullable Target warmTablesOf(RunDirectory run) {
        BackgroundChecksum.Target t = tablesOf(run);
        return t == null ? null : new BackgroundPreSwap.Target(t.server(), t.schema(), t.original(), t.copy());
    }

    /**
     * Compares the original table with pt-osc's copy while the plugin holds before the swap (pt-osc's triggers keep
     * the two in step, so each chunk is compared in one consistent snapshot): {@link TableChecksum} from osc4j-mysql,
     * in a thread of this engine, recorded in the run directory; a differing chunk is copied again up to {@link
     * Builder#checksumRecopies}.
     */
    @Override
    public void verify(EngineHandle handle) {
        requireThisHost(handle);
        RunDirectory run = existingRun(handle);
        BackgroundChecksum.Target tables = tablesOf(run);
        if (tables == null) {
            throw EngineException.transientFailure(
                    "pt-osc run " + handle.key() + " has not named its new table yet; cannot compare", null);
        }
        checksums.request(checksumPaths(run), tables);
        observer.forgetRecent(run);
    }

    private static BackgroundChecksum.Paths checksumPaths(RunDirectory run) {
        return new BackgroundChecksum.Paths(run.verifyRequested(), run.checksum(), run.checksumDone());
    }

    /** The run's original table and its copy, once the plugin has named the copy. */
    private BackgroundChecksum.@Nullable Target tablesOf(RunDirectory run) {
        RunRecord record = run.runRecordContent().orElse(null);
        if (record == null) {
            return null;
        }
        RunWatch w = observer.watch(run);
        String copy;
        synchronized (w) {
            copy = RunObserver.facts(record, w).newTable();
        }
        return copy == null
                ? null
                : new BackgroundChecksum.Target(
                        new Endpoint(record.host(), record.port()), record.schema(), record.table(), copy);
    }

    /**
     * Lets the run swap. A revertible run's swap is the engine's rotation ({@link KeptTable#rotate}), made here while
     * the plugin holds (or at the first observation that sees it hold), after which the release file lets pt-osc finish
     * without swapping; a revert swaps back here.
     */
    @Override
    public void releaseCutover(EngineHandle handle) {
        RunDirectory run = existingRun(handle);
        if (RevertRun.isRevert(run)) {
            synchronized (startLock(run)) {
                reverts.release(run, handle.key());
            }
            LOG.info("released the swap back of revert {}", handle.key());
            return;
        }
        boolean revertible = run.runRecordContent().map(RunRecord::revertible).orElse(false);
        if (!revertible) {
            RunFiles.touch(run.releaseFile());
            observer.forgetRecent(run);
            LOG.info("released the cut-over of pt-osc run {}", handle.key());
            return;
        }
        RunFiles.touch(run.releaseRequested());
        observer.forgetRecent(run);
        try {
            rotateIfReleased(run);
        } catch (SQLException e) {
            throw new EngineException(
                    FailureReason.CUTOVER_FAILED,
                    true,
                    "the rotation of pt-osc run " + handle.key()
                            + " did not finish (repeated at the next observation): " + e.getMessage(),
                    handle.key().migrationId(),
                    handle.key().shard(),
                    e);
        }
        LOG.info("released the cut-over of revertible pt-osc run {}", handle.key());
    }

    /**
     * A revertible run released while its plugin holds: rotates the tables (idempotent, read from the server), then
     * writes the release file so pt-osc ends without a swap of its own. A problem that keeps the original from being
     * kept in sync is recorded in {@code rotate-failed} and fails the run.
     */
    private void rotateIfReleased(RunDirectory run) throws SQLException {
        if (!Files.exists(run.releaseRequested()) || Files.exists(run.releaseFile())) {
            return;
        }
        synchronized (startLock(run)) {
            RunRecord record = run.runRecordContent().orElse(null);
            if (record == null
                    || !record.revertible()
                    || Files.exists(run.releaseFile())
                    || Files.exists(rotateFailed(run))) {
                return;
            }
            RunWatch w = observer.watch(run);
            String newTable;
            synchronized (w) {
                w.refresh();
                if (!w.events.holding() || run.exitStatus().isPresent()) {
                    return;
                }
                newTable = RunObserver.facts(record, w).newTable();
            }
            if (newTable == null) {
                return;
            }
            KeptTable kept = KeptTable.of(record.schema(), record.table(), record.kept());
            try (Connection c = connections.open(new Endpoint(record.host(), record.port()))) {
                List<String> done = kept.rotate(
                        c,
                        newTable,
                        KeptTable.swapName(record.table()),
                        Artifacts.triggerNames(record.schema(), record.table()));
                RunFiles.touch(run.rotated());
                RunFiles.touch(run.releaseFile());
                LOG.info("pt-osc run {}: {}", record.key(), done);
            } catch (IllegalStateException e) {
                RunFiles.write(rotateFailed(run), String.valueOf(e.getMessage()));
                LOG.warn("pt-osc run {}: {}", record.key(), e.getMessage());
            } finally {
                observer.forgetRecent(run);
            }
        }
    }

    private static Path rotateFailed(RunDirectory run) {
        return run.dir().resolve("rotate-failed");
    }

    /**
     * Throttles the copy: at 1 the pause file (pt-osc stops between chunks); between 0 and 1 the plugin's ratio file,
     * so that after each chunk the plugin pauses for {@code ratio / (1 - ratio)} of the time the chunk took (capped at
     * 5 s), and the copy runs at about {@code 1 - ratio} of its speed; at 0 neither.
     */
    @Override
    public void throttle(EngineHandle handle, double ratio) {
        if (Double.isNaN(ratio) || ratio < 0 || ratio > 1) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION, "throttle ratio must be 0-1, got " + ratio);
        }
        RunDirectory run = existingRun(handle);
        if (ratio >= 1) {
            RunFiles.touch(run.pauseFile());
            RunFiles.delete(run.throttleRatioFile());
        } else if (ratio > 0) {
            RunFiles.write(run.throttleRatioFile(), String.format(java.util.Locale.ROOT, "%.6f%n", ratio));
            RunFiles.delete(run.pauseFile());
        } else {
            RunFiles.delete(run.pauseFile());
            RunFiles.delete(run.throttleRatioFile());
        }
        observer.forgetRecent(run);
        LOG.info(
                "pt-osc run {}: {}",
                handle.key(),
                ratio >= 1 ? "paused" : ratio > 0 ? "slowed (ratio " + ratio + ")" : "resumed");
    }

    /**
     * Stops the run: SIGTERM to pt-osc, SIGKILL after the cancel timeout; returns once the process is gone. A run that
     * has ended, or that this host has no directory of, is left alone (cancel is idempotent); a run of another host
     * is refused with a retryable error, since only its host can stop it.
     */
    @Override
    public void cancel(EngineHandle handle) {
        requireThisHost(handle);
        RunDirectory run = runOf(handle);
        if (!run.exists()) {
            LOG.info("nothing to cancel: pt-osc run {} has no run directory ({})", handle.key(), run);
            return;
        }
        if (RevertRun.isRevert(run)) {
            synchronized (startLock(run)) {
                reverts.cancel(run);
            }
            return;
        }
        if (run.exitStatus().isPresent()) {
            return;
        }
        RunFiles.touch(run.cancelMarker());
        observer.forgetRecent(run);
        Optional<ProcessHandle> wrapper = RunLauncher.wrapper(handle);
        if (wrapper.isEmpty()) {
            return;
        }
        List<ProcessHandle> tools = wrapper.get().children().toList();
        LOG.info(
                "cancelling pt-osc run {}: SIGTERM to {}",
                handle.key(),
                tools.stream().map(ProcessHandle::pid).toList());
        tools.forEach(ProcessHandle::destroy);
        if (!LocalProcesses.awaitExit(wrapper.get(), cancelTimeout)) {
            LOG.warn("pt-osc run {} did not stop within {}; SIGKILL", handle.key(), cancelTimeout);
            wrapper.get().children().forEach(ProcessHandle::destroyForcibly);
            if (!LocalProcesses.awaitExit(wrapper.get(), Duration.ofSeconds(10))) {
                wrapper.get().destroyForcibly();
                LocalProcesses.awaitExit(wrapper.get(), Duration.ofSeconds(10));
            }
        }
    }

    @Override
    public CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key) {
        RunDirectory run = RunDirectory.of(workDirectory, key);
        if (run.exists() && RevertRun.isRevert(run)) {
            synchronized (startLock(run)) {
                return reverts.cleanup(run);
            }
        }
        if (!run.exists() || run.runRecordContent().isEmpty()) {
            return CleanupReport.nothing();
        }
        synchronized (startLock(run)) {
            Optional<EngineHandle> handle = launcher.find(run, key);
            if (handle.isPresent() && RunLauncher.wrapper(handle.get()).isPresent()) {
                LOG.info("pt-osc run {} is still running; stopping it before cleaning up", key);
                cancel(handle.get());
            }
            RunWatch w = observer.watch(run);
            List<String> dropped;
            Artifacts.Plan plan;
            synchronized (w) {
                w.refreshFinal();
                RunRecord record = run.runRecordContent().orElseThrow();
                Endpoint primary = new Endpoint(record.host(), record.port());
                try (Connection c = connections.open(primary)) {
                    List<String> kept = settleRotation(c, run, record);
                    plan = Artifacts.plan(
                            RunObserver.facts(record, w),
                            Artifacts.find(c, record.schema(), record.table(), RunObserver.reported(w)));
                    dropped = new ArrayList<>(kept);
                    dropped.addAll(Artifacts.drop(c, record.schema(), plan, lifecycle, key.value()));
                } catch (SQLException e) {
                    throw new EngineException(
                            FailureReason.CONNECTION,
                            true,
                            "cleanup of " + key + " on " + primary + " failed: " + e.getMessage(),
                            key.migrationId(),
                            target.shard(),
                            e);
                }
            }
            RunFiles.delete(run.optionFile());
            RunFiles.touch(run.cleanedMarker());
            checksums.forget(checksumPaths(run));
            warmings.forget(warmPaths(run));
            runEvents.forget(run.dir());
            List<String> notes = new ArrayList<>(plan.leftAlone());
            notes.add("run directory kept for inspection: " + run);
            LOG.info("cleaned up pt-osc run {}: dropped {}; {}", key, dropped, notes);
            return new CleanupReport(dropped, notes);
        }
    }

    /**
     * A revertible run's rotation, at cleanup: one that renamed is finished (the new schema is live; the original stays
     * kept in sync until {@link #retire}); one that did not is undone (reverse triggers, then the placeholder) before
     * pt-osc's own triggers and new table are dropped. Returns what was dropped.
     */
    private static List<String> settleRotation(Connection c, RunDirectory run, RunRecord record) throws SQLException {
        if (!record.revertible() || !Files.exists(run.releaseRequested())) {
            return List.of();
        }
        KeptTable kept = KeptTable.of(record.schema(), record.table(), record.kept());
        if (Files.exists(run.rotated()) || Files.exists(run.reverted()) || Files.exists(run.retired())) {
            return List.of();
        }
        if (kept.renamed(c)) {
            String newTable = KeptTable.newTableName(record.table());
            List<String> done = kept.rotate(
                    c,
                    newTable,
                    KeptTable.swapName(record.table()),
                    Artifacts.triggerNames(record.schema(), record.table()));
            RunFiles.touch(run.rotated());
            return done;
        }
        return kept.abandon(c);
    }

    /**
     * Ends the revert window of a revertible run: drops the reverse triggers first (they write into the kept table),
     * then hands the kept table to the lifecycle (quarantined for {@link Builder#quarantineHold}). Nothing to do for a
     * run that is not revertible, has not swapped, was reverted or was retired already.
     */
    @Override
    public CleanupReport retire(ShardTarget target, MigrationSpec spec, EngineKey key) {
        RunDirectory run = RunDirectory.of(workDirectory, key);
        RunRecord record = run.exists() ? run.runRecordContent().orElse(null) : null;
        if (record == null || !record.revertible()) {
            return CleanupReport.nothing();
        }
        synchronized (startLock(run)) {
            if (Files.exists(run.retired()) || Files.exists(run.reverted()) || !Files.exists(run.rotated())) {
                return CleanupReport.nothing();
            }
            KeptTable kept = KeptTable.of(record.schema(), record.table(), record.kept());
            Endpoint primary = new Endpoint(record.host(), record.port());
            List<String> dropped;
            try (Connection c = connections.open(primary)) {
                dropped = new ArrayList<>(kept.stopSync(c));
                String retired = lifecycle.retire(c, record.schema(), record.kept(), key.value() + " " + record.kept());
                if (!retired.isEmpty()) {
                    dropped.add(retired);
                }
                dropped.addAll(lifecycle.sweep(c, record.schema()));
            } catch (SQLException e) {
                throw new EngineException(
                        FailureReason.CONNECTION,
                        true,
                        "retire of " + key + " on " + primary + " failed: " + e.getMessage(),
                        key.migrationId(),
                        target.shard(),
                        e);
            }
            RunFiles.touch(run.retired());
            LOG.info("retired the kept table of pt-osc run {}: {}", key, dropped);
            return new CleanupReport(dropped, List.of("revert window of " + key + " ended"));
        }
    }

    @Override
    public Optional<EngineHandle> reattach(
            ShardTarget target, MigrationSpec spec, EngineKey key, @Nullable EngineHandle recorded) {
        RunDirectory run = recorded != null ? runOf(recorded) : RunDirectory.of(workDirectory, key);
        if (!run.exists()) {
            run = RunDirectory.of(workDirectory, key);
        }
        if (recorded != null && !run.exists() && !hostName.equals(recorded.attribute(ATTR_HOST, hostName))) {
            return Optional.of(recorded); // another host's run: observe says so and the shard waits
        }
        synchronized (startLock(run)) {
            if (RevertRun.isRevert(run)) {
                return reverts.find(run, key);
            }
            return launcher.find(run, key);
        }
    }

    /**
     * Calls {@code listener} when the plugin writes an event (a hook fired, the run holds before the swap, it was
     * released), the comparison before the swap ends, or the run's exit status appears, in any run this engine started, found or observed: through inotify
     * on the run directories, at once.
     */
    @Override
    public AutoCloseable watch(Runnable listener) {
        return runEvents.subscribe(listener);
    }

    /** Stops watching run directories and forgets cached observations; runs continue. Idempotent. */
    @Override
    public void close() {
        runEvents.close();
        observer.clear();
    }

    private RunDirectory runOf(EngineHandle handle) {
        String dir = handle.attribute(ATTR_RUN_DIR, "");
        return dir.isEmpty() ? RunDirectory.of(workDirectory, handle.key()) : new RunDirectory(Path.of(dir));
    }

    private RunDirectory existingRun(EngineHandle handle) {
        RunDirectory run = runOf(handle);
        if (!run.exists()) {
            throw new EngineException(
                    FailureReason.RUN_LOST,
                    false,
                    "the run directory " + run + " of " + handle.key() + " is gone",
                    handle.key().migrationId(),
                    handle.key().shard(),
                    null);
        }
        return run;
    }

    private void requireThisHost(EngineHandle handle) {
        String host = handle.attribute(ATTR_HOST, hostName);
        if (!host.equals(hostName)) {
            throw new EngineException(
                    FailureReason.RUN_LOST,
                    true,
                    "pt-osc run " + handle.key() + " runs on host " + host + "; this controller runs on " + hostName
                            + " and cannot see it",
                    handle.key().migrationId(),
                    handle.key().shard(),
                    null);
        }
    }

    private Object startLock(RunDirectory run) {
        return startLocks.computeIfAbsent(run.dir(), d -> new Object());
    }

    private static Endpoint primaryOf(ShardTarget target) {
        Endpoint primary = target.primary();
        if (primary == null) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION,
                    "shard " + target.shard() + " has no primary endpoint; the pt-osc engine connects to the primary"
                            + " directly (use a topology probe that names it, such as osc4j-mysql's MySqlTopology)");
        }
        try {
            PtOscOptions.requireHost("primary host", primary.host());
        } catch (InvalidRequestException e) {
            throw EngineException.permanent(FailureReason.ENGINE_CONFIGURATION, String.valueOf(e.getMessage()));
        }
        return primary;
    }

    /** A request this engine cannot run as asked (options, table name): permanent, with the reason as the message. */
    private static EngineException refused(RuntimeException e, EngineKey key, ShardTarget target) {
        return new EngineException(
                FailureReason.ENGINE_CONFIGURATION,
                false,
                String.valueOf(e.getMessage()),
                key.migrationId(),
                target.shard(),
                e);
    }

    private static String schemaOf(ShardTarget target) {
        try {
            return PtOscOptions.requireIdentifier("schema", target.schema());
        } catch (InvalidRequestException e) {
            throw EngineException.permanent(FailureReason.ENGINE_CONFIGURATION, String.valueOf(e.getMessage()));
        }
    }

    private static String localHostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask Java
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public String toString() {
        return "PtOscEngine{" + name + ", " + binary + ", runs in " + workDirectory + "}";
    }

    /**
     * Configures a {@link PtOscEngine}. Credentials are required; the rest has defaults ({@code DEFAULT_*}).
     */
    public static final class Builder {
        private String name = DEFAULT_NAME;
        private String binary = DEFAULT_BINARY;
        private @Nullable CredentialsProvider credentials;
        private Path workDirectory = Path.of(System.getProperty("java.io.tmpdir"), "osc4j-pt-osc");
        private final Map<String, String> defaultOptions = new LinkedHashMap<>();
        private final Map<String, String> jdbcProperties = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();
        private Duration cancelTimeout = DEFAULT_CANCEL_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private Duration observationMaxAge = DEFAULT_OBSERVATION_MAX_AGE;
        private Duration quarantineHold = TableLifecycle.DEFAULT_HOLD;
        private int checksumChunkRows = TableChecksum.DEFAULT_CHUNK_ROWS;
        private int checksumRecopies = TableChecksum.DEFAULT_MAX_RECOPIES;

        private Builder() {}

        /** The name requests use (default {@value #DEFAULT_NAME}). */
        public Builder name(String value) {
            this.name = value;
            return this;
        }

        /** The executable: a path, or a name looked up on {@code PATH} (default {@value #DEFAULT_BINARY}). */
        public Builder binary(String value) {
            this.binary = value;
            return this;
        }

        /** Where the user and password come from. Required. */
        public Builder credentials(CredentialsProvider value) {
            this.credentials = value;
            return this;
        }

        /**
         * The root of the run directories (default {@code <java.io.tmpdir>/osc4j-pt-osc}). Choose a durable local
         * directory: a controller that restarts finds its runs here.
         */
        public Builder workDirectory(Path value) {
            this.workDirectory = value;
            return this;
        }

        /** An engine option applied to every run unless the request sets it. */
        public Builder defaultOption(String option, String value) {
            defaultOptions.put(option, value);
            return this;
        }

        /** Several default engine options. */
        public Builder defaultOptions(Map<String, String> values) {
            defaultOptions.putAll(values);
            return this;
        }

        /** Extra MySQL Connector/J properties for the engine's own connections (cleanup, artifact listing). */
        public Builder jdbcProperty(String key, String value) {
            jdbcProperties.put(key, value);
            return this;
        }

        /** The clock (default system UTC). */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** How long {@link PtOscEngine#cancel} waits after SIGTERM before SIGKILL. */
        public Builder cancelTimeout(Duration value) {
            this.cancelTimeout = value;
            return this;
        }

        /** Connect timeout of the engine's own connections. */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        /**
         * How long an observation of a live run is reused (default {@value #DEFAULT_OBSERVATION_MAX_AGE_MILLIS} ms,
         * 0 to read every time). The orchestrator observes several times within one pass, milliseconds apart; pt-osc's
         * progress moves in steps (one line per progress interval), and a step seen over a few milliseconds would make
         * a wildly high copy rate. Directives (release, throttle) drop the cached observation.
         */
        public Builder observationMaxAge(Duration value) {
            this.observationMaxAge = value;
            return this;
        }

        /**
         * How long a table a run leaves (its copy after a failure or an abort) is kept under a quarantine name
         * ({@link TableLifecycle}) before a later cleanup's sweep drops it (default 24 hours; zero drops at once).
         *
         * @throws InvalidRequestException when negative
         */
        public Builder quarantineHold(Duration value) {
            new TableLifecycle(value, Clock.systemUTC());
            this.quarantineHold = value;
            return this;
        }

        /**
         * Rows per chunk of the comparison before the swap (default {@value TableChecksum#DEFAULT_CHUNK_ROWS}).
         *
         * @throws InvalidRequestException when not 1 to 1,000,000
         */
        public Builder checksumChunkRows(int value) {
            TableChecksum.of("s", "a", "b").chunkRows(value);
            this.checksumChunkRows = value;
            return this;
        }

        /**
         * How many times one chunk of the copy that differs from the original is copied again before the shard fails
         * with {@link FailureReason#CHECKSUM_MISMATCH} (default {@value TableChecksum#DEFAULT_MAX_RECOPIES}; 0 fails
         * at the first difference).
         *
         * @throws InvalidRequestException when not 0 to 100
         */
        public Builder checksumRecopies(int value) {
            TableChecksum.of("s", "a", "b").maxRecopies(value);
            this.checksumRecopies = value;
            return this;
        }

        /** Socket timeout of the engine's own connections. */
        public Builder queryTimeout(Duration value) {
            this.queryTimeout = value;
            return this;
        }

        /**
         * Builds the engine; starts nothing.
         *
         * @throws InvalidRequestException naming the missing or wrong setting, or when the tool is not installed
         */
        public PtOscEngine build() {
            if (!name.matches("[A-Za-z0-9_$-]{1,64}")) {
                throw new InvalidRequestException("name must be 1-64 of [A-Za-z0-9_$-], got '" + name + "'", null);
            }
            CredentialsProvider provider = credentials;
            if (provider == null) {
                throw new InvalidRequestException("credentials are required", null);
            }
            requirePositive("cancelTimeout", cancelTimeout);
            requirePositive("connectTimeout", connectTimeout);
            requirePositive("queryTimeout", queryTimeout);
            if (observationMaxAge.isNegative() || observationMaxAge.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new InvalidRequestException("observationMaxAge must be 0-10s, got " + observationMaxAge, null);
            }
            PtOscOptions.effective(defaultOptions, Map.of());
            Path tool = resolve(binary);
            Path sh =
                    LocalProcesses.onPath("sh").orElseThrow(() -> new InvalidRequestException("no 'sh' on PATH", null));
            Path setsid = LocalProcesses.onPath("setsid").orElse(null);
            if (setsid == null) {
                LOG.warn("no setsid on PATH (util-linux): pt-osc runs in the controller's process group and a signal"
                        + " to that group (Ctrl-C) stops it too");
            }
            return new PtOscEngine(this, tool, sh, setsid, provider);
        }

        private static Path resolve(String binary) {
            if (binary.contains("/")) {
                Path p = Path.of(binary);
                if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                    throw new InvalidRequestException("binary " + binary + " is not an executable file", null);
                }
                return p;
            }
            return LocalProcesses.onPath(binary)
                    .orElseThrow(() -> new InvalidRequestException(
                            binary + " is not on PATH; install the Debian package " + DEBIAN_PACKAGE
                                    + " (with libdbd-mysql-perl), or set binary(...) to its path",
                            null));
        }

        private static void requirePositive(String what, Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new InvalidRequestException(what + " must be positive, got " + value, null);
            }
        }
    }
}
