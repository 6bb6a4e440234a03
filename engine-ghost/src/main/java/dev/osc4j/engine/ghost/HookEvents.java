package dev.osc4j.engine.ghost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The hooks the engine gives gh-ost ({@code --hooks-path}), and the events they record. Each hook is a small shell
 * script that appends one JSON line to the run's {@code events.jsonl}: the hook's name and every {@code GH_OST_*}
 * variable gh-ost set ({@code applyEnvironmentVariables} in {@code go/logic/hooks.go}). gh-ost runs hooks
 * synchronously and fails the migration when one exits non-zero, so the scripts always exit 0 and do nothing slow.
 */
final class HookEvents {
    /** gh-ost's hooks the engine listens to, by the suffix after {@code gh-ost-on-}. */
    static final List<String> HOOKS = List.of(
            "startup",
            "validated",
            "before-row-copy",
            "row-copy-complete",
            "begin-postponed",
            "status",
            "success",
            "failure");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Escapes JSON byte by byte (so it behaves the same in mawk and gawk) and appends one line. */
    private static final String AWK = """
            function esc(s,   out, i, c) {
              out = ""
              for (i = 1; i <= length(s); i++) {
                c = substr(s, i, 1)
                if (c == "\\\\") out = out "\\\\\\\\"
                else if (c == "\\"") out = out "\\\\\\""
                else if (c == "\\n") out = out "\\\\n"
                else if (c == "\\r") out = out "\\\\r"
                else if (c == "\\t") out = out "\\\\t"
                else if (c < " ") out = out " "
                else out = out c
              }
              return out
            }
            BEGIN {
              line = "{\\"hook\\":\\"" esc(ENVIRON["OSC4J_HOOK"]) "\\",\\"epoch\\":\\"" esc(ENVIRON["OSC4J_EPOCH"]) "\\",\\"env\\":{"
              n = 0
              for (k in ENVIRON) {
                if (k ~ /^GH_OST_/) {
                  line = line (n++ ? "," : "") "\\"" esc(k) "\\":\\"" esc(ENVIRON[k]) "\\""
                }
              }
              print line "}}" >> ENVIRON["OSC4J_EVENTS"]
            }
            """;

    private HookEvents() {}

    /**
     * One recorded hook.
     *
     * @param hook the hook's name, such as {@code row-copy-complete}
     * @param env its {@code GH_OST_*} variables
     */
    record Event(String hook, Map<String, String> env) {
        /** A variable, without the single quotes gh-ost puts around {@code GH_OST_STATUS} and {@code GH_OST_COMMAND}. */
        @Nullable
        String get(String name) {
            String v = env.get(name);
            if (v != null && v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
                return v.substring(1, v.length() - 1);
            }
            return v;
        }
    }

    /**
     * What the hooks recorded so far.
     *
     * @param seen the hooks that ran, in the order they first ran
     * @param latest the last event, or null
     * @param failure the failure hook's event, or null
     */
    record Recorded(
            Set<String> seen,
            @Nullable Event latest,
            @Nullable Event failure) {
        static final Recorded NONE = new Recorded(Set.of(), null, null);

        boolean saw(String hook) {
            return seen.contains(hook);
        }
    }

    /** Writes the hook scripts into {@code hooksDir}, each appending to {@code events}. */
    static void install(Path hooksDir, Path events) {
        try {
            Files.createDirectories(hooksDir);
            for (String hook : HOOKS) {
                Path script = hooksDir.resolve("gh-ost-on-" + hook + "-osc4j");
                String body = "#!/bin/sh\n"
                        + "# Installed by osc4j: records this gh-ost hook as one JSON line. It must never fail:\n"
                        + "# gh-ost fails the migration when a hook exits non-zero.\n"
                        + "OSC4J_HOOK=" + shellQuote(hook) + " OSC4J_EVENTS=" + shellQuote(events.toString())
                        + " OSC4J_EPOCH=\"$(date +%s 2>/dev/null)\" LC_ALL=C awk " + shellQuote(AWK)
                        + " </dev/null >/dev/null 2>&1\n"
                        + "exit 0\n";
                Files.writeString(script, body);
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install gh-ost hooks in " + hooksDir, e);
        }
    }

    /** Quotes {@code s} for a POSIX shell. */
    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Reads the events; lines that are not JSON (a write cut short) are skipped. */
    static Recorded read(Path events) {
        List<String> lines;
        try {
            if (!Files.exists(events)) {
                return Recorded.NONE;
            }
            lines = Files.readAllLines(events);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + events, e);
        }
        Set<String> seen = new LinkedHashSet<>();
        Event latest = null;
        Event failure = null;
        for (String line : lines) {
            Event event = parse(line);
            if (event == null) {
                continue;
            }
            seen.add(event.hook());
            latest = event;
            if (event.hook().equals("failure")) {
                failure = event;
            }
        }
        return new Recorded(Collections.unmodifiableSet(seen), latest, failure);
    }

    /** One event line, or null when it is not one. */
    static @Nullable Event parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        try {
            JsonNode node = MAPPER.readTree(line);
            JsonNode hook = node.get("hook");
            JsonNode env = node.get("env");
            if (hook == null || !hook.isTextual() || env == null || !env.isObject()) {
                return null;
            }
            Map<String, String> vars = new HashMap<>();
            for (Map.Entry<String, JsonNode> e : env.properties()) {
                vars.put(e.getKey(), e.getValue().asText());
            }
            return new Event(hook.asText(), Map.copyOf(vars));
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
