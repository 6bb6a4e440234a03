package dev.osc4j.engine.ptosc;

import static dev.osc4j.engine.ptosc.PtOscEngine.ATTR_PID;
import static dev.osc4j.engine.ptosc.PtOscEngine.LOST_RECHECK;

import dev.osc4j.Endpoint;
import dev.osc4j.FailureReason;
import dev.osc4j.engine.ptosc.RunDirectory.RunRecord;
import dev.osc4j.mysql.MySqlConnections;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observes pt-osc runs from their directories: the tool's output and the plugin's events, parsed incrementally per
 * run ({@link RunWatch}), an observation reused for up to its maximum age, the final one kept once the run ended, and
 * what a vanished run left on the server (re-checked every {@code LOST_RECHECK}).
 */
final class RunObserver {
    private static final Logger LOG = LoggerFactory.getLogger(RunObserver.class);

    private final Clock clock;
    private final Duration observationMaxAge;
    private final MySqlConnections connections;
    private final Map<Path, RunWatch> watches = new ConcurrentHashMap<>();

    RunObserver(Clock clock, Duration observationMaxAge, MySqlConnections connections) {
        this.clock = clock;
        this.observationMaxAge = observationMaxAge;
        this.connections = connections;
    }

    /** The parsing state of {@code run}, created on first use. */
    RunWatch watch(RunDirectory run) {
        return watches.computeIfAbsent(run.dir(), d -> new RunWatch(run));
    }

    /** Forgets every run's parsing state. */
    void clear() {
        watches.clear();
    }

    /** Observes the run of {@code handle} in {@code run}, an existing directory of this host. */
    EngineObservation observe(EngineHandle handle, RunDirectory run) {
        RunWatch w = watch(run);
        synchronized (w) {
            EngineObservation ended = w.ended;
            if (ended != null) {
                return ended;
            }
            Instant now = clock.instant();
            EngineObservation recent = w.recent;
            Instant recentAt = w.recentAt;
            if (recent != null
                    && recentAt != null
                    && Duration.between(recentAt, now).compareTo(observationMaxAge) < 0) {
                return recent;
            }
            Optional<Integer> exit = run.exitStatus();
            boolean alive = exit.isEmpty() && RunLauncher.wrapper(handle).isPresent();
            if (!alive && exit.isEmpty()) {
                exit = run.exitStatus(); // it may have ended between the two reads
            }
            RunWatch.Status status = new RunWatch.Status(
                    exit.orElse(null),
                    Files.exists(run.pauseFile()),
                    Files.exists(run.releaseFile()) || Files.exists(run.releaseRequested()),
                    Files.exists(run.cancelMarker()),
                    run.throttleRatio());
            if (exit.isPresent()) {
                w.refreshFinal();
                EngineObservation obs = RunWatch.map(w.output, w.events, status);
                w.ended = obs;
                RunFiles.delete(run.optionFile()); // the credentials are not needed any more
                LOG.info("pt-osc run {} ended: {} {}", handle.key(), obs.phase(), obs.message());
                return obs;
            }
            w.refresh();
            if (!alive) {
                return lost(handle, run, w, status);
            }
            EngineObservation obs = RunWatch.map(w.output, w.events, status);
            w.recent = obs;
            w.recentAt = now;
            return obs;
        }
    }

    /** A run whose process is gone without an exit status: what it left on the server, re-checked now and then. */
    private EngineObservation lost(EngineHandle handle, RunDirectory run, RunWatch w, RunWatch.Status status) {
        Instant now = clock.instant();
        EngineObservation cached = w.lost;
        Instant at = w.lostAt;
        if (cached != null && at != null && Duration.between(at, now).compareTo(LOST_RECHECK) < 0) {
            return cached;
        }
        w.refreshFinal();
        String left;
        try {
            Artifacts.Plan plan = plan(run, w);
            left = plan.isEmpty()
                    ? "nothing of this run is left on the server"
                    : "left on the server: " + plan.describe();
        } catch (SQLException | RuntimeException e) {
            left = "could not list what it left on the server: " + e.getMessage();
        }
        String pid = handle.attribute(ATTR_PID, "?");
        String message = "pt-online-schema-change (wrapper pid " + pid + ") is gone without an exit status (killed"
                + " with its wrapper, or the host restarted); " + left;
        EngineObservation obs = status.cancelRequested()
                ? new EngineObservation(
                        EnginePhase.CANCELLED, 0, -1, null, false, null, null, null, FailureReason.CANCELLED, message)
                : EngineObservation.failed(FailureReason.RUN_LOST, message);
        w.lost = obs;
        w.lostAt = now;
        return obs;
    }

    /** A directive changed the run's directory: the next observation must read it again. */
    void forgetRecent(RunDirectory run) {
        RunWatch w = watches.get(run.dir());
        if (w != null) {
            synchronized (w) {
                w.recent = null;
            }
        }
    }

    private Artifacts.Plan plan(RunDirectory run, RunWatch w) throws SQLException {
        RunRecord record = run.runRecordContent().orElseThrow(() -> new IllegalStateException("no run.json"));
        try (Connection c = connections.open(new Endpoint(record.host(), record.port()))) {
            return Artifacts.plan(facts(record, w), Artifacts.find(c, record.schema(), record.table(), reported(w)));
        }
    }

    static List<String> reported(RunWatch w) {
        List<String> names = new ArrayList<>();
        for (String n : new String[] {w.events.newTable(), w.events.oldTable(), w.output.newTable()}) {
            if (n != null && !names.contains(n)) {
                names.add(n);
            }
        }
        return names;
    }

    static Artifacts.RunFacts facts(RunRecord record, RunWatch w) {
        String newTable = w.events.newTable() != null ? w.events.newTable() : w.output.newTable();
        return new Artifacts.RunFacts(
                record.schema(),
                record.table(),
                newTable,
                w.events.oldTable(),
                w.events.saw("before_create_new_table") || newTable != null,
                w.events.saw("before_create_triggers"),
                // A revertible run's pt-osc swaps nothing (the engine rotates): no pt-osc old table to infer.
                !record.revertible()
                        && (w.events.saw("released") || w.output.stage().compareTo(OutputParser.Stage.SWAPPING) >= 0),
                record.preexistingTables(),
                record.preexistingTriggers());
    }
}
