package dev.osc4j.store.jdbc;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Owner;
import dev.osc4j.StoreException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/**
 * Maps values to and from JDBC rows: the summary columns of a migration row ({@link MigrationSummary}) and UTC
 * timestamps. The column order it binds and reads is the one {@link Sql} writes.
 */
final class Rows {
    private Rows() {}

    /** Binds shard count, percent, ETA, paused, owner and owner since to the six parameters from {@code first} on. */
    /** How many parameters {@link #bindSummary} binds. */
    static final int SUMMARY_COLUMNS = 6;

    static void bindSummary(PreparedStatement statement, int first, MigrationSummary summary) throws SQLException {
        statement.setInt(first, summary.shards());
        statement.setDouble(first + 1, summary.percent());
        Duration eta = summary.eta();
        if (eta == null) {
            statement.setNull(first + 2, Types.BIGINT);
        } else {
            statement.setLong(first + 2, eta.toMillis());
        }
        statement.setBoolean(first + 3, summary.paused());
        Owner owner = summary.owner();
        if (owner == null) {
            statement.setNull(first + 4, Types.VARCHAR);
            statement.setNull(first + 5, Types.VARCHAR);
        } else {
            statement.setString(first + 4, owner.controllerId() + "@" + owner.epoch());
            statement.setString(first + 5, owner.since().toString());
        }
    }

    /** A row of {@link Sql#listSummaries}. */
    static MigrationSummary summary(ResultSet row) throws SQLException {
        String id = row.getString(1);
        String state = row.getString(5);
        MigrationState parsed;
        try {
            parsed = MigrationState.valueOf(state);
        } catch (IllegalArgumentException e) {
            throw StoreException.corrupt(
                    "migration " + id + " has state '" + state + "', unknown to this osc4j; upgrade this controller",
                    MigrationId.of(id),
                    e);
        }
        long etaMillis = row.getLong(9);
        Duration eta = row.wasNull() ? null : Duration.ofMillis(etaMillis);
        return new MigrationSummary(
                MigrationId.of(id),
                row.getString(2),
                row.getString(3),
                row.getString(4),
                parsed,
                row.getInt(6),
                row.getInt(7),
                row.getDouble(8),
                eta,
                row.getBoolean(10),
                instant(row, 11),
                owner(row.getString(12), row.getString(13)));
    }

    /** The owner columns: {@code controller@epoch} and an ISO instant, both null when nobody holds it. */
    private static @Nullable Owner owner(@Nullable String holder, @Nullable String since) {
        if (holder == null || since == null) {
            return null;
        }
        int at = holder.lastIndexOf('@');
        return new Owner(holder.substring(0, at), Long.parseLong(holder.substring(at + 1)), Instant.parse(since), null);
    }

    /** A non-null timestamp column, stored in UTC. */
    static Instant instant(ResultSet row, int column) throws SQLException {
        LocalDateTime value = row.getObject(column, LocalDateTime.class);
        if (value == null) {
            throw new SQLException("column " + column + " is unexpectedly NULL");
        }
        return value.toInstant(ZoneOffset.UTC);
    }
}
