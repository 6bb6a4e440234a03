package dev.osc4j.engine.ghost;

import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.EngineKey;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Prepares a gh-ost run: its command line, the files in its run directory (key, facts, 0600 {@code --conf},
 * postponed cut-over flag, hooks) and the facts it records for later observation and cleanup.
 */
final class RunPreparation {
    /** The run's recorded facts (server, table, mode, version, ...), as properties. */
    static final String RUN_FILE = "run.properties";

    private final Path workDirectory;
    private final Clock clock;
    private final Path throttleAllFlag;

    RunPreparation(Path workDirectory, Clock clock, Path throttleAllFlag) {
        this.workDirectory = workDirectory;
        this.clock = clock;
        this.throttleAllFlag = throttleAllFlag;
    }

    static Endpoint connectEndpoint(GhostOptions options, ShardTarget target, Endpoint primary) {
        if (options.mode() == GhostOptions.Mode.ALLOW_ON_MASTER) {
            return primary;
        }
        Endpoint replica = options.inspectHost(target.shard());
        if (replica == null) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION,
                    "engine option mode=" + options.mode().value + " needs inspect-host (or inspect-host."
                            + target.shard().toLowerCase(Locale.ROOT) + ") for shard " + target.shard());
        }
        return replica;
    }

    /** Where gh-ost creates its tables: the primary, or the replica itself in the on-replica modes. */
    private static Endpoint applierEndpoint(GhostOptions options, Endpoint primary, Endpoint connect) {
        return options.mode() == GhostOptions.Mode.MIGRATE_ON_REPLICA
                        || options.mode() == GhostOptions.Mode.TEST_ON_REPLICA
                ? connect
                : primary;
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
        List<String> a = new ArrayList<>();
        a.add("--conf=" + run.conf());
        a.add("--host=" + connect.host());
        a.add("--port=" + connect.port());
        a.add("--database=" + target.schema());
        a.add("--table=" + spec.table());
        if (spec.revertOf() != null) {
            // go/cmd/gh-ost/main.go (1.1.8+): --revert needs --old-table and ignores --alter
            a.add("--revert");
            a.add("--old-table=" + GhostTables.of(spec.table()).old());
        } else {
            a.add("--alter=" + spec.alterClause());
        }
        a.add("--execute");
        switch (options.mode()) {
            case ALLOW_ON_MASTER -> a.add("--allow-on-master");
            case REPLICA -> a.add("--assume-master-host=" + primary.host() + ":" + primary.port());
            case MIGRATE_ON_REPLICA -> a.add("--migrate-on-replica");
            case TEST_ON_REPLICA -> a.add("--test-on-replica");
        }
        a.add("--serve-socket-file=" + run.socket());
        a.add("--initially-drop-socket-file");
        a.add("--postpone-cut-over-flag-file=" + run.postponeFlag());
        a.add("--panic-flag-file=" + run.panicFlag());
        a.add("--throttle-flag-file=" + run.throttleFlag());
        a.add("--throttle-additional-flag-file=" + throttleAllFlag);
        a.add("--hooks-path=" + run.hooks());
        a.add("--hooks-hint=" + key.value());
        a.add("--replica-server-id=" + RunDirectory.replicaServerId(key));
        a.add("--verbose");
        if (spec.revertible() && spec.revertOf() == null) {
            // the cut-over checkpoint in _<t>_ghk is what --revert reads (doc/revert.md)
            a.add("--checkpoint");
        }
        for (String pass : options.passThroughArguments()) {
            // --ok-to-drop-table would drop _<t>_del (and _ghk, _rev_del) at the end: a revert needs them, and
            // retire or the table lifecycle drops them instead
            if (!(keepsTables(spec) && GhostExecutable.flagName(pass).equals("ok-to-drop-table"))) {
                a.add(pass);
            }
        }
        return a;
    }

    /** Whether a run of {@code spec} keeps its old table for a revert, or is a revert. */
    static boolean keepsTables(MigrationSpec spec) {
        return spec.revertible() || spec.revertOf() != null;
    }

    void prepare(
            RunDirectory run,
            EngineKey key,
            ShardTarget target,
            MigrationSpec spec,
            GhostOptions options,
            String version,
            Endpoint primary,
            Endpoint connect,
            String conf) {
        try {
            Files.createDirectories(workDirectory);
        } catch (IOException e) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION, "cannot create work directory " + workDirectory + ": " + e);
        }
        run.create();
        Endpoint applier = applierEndpoint(options, primary, connect);
        Map<String, String> facts = new TreeMap<>();
        facts.put("key", key.value());
        facts.put("keyspace", target.keyspace());
        facts.put("shard", target.shard());
        facts.put("schema", target.schema());
        facts.put("table", spec.table());
        facts.put("host", primary.host());
        facts.put("port", Integer.toString(primary.port()));
        facts.put("connectTo", connect.toString());
        facts.put("applierHost", applier.host());
        facts.put("applierPort", Integer.toString(applier.port()));
        facts.put("mode", options.mode().value);
        facts.put("version", version);
        facts.put("replicaServerId", Long.toString(RunDirectory.replicaServerId(key)));
        facts.put("maxLagMillis", Long.toString(options.maxLagMillis()));
        facts.put("revertible", Boolean.toString(spec.revertible()));
        facts.put("revert", Boolean.toString(spec.revertOf() != null));
        facts.put("startedAt", clock.instant().toString());
        RunFiles.writePrivate(run.keyFile(), key.value() + "\n");
        RunFiles.writePrivate(run.path().resolve(RUN_FILE), properties(facts));
        RunFiles.writePrivate(run.conf(), conf);
        // Created before gh-ost starts, so the cut-over is held from the very first moment (gh-ost would create it
        // too, at start-up, if missing).
        RunFiles.touch(run.postponeFlag());
        RunFiles.delete(run.panicFlag());
        RunFiles.delete(run.throttleFlag());
        RunFiles.delete(run.cancelledMarker());
        RunFiles.delete(run.socket());
        HookEvents.install(run.hooks(), run.events());
    }

    private static String properties(Map<String, String> facts) {
        Properties p = new Properties();
        p.putAll(facts);
        StringWriter w = new StringWriter();
        try {
            p.store(w, "osc4j gh-ost run");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    static Map<String, String> readFacts(RunDirectory run) {
        String text = RunFiles.read(run.path().resolve(RUN_FILE)).orElse(null);
        Map<String, String> facts = new TreeMap<>();
        if (text == null) {
            return facts;
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        p.stringPropertyNames().forEach(n -> facts.put(n, p.getProperty(n)));
        return facts;
    }

    static long parseLong(@Nullable String s, long otherwise) {
        try {
            return s == null ? otherwise : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** A ratio as a message shows it: up to three decimals, no trailing zeros. */
    static String formatRatio(double r) {
        return java.math.BigDecimal.valueOf(r)
                .setScale(3, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros()
                .toPlainString();
    }
}
