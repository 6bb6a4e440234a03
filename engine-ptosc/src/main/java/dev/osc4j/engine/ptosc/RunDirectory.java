package dev.osc4j.engine.ptosc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osc4j.process.RunDirectoryName;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.EngineKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One run's directory: where its files live and the two records the engine writes there. Everything a new process
 * needs to find, observe and clean up a run is in this directory, named after the run's {@link EngineKey}.
 *
 * <ul>
 *   <li>{@code run.json}: the target, the ALTER, the command line (no secret) and the pt-osc artifacts that existed
 *       before the run (so cleanup never drops those), written before the launch.
 *   <li>{@code launch.json}: the wrapper process id and start time (to tell a reused pid), written after the launch.
 *   <li>{@code client.cnf} (mode 0600): the credentials, named by {@code F=} in the DSN; deleted once the run ended.
 *   <li>{@code osc4j_plugin.pm}, {@code osc4j_plugin.conf}: the plugin and its settings.
 *   <li>{@code output.log}: pt-osc's stdout and stderr, in order; {@code events.jsonl}: the plugin's events;
 *       {@code exit}: pt-osc's exit status, written by the wrapper shell when it ends.
 *   <li>{@code pause}, {@code release}: the pause file ({@code --pause-file}) and the cut-over release file.
 *   <li>{@code cancel-requested}, {@code cleaned}: markers of what the engine did.
 *   <li>{@code verify-requested}: written before the comparison of the tables starts (so a restarted controller
 *       resumes it); {@code checksum.json}: its progress and result.
 *   <li>{@code warm-requested} (with the pacing), {@code warm.json}, {@code warm.done}: the same for the warming of the
 *       new table before the swap.
 * </ul>
 */
final class RunDirectory {
    /** The run's event log (hooks as JSON lines); its changes wake the controller. */
    static final String EVENTS = "events.jsonl";
    /** The run's exit status, written by the wrapper when the tool exits; its creation wakes the controller. */
    static final String EXIT = "exit";
    /** Created when the comparison before the swap has ended; its creation wakes the controller. */
    static final String CHECKSUM_DONE = "checksum.done";
    /** Created when the warming before the swap has ended; its creation wakes the controller. */
    static final String WARM_DONE = "warm.done";

    static final String PLUGIN_RESOURCE = "osc4j_plugin.pm";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    RunDirectory(Path dir) {
        this.dir = dir;
    }

    /** The directory of {@code key}'s run under {@code root}: readable, and unique through a digest of the key. */
    static RunDirectory of(Path root, EngineKey key) {
        return new RunDirectory(root.resolve(RunDirectoryName.readable(key)));
    }

    Path dir() {
        return dir;
    }

    /** The partial throttle the plugin reads before each chunk: a ratio in (0, 1); absent for none. */
    Path throttleRatioFile() {
        return dir.resolve("throttle-ratio");
    }

    /** The partial throttle set, 0 when none (or when the file cannot be read). */
    double throttleRatio() {
        return RunFiles.readDecimal(throttleRatioFile())
                .filter(r -> r > 0 && r < 1)
                .orElse(0.0);
    }

    Path verifyRequested() {
        return dir.resolve("verify-requested");
    }

    Path checksum() {
        return dir.resolve("checksum.json");
    }

    Path checksumDone() {
        return dir.resolve(CHECKSUM_DONE);
    }

    Path warmRequested() {
        return dir.resolve("warm-requested");
    }

    Path warm() {
        return dir.resolve("warm.json");
    }

    Path warmDone() {
        return dir.resolve(WARM_DONE);
    }

    Path runRecord() {
        return dir.resolve("run.json");
    }

    Path launchRecord() {
        return dir.resolve("launch.json");
    }

    Path optionFile() {
        return dir.resolve("client.cnf");
    }

    Path plugin() {
        return dir.resolve(PLUGIN_RESOURCE);
    }

    Path pluginConfiguration() {
        return dir.resolve("osc4j_plugin.conf");
    }

    Path output() {
        return dir.resolve("output.log");
    }

    Path wrapperOutput() {
        return dir.resolve("wrapper.log");
    }

    Path events() {
        return dir.resolve(EVENTS);
    }

    Path exitFile() {
        return dir.resolve(EXIT);
    }

    Path pauseFile() {
        return dir.resolve("pause");
    }

    Path releaseFile() {
        return dir.resolve("release");
    }

    Path cancelMarker() {
        return dir.resolve("cancel-requested");
    }

    Path cleanedMarker() {
        return dir.resolve("cleaned");
    }

    /** A revertible run: the cut-over was released; the engine rotates the tables, then writes the release file. */
    Path releaseRequested() {
        return dir.resolve("release-requested");
    }

    /** A revertible run: the rotation finished (the new schema is live, the original kept in sync). */
    Path rotated() {
        return dir.resolve("rotated");
    }

    /** A revertible run: its revert window ended ({@code retire}). */
    Path retired() {
        return dir.resolve("retired");
    }

    /** A revertible run: a revert swapped its tables back. */
    Path reverted() {
        return dir.resolve("reverted");
    }

    /** A revert run's record (a revert runs no process). */
    Path revertRecord() {
        return dir.resolve("revert.json");
    }

    /** A revert run: the swap back and its clean-up finished. */
    Path revertDone() {
        return dir.resolve("revert-done");
    }

    Path lockFile() {
        return dir.resolve(".lock");
    }

    boolean exists() {
        return Files.isDirectory(dir);
    }

    /** Creates the directory (and the root) readable by the owner only. */
    void create() {
        RunFiles.createPrivateDirectory(dir);
    }

    /** The exit status, once the wrapper wrote it. */
    Optional<Integer> exitStatus() {
        return RunFiles.read(exitFile())
                .map(String::strip)
                .filter(s -> s.matches("\\d{1,3}"))
                .map(Integer::valueOf);
    }

    Optional<RunRecord> runRecordContent() {
        return RunFiles.read(runRecord()).map(RunRecord::fromJson);
    }

    Optional<LaunchRecord> launchRecordContent() {
        return RunFiles.read(launchRecord()).map(LaunchRecord::fromJson);
    }

    /**
     * What the engine recorded before launching pt-osc.
     *
     * @param key the run's key ({@link EngineKey#value()})
     * @param host the primary's host
     * @param port the primary's port
     * @param schema the schema
     * @param table the table
     * @param alter the alter clause
     * @param createdAt when the record was written
     * @param preexistingTables tables named like pt-osc's new or old table that existed before the run
     * @param preexistingTriggers triggers named like pt-osc's that existed before the run
     * @param command the command line, without any secret
     * @param revertible the run keeps the original table at the swap, in sync ({@link dev.osc4j.mysql.KeptTable})
     * @param kept the kept table's name for a revertible run, empty otherwise
     */
    record RunRecord(
            String key,
            String host,
            int port,
            String schema,
            String table,
            String alter,
            Instant createdAt,
            List<String> preexistingTables,
            List<String> preexistingTriggers,
            List<String> command,
            boolean revertible,
            String kept) {
        RunRecord {
            preexistingTables = List.copyOf(preexistingTables);
            preexistingTriggers = List.copyOf(preexistingTriggers);
            command = List.copyOf(command);
        }

        String toJson() {
            ObjectNode n = JSON.createObjectNode();
            n.put("key", key);
            n.put("host", host);
            n.put("port", port);
            n.put("schema", schema);
            n.put("table", table);
            n.put("alter", alter);
            n.put("createdAt", createdAt.toString());
            array(n.putArray("preexistingTables"), preexistingTables);
            array(n.putArray("preexistingTriggers"), preexistingTriggers);
            array(n.putArray("command"), command);
            n.put("revertible", revertible);
            n.put("kept", kept);
            return n.toPrettyString() + "\n";
        }

        static RunRecord fromJson(String json) {
            JsonNode n = parse(json, "run.json");
            return new RunRecord(
                    text(n, "key"),
                    text(n, "host"),
                    n.path("port").asInt(),
                    text(n, "schema"),
                    text(n, "table"),
                    text(n, "alter"),
                    Instant.parse(text(n, "createdAt")),
                    strings(n.path("preexistingTables")),
                    strings(n.path("preexistingTriggers")),
                    strings(n.path("command")),
                    n.path("revertible").asBoolean(false),
                    n.path("kept").asText(""));
        }
    }

    /**
     * A revert run's record: what it swaps back, written by {@code start}.
     *
     * @param key the revert's key
     * @param forwardKey the forward run's key
     * @param forwardDir the forward run's directory
     * @param host the primary's host
     * @param port the primary's port
     * @param schema the schema
     * @param table the table
     * @param kept the forward run's kept table
     * @param aside the name the new-schema table takes at the swap back
     * @param placeholder the name of the placeholder that takes the kept table's name at the swap back
     * @param createdAt when it was written
     */
    record RevertRecord(
            String key,
            String forwardKey,
            String forwardDir,
            String host,
            int port,
            String schema,
            String table,
            String kept,
            String aside,
            String placeholder,
            Instant createdAt) {
        String toJson() {
            ObjectNode n = JSON.createObjectNode();
            n.put("key", key);
            n.put("forwardKey", forwardKey);
            n.put("forwardDir", forwardDir);
            n.put("host", host);
            n.put("port", port);
            n.put("schema", schema);
            n.put("table", table);
            n.put("kept", kept);
            n.put("aside", aside);
            n.put("placeholder", placeholder);
            n.put("createdAt", createdAt.toString());
            return n.toPrettyString() + "\n";
        }

        static RevertRecord fromJson(String json) {
            JsonNode n = parse(json, "revert.json");
            return new RevertRecord(
                    text(n, "key"),
                    text(n, "forwardKey"),
                    text(n, "forwardDir"),
                    text(n, "host"),
                    n.path("port").asInt(),
                    text(n, "schema"),
                    text(n, "table"),
                    text(n, "kept"),
                    text(n, "aside"),
                    text(n, "placeholder"),
                    Instant.parse(text(n, "createdAt")));
        }
    }

    Optional<RevertRecord> revertRecordContent() {
        return RunFiles.read(revertRecord()).map(RevertRecord::fromJson);
    }

    /**
     * What the engine recorded after launching the wrapper that runs pt-osc.
     *
     * @param pid the wrapper's process id
     * @param startedAtMillis the wrapper's start time (epoch milliseconds) as the OS reports it, or -1 if unknown
     * @param controllerHost the host the controller (and so the process) runs on
     * @param launchedAt when the engine launched it
     */
    record LaunchRecord(long pid, long startedAtMillis, String controllerHost, Instant launchedAt) {
        String toJson() {
            ObjectNode n = JSON.createObjectNode();
            n.put("pid", pid);
            n.put("startedAtMillis", startedAtMillis);
            n.put("controllerHost", controllerHost);
            n.put("launchedAt", launchedAt.toString());
            return n.toPrettyString() + "\n";
        }

        static LaunchRecord fromJson(String json) {
            JsonNode n = parse(json, "launch.json");
            return new LaunchRecord(
                    n.path("pid").asLong(-1),
                    n.path("startedAtMillis").asLong(-1),
                    text(n, "controllerHost"),
                    Instant.parse(text(n, "launchedAt")));
        }
    }

    private static JsonNode parse(String json, String what) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                throw new IllegalStateException(what + " is not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(what + " cannot be read: " + e.getOriginalMessage(), e);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalStateException("field '" + field + "' is missing");
        }
        return v.asText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : array) {
            out.add(e.asText());
        }
        return out;
    }

    private static void array(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
