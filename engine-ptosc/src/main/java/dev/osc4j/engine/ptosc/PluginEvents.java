package dev.osc4j.engine.ptosc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the engine's plugin ({@code osc4j_plugin.pm}) reported, one JSON object per line: {@code {"event":"...",
 * "ts":<epoch ms>,"pid":<pt-osc pid>, ...}}. The events are the hooks pt-online-schema-change called, plus {@code
 * hold} (waiting before the swap) and {@code released}. Fed in order; not thread-safe.
 */
final class PluginEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Set<String> seen = new LinkedHashSet<>();
    private long ptOscPid = -1;
    private @Nullable String newTable;
    private @Nullable String oldTable;
    private final Map<String, String> replicaAddresses = new LinkedHashMap<>();
    private long holdSince = -1;
    private long lastEventAt = -1;
    private @Nullable Integer exitStatus;
    private long unreadable;

    /** Feeds one line; a line that is not an event object is counted and skipped (a torn write at a crash). */
    void accept(String line) {
        if (line.isBlank()) {
            return;
        }
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            unreadable++;
            return;
        }
        if (n == null || !n.isObject() || !n.path("event").isTextual()) {
            unreadable++;
            return;
        }
        String event = n.get("event").asText();
        seen.add(event);
        long ts = n.path("ts").asLong(-1);
        lastEventAt = Math.max(lastEventAt, ts);
        if (ptOscPid < 0 && n.path("pid").canConvertToLong()) {
            ptOscPid = n.get("pid").asLong();
        }
        switch (event) {
            case "init" -> {
                describeReplicas(n.path("replicas").asText(""));
                describeReplicas(n.path("lag_checked_on").asText(""));
            }
            case "after_create_new_table" -> newTable = textOrNull(n, "table");
            case "after_swap_tables" -> oldTable = textOrNull(n, "table");
            case "hold" -> holdSince = ts;
            case "before_exit" -> exitStatus = n.path("exit_status").asInt();
            default -> {}
        }
    }

    private static @Nullable String textOrNull(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    boolean saw(String event) {
        return seen.contains(event);
    }

    /** Whether the plugin holds before the swap now: it said so and has not reported the release. */
    boolean holding() {
        return seen.contains("hold") && !seen.contains("released");
    }

    /** pt-osc's own process id (the plugin runs inside it), or -1 before the plugin loaded. */
    long ptOscPid() {
        return ptOscPid;
    }

    /** The new table pt-osc created, by name, once it reported it. */
    @Nullable
    String newTable() {
        return newTable;
    }

    /** The original table's name after the swap ({@code _<table>_old}), once reported. */
    @Nullable
    String oldTable() {
        return oldTable;
    }

    /** {@code name -> host:port;...}, pt-osc's descriptions of replicas. */
    private void describeReplicas(String descriptions) {
        for (String d : descriptions.split(";")) {
            int arrow = d.indexOf(" -> ");
            if (arrow > 0) {
                replicaAddresses.put(
                        d.substring(0, arrow).strip(), d.substring(arrow + 4).strip());
            }
        }
    }

    /** The address of a replica pt-osc names {@code name} in its messages (by its hostname), if it said. */
    @Nullable
    String replicaAddress(String name) {
        return replicaAddresses.get(name);
    }

    long holdSince() {
        return holdSince;
    }

    long lastEventAt() {
        return lastEventAt;
    }

    @Nullable
    Integer exitStatus() {
        return exitStatus;
    }

    long unreadable() {
        return unreadable;
    }

    @Override
    public String toString() {
        return "PluginEvents" + seen;
    }
}
