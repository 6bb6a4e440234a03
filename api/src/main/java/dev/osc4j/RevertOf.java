package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.spi.EngineKey;
import org.apiguardian.api.API;

/**
 * What a revert undoes: the swap made by one run (one attempt) of a forward migration. The engine finds the forward
 * run's kept table, checkpoint or migration from {@link #forwardKey(String)}.
 *
 * @param migration the forward migration
 * @param attempt the forward migration's attempt whose swap completed
 */
@API(status = MAINTAINED, since = "0.3")
public record RevertOf(MigrationId migration, int attempt) {

    /** Validates. */
    public RevertOf {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, got " + attempt);
        }
    }

    /** The engine key of the forward run on {@code shard}. */
    public EngineKey forwardKey(String shard) {
        return new EngineKey(migration, attempt, shard);
    }
}
