package dev.osc4j.mysql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osc4j.Endpoint;
import dev.osc4j.PreSwapPolicy;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.PreSwapStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An engine's ANALYZE or warming of a run's new table before the swap ({@link TableWarmer}), as {@code
 * ExecutionEngine.analyze}, {@code warm} and {@code observe} need it: one thread per run and step, the request (with
 * the policy's pacing) and the progress and result in files of the run's directory ({@link Paths}), so a controller
 * that restarts finds a step that ended and starts again one that was interrupted (both only read the new table, or
 * refresh its statistics: doing them twice is harmless). A step that fails is {@link PreSwapStatus.State#FAILED}: the
 * orchestrator holds the swap and requests it again, which starts it again.
 */
public final class BackgroundPreSwap {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundPreSwap.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which step. */
    public enum Step {
        /** A replicated {@code ANALYZE TABLE} of the new table. */
        ANALYZE,
        /** Reading the original's hot key ranges of the new table. */
        WARM
    }

    private final String engine;
    private final Step step;
    private final MySqlConnections connections;
    private final Map<String, Thread> running = new ConcurrentHashMap<>();

    /**
     * The files of one run's step.
     *
     * @param requested written (with the pacing) once the step was requested
     * @param status the progress or result, as JSON
     * @param done touched when the step ended (an engine that watches its run directory wakes on it)
     */
    public record Paths(Path requested, Path status, Path done) {}

    /**
     * The tables, on the server that holds both.
     *
     * @param server the server
     * @param schema the schema of both tables
     * @param original the original table
     * @param copy the engine's new table
     */
    public record Target(Endpoint server, String schema, String original, String copy) {}

    /** A service for one engine and one step. */
    public BackgroundPreSwap(String engine, Step step, MySqlConnections connections) {
        this.engine = engine;
        this.step = step;
        this.connections = connections;
    }

    /**
     * Records the request (with {@code policy}'s pacing) in the run directory, then starts the step unless it runs or
     * ended well; a step that failed starts again.
     */
    public synchronized void request(Paths run, Target target, PreSwapPolicy policy) {
        ObjectNode o = JSON.createObjectNode();
        o.put("budgetMillis", policy.warmBudget().toMillis());
        o.put("chunkRows", policy.warmChunkRows());
        o.put("pauseMillis", policy.warmPause().toMillis());
        Optional<PreSwapStatus> stored = read(run);
        if (stored.isPresent() && stored.get().state() == PreSwapStatus.State.FAILED) {
            RunFiles.write(run.status(), json(PreSwapStatus.running(0, 0)));
        }
        RunFiles.write(run.requested(), o.toString());
        ensureRunning(run, target);
    }

    /**
     * The step's status, or null when none was requested; starts again one that a restart interrupted, when {@code
     * targetOf} gives its tables.
     */
    @Nullable
    public PreSwapStatus status(Paths run, Supplier<@Nullable Target> targetOf) {
        if (!Files.exists(run.requested())) {
            return null;
        }
        PreSwapStatus stored = read(run).orElse(null);
        if (stored != null && stored.state() != PreSwapStatus.State.RUNNING) {
            return stored;
        }
        Target target = targetOf.get();
        if (target != null) {
            ensureRunning(run, target);
        }
        return stored != null ? stored : PreSwapStatus.running(0, 0);
    }

    /** Stops the run's step, if one runs here (before a cleanup). */
    public void forget(Paths run) {
        Thread t = running.remove(run.status().toString());
        if (t != null) {
            t.interrupt();
        }
    }

    private synchronized void ensureRunning(Paths run, Target target) {
        Optional<PreSwapStatus> stored = read(run);
        if (stored.isPresent() && stored.get().state() != PreSwapStatus.State.RUNNING) {
            return;
        }
        Thread t = running.get(run.status().toString());
        if (t != null && t.isAlive()) {
            return;
        }
        PreSwapPolicy policy = policyOf(run);
        Path dir = run.status().getParent();
        Thread thread = new Thread(
                () -> perform(run, target, policy),
                "osc4j-" + engine + "-" + step.name().toLowerCase(java.util.Locale.ROOT) + "-"
                        + (dir == null ? "" : dir.getFileName()));
        thread.setDaemon(true);
        running.put(run.status().toString(), thread);
        thread.start();
    }

    private static PreSwapPolicy policyOf(Paths run) {
        PreSwapPolicy d = PreSwapPolicy.defaults();
        return RunFiles.read(run.requested())
                .flatMap(text -> {
                    try {
                        JsonNode o = JSON.readTree(text);
                        return Optional.of(d.withWarming(
                                Duration.ofMillis(o.path("budgetMillis")
                                        .asLong(d.warmBudget().toMillis())),
                                o.path("chunkRows").asInt(d.warmChunkRows()),
                                Duration.ofMillis(o.path("pauseMillis")
                                        .asLong(d.warmPause().toMillis()))));
                    } catch (JsonProcessingException | RuntimeException e) {
                        return Optional.empty();
                    }
                })
                .orElse(d);
    }

    private void perform(Paths run, Target target, PreSwapPolicy policy) {
        RunFiles.write(run.status(), json(PreSwapStatus.running(0, 0)));
        try (Connection c = connections.open(target.server())) {
            PreSwapStatus done;
            if (step == Step.ANALYZE) {
                long t0 = System.nanoTime();
                TableWarmer.analyze(c, target.schema(), target.copy());
                done = PreSwapStatus.done(
                        1, 1, "in " + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms");
            } else {
                TableWarmer.Result r = TableWarmer.of(target.schema(), target.original(), target.copy(), policy)
                        .run(
                                c,
                                (read, hot) -> RunFiles.write(run.status(), json(PreSwapStatus.running(read, hot))),
                                () -> Thread.currentThread().isInterrupted());
                if (Thread.currentThread().isInterrupted()) {
                    return; // forgotten (a cleanup): nothing is concluded
                }
                done = PreSwapStatus.done(
                        r.rangesRead(),
                        r.rangesHot(),
                        String.format(
                                java.util.Locale.ROOT,
                                "%d of %d hot ranges, %,d rows in %d ms (finding them: %d ms)%s",
                                r.rangesRead(),
                                r.rangesHot(),
                                r.rowsRead(),
                                r.took().toMillis(),
                                r.findTook().toMillis(),
                                r.budgetSpent() ? "; budget spent" : ""));
            }
            RunFiles.write(run.status(), json(done));
            RunFiles.touch(run.done());
            LOG.info("{} run {}: {} {}", engine, run.status().getParent(), step, done.detail());
        } catch (Exception e) {
            RunFiles.write(run.status(), json(PreSwapStatus.failed(String.valueOf(e.getMessage()))));
            RunFiles.touch(run.done());
            LOG.warn("{} run {}: {} failed: {}", engine, run.status().getParent(), step, e.toString());
        } finally {
            running.remove(run.status().toString(), Thread.currentThread());
        }
    }

    private static String json(PreSwapStatus status) {
        ObjectNode o = JSON.createObjectNode();
        o.put("state", status.state().name());
        o.put("done", status.done());
        o.put("total", status.total());
        o.put("detail", status.detail());
        return o.toString();
    }

    /** The stored status of the run's step, if it wrote one (empty when none, or written half-way). */
    public static Optional<PreSwapStatus> read(Paths run) {
        return RunFiles.read(run.status()).flatMap(text -> {
            try {
                JsonNode o = JSON.readTree(text);
                return Optional.of(new PreSwapStatus(
                        PreSwapStatus.State.valueOf(o.path("state").asText()),
                        o.path("done").asLong(),
                        o.path("total").asLong(),
                        o.path("detail").asText("")));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                return Optional.empty(); // written half-way by a process that died: started again
            }
        });
    }
}
