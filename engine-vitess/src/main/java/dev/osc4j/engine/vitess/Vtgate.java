package dev.osc4j.engine.vitess;

import dev.osc4j.engine.vitess.VtgateRows.MigrationRow;
import dev.osc4j.engine.vitess.VtgateRows.ReplicaRow;
import dev.osc4j.engine.vitess.VtgateRows.TabletRow;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Every statement the engine and the probe send to VTGate, in one place. Values embedded in SQL are checked against
 * strict patterns first (uuids, contexts, keyspace and shard names); the DDL is the request's validated statement.
 *
 * <p>Targeting: each statement runs with the session target set through {@link Connection#setCatalog}, to {@code
 * keyspace@primary} for the whole keyspace or {@code keyspace:shard@primary} for one shard (VTGate's {@code
 * keyspace[:shard][@tablet_type]} target). On a shared connection (from a caller's DataSource) the previous catalog
 * and the session variables the submission sets are put back afterwards.
 */
final class Vtgate implements AutoCloseable {
    static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}_[0-9a-fA-F]{4}_[0-9a-fA-F]{4}_[0-9a-fA-F]{4}_[0-9a-fA-F]{12}");
    private static final Pattern CONTEXT = Pattern.compile("[A-Za-z0-9:_-]{1,1024}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_$-]{1,64}");
    private static final Pattern STRATEGY = Pattern.compile("[A-Za-z0-9 =._-]{1,512}");

    private final ConnectionSource source;
    private final int queryTimeoutSeconds;
    private final ZoneId zone;

    Vtgate(ConnectionSource source, Duration queryTimeout, ZoneId zone) {
        this.source = source;
        this.queryTimeoutSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, queryTimeout.toSeconds()));
        this.zone = zone;
    }

    /** The VTGate target of a keyspace, or of one of its shards. */
    static String target(String keyspace, @Nullable String shard) {
        check(NAME, "keyspace", keyspace);
        if (shard == null) {
            return keyspace + "@primary";
        }
        check(NAME, "shard", shard);
        return keyspace + ":" + shard + "@primary";
    }

    private static String check(Pattern pattern, String what, String value) {
        if (!pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' must match " + pattern.pattern());
        }
        return value;
    }

    /** {@code SHOW VITESS_MIGRATIONS LIKE '<pattern>'} on the keyspace or one shard. */
    List<MigrationRow> migrationsLike(String keyspace, @Nullable String shard, String pattern) throws SQLException {
        String like = check(CONTEXT, "pattern", pattern);
        return onTarget(target(keyspace, shard), c -> {
            try (Statement s = statement(c)) {
                return VtgateRows.migrations(query(s, "SHOW VITESS_MIGRATIONS LIKE '" + like + "'"), zone);
            }
        });
    }

    /**
     * {@code SHOW VITESS_MIGRATIONS WHERE reverted_uuid = '<uuid>'} on one shard: the reverts of {@code uuid} there
     * (the tablet fills {@code reverted_uuid} when it inserts the revert's row, {@code sqlInsertMigration} in
     * go/vt/vttablet/onlineddl/schema.go, and indexes it).
     */
    List<MigrationRow> revertsOf(String keyspace, String shard, String uuid) throws SQLException {
        check(UUID, "migration uuid", uuid);
        return onTarget(target(keyspace, shard), c -> {
            try (Statement s = statement(c)) {
                return VtgateRows.migrations(
                        query(s, "SHOW VITESS_MIGRATIONS WHERE reverted_uuid = '" + uuid + "'"), zone);
            }
        });
    }

    /**
     * Submits {@code ddl} under {@code strategy} and {@code context} to the keyspace or one shard; returns the uuids
     * VTGate answered.
     */
    List<String> submit(String keyspace, @Nullable String shard, String strategy, String context, String ddl)
            throws SQLException {
        check(STRATEGY, "ddl_strategy", strategy);
        check(CONTEXT, "migration_context", context);
        return onTarget(target(keyspace, shard), c -> {
            try (Statement s = statement(c)) {
                String[] previous = null;
                if (source.shared()) {
                    ResultSet rs = query(s, "SELECT @@ddl_strategy, @@migration_context");
                    previous = rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
                }
                List<String> uuids = new ArrayList<>();
                try {
                    s.execute("SET @@ddl_strategy='" + strategy + "', @@migration_context='" + context + "'");
                    ResultSet rs = query(s, ddl);
                    while (rs.next()) {
                        uuids.add(rs.getString(1));
                    }
                } catch (SQLException e) {
                    if (previous != null) {
                        try {
                            restoreVariables(s, previous[0], previous[1]);
                        } catch (SQLException suppressed) {
                            e.addSuppressed(suppressed);
                        }
                    }
                    throw e;
                }
                if (previous != null) {
                    restoreVariables(s, previous[0], previous[1]);
                }
                return uuids;
            }
        });
    }

    private static void restoreVariables(Statement s, @Nullable String strategy, @Nullable String context)
            throws SQLException {
        s.execute("SET @@ddl_strategy=" + literal(strategy) + ", @@migration_context=" + literal(context));
    }

    private static String literal(@Nullable String value) {
        if (value == null) {
            return "''";
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** {@code ALTER VITESS_MIGRATION '<uuid>' <action>} on one shard; returns the rows affected. */
    long alterMigration(String keyspace, String shard, String uuid, String action) throws SQLException {
        check(UUID, "migration uuid", uuid);
        return onTarget(target(keyspace, shard), c -> {
            try (Statement s = statement(c)) {
                s.execute("ALTER VITESS_MIGRATION '" + uuid + "' " + action);
                return Math.max(0, s.getUpdateCount());
            }
        });
    }

    /**
     * How long a THROTTLE lasts: VTGate's default without EXPIRE is 100 years ({@code validateThrottleParams} in
     * go/vt/vtgate/planbuilder/migration.go); osc4j says how long explicitly, so the rule does not depend on a
     * version's default, and a throttle left by a controller that is gone for good ends within a year.
     */
    static final String THROTTLE_EXPIRE = "8760h";

    /** The action text of {@code THROTTLE EXPIRE '8760h' RATIO r}, or {@code UNTHROTTLE} at 0. */
    static String throttleAction(double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("throttle ratio must be 0-1, got " + ratio);
        }
        if (ratio == 0) {
            return "UNTHROTTLE";
        }
        return "THROTTLE EXPIRE '" + THROTTLE_EXPIRE + "' RATIO "
                + BigDecimal.valueOf(ratio).stripTrailingZeros().toPlainString();
    }

    /**
     * {@code SHOW VITESS_THROTTLER STATUS} on the keyspace's primaries: each shard and whether its tablet throttler is
     * enabled ({@code execShowThrottlerStatus} in go/vt/vttablet/tabletserver/query_executor.go: columns shard,
     * enabled, threshold, query). Deprecated in v21 but still answered by v22 and v23 tablets.
     */
    Map<String, Boolean> throttlerEnabled(String keyspace) throws SQLException {
        return onTarget(target(keyspace, null), c -> {
            try (Statement s = statement(c)) {
                return VtgateRows.throttlerStatus(query(s, "SHOW VITESS_THROTTLER STATUS"));
            }
        });
    }

    /** {@code SHOW VITESS_TABLETS}. */
    List<TabletRow> tablets() throws SQLException {
        return source.with(c -> {
            try (Statement s = statement(c)) {
                return VtgateRows.tablets(query(s, "SHOW VITESS_TABLETS"));
            }
        });
    }

    /** {@code SHOW VITESS_REPLICATION_STATUS}. */
    List<ReplicaRow> replicationStatus() throws SQLException {
        return source.with(c -> {
            try (Statement s = statement(c)) {
                return VtgateRows.replicas(query(s, "SHOW VITESS_REPLICATION_STATUS"));
            }
        });
    }

    private Statement statement(Connection c) throws SQLException {
        Statement s = c.createStatement();
        s.setQueryTimeout(queryTimeoutSeconds);
        return s;
    }

    /**
     * Runs a statement that answers rows. {@code execute}, not {@code executeQuery}: mysql-connector-j refuses {@code
     * executeQuery} for an ALTER, which VTGate answers with a {@code uuid} row.
     */
    private static ResultSet query(Statement s, String sql) throws SQLException {
        if (!s.execute(sql)) {
            throw new SQLDataException("VTGate answered '" + sql + "' without rows");
        }
        ResultSet rs = s.getResultSet();
        if (rs == null) {
            throw new SQLDataException("VTGate answered '" + sql + "' without rows");
        }
        return rs;
    }

    private <T> T onTarget(String target, ConnectionSource.Work<T> work) throws SQLException {
        return source.with(c -> {
            String previous = source.shared() ? c.getCatalog() : null;
            c.setCatalog(target);
            boolean restore = previous != null && !previous.equals(target);
            T result;
            try {
                result = work.run(c);
            } catch (SQLException e) {
                if (restore) {
                    try {
                        c.setCatalog(previous);
                    } catch (SQLException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
            if (restore) {
                c.setCatalog(previous);
            }
            return result;
        });
    }

    @Override
    public void close() {
        source.close();
    }
}
