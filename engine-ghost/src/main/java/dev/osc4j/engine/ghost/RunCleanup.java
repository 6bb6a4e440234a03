package dev.osc4j.engine.ghost;

import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.mysql.MySqlConnections;
import dev.osc4j.mysql.TableLifecycle;
import dev.osc4j.process.FileTail;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.spi.EngineKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans up after a gh-ost run: stops it if it still runs, drops the tables it created on the server it wrote to
 * (unless another gh-ost migrates the same table, or this run failed because they already existed), and deletes the
 * run's files except its logs.
 */
final class RunCleanup {
    private static final Logger LOG = LoggerFactory.getLogger(RunCleanup.class);

    private final CredentialsProvider credentials;
    private final MySqlConnections connections;
    private final RunControl control;

    private final TableLifecycle lifecycle;

    RunCleanup(
            CredentialsProvider credentials,
            MySqlConnections connections,
            RunControl control,
            TableLifecycle lifecycle) {
        this.lifecycle = lifecycle;
        this.credentials = credentials;
        this.connections = connections;
        this.control = control;
    }

    /** Cleans up the run of {@code key} in {@code run}; the caller holds the key's lock. */
    CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key, RunDirectory run) {
        if (!run.exists() || !run.launched()) {
            if (run.exists()) {
                deleteRunFiles(run, new ArrayList<>());
            }
            return new CleanupReport(List.of(), List.of("gh-ost never ran for " + key + ": nothing of it to drop"));
        }
        control.stop(run, key);
        Map<String, String> facts = RunPreparation.readFacts(run);
        Endpoint primary = target.primary();
        String host = facts.getOrDefault("applierHost", primary == null ? "" : primary.host());
        int port = (int) RunPreparation.parseLong(facts.get("applierPort"), primary == null ? 0 : primary.port());
        if (host.isEmpty() || port == 0) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION, "no server known to clean up gh-ost run " + key + " on");
        }
        String schema = facts.getOrDefault("schema", target.schema());
        String table = facts.getOrDefault("table", spec.table());
        List<ProcessHandle> others = GhostProcesses.othersMigrating(run, host, port, schema, table);
        if (!others.isEmpty()) {
            throw new EngineException(
                    FailureReason.ENGINE_FAILED,
                    true,
                    "another gh-ost (pid " + others.get(0).pid() + ") is migrating " + schema + "." + table + " on "
                            + host + ":" + port + "; its tables share the names, so cleanup waits",
                    key.migrationId(),
                    key.shard(),
                    null);
        }
        List<String> dropped = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        HookEvents.Recorded events = HookEvents.read(run.events());
        String errors = GhostOutputParser.errorSummary(FileTail.lastLines(run.stderr()), List.of());
        if (!events.saw("validated") && errors.contains("already exists")) {
            notes.add("kept the gh-ost tables of " + schema + "." + table + ": this run failed because they "
                    + "already existed, so another run created them (" + errors + ")");
        } else {
            ArtifactCleaner.Result r = dropTables(target, host, port, schema, table, key);
            dropped.addAll(r.dropped());
            notes.addAll(r.notes());
        }
        deleteRunFiles(run, dropped);
        LOG.info("cleaned up gh-ost run {}: dropped {} {}", key, dropped, notes);
        return new CleanupReport(dropped, notes);
    }

    private ArtifactCleaner.Result dropTables(
            ShardTarget target, String host, int port, String schema, String table, EngineKey key) {
        Endpoint server = new Endpoint(host, port);
        Endpoint primary = target.primary();
        DatabaseCredentials account =
                GhostEngine.credentialsFor(credentials, target, primary != null ? primary : server);
        try (Connection c = connections.open(server, account)) {
            return ArtifactCleaner.drop(c, schema, table, lifecycle, key.value());
        } catch (SQLException e) {
            throw EngineException.transientFailure(
                    "cannot drop the gh-ost tables of " + key + " on " + host + ":" + port + ": "
                            + String.valueOf(e.getMessage()).replace(account.password(), "****"),
                    null);
        }
    }

    static void deleteRunFiles(RunDirectory run, List<String> dropped) {
        if (RunFiles.delete(run.socket())) {
            dropped.add("socket " + run.socket());
        }
        RunFiles.delete(run.conf());
        RunFiles.delete(run.postponeFlag());
        RunFiles.delete(run.panicFlag());
        RunFiles.delete(run.throttleFlag());
        if (Files.isDirectory(run.hooks())) {
            try (Stream<Path> files = Files.list(run.hooks())) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    RunFiles.delete(f);
                }
                RunFiles.delete(run.hooks());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete hooks of " + run, e);
            }
        }
    }
}
