package dev.osc4j.engine.ptosc;

import static dev.osc4j.engine.ptosc.PtOscEngine.ATTR_HOST;
import static dev.osc4j.engine.ptosc.PtOscEngine.ATTR_PID;
import static dev.osc4j.engine.ptosc.PtOscEngine.ATTR_PID_STARTED;
import static dev.osc4j.engine.ptosc.PtOscEngine.ATTR_RUN_DIR;
import static dev.osc4j.engine.ptosc.PtOscEngine.ATTR_SERVER;
import static dev.osc4j.engine.ptosc.PtOscEngine.ATTR_TABLE;

import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.engine.ptosc.RunDirectory.LaunchRecord;
import dev.osc4j.engine.ptosc.RunDirectory.RunRecord;
import dev.osc4j.mysql.KeptTable;
import dev.osc4j.mysql.MySqlConnections;
import dev.osc4j.process.LocalProcesses;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches {@code pt-online-schema-change} for one run directory (run record, 0600 option file, plugin, detached
 * wrapper, launch record), and finds the run a directory records, adopting one whose launch a crash left unrecorded.
 * The caller holds the run's start lock.
 */
final class RunLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(RunLauncher.class);

    private final String engineName;
    private final Path binary;
    private final Path shell;
    private final @Nullable Path setsid;
    private final Clock clock;
    private final MySqlConnections connections;
    private final String hostName;

    RunLauncher(
            String engineName,
            Path binary,
            Path shell,
            @Nullable Path setsid,
            Clock clock,
            MySqlConnections connections,
            String hostName) {
        this.engineName = engineName;
        this.binary = binary;
        this.shell = shell;
        this.setsid = setsid;
        this.clock = clock;
        this.connections = connections;
        this.hostName = hostName;
    }

    EngineHandle launch(
            RunDirectory run,
            EngineKey key,
            ShardTarget target,
            Endpoint primary,
            String schema,
            MigrationSpec spec,
            Map<String, String> options)
            throws IOException {
        DatabaseCredentials credentials = connections.credentials(primary);
        Artifacts.Found before;
        try (Connection c = connections.open(primary)) {
            before = Artifacts.find(c, schema, spec.table(), List.of());
        } catch (SQLException e) {
            throw new EngineException(
                    FailureReason.CONNECTION,
                    true,
                    "cannot read the pt-osc artifacts of " + schema + "." + spec.table() + " on " + primary
                            + " before starting: " + e.getMessage(),
                    key.migrationId(),
                    target.shard(),
                    e);
        }
        if (!before.reverseTriggers().isEmpty()) {
            // pt-osc would refuse the table anyway ("has triggers"); say why.
            throw new EngineException(
                    FailureReason.ENGINE_CONFIGURATION,
                    false,
                    "the revert window of an earlier migration of " + schema + "." + spec.table() + " is open (its"
                            + " reverse triggers " + before.reverseTriggers() + " keep the original table in sync);"
                            + " retire or revert that migration first",
                    key.migrationId(),
                    target.shard(),
                    null);
        }
        String kept = "";
        if (spec.revertible()) {
            // Both named after the table in lock order, so the rotation's RENAME never holds a table a waiting write
            // needs (KeptTable explains the error 1146 this avoids).
            List<String> names = List.of(KeptTable.newTableName(spec.table()), KeptTable.keptName(spec.table()));
            List<String> taken =
                    names.stream().filter(before.tables()::contains).toList();
            if (!taken.isEmpty()) {
                throw new EngineException(
                        FailureReason.ENGINE_CONFIGURATION,
                        false,
                        "the tables " + taken + " of a revertible run of " + schema + "." + spec.table() + " exist"
                                + " already (left by an earlier run?); drop or rename them first",
                        key.migrationId(),
                        target.shard(),
                        null);
            }
            kept = names.get(1);
        }
        List<String> command = PtOscOptions.command(
                binary.toString(), options, primary, schema, spec.table(), spec.alterClause(), run, spec.revertible());
        String unlaunchable = Processes.unlaunchable(command);
        if (unlaunchable != null) {
            // Permanent: retrying would fail the same way forever, with the shard stuck in INITIALIZING.
            throw new EngineException(
                    FailureReason.ENGINE_CONFIGURATION,
                    false,
                    unlaunchable + "; the run can never start",
                    key.migrationId(),
                    target.shard(),
                    null);
        }
        RunRecord record = new RunRecord(
                key.value(),
                primary.host(),
                primary.port(),
                schema,
                spec.table(),
                spec.alterClause(),
                clock.instant(),
                before.tables(),
                before.triggers().stream().map(Artifacts.Trigger::name).toList(),
                command,
                spec.revertible(),
                kept);
        RunFiles.write(run.runRecord(), record.toJson());
        RunFiles.writePrivate(run.optionFile(), optionFile(credentials));
        RunFiles.write(run.plugin(), pluginSource());
        RunFiles.write(run.pluginConfiguration(), PtOscOptions.pluginConfiguration(options, run));
        Process process;
        try {
            process = Processes.launch(command, run, shell, setsid);
        } catch (IOException e) {
            // Not the run directory's fault. A shell or setsid that is gone will not come back by retrying.
            boolean installed = Files.isExecutable(shell) && (setsid == null || Files.isExecutable(setsid));
            throw new EngineException(
                    FailureReason.ENGINE_CONFIGURATION,
                    installed,
                    "cannot launch pt-online-schema-change through " + shell + ": " + e.getMessage(),
                    key.migrationId(),
                    target.shard(),
                    e);
        }
        LaunchRecord launch = new LaunchRecord(
                process.pid(), LocalProcesses.startMillis(process.toHandle()), hostName, clock.instant());
        RunFiles.write(run.launchRecord(), launch.toJson());
        LOG.info(
                "started pt-online-schema-change for {} on {} {}.{} (wrapper pid {}, run directory {})",
                key,
                primary,
                schema,
                spec.table(),
                process.pid(),
                run);
        return handle(key, run, record, launch);
    }

    /** The run recorded in {@code run}, adopting a process launched just before a crash. */
    Optional<EngineHandle> find(RunDirectory run, EngineKey key) {
        if (!run.exists()) {
            return Optional.empty();
        }
        Optional<RunRecord> record = run.runRecordContent();
        if (record.isEmpty()) {
            return Optional.empty();
        }
        if (!record.get().key().equals(key.value())) {
            throw new IllegalStateException(
                    "run directory " + run + " belongs to " + record.get().key() + ", not " + key);
        }
        Optional<LaunchRecord> launch = run.launchRecordContent();
        if (launch.isEmpty()) {
            // Crashed between launching and recording the launch: the wrapper's command line names the directory.
            Optional<ProcessHandle> p =
                    LocalProcesses.findByCommandLine(run.dir().toString());
            if (p.isPresent() || Files.exists(run.exitFile()) || Files.exists(run.output())) {
                LaunchRecord adopted = new LaunchRecord(
                        p.map(ProcessHandle::pid).orElse(-1L),
                        p.map(LocalProcesses::startMillis).orElse(-1L),
                        hostName,
                        clock.instant());
                RunFiles.write(run.launchRecord(), adopted.toJson());
                LOG.warn(
                        "adopted pt-osc run {} whose launch was not recorded ({})",
                        key,
                        p.isPresent() ? "alive" : "ended");
                launch = Optional.of(adopted);
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(handle(key, run, record.get(), launch.get()));
    }

    private EngineHandle handle(EngineKey key, RunDirectory run, RunRecord record, LaunchRecord launch) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(ATTR_RUN_DIR, run.dir().toString());
        a.put(ATTR_PID, Long.toString(launch.pid()));
        a.put(ATTR_PID_STARTED, Long.toString(launch.startedAtMillis()));
        a.put(ATTR_HOST, launch.controllerHost());
        a.put(ATTR_SERVER, record.host() + ":" + record.port());
        a.put(ATTR_TABLE, record.schema() + "." + record.table());
        return new EngineHandle(engineName, key, a);
    }

    /** The run's wrapper process, if it still runs (pid and start time both match the handle's). */
    static Optional<ProcessHandle> wrapper(EngineHandle handle) {
        long pid = parseLong(handle.attribute(ATTR_PID, "-1"));
        long started = parseLong(handle.attribute(ATTR_PID_STARTED, "-1"));
        return LocalProcesses.live(pid, started);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A {@code [client]} option file; the password quoted with the escapes the MySQL option file format knows. */
    static String optionFile(DatabaseCredentials c) {
        return "[client]\nuser=" + quoteOption(c.user()) + "\npassword=" + quoteOption(c.password()) + "\n";
    }

    private static String quoteOption(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String pluginSource() {
        try (InputStream in = PtOscEngine.class.getResourceAsStream(RunDirectory.PLUGIN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the plugin resource " + RunDirectory.PLUGIN_RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the plugin resource", e);
        }
    }
}
