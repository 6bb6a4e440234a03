package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.spi.EngineKey;
import org.apiguardian.api.API;

/**
 * A table or trigger an engine run creates on the server, registered in the shard's record ({@link
 * ShardRecord#artifacts()}) before it can exist: the controller writes the artifacts an engine declares ({@link
 * dev.osc4j.spi.ExecutionEngine#plannedArtifacts}) in the same store write as the run's start intent, so a controller
 * that dies between the engine creating an artifact and anything else being recorded leaves nothing unrecorded. An
 * artifact leaves the registry only when the cleanup of its run has dropped (or quarantined) it, or found it never
 * existed.
 *
 * @param kind a table or a trigger
 * @param schema the schema it is in
 * @param name its name on the server
 * @param key the run that creates it
 */
@API(status = MAINTAINED, since = "0.3")
public record Artifact(Kind kind, String schema, String name, EngineKey key) {

    /** What sort of schema object an artifact is. */
    public enum Kind {
        /** A table (a shadow, a changelog, a placeholder, the kept original). */
        TABLE,
        /** A trigger. */
        TRIGGER
    }

    /**
     * Validates.
     *
     * @throws IllegalArgumentException when the schema or name is blank
     */
    public Artifact {
        if (schema.isBlank() || name.isBlank()) {
            throw new IllegalArgumentException(
                    "an artifact needs a schema and a name, got '" + schema + "'.'" + name + "'");
        }
    }

    /** A table {@code schema.name} that the run with {@code key} creates. */
    public static Artifact table(String schema, String name, EngineKey key) {
        return new Artifact(Kind.TABLE, schema, name, key);
    }

    /** A trigger {@code schema.name} that the run with {@code key} creates. */
    public static Artifact trigger(String schema, String name, EngineKey key) {
        return new Artifact(Kind.TRIGGER, schema, name, key);
    }

    /** For messages: {@code table shop._orders_new}. */
    public String describe() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + schema + "." + name;
    }
}
