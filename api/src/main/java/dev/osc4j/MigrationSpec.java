package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.internal.Ddl;
import dev.osc4j.spi.UserInput;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

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
 */
@API(status = MAINTAINED, since = "0.1")
public record MigrationSpec(
        String keyspace,
        String table,
        String ddl,
        String engine,
        Map<String, String> engineOptions,
        List<String> shards) {
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
