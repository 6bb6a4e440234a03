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

    /** Where a run wrote its tables, from its recorded facts, else the target. */
    private record Place(String host, int port, String schema, String table) {}

    private static Place place(ShardTarget target, MigrationSpec spec, EngineKey key, RunDirectory run) {
        Map<String, String> facts = RunPreparation.readFacts(run);
        Endpoint primary = target.primary();
        String host = facts.getOrDefault("applierHost", primary == null ? "" : primary.host());
        int port = (int) RunPreparation.parseLong(facts.get("applierPort"), primary == null ? 0 : primary.port());
        if (host.isEmpty() || port == 0) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION, "no server known to clean up gh-ost run " + key + " on");
        }
        return new Place(
                host, port, facts.getOrDefault("schema", target.schema()), facts.getOrDefault("table", spec.table()));
    }

    private static void requireNoOther(RunDirectory run, Place p, EngineKey key) {
        List<ProcessHandle> others = GhostProcesses.othersMigrating(run, p.host(), p.port(), p.schema(), p.table());
        if (!others.isEmpty()) {
            throw new EngineException(
                    FailureReason.ENGINE_FAILED,
                    true,
                    "another gh-ost (pid " + others.get(0).pid() + ") is migrating " + p.schema() + "." + p.table()
                            + " on " + p.host() + ":" + p.port() + "; its tables share the names, so cleanup waits",
                    key.migrationId(),
                    key.shard(),
                    null);
        }
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
        Place p = place(target, spec, key, run);
        requireNoOther(run, p, key);
        List<String> dropped = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        HookEvents.Recorded events = HookEvents.read(run.events());
        String errors = GhostOutputParser.errorSummary(FileTail.lastLines(run.stderr()), List.of());
        if (!events.saw("validated") && errors.contains("already exists")) {
            notes.add("kept the gh-ost tables of " + p.schema() + "." + p.table() + ": this run failed because they "
                    + "already existed, so another run created them (" + errors + ")");
        } else {
            ArtifactCleaner.Result r =
                    dropTables(target, p, artifacts(spec, p.table(), events.saw("success"), notes), key);
            dropped.addAll(r.dropped());
            notes.addAll(r.notes());
        }
        deleteRunFiles(run, dropped);
        LOG.info("cleaned up gh-ost run {}: dropped {} {}", key, dropped, notes);
        return new CleanupReport(dropped, notes);
    }

    /**
     * The tables a cleanup may retire. A forward run that kept its old table for a revert and swapped leaves
     * {@code _del} and {@code _ghk} to {@link #retire}. A revert run never touches the forward run's {@code _del} and
     * {@code _ghk} before it swapped (the forward stays revertible); once it swapped, {@code _del} is the table again,
     * the forward's new table is {@code _rev_del} and the checkpoint is spent, so both go.
     */
    private static List<String> artifacts(MigrationSpec spec, String table, boolean swapped, List<String> notes) {
        GhostTables names = GhostTables.of(table);
        if (spec.revertOf() != null) {
            if (swapped) {
                return List.of(names.changelog(), names.revertedOld(), names.checkpoint());
            }
            notes.add("kept " + names.old() + " and " + names.checkpoint() + ": the revert did not swap, so the"
                    + " forward migration stays revertible");
            return List.of(names.changelog());
        }
        if (spec.revertible() && swapped) {
            notes.add("kept " + names.old() + " and " + names.checkpoint() + " for a revert, until the revert window"
                    + " ends (retire)");
            return List.of(names.ghost(), names.changelog());
        }
        return names.all();
    }

    /**
     * Ends the revert window of the forward run of {@code key}: its old table {@code _del} goes to the table lifecycle
     * and its checkpoint table {@code _ghk} is dropped. Nothing writes to {@code _del} between runs (gh-ost brings it up
     * to date only when a revert runs), so there is nothing to stop first. Refused, retryably, while another gh-ost
     * works on the table (a revert would lose its source). Idempotent.
     */
    CleanupReport retire(ShardTarget target, MigrationSpec spec, EngineKey key, RunDirectory run) {
        Place p = place(target, spec, key, run);
        requireNoOther(run, p, key);
        GhostTables names = GhostTables.of(p.table());
        ArtifactCleaner.Result r = dropTables(target, p, List.of(names.old(), names.checkpoint()), key);
        List<String> notes = new ArrayList<>(r.notes());
        if (r.dropped().isEmpty()) {
            notes.add("nothing kept for a revert of " + key + " on " + p.schema() + "." + p.table());
        }
        LOG.info("retired gh-ost run {}: {} {}", key, r.dropped(), notes);
        return new CleanupReport(r.dropped(), notes);
    }

    private ArtifactCleaner.Result dropTables(ShardTarget target, Place p, List<String> artifacts, EngineKey key) {
        String host = p.host();
        int port = p.port();
        Endpoint server = new Endpoint(host, port);
        Endpoint primary = target.primary();
        DatabaseCredentials account =
                GhostEngine.credentialsFor(credentials, target, primary != null ? primary : server);
        try (Connection c = connections.open(server, account)) {
            return ArtifactCleaner.drop(c, p.schema(), p.table(), artifacts, lifecycle, key.value());
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
