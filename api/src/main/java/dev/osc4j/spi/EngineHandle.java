package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import java.util.Map;
import java.util.TreeMap;
import org.apiguardian.api.API;

/**
 * What an engine needs to find its run again, even from another process after a controller restart: stored in the
 * migration's record, so it must hold only plain strings (a process id, a Vitess uuid, a socket path), never
 * credentials.
 *
 * @param engine the engine's name
 * @param key the run's key
 * @param attributes engine-specific details
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record EngineHandle(String engine, EngineKey key, Map<String, String> attributes) {
    /** Copies the attributes. */
    public EngineHandle {
        attributes = Map.copyOf(new TreeMap<>(attributes));
    }

    /** An attribute, or {@code null}-free default. */
    public String attribute(String name, String defaultValue) {
        return attributes.getOrDefault(name, defaultValue);
    }
}
