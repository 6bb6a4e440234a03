package dev.osc4j.engine.ghost;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.spi.TopologyProbe;
import dev.osc4j.testkit.LocalMariaDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A minimal {@link TopologyProbe} over fixed {@link LocalMariaDb} servers, for these tests only (a shared probe for
 * plain MySQL servers is being written elsewhere): the primary's identity and GTID position, each replica's lag
 * ({@code Seconds_Behind_Master}) and GTID position.
 */
final class StaticMariaDbProbe implements TopologyProbe {
    /** One shard: its primary, an optional replica, and the schema holding the table. */
    record Shard(
            String name, LocalMariaDb primary, @Nullable LocalMariaDb replica, String schema) {}

    private final Map<String, List<Shard>> keyspaces = new LinkedHashMap<>();
    private final Clock clock;

    StaticMariaDbProbe(Clock clock) {
        this.clock = clock;
    }

    StaticMariaDbProbe add(String keyspace, Shard shard) {
        keyspaces.computeIfAbsent(keyspace, k -> new ArrayList<>()).add(shard);
        return this;
    }

    private Shard shard(String keyspace, String shard) {
        for (Shard s : keyspaces.getOrDefault(keyspace, List.of())) {
            if (s.name().equals(shard)) {
                return s;
            }
        }
        throw new InvalidRequestException("unknown shard " + keyspace + "/" + shard, null);
    }

    @Override
    public KeyspaceTopology describe(String keyspace) {
        List<Shard> shards = keyspaces.get(keyspace);
        if (shards == null) {
            throw new InvalidRequestException("unknown keyspace '" + keyspace + "'", null);
        }
        List<ShardTarget> targets = new ArrayList<>();
        for (Shard s : shards) {
            targets.add(new ShardTarget(
                    keyspace,
                    s.name(),
                    s.schema(),
                    new Endpoint(s.primary().host(), s.primary().port())));
        }
        return new KeyspaceTopology(keyspace, targets, 1);
    }

    @Override
    public ShardHealth health(String keyspace, String shard) {
        Shard s = shard(keyspace, shard);
        try {
            ReplicationPosition primaryPosition = position(s.primary(), "SELECT @@gtid_binlog_pos");
            List<ReplicaHealth> replicas = new ArrayList<>();
            LocalMariaDb replica = s.replica();
            if (replica != null) {
                Long lag = replica.replicaLagSeconds();
                replicas.add(new ReplicaHealth(
                        replica.host() + ":" + replica.port(),
                        lag == null ? null : Duration.ofSeconds(lag),
                        position(replica, "SELECT @@gtid_slave_pos")));
            }
            return new ShardHealth(
                    keyspace,
                    shard,
                    s.primary().host() + ":" + s.primary().port(),
                    1,
                    primaryPosition,
                    replicas,
                    clock.instant());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the health of " + keyspace + "/" + shard + ": " + e, e);
        }
    }

    private static @Nullable ReplicationPosition position(LocalMariaDb server, String sql) throws SQLException {
        try (Connection c = server.connect("");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            String v = rs.next() ? rs.getString(1) : null;
            return v == null ? null : ReplicationPosition.of(v);
        }
    }

    @Override
    public long estimateRows(String keyspace, String shard, String table) {
        Shard s = shard(keyspace, shard);
        try (Connection c = s.primary().connect(s.schema());
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA"
                        + " = DATABASE() AND TABLE_NAME = '" + table.replace("'", "''") + "'")) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException e) {
            return -1;
        }
    }
}
