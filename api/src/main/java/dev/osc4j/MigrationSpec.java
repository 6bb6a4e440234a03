package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.internal.Ddl;
import dev.osc4j.spi.UserInput;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * What to change: the table, the DDL and the engine that copies. Immutable and validated on construction; stored in
 * the migration's record.
 *
 * @param keyspace the keyspace (Vitess) or logical database whose shards hold the table
 * @param table the table name, without schema
 * @param ddl the normalised statement {@code ALTER TABLE `table` ...}, without comments; a bare clause is accepted and
 *     completed, and a table qualified with the keyspace ({@code ALTER TABLE commerce.orders}) is accepted, with any
 *     other schema refused
 * @param engine the name of the {@link dev.osc4j.spi.ExecutionEngine} that copies, such as {@code pt-osc}
 * @param engineOptions engine-specific options; each engine validates its own and refuses unknown ones
 * @param shards the shards to migrate; empty means every shard of the keyspace
 * @param revertible whether the engine keeps the original table at the swap, in sync with the new one, so that a
 *     revert loses nothing; the orchestrator sets it at submit from the policy's revert window, the engine's {@link
 *     dev.osc4j.spi.EngineCapabilities#revert()} and what the DDL changes (a request's value is ignored)
 * @param revertOf for a revert, the forward migration's run whose swap it undoes; null for a forward migration
 * @param supersedes the earlier migration of the same table this amended request replaces, or null; it must not have
 *     started, and is aborted at submit (see {@link MigrationRequest.Builder#supersedes})
 */
@API(status = MAINTAINED, since = "0.1")
public record MigrationSpec(
        String keyspace,
        String table,
        String ddl,
        String engine,
        Map<String, String> engineOptions,
        List<String> shards,
        boolean revertible,
        @Nullable RevertOf revertOf,
        @Nullable MigrationId supersedes) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_$-]{1,64}");
    private static final Pattern TABLE = Pattern.compile("[A-Za-z0-9_$]{1,64}");
    private static final Pattern OPTION_KEY = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /** Validates, normalises the DDL and copies the collections. */
    public MigrationSpec {
        requireMatch("keyspace", keyspace, NAME);
        requireMatch("table", table, TABLE);
        requireMatch("engine", engine, NAME);
        ddl = Ddl.parse(keyspace, table, ddl).statement();
        for (Map.Entry<String, String> option : engineOptions.entrySet()) {
            if (!OPTION_KEY.matcher(option.getKey()).matches()) {
                throw new InvalidRequestException(
                        "engine option name " + UserInput.optionName(option.getKey()) + " must match "
                                + OPTION_KEY.pattern(),
                        null);
            }
            String value = option.getValue();
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
                throw new InvalidRequestException(
                        "engine option '" + option.getKey() + "' contains a line break or NUL", null);
            }
        }
        engineOptions = Map.copyOf(new TreeMap<>(engineOptions));
        for (String shard : shards) {
            requireMatch("shard", shard, NAME);
        }
        if (shards.stream().distinct().count() != shards.size()) {
            throw new InvalidRequestException("shards contain duplicates: " + shards, null);
        }
        shards = List.copyOf(shards);
    }

    /** A spec that supersedes no earlier request. */
    public MigrationSpec(
            String keyspace,
            String table,
            String ddl,
            String engine,
            Map<String, String> engineOptions,
            List<String> shards,
            boolean revertible,
            @Nullable RevertOf revertOf) {
        this(keyspace, table, ddl, engine, engineOptions, shards, revertible, revertOf, null);
    }

    /** A forward migration that keeps no table for a revert. */
    public MigrationSpec(
            String keyspace,
            String table,
            String ddl,
            String engine,
            Map<String, String> engineOptions,
            List<String> shards) {
        this(keyspace, table, ddl, engine, engineOptions, shards, false, null);
    }

    /** This spec, keeping ({@code true}) or not keeping the original table for a revert. */
    public MigrationSpec withRevertible(boolean value) {
        return new MigrationSpec(keyspace, table, ddl, engine, engineOptions, shards, value, revertOf, supersedes);
    }

    /**
     * The spec of the revert of {@code forward}'s run of {@code attempt} on {@code revertShards}: the same table, DDL
     * and engine, undone; a revert keeps nothing for a revert of its own.
     */
    public MigrationSpec revertOf(MigrationId forward, int attempt, List<String> revertShards) {
        return new MigrationSpec(
                keyspace, table, ddl, engine, engineOptions, revertShards, false, new RevertOf(forward, attempt), null);
    }

    private static void requireMatch(String what, String value, Pattern pattern) {
        if (!pattern.matcher(value).matches()) {
            throw new InvalidRequestException(
                    what + " " + UserInput.quote(value) + " must match " + pattern.pattern(), null);
        }
    }

    /** The clause after the table name, as gh-ost's and pt-osc's {@code --alter} want it. */
    public String alterClause() {
        return Ddl.parse(keyspace, table, ddl).clause();
    }

    /** An engine option, or {@code defaultValue} when it is not set. */
    public String option(String name, String defaultValue) {
        return engineOptions.getOrDefault(name, defaultValue);
    }
}
