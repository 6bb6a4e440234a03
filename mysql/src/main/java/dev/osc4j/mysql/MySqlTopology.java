package dev.osc4j.mysql;

import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.spi.TopologyProbe;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TopologyProbe} for plain MySQL and MariaDB servers listed statically: each {@link MySqlShard} names its
 * primary, its replicas and its schema. It reads, over JDBC, on every {@link #health} call:
 *
 * <ul>
 *   <li><b>primary identity</b>: {@code @@hostname:@@port} and {@code @@server_id} as the server reports them, so a
 *       failover behind the same address (a VIP, a DNS name) shows as a new primary;
 *   <li><b>primary position</b>: {@code @@gtid_binlog_pos} on MariaDB; {@code @@gtid_executed} on MySQL with GTIDs,
 *       else {@code file:offset} from {@code SHOW BINARY LOG STATUS} (or {@code SHOW MASTER STATUS});
 *   <li><b>replicas</b>: {@code SHOW REPLICA STATUS} (or {@code SHOW SLAVE STATUS}): {@code Seconds_Behind_Source}
 *       ({@code _Master}), unknown while a replication thread is stopped, and the applied position in the primary's
 *       form ({@code Gtid_Slave_Pos}, {@code Executed_Gtid_Set}, or {@code Relay_*_Log_File:Exec_*_Log_Pos}). A
 *       replica that cannot be reached has an unknown lag, which holds the lag gates;
 *   <li><b>row estimates</b>: {@code information_schema.TABLES.TABLE_ROWS} on the primary.
 * </ul>
 *
 * <p>The topology version starts at 1 and grows whenever a shard's primary identity differs from the one last read.
 * The probe keeps one connection per server, reopened after an error; {@link #close()} closes them. It serves any
 * engine that works on plain MySQL servers directly (pt-online-schema-change, gh-ost).
 * Thread-safe (calls are serialised).
 */
public final class MySqlTopology implements TopologyProbe, AutoCloseable {
    /** Default for {@link Builder#connectTimeout}: 5 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default for {@link Builder#queryTimeout}: 10 seconds. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(MySqlTopology.class);

    private final List<MySqlShard> shards;
    private final MySqlConnections connections;
    private final Clock clock;
    private final int queryTimeoutSeconds;
    private final @Nullable String heartbeatTable;
    private final Map<Endpoint, Connection> open = new HashMap<>(); // guarded by this
    private final Map<Endpoint, Boolean> mariaDb = new HashMap<>(); // guarded by this
    private final Map<String, String> lastPrimary = new HashMap<>(); // guarded by this
    private long version = 1; // guarded by this
    private boolean closed; // guarded by this

    private MySqlTopology(Builder b, CredentialsProvider credentials) {
        this.shards = List.copyOf(b.shards);
        this.clock = b.clock;
        this.queryTimeoutSeconds = (int) Math.max(1, b.queryTimeout.toSeconds());
        this.heartbeatTable = b.heartbeatTable;
        Map<String, String> properties = new HashMap<>(b.jdbcProperties);
        properties.put("connectTimeout", Long.toString(b.connectTimeout.toMillis()));
        properties.put(
                "socketTimeout", Long.toString(b.queryTimeout.plusSeconds(5).toMillis()));
        this.connections = new MySqlConnections(credentials, properties);
    }

    /** Configures a probe. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The shards of {@code keyspace}, in the order they were added.
     *
     * @throws InvalidRequestException when no shard belongs to it
     */
    @Override
    public synchronized KeyspaceTopology describe(String keyspace) {
        List<ShardTarget> targets = new ArrayList<>();
        for (MySqlShard s : shards) {
            if (s.keyspace().equals(keyspace)) {
                targets.add(s.target());
            }
        }
        if (targets.isEmpty()) {
            throw new InvalidRequestException(
                    "unknown keyspace '" + keyspace + "'; configured: "
                            + shards.stream()
                                    .map(MySqlShard::keyspace)
                                    .distinct()
                                    .toList(),
                    null);
        }
        return new KeyspaceTopology(keyspace, targets, version);
    }

    /**
     * Reads the shard's primary and replicas now.
     *
     * @throws InvalidRequestException for an unknown shard
     * @throws EngineException (retryable) when the primary cannot be read
     */
    @Override
    public synchronized ShardHealth health(String keyspace, String shard) {
        MySqlShard s = shard(keyspace, shard);
        String identity;
        ReplicationPosition position;
        Integer threadsRunning;
        try {
            identity = identity(s.primary());
            position = primaryPosition(s.primary());
            threadsRunning = threadsRunning(s.primary());
        } catch (SQLException e) {
            forget(s.primary());
            throw EngineException.transientFailure(
                    "cannot read primary " + s.primary() + " of shard " + keyspace + "/" + shard + ": "
                            + e.getMessage(),
                    e);
        }
        String key = keyspace + "/" + shard;
        String before = lastPrimary.put(key, identity);
        if (before != null && !before.equals(identity)) {
            version++;
            LOG.warn("primary of {} changed from {} to {}", key, before, identity);
        }
        List<ReplicaHealth> replicas = new ArrayList<>();
        for (Endpoint r : s.replicas()) {
            ReplicaStatus status;
            try {
                status = ReplicaStatus.of(replicaRows(r), position == null ? null : position.form());
                if (heartbeatTable != null && status.lag() != null) {
                    status = new ReplicaStatus(heartbeatLag(r, s.schema(), heartbeatTable), status.position());
                }
            } catch (SQLException e) {
                forget(r);
                LOG.debug("replica {} of {} unreadable: {}", r, key, e.toString());
                status = new ReplicaStatus(null, null);
            }
            replicas.add(new ReplicaHealth(r.toString(), status.lag(), status.position()));
        }
        return new ShardHealth(keyspace, shard, identity, version, position, replicas, clock.instant(), threadsRunning);
    }

    /** The heartbeat's age on a replica, or null when no heartbeat row is there. */
    private @Nullable Duration heartbeatLag(Endpoint replica, String schema, String table) throws SQLException {
        String qualified = table.contains(".") ? table : schema + "." + table;
        String quoted = "`" + qualified.replace(".", "`.`") + "`";
        String micros = one(replica, "SELECT TIMESTAMPDIFF(MICROSECOND, MAX(ts), NOW(6)) AS us FROM " + quoted)
                .get("us");
        return micros == null ? null : Duration.ofNanos(Math.max(0, Long.parseLong(micros)) * 1000);
    }

    /** {@code information_schema.TABLES.TABLE_ROWS} on the primary, or -1 when it cannot be read. */
    @Override
    public synchronized long estimateRows(String keyspace, String shard, String table) {
        MySqlShard s = shard(keyspace, shard);
        try (PreparedStatement ps = connection(s.primary())
                .prepareStatement("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND"
                        + " TABLE_NAME = ?")) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            ps.setString(1, s.schema());
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    long rows = rs.getLong(1);
                    return rs.wasNull() ? -1 : rows;
                }
                return -1;
            }
        } catch (SQLException e) {
            forget(s.primary());
            return -1;
        }
    }

    /** The configured shards. */
    public List<MySqlShard> shards() {
        return shards;
    }

    /** Closes the connections. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Endpoint e : List.copyOf(open.keySet())) {
            forget(e);
        }
    }

    private MySqlShard shard(String keyspace, String shard) {
        for (MySqlShard s : shards) {
            if (s.keyspace().equals(keyspace) && s.shard().equals(shard)) {
                return s;
            }
        }
        throw new InvalidRequestException("unknown shard '" + keyspace + "/" + shard + "'", null);
    }

    private String identity(Endpoint primary) throws SQLException {
        Map<String, @Nullable String> row = one(primary, "SELECT @@hostname AS h, @@port AS p, @@server_id AS id");
        return row.get("h") + ":" + row.get("p") + " server_id=" + row.get("id");
    }

    /** The primary's {@code Threads_running} (the load ceiling's signal), or null when it does not read as a number. */
    private @Nullable Integer threadsRunning(Endpoint primary) throws SQLException {
        List<Map<String, @Nullable String>> rows = rows(primary, "SHOW GLOBAL STATUS LIKE 'Threads_running'");
        String value = rows.isEmpty() ? null : rows.get(0).get("Value");
        try {
            return value == null ? null : Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private @Nullable ReplicationPosition primaryPosition(Endpoint primary) throws SQLException {
        if (isMariaDb(primary)) {
            String pos = one(primary, "SELECT @@GLOBAL.gtid_binlog_pos AS pos").get("pos");
            return pos == null ? null : ReplicationPosition.of(pos);
        }
        String mode = one(primary, "SELECT @@GLOBAL.gtid_mode AS mode").get("mode");
        if ("ON".equalsIgnoreCase(mode)) {
            String executed =
                    one(primary, "SELECT @@GLOBAL.gtid_executed AS pos").get("pos");
            return executed == null ? null : ReplicationPosition.of(executed);
        }
        List<Map<String, @Nullable String>> rows;
        try {
            rows = rows(primary, "SHOW BINARY LOG STATUS"); // MySQL 8.2+
        } catch (SQLSyntaxErrorException e) {
            rows = rows(primary, "SHOW MASTER STATUS");
        }
        if (rows.isEmpty() || rows.get(0).get("File") == null) {
            return null; // binary log off
        }
        return ReplicationPosition.of(
                rows.get(0).get("File") + ":" + rows.get(0).get("Position"));
    }

    private List<Map<String, @Nullable String>> replicaRows(Endpoint replica) throws SQLException {
        if (isMariaDb(replica)) {
            return rows(replica, "SHOW ALL SLAVES STATUS");
        }
        try {
            return rows(replica, "SHOW REPLICA STATUS"); // MySQL 8.0.22+
        } catch (SQLSyntaxErrorException e) {
            return rows(replica, "SHOW SLAVE STATUS");
        }
    }

    private boolean isMariaDb(Endpoint server) throws SQLException {
        Boolean known = mariaDb.get(server);
        if (known == null) {
            String v = one(server, "SELECT @@version AS v").get("v");
            known = v != null && v.toLowerCase(Locale.ROOT).contains("mariadb");
            mariaDb.put(server, known);
        }
        return known;
    }

    private Map<String, @Nullable String> one(Endpoint server, String sql) throws SQLException {
        List<Map<String, @Nullable String>> rows = rows(server, sql);
        if (rows.isEmpty()) {
            throw new SQLException("no row from " + sql);
        }
        return rows.get(0);
    }

    private List<Map<String, @Nullable String>> rows(Endpoint server, String sql) throws SQLException {
        try (Statement st = connection(server).createStatement()) {
            st.setQueryTimeout(queryTimeoutSeconds);
            try (ResultSet rs = st.executeQuery(sql)) {
                ResultSetMetaData md = rs.getMetaData();
                List<Map<String, @Nullable String>> out = new ArrayList<>();
                while (rs.next()) {
                    Map<String, @Nullable String> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnLabel(i), rs.getString(i));
                    }
                    out.add(row);
                }
                return out;
            }
        } catch (SQLSyntaxErrorException e) {
            throw e;
        } catch (SQLException e) {
            forget(server);
            throw e;
        }
    }

    private Connection connection(Endpoint server) throws SQLException {
        if (closed) {
            throw new SQLException("the topology probe is closed");
        }
        Connection c = open.get(server);
        if (c == null || c.isClosed()) {
            c = connections.open(server);
            open.put(server, c);
        }
        return c;
    }

    private void forget(Endpoint server) {
        Connection c = open.remove(server);
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("closing the connection to {} failed: {}", server, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "MySqlTopology"
                + shards.stream()
                        .map(s -> s.keyspace() + "/" + s.shard() + "@" + s.primary())
                        .toList();
    }

    /** Configures a {@link MySqlTopology}: credentials and at least one shard are required. */
    public static final class Builder {
        private @Nullable CredentialsProvider credentials;
        private final List<MySqlShard> shards = new ArrayList<>();
        private final Map<String, String> jdbcProperties = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private @Nullable String heartbeatTable;

        private Builder() {}

        /**
         * Measures replica lag from a heartbeat table instead of {@code Seconds_Behind_*} (which MariaDB and MySQL
         * report in whole seconds): the table as {@code pt-heartbeat --update} keeps it, a {@code ts} column written
         * on the primary (pt-heartbeat without {@code --utc}: the local time, with microseconds) that replicates. The
         * lag is the replica's {@code NOW(6)} minus the newest {@code ts} (never below 0), so the writer's clock and
         * time zone must match the replicas'. While the replication threads run, a heartbeat row that is missing or
         * cannot be read makes the lag unknown, which stops the copy (fail closed). Off (null) by default.
         *
         * @param table {@code schema.table} or {@code table} (in the shard's schema), letters, digits and {@code _}
         * @throws InvalidRequestException for another name
         */
        public Builder heartbeatTable(@Nullable String table) {
            if (table != null && !table.matches("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)?")) {
                throw new InvalidRequestException(
                        "heartbeatTable must be table or schema.table (letters, digits, _), got '" + table + "'", null);
            }
            this.heartbeatTable = table;
            return this;
        }

        /** Where the account for each server comes from, asked on every connection the probe opens. Required. */
        public Builder credentials(CredentialsProvider value) {
            this.credentials = value;
            return this;
        }

        /** Adds a shard. */
        public Builder shard(MySqlShard value) {
            for (MySqlShard s : shards) {
                if (s.keyspace().equals(value.keyspace()) && s.shard().equals(value.shard())) {
                    throw new InvalidRequestException(
                            "shard " + value.keyspace() + "/" + value.shard() + " is added twice", null);
                }
            }
            shards.add(value);
            return this;
        }

        /** An extra MySQL Connector/J connection property. */
        public Builder jdbcProperty(String key, String value) {
            jdbcProperties.put(key, value);
            return this;
        }

        /** The clock that stamps {@link ShardHealth#readAt()} (default system UTC). */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** Connect timeout. */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        /** Query timeout (whole seconds, at least 1). */
        public Builder queryTimeout(Duration value) {
            this.queryTimeout = value;
            return this;
        }

        /**
         * Builds the probe; connects to nothing yet.
         *
         * @throws InvalidRequestException naming the missing or wrong setting
         */
        public MySqlTopology build() {
            CredentialsProvider c = credentials;
            if (c == null) {
                throw new InvalidRequestException("credentials are required", null);
            }
            if (shards.isEmpty()) {
                throw new InvalidRequestException("at least one shard is required", null);
            }
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new InvalidRequestException("connectTimeout must be positive, got " + connectTimeout, null);
            }
            if (queryTimeout.toSeconds() < 1) {
                throw new InvalidRequestException("queryTimeout must be at least 1 second, got " + queryTimeout, null);
            }
            return new MySqlTopology(this, c);
        }
    }
}
