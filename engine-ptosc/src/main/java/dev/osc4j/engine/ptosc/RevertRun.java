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
import dev.osc4j.engine.ptosc.RunDirectory.RevertRecord;
import dev.osc4j.engine.ptosc.RunDirectory.RunRecord;
import dev.osc4j.mysql.KeptTable;
import dev.osc4j.mysql.MySqlConnections;
import dev.osc4j.mysql.TableLifecycle;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A revert of a revertible pt-osc run: no process and no copy, only the swap back ({@link KeptTable#swapBack}) once
 * released. Its directory holds {@code revert.json} (what it swaps back, written by {@code start}), the release file,
 * {@code revert-done} once the swap back and its clean-up finished, and the cancel and cleaned markers. The forward run's
 * directory gets {@code reverted} after the swap back, so that {@code retire} has nothing left to do.
 *
 * <p>Phases: {@code READY_FOR_CUTOVER} until released (nothing to copy: 0 of 0 rows), {@code CUTTING_OVER} while the
 * swap back is being done (a failed attempt is tried again at the next observation), {@code COMPLETED} once done,
 * {@code CANCELLED} when cancelled before the release, {@code FAILED} when the kept table is no longer in sync.
 */
final class RevertRun {
    static final String ATTR_KIND = "kind";
    static final String KIND_REVERT = "revert";

    private static final Logger LOG = LoggerFactory.getLogger(RevertRun.class);

    private final String engineName;
    private final String hostName;
    private final Clock clock;
    private final MySqlConnections connections;
    private final TableLifecycle lifecycle;

    RevertRun(String engineName, String hostName, Clock clock, MySqlConnections connections, TableLifecycle lifecycle) {
        this.engineName = engineName;
        this.hostName = hostName;
        this.clock = clock;
        this.connections = connections;
        this.lifecycle = lifecycle;
    }

    static boolean isRevert(RunDirectory run) {
        return Files.exists(run.revertRecord());
    }

    /** The revert of {@code forward} in {@code run}: the recorded one, or a new one once the window is checked open. */
    EngineHandle start(RunDirectory run, RunDirectory forward, EngineKey key, Endpoint primary, String schema) {
        Optional<RevertRecord> existing = run.revertRecordContent();
        if (existing.isPresent()) {
            return handle(key, run, existing.get());
        }
        if (Files.exists(run.cleanedMarker())) {
            throw refused(key, "the revert " + key + " was cleaned up; a new attempt needs a new key");
        }
        RunRecord fwd = forward.runRecordContent().orElse(null);
        if (fwd == null || !fwd.revertible() || fwd.kept().isEmpty()) {
            throw refused(key, "the forward run " + forward + " kept no table to swap back (not revertible)");
        }
        if (Files.exists(forward.retired())) {
            throw refused(key, "the revert window of " + fwd.key() + " has ended (retired): its kept table is gone");
        }
        if (Files.exists(forward.reverted())) {
            throw refused(key, "the run " + fwd.key() + " was already reverted");
        }
        if (!Files.exists(forward.rotated())) {
            throw refused(key, "the run " + fwd.key() + " has not swapped its tables; nothing to revert");
        }
        KeptTable kept = KeptTable.of(fwd.schema(), fwd.table(), fwd.kept());
        String aside;
        try (Connection c = connections.open(primary)) {
            if (!kept.inSync(c)) {
                throw refused(
                        key,
                        "the kept table " + fwd.schema() + "." + fwd.kept() + " of " + fwd.key()
                                + " is not kept in sync (reverse triggers " + kept.reverseTriggers(c) + ")");
            }
            aside = null;
            for (String n : Artifacts.newTableNames(fwd.table())) {
                if (!kept.exists(c, n)) {
                    aside = n;
                    break;
                }
            }
        } catch (SQLException e) {
            throw new EngineException(
                    FailureReason.CONNECTION,
                    true,
                    "cannot check the kept table of " + fwd.key() + " on " + primary + ": " + e.getMessage(),
                    key.migrationId(),
                    key.shard(),
                    e);
        }
        if (aside == null) {
            throw refused(key, "every name pt-osc uses for a new table of " + fwd.table() + " is taken");
        }
        RevertRecord record = new RevertRecord(
                key.value(),
                fwd.key(),
                forward.dir().toString(),
                primary.host(),
                primary.port(),
                schema,
                fwd.table(),
                fwd.kept(),
                aside,
                KeptTable.placeholderName(fwd.table()),
                clock.instant());
        RunFiles.write(run.revertRecord(), record.toJson());
        LOG.info("revert {} of {}: holding before the swap back of {}.{}", key, fwd.key(), schema, fwd.table());
        return handle(key, run, record);
    }

    /** The recorded revert, after a restart. */
    Optional<EngineHandle> find(RunDirectory run, EngineKey key) {
        return run.revertRecordContent().map(r -> handle(key, run, r));
    }

    EngineObservation observe(RunDirectory run) {
        RevertRecord r = record(run);
        if (Files.exists(run.revertDone())) {
            return done(r);
        }
        Path failure = failureFile(run);
        if (Files.exists(failure)) {
            return EngineObservation.failed(
                    FailureReason.CUTOVER_FAILED, RunFiles.read(failure).orElse("the swap back failed"));
        }
        if (Files.exists(run.releaseFile())) {
            try {
                finish(run);
                return done(r);
            } catch (SQLException e) {
                LOG.warn(
                        "revert {}: the swap back did not finish yet, tried again at the next observation", r.key(), e);
                return new EngineObservation(
                        EnginePhase.CUTTING_OVER,
                        0,
                        0,
                        null,
                        false,
                        null,
                        null,
                        null,
                        null,
                        "swapping back (an attempt failed and is repeated: " + e.getMessage() + ")");
            } catch (IllegalStateException e) {
                return EngineObservation.failed(FailureReason.CUTOVER_FAILED, String.valueOf(e.getMessage()));
            }
        }
        if (Files.exists(run.cancelMarker())) {
            return new EngineObservation(
                    EnginePhase.CANCELLED,
                    0,
                    0,
                    null,
                    false,
                    null,
                    null,
                    null,
                    FailureReason.CANCELLED,
                    "revert cancelled by osc4j before the swap back; the forward migration stays revertible");
        }
        return new EngineObservation(
                EnginePhase.READY_FOR_CUTOVER,
                0,
                0,
                null,
                false,
                null,
                null,
                null,
                null,
                "holding before the swap back of " + r.schema() + "." + r.table() + " until osc4j releases it");
    }

    /** Swaps back now. A failure that may pass (a lock wait) is retryable; a kept table out of sync is not. */
    void release(RunDirectory run, EngineKey key) {
        if (Files.exists(run.cancelMarker()) && !Files.exists(run.releaseFile())) {
            throw refused(key, "the revert " + key + " was cancelled");
        }
        RunFiles.touch(run.releaseFile());
        try {
            finish(run);
        } catch (SQLException e) {
            throw new EngineException(
                    FailureReason.CUTOVER_FAILED,
                    true,
                    "the swap back of " + key + " failed (repeated at the next observation): " + e.getMessage(),
                    key.migrationId(),
                    key.shard(),
                    e);
        } catch (IllegalStateException e) {
            throw refused(key, String.valueOf(e.getMessage()));
        }
    }

    void cancel(RunDirectory run) {
        if (!Files.exists(run.releaseFile())) {
            RunFiles.touch(run.cancelMarker());
        }
    }

    /**
     * A revert that swapped back has its clean-up finished; one that did not leaves the forward run's kept table and
     * reverse triggers alone (the forward migration stays revertible) and drops only its own placeholder.
     */
    CleanupReport cleanup(RunDirectory run) {
        Optional<RevertRecord> rec = run.revertRecordContent();
        if (rec.isEmpty()) {
            return CleanupReport.nothing();
        }
        RevertRecord r = rec.get();
        KeptTable kept = KeptTable.of(r.schema(), r.table(), r.kept());
        List<String> dropped = new ArrayList<>();
        try (Connection c = connections.open(new Endpoint(r.host(), r.port()))) {
            if (kept.exists(c, r.aside()) && !Files.exists(run.revertDone())) {
                finish(run);
                dropped.add("finished the swap back of " + r.schema() + "." + r.table());
            } else {
                dropped.addAll(kept.abandonSwapBack(c, r.aside(), r.placeholder()));
            }
        } catch (SQLException e) {
            throw new EngineException(
                    FailureReason.CONNECTION,
                    true,
                    "cleanup of the revert " + r.key() + " failed: " + e.getMessage(),
                    null,
                    null,
                    e);
        }
        RunFiles.touch(run.cleanedMarker());
        List<String> notes = new ArrayList<>();
        if (!Files.exists(run.revertDone())) {
            notes.add("the forward run " + r.forwardKey() + " keeps " + r.schema() + "." + r.kept()
                    + " and its reverse triggers: it stays revertible");
        }
        LOG.info("cleaned up revert {}: {} {}", r.key(), dropped, notes);
        return new CleanupReport(dropped, notes);
    }

    /** The swap back, then its clean-up: reverse triggers, the placeholder, the new-schema table to the lifecycle. */
    private synchronized void finish(RunDirectory run) throws SQLException {
        if (Files.exists(run.revertDone())) {
            return;
        }
        RevertRecord r = record(run);
        KeptTable kept = KeptTable.of(r.schema(), r.table(), r.kept());
        try (Connection c = connections.open(new Endpoint(r.host(), r.port()))) {
            List<String> done;
            try {
                done = new ArrayList<>(kept.swapBack(c, r.aside(), r.placeholder()));
            } catch (IllegalStateException e) {
                RunFiles.write(failureFile(run), String.valueOf(e.getMessage()));
                throw e;
            }
            RunFiles.touch(new RunDirectory(Path.of(r.forwardDir())).reverted());
            String retired = lifecycle.retire(c, r.schema(), r.aside(), r.key() + " " + r.aside());
            if (!retired.isEmpty()) {
                done.add(retired);
            }
            done.addAll(lifecycle.sweep(c, r.schema()));
            RunFiles.touch(run.revertDone());
            LOG.info("revert {}: {}", r.key(), done);
        }
    }

    private static EngineObservation done(RevertRecord r) {
        return new EngineObservation(
                EnginePhase.COMPLETED,
                0,
                0,
                null,
                false,
                null,
                null,
                null,
                null,
                "swapped back: " + r.schema() + "." + r.table() + " is the original table again");
    }

    private static Path failureFile(RunDirectory run) {
        return run.dir().resolve("revert-failed");
    }

    private static RevertRecord record(RunDirectory run) {
        return run.revertRecordContent().orElseThrow(() -> new IllegalStateException("no revert.json in " + run));
    }

    private EngineHandle handle(EngineKey key, RunDirectory run, RevertRecord r) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(ATTR_RUN_DIR, run.dir().toString());
        a.put(ATTR_PID, "-1");
        a.put(ATTR_PID_STARTED, "-1");
        a.put(ATTR_HOST, hostName);
        a.put(ATTR_SERVER, r.host() + ":" + r.port());
        a.put(ATTR_TABLE, r.schema() + "." + r.table());
        a.put(ATTR_KIND, KIND_REVERT);
        return new EngineHandle(engineName, key, a);
    }

    private static EngineException refused(EngineKey key, String message) {
        return new EngineException(
                FailureReason.ENGINE_CONFIGURATION, false, message, key.migrationId(), key.shard(), null);
    }
}
