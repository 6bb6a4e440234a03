package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.util.EnumSet;
import java.util.Set;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Selects migrations for {@link MigrationOrchestrator#list}. Results come ordered by id; page with {@link
 * #after(MigrationId)}.
 *
 * @param states the states to include (empty means all)
 * @param keyspace only this keyspace, or all when {@code null}
 * @param after only ids greater than this one, for paging
 * @param limit at most this many, 1-10000
 */
@API(status = MAINTAINED, since = "0.1")
public record MigrationFilter(
        Set<MigrationState> states,
        @Nullable String keyspace,
        @Nullable MigrationId after,
        int limit) {

    /** Default page size. */
    public static final int DEFAULT_LIMIT = 500;

    /** Validates and copies. */
    public MigrationFilter {
        states = states.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(states));
        if (limit < 1 || limit > 10_000) {
            throw new InvalidRequestException("filter limit must be 1-10000, got " + limit, null);
        }
    }

    /** Every migration. */
    public static MigrationFilter all() {
        return new MigrationFilter(Set.of(), null, null, DEFAULT_LIMIT);
    }

    /** Migrations that are not terminal. */
    public static MigrationFilter active() {
        EnumSet<MigrationState> states = EnumSet.noneOf(MigrationState.class);
        for (MigrationState s : MigrationState.values()) {
            if (!s.isTerminal()) {
                states.add(s);
            }
        }
        return new MigrationFilter(states, null, null, DEFAULT_LIMIT);
    }

    /** This filter restricted to a keyspace. */
    public MigrationFilter inKeyspace(String value) {
        return new MigrationFilter(states, value, after, limit);
    }

    /** This filter for the page after {@code id}. */
    public MigrationFilter after(MigrationId id) {
        return new MigrationFilter(states, keyspace, id, limit);
    }

    /** This filter with another page size. */
    public MigrationFilter limit(int value) {
        return new MigrationFilter(states, keyspace, after, value);
    }

    /** Whether a migration with these attributes passes the filter. */
    public boolean matches(MigrationId id, String migrationKeyspace, MigrationState state) {
        return (states.isEmpty() || states.contains(state))
                && (keyspace == null || keyspace.equals(migrationKeyspace))
                && (after == null || id.compareTo(after) > 0);
    }
}
