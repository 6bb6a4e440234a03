package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationId;
import org.apiguardian.api.API;

/**
 * The key an engine sees for one run: the migration, the attempt and the shard. Starting twice with the same key must
 * not start a second run; this is what makes a controller crash between "intent recorded" and "run started" safe.
 *
 * @param migrationId the migration
 * @param attempt 1 for the first run, +1 for each retry
 * @param shard the shard
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record EngineKey(MigrationId migrationId, int attempt, String shard) {

    /** Validates. */
    public EngineKey {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, got " + attempt);
        }
    }

    /**
     * A string form unique per run, made of {@code [A-Za-z0-9:_-]} (the characters Vitess allows in a migration
     * context): {@code osc4j:<migration>:<attempt>:<shard>}.
     */
    public String value() {
        return context() + ":" + attempt + ":" + contextSafe(shard);
    }

    /**
     * A string form shared by every run of the migration: {@code osc4j:<migration>}. Engines that run all shards
     * under one submission (Vitess) use it to find that submission.
     */
    public String context() {
        return "osc4j:" + migrationId.value();
    }

    private static String contextSafe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            b.append(ok ? c : '_');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return value();
    }
}
