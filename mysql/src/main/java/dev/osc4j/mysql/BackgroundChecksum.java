package dev.osc4j.mysql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.ChecksumStatus;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * An engine's comparison of a run's original table with its copy before the swap ({@link TableChecksum}), as {@code
 * ExecutionEngine.verify} and {@code observe} need it: one thread per run, the request and the progress and result in
 * files of the run's directory ({@link Paths}), so a controller that restarts finds a comparison that ended, and starts
 * again one that was interrupted (a comparison only reads, and copies chunks again from the original, so doing it twice
 * is harmless). A comparison that fails on an error (a lost connection, a drain that timed out) is started again by a
 * later observation, at most every {@link #RETRY_AFTER}; meanwhile its status says running, with the error as detail.
 * A comparison that cannot be made at all (no common primary key, a table gone) is a mismatch: no copy is swapped in
 * unverified.
 */
public final class BackgroundChecksum {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundChecksum.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long after a failed comparison the next observation starts it again. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final String engine;
    private final MySqlConnections connections;
    private final Clock clock;
    private final int chunkRows;
    private final int maxRecopies;
    private final Map<String, Running> running = new ConcurrentHashMap<>();

    /**
     * The files of one run's comparison.
     *
     * @param requested exists once the comparison was requested
     * @param status the progress or result, as JSON
     * @param done touched when the comparison ended (an engine that watches its run directory wakes on it)
     */
    public record Paths(Path requested, Path status, Path done) {}

    /**
     * The tables to compare, on the server that holds both.
     *
     * @param server the server
     * @param schema the schema of both tables
     * @param original the original table
     * @param copy the engine's copy of it
     * @param snapshot how to open a snapshot in which the copy has caught up with the original, for an engine that
     *     applies changes asynchronously ({@link TableChecksum.Builder#snapshot}); null when each chunk's own snapshot
     *     is consistent (triggers)
     */
    public record Target(
            Endpoint server, String schema, String original, String copy, TableChecksum.@Nullable Snapshot snapshot) {
        /** Tables kept in step by triggers: each chunk in a snapshot of its own. */
        public Target(Endpoint server, String schema, String original, String copy) {
            this(server, schema, original, copy, null);
        }
    }

    /** A comparison in this process: its thread, or when it last failed. */
    private static final class Running {
        @Nullable
        Thread thread;

        @Nullable
        Instant failedAt;
    }

    /**
     * A comparison service for one engine.
     *
     * @param engine the engine's name, for thread names and logs
     * @param connections how to connect to the server
     * @param clock for the retry delay
     * @param chunkRows {@link TableChecksum.Builder#chunkRows}
     * @param maxRecopies {@link TableChecksum.Builder#maxRecopies}
     */
    public BackgroundChecksum(
            String engine, MySqlConnections connections, Clock clock, int chunkRows, int maxRecopies) {
        TableChecksum.of("s", "a", "b").chunkRows(chunkRows).maxRecopies(maxRecopies);
        this.engine = engine;
        this.connections = connections;
        this.clock = clock;
        this.chunkRows = chunkRows;
        this.maxRecopies = maxRecopies;
    }

    /** Records the request in the run directory, then starts the comparison unless it runs or ended. */
    public void request(Paths run, Target target) {
        RunFiles.touch(run.requested());
        ensureRunning(run, target);
    }

    /**
     * The comparison's status, or null when none was requested; restarts one that a restart or an error interrupted,
     * when {@code targetOf} gives its tables.
     */
    @Nullable
    public ChecksumStatus status(Paths run, Supplier<@Nullable Target> targetOf) {
        if (!Files.exists(run.requested())) {
            return null;
        }
        ChecksumStatus stored = read(run).orElse(null);
        if (stored != null && stored.state() != ChecksumStatus.State.RUNNING) {
            return stored;
        }
        Target target = targetOf.get();
        if (target != null) {
            ensureRunning(run, target);
        }
        return stored != null ? stored : new ChecksumStatus(ChecksumStatus.State.RUNNING, 0, 0, 0, "starting");
    }

    /** Stops the run's comparison, if one runs here (before a cleanup); the run directory keeps what it got to. */
    public void forget(Paths run) {
        Running r = running.remove(run.status().toString());
        Thread t = r == null ? null : r.thread;
        if (t != null) {
            t.interrupt();
        }
    }

    private synchronized void ensureRunning(Paths run, Target target) {
        Optional<ChecksumStatus> stored = read(run);
        if (stored.isPresent() && stored.get().state() != ChecksumStatus.State.RUNNING) {
            return;
        }
        Running r = running.computeIfAbsent(run.status().toString(), k -> new Running());
        Thread t = r.thread;
        if (t != null && t.isAlive()) {
            return;
        }
        Instant failed = r.failedAt;
        if (failed != null && clock.instant().isBefore(failed.plus(RETRY_AFTER))) {
            return;
        }
        Path dir = run.status().getParent();
        Thread thread = new Thread(
                () -> compare(run, target, r),
                "osc4j-" + engine + "-checksum-" + (dir == null ? "" : dir.getFileName()));
        thread.setDaemon(true);
        r.thread = thread;
        thread.start();
    }

    private void compare(Paths run, Target target, Running r) {
        TableChecksum.Builder builder = TableChecksum.of(target.schema(), target.original(), target.copy())
                .chunkRows(chunkRows)
                .maxRecopies(maxRecopies);
        TableChecksum.Snapshot snapshot = target.snapshot();
        if (snapshot != null) {
            builder.snapshot(snapshot);
        }
        TableChecksum checksum = builder.build();
        write(run, new ChecksumStatus(ChecksumStatus.State.RUNNING, 0, 0, 0, ""), null);
        LOG.info(
                "{} run {}: comparing {}.{} with {}",
                engine,
                run.status().getParent(),
                target.schema(),
                target.original(),
                target.copy());
        try (Connection c = connections.open(target.server())) {
            TableChecksum.Result result = checksum.run(
                    c,
                    (rows, estimate) ->
                            write(run, new ChecksumStatus(ChecksumStatus.State.RUNNING, rows, estimate, 0, ""), null),
                    () -> Thread.currentThread().isInterrupted());
            if (result.stopped()) {
                return; // forgotten (a cleanup): the status stays running, and nothing is concluded
            }
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
            RunFiles.touch(run.done());
            LOG.info(
                    "{} run {}: checksum {} in {} ({} rows, {} chunks, {} copied again)",
                    engine,
                    run.status().getParent(),
                    done.state(),
                    result.took(),
                    result.rows(),
                    result.chunks(),
                    result.recopied());
        } catch (InvalidRequestException e) {
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
            RunFiles.touch(run.done());
            LOG.warn(
                    "{} run {}: the tables cannot be compared: {}",
                    engine,
                    run.status().getParent(),
                    e.getMessage());
        } catch (Exception e) {
            r.failedAt = clock.instant();
            write(
                    run,
                    new ChecksumStatus(
                            ChecksumStatus.State.RUNNING,
                            0,
                            0,
                            0,
                            "failed, to be started again within " + RETRY_AFTER.toSeconds() + " s: " + e.getMessage()),
                    null);
            LOG.warn(
                    "{} run {}: checksum failed, to be started again: {}",
                    engine,
                    run.status().getParent(),
                    e.toString());
        } finally {
            r.thread = null;
        }
    }

    private static void write(Paths run, ChecksumStatus status, @Nullable Duration took) {
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
            RunFiles.write(run.status(), JSON.writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stored status of the run's comparison, if it wrote one (empty when none, or written half-way). */
    public static Optional<ChecksumStatus> read(Paths run) {
        return RunFiles.read(run.status()).flatMap(text -> {
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

    /** How long the last comparison of the run took, once it ended (for benchmarks and logs). */
    public static Optional<Duration> took(Paths run) {
        return RunFiles.read(run.status()).flatMap(text -> {
            try {
                JsonNode t = JSON.readTree(text).path("tookMillis");
                return t.isNumber() ? Optional.of(Duration.ofMillis(t.asLong())) : Optional.empty();
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
        });
    }
}
