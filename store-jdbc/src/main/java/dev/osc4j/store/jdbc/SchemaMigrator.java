package dev.osc4j.store.jdbc;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.StoreException;
import dev.osc4j.spi.RecordCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the store's tables and upgrades them in place, one numbered step at a time, recording each step in the
 * schema-version table. Steps are safe to run again after an interruption (a DDL statement that finds its object
 * already there counts as done; MySQL commits each DDL statement on its own, so a step can stop half-way). On
 * MySQL/MariaDB a named lock keeps two processes from upgrading at once; an embedded H2 database has one process, and
 * a lock in the JVM serialises its stores. When a store is built, {@link #prepare} decides whether the schema may be
 * changed at all.
 */
final class SchemaMigrator {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

    /** The schema version this code reads and writes. */
    static final int CURRENT = 4;

    /** How long to wait for another process that is upgrading the schema. */
    private static final int LOCK_WAIT_SECONDS = 60;

    /** Serialises schema changes of H2 databases within this JVM. */
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final Sql sql;

    SchemaMigrator(Sql sql) {
        this.sql = sql;
    }

    /**
     * Brings the schema of {@code db} to {@link #CURRENT} when {@code createSchema} allows it, and refuses a schema
     * newer than this code, or one missing or older while it does not.
     */
    void prepare(Database db, boolean createSchema) {
        String tables = sql.migrations;
        int found = db.read("read the schema version", null, (c, attempt) -> version(c));
        if (found > CURRENT) {
            throw StoreException.schema(
                    "the osc4j store's tables (" + tables + ", ...) have schema version " + found
                            + ", newer than this osc4j understands (" + CURRENT
                            + "); upgrade this controller. Nothing was changed.",
                    null);
        }
        if (found == CURRENT) {
            return;
        }
        if (!createSchema) {
            throw StoreException.schema(
                    found == 0
                            ? "the osc4j store's tables (" + tables + ", ...) do not exist and createSchema is"
                                    + " off; create them by building the store once with createSchema(true)"
                            : "the osc4j store's tables (" + tables + ", ...) have schema version " + found
                                    + ", older than this osc4j needs (" + CURRENT
                                    + ") and createSchema is off; upgrade them by building the store once with"
                                    + " createSchema(true)",
                    null);
        }
        db.read("upgrade the schema", null, (c, attempt) -> {
            upgrade(c, CURRENT);
            return true;
        });
        int now = db.read("read the schema version", null, (c, attempt) -> version(c));
        if (now != CURRENT) {
            throw StoreException.schema(
                    "the osc4j store's schema is at version " + now + " after upgrading to " + CURRENT
                            + "; another osc4j version may be upgrading it at once",
                    null);
        }
    }

    /** The schema version recorded in the database: 0 when there are no tables yet. */
    int version(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql.selectSchemaVersion())) {
            return row.next() ? row.getInt(1) : 0;
        } catch (SQLException e) {
            if (sql.isMissingSchema(e)) {
                return 0;
            }
            throw e;
        }
    }

    /** Brings the schema to {@code target}, from whatever older version it has; never downgrades. */
    void upgrade(Connection connection, int target) throws SQLException {
        if (!connection.getAutoCommit()) {
            connection.setAutoCommit(true);
        }
        // H2 has no named lock; an embedded database belongs to one process, so a lock in this JVM serialises.
        boolean inProcess = sql.acquireSchemaLock().isEmpty();
        if (inProcess) {
            IN_PROCESS.lock();
        }
        lock(connection);
        try {
            int current = version(connection);
            if (current > target) {
                return;
            }
            for (int step = current + 1; step <= target; step++) {
                apply(connection, step);
            }
        } finally {
            try {
                unlock(connection);
            } finally {
                if (inProcess) {
                    IN_PROCESS.unlock();
                }
            }
        }
    }

    private void apply(Connection connection, int step) throws SQLException {
        LOG.info("osc4j store: upgrading the schema of {} to version {}", sql.migrations, step);
        String description;
        switch (step) {
            case 1 -> {
                execute(connection, sql.schemaV1());
                description = "migrations, audit, leases";
            }
            case 2 -> {
                // Filled by step 3's backfill, which also fills the owner columns: this code never stops at 2.
                execute(connection, sql.schemaV2());
                description = "summary columns for listing";
            }
            case 3 -> {
                execute(connection, sql.schemaV3());
                backfillSummaries(connection);
                description = "owner columns for listing";
            }
            case 4 -> {
                execute(connection, sql.schemaV4());
                splitRecords(connection);
                description = "shards stored apart";
            }
            default -> throw new IllegalStateException("no schema step " + step);
        }
        try (PreparedStatement insert = connection.prepareStatement(sql.insertSchemaVersion())) {
            insert.setInt(1, step);
            insert.setString(2, description);
            insert.executeUpdate();
        } catch (SQLException e) {
            if (!sql.isDuplicateKey(e)) {
                throw e;
            }
            // Another process recorded the same step; steps are idempotent, so both did the same thing.
        }
    }

    private void execute(Connection connection, List<String> statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String ddl : statements) {
                try {
                    statement.execute(ddl);
                } catch (SQLException e) {
                    if (!sql.isAlreadyExists(e)) {
                        throw e;
                    }
                }
            }
        }
    }

    /** Fills the summary columns (version 2, and the owner's of version 3) from each record's JSON. Unreadable records keep the defaults. */
    private void backfillSummaries(Connection connection) throws SQLException {
        String after = "";
        int filled = 0;
        while (true) {
            List<StoredRow> page = page(connection, after);
            if (page.isEmpty()) {
                break;
            }
            try (PreparedStatement update = connection.prepareStatement(sql.backfillSummary())) {
                for (StoredRow row : page) {
                    MigrationSummary summary = summaryOrNull(row);
                    if (summary != null) {
                        Rows.bindSummary(update, 1, summary);
                        update.setString(7, row.id());
                        update.setLong(8, row.version());
                        filled += update.executeUpdate();
                    }
                }
            }
            after = page.get(page.size() - 1).id();
        }
        LOG.info("osc4j store: filled the summary columns of {} migration(s)", filled);
    }

    private record StoredRow(String id, long version, String json) {}

    /**
     * Splits every record kept whole into its head and its shard rows (version 4), one record per transaction. A
     * record already split by an interrupted run, or unreadable, is left as it is (the latter stays unreadable, as
     * it was).
     */
    private void splitRecords(Connection connection) throws SQLException {
        ShardRows rows = new ShardRows(sql);
        String after = "";
        int split = 0;
        while (true) {
            List<StoredRow> page = page(connection, after);
            if (page.isEmpty()) {
                break;
            }
            for (StoredRow row : page) {
                MigrationId id = MigrationId.of(row.id());
                ShardRows.Split parts = ShardRows.split(id, row.json(), row.version());
                if (parts == null) {
                    continue;
                }
                connection.setAutoCommit(false);
                try {
                    try (PreparedStatement delete = connection.prepareStatement(sql.deleteShardsFrom());
                            PreparedStatement head = connection.prepareStatement(sql.updateHeadForSplit())) {
                        delete.setString(1, row.id());
                        delete.setInt(2, 0);
                        delete.executeUpdate();
                        rows.insert(connection, id, parts.shards());
                        head.setString(1, parts.head());
                        head.setString(2, row.id());
                        head.setLong(3, row.version());
                        split += head.executeUpdate();
                    }
                    connection.commit();
                } catch (SQLException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                } finally {
                    connection.setAutoCommit(true);
                }
            }
            after = page.get(page.size() - 1).id();
        }
        LOG.info("osc4j store: stored the shards of {} migration(s) apart", split);
    }

    private List<StoredRow> page(Connection connection, String after) throws SQLException {
        List<StoredRow> page = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(sql.selectIdsForBackfill())) {
            select.setString(1, after);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    page.add(new StoredRow(rows.getString(1), rows.getLong(2), rows.getString(3)));
                }
            }
        }
        return page;
    }

    private static @Nullable MigrationSummary summaryOrNull(StoredRow row) {
        String id = row.id();
        try {
            MigrationRecord record = RecordCodec.decode(MigrationId.of(id), row.json(), row.version());
            return MigrationSummary.of(record);
        } catch (StoreException | IllegalArgumentException e) {
            LOG.warn(
                    "osc4j store: migration {} cannot be read, its summary columns keep their defaults: {}",
                    id,
                    e.getMessage());
            return null;
        }
    }

    private void lock(Connection connection) throws SQLException {
        String acquire = sql.acquireSchemaLock();
        if (acquire.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(acquire)) {
            statement.setString(1, sql.schemaVersion);
            statement.setInt(2, LOCK_WAIT_SECONDS);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next() || row.getInt(1) != 1) {
                    throw StoreException.schema(
                            "another process has been changing the schema of the osc4j store (" + sql.schemaVersion
                                    + ") for more than " + LOCK_WAIT_SECONDS + " s; try again when it is done",
                            null);
                }
            }
        }
    }

    private void unlock(Connection connection) {
        String release = sql.releaseSchemaLock();
        if (release.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(release)) {
            statement.setString(1, sql.schemaVersion);
            statement.executeQuery().close();
        } catch (SQLException e) {
            // The lock belongs to the session; closing the connection releases it too.
            LOG.debug("could not release the schema lock", e);
        }
    }
}
