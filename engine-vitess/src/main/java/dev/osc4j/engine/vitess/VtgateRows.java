package dev.osc4j.engine.vitess;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one parser of what VTGate answers: rows of {@code SHOW VITESS_MIGRATIONS}, {@code SHOW VITESS_TABLETS} and
 * {@code SHOW VITESS_REPLICATION_STATUS}. Columns are read by name, never by position; a column a Vitess version does
 * not have reads as absent ({@code null}), and columns this code does not know are ignored.
 */
final class VtgateRows {
    private static final DateTimeFormatter DATETIME = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd")
            .optionalStart()
            .appendLiteral(' ')
            .optionalEnd()
            .optionalStart()
            .appendLiteral('T')
            .optionalEnd()
            .appendPattern("HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd()
            .toFormatter(Locale.ROOT);
    private static final Pattern RUNNING_FLAG =
            Pattern.compile("\"(EventStreamRunning|EventApplierRunning)\"\\s*:\\s*\"([^\"]*)\"");

    private VtgateRows() {}

    /**
     * One row of {@code SHOW VITESS_MIGRATIONS}: one migration on one shard. Fields are null when the column is
     * missing (or SQL NULL).
     */
    record MigrationRow(
            String uuid,
            @Nullable String keyspace,
            String shard,
            String status,
            @Nullable String table,
            @Nullable String context,
            @Nullable Long rowsCopied,
            @Nullable Long tableRows,
            @Nullable Double progress,
            @Nullable Long etaSeconds,
            @Nullable Boolean readyToComplete,
            @Nullable Boolean postponeCompletion,
            @Nullable Integer retries,
            @Nullable Instant lastThrottled,
            @Nullable String componentThrottled,
            @Nullable String reasonThrottled,
            @Nullable Double userThrottleRatio,
            @Nullable String message,
            @Nullable String stage,
            @Nullable String tablet,
            @Nullable String artifacts,
            @Nullable Boolean immediateOperation,
            @Nullable Instant started,
            @Nullable Instant liveness) {

        /** Whether the migration is queued, ready or running. */
        boolean pending() {
            return switch (status) {
                case "requested", "queued", "ready", "running" -> true;
                default -> false;
            };
        }

        /** Whether RETRY applies: failed or cancelled. */
        boolean retryable() {
            return status.equals("failed") || status.equals("cancelled");
        }
    }

    /**
     * One row of {@code SHOW VITESS_TABLETS}.
     *
     * @param keyspace the keyspace
     * @param shard the shard
     * @param type the tablet type, upper case ({@code PRIMARY}, {@code REPLICA}, {@code RDONLY}; {@code MASTER} is
     *     read as {@code PRIMARY})
     * @param serving whether the state is {@code SERVING}
     * @param alias the tablet alias, such as {@code zone1-0000000100}
     * @param primaryTermStart when its primary term started, for a primary
     */
    record TabletRow(
            String keyspace,
            String shard,
            String type,
            boolean serving,
            String alias,
            @Nullable Instant primaryTermStart) {
        boolean primary() {
            return type.equals("PRIMARY");
        }
    }

    /**
     * One row of {@code SHOW VITESS_REPLICATION_STATUS}.
     *
     * @param keyspace the keyspace
     * @param shard the shard
     * @param alias the replica's alias
     * @param lagSeconds the lag in seconds, null when unknown or replication is not running
     */
    record ReplicaRow(
            String keyspace,
            String shard,
            String alias,
            @Nullable Long lagSeconds) {}

    /** The migration rows of {@code rs}; {@code zone} is the time zone of the tablets' timestamps. */
    static List<MigrationRow> migrations(ResultSet rs, ZoneId zone) throws SQLException {
        Columns c = new Columns(rs.getMetaData(), "SHOW VITESS_MIGRATIONS");
        c.require("migration_uuid", "shard", "migration_status");
        List<MigrationRow> out = new ArrayList<>();
        while (rs.next()) {
            out.add(new MigrationRow(
                    c.required(rs, "migration_uuid"),
                    c.text(rs, "keyspace"),
                    c.required(rs, "shard"),
                    c.required(rs, "migration_status").toLowerCase(Locale.ROOT),
                    c.text(rs, "mysql_table"),
                    c.text(rs, "migration_context"),
                    c.longValue(rs, "rows_copied"),
                    c.longValue(rs, "table_rows"),
                    c.doubleValue(rs, "progress"),
                    c.longValue(rs, "eta_seconds"),
                    c.flag(rs, "ready_to_complete"),
                    c.flag(rs, "postpone_completion"),
                    c.intValue(rs, "retries"),
                    c.time(rs, "last_throttled_timestamp", zone),
                    c.text(rs, "component_throttled"),
                    c.text(rs, "reason_throttled"),
                    c.doubleValue(rs, "user_throttle_ratio"),
                    c.text(rs, "message"),
                    c.text(rs, "stage"),
                    c.text(rs, "tablet"),
                    c.text(rs, "artifacts"),
                    c.flag(rs, "is_immediate_operation"),
                    c.time(rs, "started_timestamp", zone),
                    c.time(rs, "liveness_timestamp", zone)));
        }
        return out;
    }

    /** Shard to whether its tablet throttler is enabled, from {@code SHOW VITESS_THROTTLER STATUS}. */
    static Map<String, Boolean> throttlerStatus(ResultSet rs) throws SQLException {
        Columns c = new Columns(rs.getMetaData(), "SHOW VITESS_THROTTLER STATUS");
        c.require("shard", "enabled");
        Map<String, Boolean> out = new HashMap<>();
        while (rs.next()) {
            out.put(c.required(rs, "shard"), Boolean.TRUE.equals(c.flag(rs, "enabled")));
        }
        return out;
    }

    /** The tablet rows of {@code rs}. */
    static List<TabletRow> tablets(ResultSet rs) throws SQLException {
        Columns c = new Columns(rs.getMetaData(), "SHOW VITESS_TABLETS");
        c.require("Keyspace", "Shard", "TabletType", "Alias");
        List<TabletRow> out = new ArrayList<>();
        while (rs.next()) {
            String type = c.required(rs, "TabletType").toUpperCase(Locale.ROOT);
            String state = c.text(rs, "State");
            String start = c.text(rs, "PrimaryTermStartTime");
            out.add(new TabletRow(
                    c.required(rs, "Keyspace"),
                    c.required(rs, "Shard"),
                    type.equals("MASTER") ? "PRIMARY" : type,
                    state == null || state.equalsIgnoreCase("SERVING"),
                    c.required(rs, "Alias"),
                    rfc3339(start)));
        }
        return out;
    }

    /** The replica rows of {@code rs}. */
    static List<ReplicaRow> replicas(ResultSet rs) throws SQLException {
        Columns c = new Columns(rs.getMetaData(), "SHOW VITESS_REPLICATION_STATUS");
        c.require("Keyspace", "Shard", "Alias", "ReplicationLag");
        List<ReplicaRow> out = new ArrayList<>();
        while (rs.next()) {
            String lag = c.text(rs, "ReplicationLag");
            Long seconds = null;
            if (lag != null && lag.matches("\\d+")) {
                seconds = Long.parseLong(lag); // "-1" (not read) and "NULL" (not replicating) are unknown
            }
            if (!replicating(c.text(rs, "ReplicationHealth"))) {
                seconds = null;
            }
            out.add(new ReplicaRow(
                    c.required(rs, "Keyspace"), c.required(rs, "Shard"), c.required(rs, "Alias"), seconds));
        }
        return out;
    }

    /** Whether the ReplicationHealth JSON says both replication threads run; true when it says nothing. */
    static boolean replicating(@Nullable String health) {
        if (health == null) {
            return true;
        }
        Matcher m = RUNNING_FLAG.matcher(health);
        while (m.find()) {
            if (!m.group(2).equalsIgnoreCase("Yes")) {
                return false;
            }
        }
        return true;
    }

    /** A MySQL DATETIME/TIMESTAMP text in {@code zone}, or null when absent or not a time. */
    static @Nullable Instant datetime(@Nullable String text, ZoneId zone) {
        if (text == null || text.isBlank() || text.startsWith("0000-00-00")) {
            return null;
        }
        try {
            return LocalDateTime.parse(text.strip(), DATETIME).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static @Nullable Instant rfc3339(@Nullable String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Column positions by lower-case label. */
    private static final class Columns {
        private final Map<String, Integer> index = new HashMap<>();
        private final String statement;

        Columns(ResultSetMetaData md, String statement) throws SQLException {
            this.statement = statement;
            for (int i = 1; i <= md.getColumnCount(); i++) {
                index.putIfAbsent(md.getColumnLabel(i).toLowerCase(Locale.ROOT), i);
            }
        }

        void require(String... names) throws SQLException {
            for (String name : names) {
                if (!index.containsKey(name.toLowerCase(Locale.ROOT))) {
                    throw new SQLDataException(
                            statement + " returned no column '" + name + "'; columns: " + index.keySet());
                }
            }
        }

        @Nullable
        String text(ResultSet rs, String name) throws SQLException {
            Integer i = index.get(name.toLowerCase(Locale.ROOT));
            return i == null ? null : rs.getString(i);
        }

        String required(ResultSet rs, String name) throws SQLException {
            String value = text(rs, name);
            if (value == null) {
                throw new SQLDataException(statement + " returned NULL in column '" + name + "'");
            }
            return value;
        }

        @Nullable
        Long longValue(ResultSet rs, String name) throws SQLException {
            Double d = doubleValue(rs, name);
            return d == null ? null : (long) Math.floor(d);
        }

        @Nullable
        Integer intValue(ResultSet rs, String name) throws SQLException {
            Long l = longValue(rs, name);
            return l == null ? null : (int) Math.min(Integer.MAX_VALUE, Math.max(Integer.MIN_VALUE, l));
        }

        @Nullable
        Double doubleValue(ResultSet rs, String name) throws SQLException {
            String t = text(rs, name);
            if (t == null || t.isBlank()) {
                return null;
            }
            try {
                return Double.parseDouble(t.strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }

        @Nullable
        Boolean flag(ResultSet rs, String name) throws SQLException {
            Long l = longValue(rs, name);
            return l == null ? null : l != 0;
        }

        @Nullable
        Instant time(ResultSet rs, String name, ZoneId zone) throws SQLException {
            return datetime(text(rs, name), zone);
        }
    }
}
