package dev.osc4j.engine.ptosc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.mysql.MySqlConnections;
import dev.osc4j.mysql.TableChecksum;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.ChecksumStatus;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The comparison of a run's original table with its copy before the swap ({@link TableChecksum}), while the plugin
 * holds in {@code before_swap_tables} and pt-osc's triggers keep both tables in step. One thread per run; the request
 * ({@code verify-requested}) and the progress and result ({@code checksum.json}) are files of the run directory, so a
 * controller that restarts finds a comparison that ended, and starts again one that was interrupted (it only reads,
 * and copies chunks again from the original, so doing it twice is harmless). A comparison that fails on an error
 * (a lost connection, say) is started again by a later observation, at most every {@link #RETRY_AFTER}.
 */
final class RunChecksum {
    private static final Logger LOG = LoggerFactory.getLogger(RunChecksum.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final MySqlConnections connections;
    private final Clock clock;
    private final int chunkRows;
    private final int maxRecopies;
    private final Map<String, Running> running = new ConcurrentHashMap<>();

    /** A comparison in this process: its thread, or when it last failed. */
    private static final class Running {
        @Nullable
        Thread thread;

        @Nullable
        Instant failedAt;
    }

    RunChecksum(MySqlConnections connections, Clock clock, int chunkRows, int maxRecopies) {
        this.connections = connections;
        this.clock = clock;
        this.chunkRows = chunkRows;
        this.maxRecopies = maxRecopies;
    }

    /** Records the request in the run directory, then starts the comparison unless it runs or ended. */
    void request(RunDirectory run, Tables tables) {
        RunFiles.touch(run.verifyRequested());
        ensureRunning(run, tables);
    }

    /**
     * The comparison's status, or null when none was requested; restarts one that a restart or an error interrupted.
     */
    @Nullable
    ChecksumStatus status(RunDirectory run, Supplier<@Nullable Tables> tablesOf) {
        if (!Files.exists(run.verifyRequested())) {
            return null;
        }
        ChecksumStatus stored = read(run).orElse(null);
        if (stored != null && stored.state() != ChecksumStatus.State.RUNNING) {
            return stored;
        }
        Tables tables = tablesOf.get();
        if (tables != null) {
            ensureRunning(run, tables);
        }
        return stored != null ? stored : new ChecksumStatus(ChecksumStatus.State.RUNNING, 0, 0, 0, "starting");
    }

    /** Stops the run's comparison, if one runs here (before a cleanup); the run directory keeps what it got to. */
    void forget(RunDirectory run) {
        Running r = running.remove(run.dir().toString());
        Thread t = r == null ? null : r.thread;
        if (t != null) {
            t.interrupt();
        }
    }

    private synchronized void ensureRunning(RunDirectory run, Tables tables) {
        Optional<ChecksumStatus> stored = read(run);
        if (stored.isPresent() && stored.get().state() != ChecksumStatus.State.RUNNING) {
            return;
        }
        Running r = running.computeIfAbsent(run.dir().toString(), k -> new Running());
        Thread t = r.thread;
        if (t != null && t.isAlive()) {
            return;
        }
        Instant failed = r.failedAt;
        if (failed != null && clock.instant().isBefore(failed.plus(RETRY_AFTER))) {
            return;
        }
        Thread thread = new Thread(
                () -> compare(run, tables, r),
                "osc4j-pt-osc-checksum-" + run.dir().getFileName());
        thread.setDaemon(true);
        r.thread = thread;
        thread.start();
    }

    private void compare(RunDirectory run, Tables tables, Running r) {
        TableChecksum checksum = TableChecksum.of(tables.schema(), tables.original(), tables.copy())
                .chunkRows(chunkRows)
                .maxRecopies(maxRecopies)
                .build();
        write(run, new ChecksumStatus(ChecksumStatus.State.RUNNING, 0, 0, 0, ""), null);
        LOG.info("pt-osc run {}: comparing {}.{} with {}", run, tables.schema(), tables.original(), tables.copy());
        int[] recopied = {0};
        try (Connection c = connections.open(tables.server())) {
            TableChecksum.Result result = checksum.run(
                    c,
                    (rows, estimate) ->
                            write(run, new ChecksumStatus(ChecksumStatus.State.RUNNING, rows, estimate, 0, ""), null),
                    () -> Thread.currentThread().isInterrupted());
            recopied[0] = result.recopied();
            ChecksumStatus done = new ChecksumStatus(
                    result.matches() ? ChecksumStatus.State.MATCHED : ChecksumStatus.State.MISMATCHED,
                    result.rows(),
                    result.rows(),
                    result.recopied(),
                    result.matches()
                            ? ""
                            : String.join("; ", result.mismatches()) + " (still differ after " + maxRecopies
                                    + " copies again)");
            write(run, done, result.took());
            RunFiles.touch(run.checksumDone()); // wakes the controller at once (the engine watches this name)
            LOG.info(
                    "pt-osc run {}: checksum {} in {} ({} rows, {} chunks, {} copied again)",
                    run,
                    done.state(),
                    result.took(),
                    result.rows(),
                    result.chunks(),
                    result.recopied());
        } catch (InvalidRequestException e) {
            // Permanent (no primary key in common, a table gone): no copy is swapped in unverified.
            write(
                    run,
                    new ChecksumStatus(
                            ChecksumStatus.State.MISMATCHED,
                            0,
                            0,
                            0,
                            "the tables cannot be compared: " + e.getMessage()
                                    + "; submit the change again with the policy's skipChecksum to swap without"
                                    + " a comparison"),
                    null);
            RunFiles.touch(run.checksumDone());
            LOG.warn("pt-osc run {}: the tables cannot be compared: {}", run, e.getMessage());
        } catch (Exception e) {
            r.failedAt = clock.instant();
            LOG.warn("pt-osc run {}: checksum failed, to be started again: {}", run, e.toString());
        } finally {
            r.thread = null;
        }
    }

    private static void write(RunDirectory run, ChecksumStatus status, @Nullable Duration took) {
        ObjectNode o = JSON.createObjectNode();
        o.put("state", status.state().name());
        o.put("rowsChecked", status.rowsChecked());
        o.put("rowsEstimate", status.rowsEstimate());
        o.put("recopiedChunks", status.recopiedChunks());
        o.put("detail", status.detail());
        if (took != null) {
            o.put("tookMillis", took.toMillis());
        }
        try {
            RunFiles.write(run.checksum(), JSON.writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Optional<ChecksumStatus> read(RunDirectory run) {
        return RunFiles.read(run.checksum()).flatMap(text -> {
            try {
                JsonNode o = JSON.readTree(text);
                return Optional.of(new ChecksumStatus(
                        ChecksumStatus.State.valueOf(o.path("state").asText()),
                        o.path("rowsChecked").asLong(),
                        o.path("rowsEstimate").asLong(),
                        o.path("recopiedChunks").asInt(),
                        o.path("detail").asText("")));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                return Optional.empty(); // written half-way by a process that died: started again
            }
        });
    }

    /** The tables to compare: the original and pt-osc's copy of it, on the server that holds both. */
    record Tables(Endpoint server, String schema, String original, String copy) {}
}
