package dev.osc4j.mysql;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.ShardTarget;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One shard of a statically configured MySQL or MariaDB deployment, for {@link MySqlTopology}.
 *
 * @param keyspace the logical database the shard belongs to (what migration requests name)
 * @param shard the shard's name, unique within the keyspace
 * @param schema the MySQL schema (database) on the shard's servers that holds the tables
 * @param primary the primary
 * @param replicas the replicas whose lag and position gate the migration; may be empty
 */
public record MySqlShard(String keyspace, String shard, String schema, Endpoint primary, List<Endpoint> replicas) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_$-]{1,64}");
    private static final Pattern SCHEMA = Pattern.compile("[A-Za-z0-9_$]{1,64}");

    /** Validates and copies. */
    public MySqlShard {
        require("keyspace", keyspace, NAME);
        require("shard", shard, NAME);
        require("schema", schema, SCHEMA);
        replicas = List.copyOf(replicas);
        if (new HashSet<>(replicas).size() != replicas.size()) {
            throw new InvalidRequestException("shard " + shard + " lists a replica twice: " + replicas, null);
        }
        if (replicas.contains(primary)) {
            throw new InvalidRequestException(
                    "shard " + shard + " lists its primary " + primary + " as a replica", null);
        }
    }

    /** A shard with the given replicas. */
    public static MySqlShard of(String keyspace, String shard, String schema, Endpoint primary, Endpoint... replicas) {
        return new MySqlShard(keyspace, shard, schema, primary, List.of(replicas));
    }

    /** Where an engine runs for this shard. */
    public ShardTarget target() {
        return new ShardTarget(keyspace, shard, schema, primary);
    }

    private static void require(String what, String value, Pattern pattern) {
        if (!pattern.matcher(value).matches()) {
            throw new InvalidRequestException(what + " '" + value + "' must match " + pattern.pattern(), null);
        }
    }
}
