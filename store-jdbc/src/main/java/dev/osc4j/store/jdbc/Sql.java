package dev.osc4j.store.jdbc;

import dev.osc4j.ErrorCode;
import dev.osc4j.Osc4jException;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every SQL statement of the JDBC store, and every difference between the databases it runs on (MySQL 8 and MariaDB
 * 10.6+ through one dialect, H2 2.x through the other): which one a data source is, column types, the database clock in UTC, locking reads, the
 * named lock around schema changes and the vendor error codes. Nothing else in the store writes SQL.
 *
 * <p>Table and index names are the configured prefix followed by a fixed name; the prefix is validated by the
 * builder to be a plain identifier, so concatenating it is safe. Every value goes through a bind parameter.
 */
final class Sql {

    /** The databases the store knows; MySQL and MariaDB share one dialect. */
    enum Dialect {
        MYSQL,
        H2
    }

    /** Transient MySQL/MariaDB errors: the same statement may succeed when tried again. */
    private static final Set<Integer> MYSQL_TRANSIENT = Set.of(
            1213, // ER_LOCK_DEADLOCK: the transaction was rolled back
            1205, // ER_LOCK_WAIT_TIMEOUT
            1040, // ER_CON_COUNT_ERROR: too many connections
            1053, // ER_SERVER_SHUTDOWN: shutdown in progress
            1077, // ER_NORMAL_SHUTDOWN
            1078, // ER_GOT_SIGNAL
            1079, // ER_SHUTDOWN_COMPLETE
            1152, // ER_ABORTING_CONNECTION
            1158, // ER_NET_READ_ERROR
            1159, // ER_NET_READ_INTERRUPTED
            1160, // ER_NET_ERROR_ON_WRITE
            1161, // ER_NET_WRITE_INTERRUPTED
            1290, // ER_OPTION_PREVENTS_STATEMENT: --read-only, as on a primary being demoted in a failover
            1792, // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
            1836, // ER_READ_ONLY_MODE
            1927, // ER_CONNECTION_KILLED (MariaDB)
            2002, // CR_CONNECTION_ERROR
            2003, // CR_CONN_HOST_ERROR
            2006, // CR_SERVER_GONE_ERROR
            2013, // CR_SERVER_LOST
            4031); // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)

    /** Transient H2 errors. */
    private static final Set<Integer> H2_TRANSIENT = Set.of(
            40001, // DEADLOCK_1
            50200, // LOCK_TIMEOUT_1
            90131, // CONCURRENT_UPDATE_1
            90067); // CONNECTION_BROKEN_1

    private static final Pattern MARIADB_VERSION = Pattern.compile("(?:5\\.5\\.5-)?(\\d+)\\.(\\d+).*MariaDB.*");

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private final Dialect dialect;
    private final String prefix;

    final String migrations;
    final String audit;
    final String leases;
    final String shards;
    final String schemaVersion;

    Sql(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.prefix = prefix;
        this.migrations = prefix + "migrations";
        this.audit = prefix + "audit";
        this.leases = prefix + "leases";
        this.shards = prefix + "shards";
        this.schemaVersion = prefix + "schema_version";
    }

    /** The dialect of the database behind {@code metaData}; a database the store does not support is refused. */
    static Dialect dialect(DatabaseMetaData metaData) throws SQLException {
        String product = metaData.getDatabaseProductName();
        String version = metaData.getDatabaseProductVersion();
        String lower = product.toLowerCase(Locale.ROOT);
        if (lower.equals("h2")) {
            if (metaData.getDatabaseMajorVersion() >= 2) {
                return Dialect.H2;
            }
        } else if (lower.contains("mysql") || lower.contains("mariadb")) {
            Matcher mariadb = MARIADB_VERSION.matcher(version);
            if (mariadb.matches()) {
                int major = Integer.parseInt(mariadb.group(1));
                int minor = Integer.parseInt(mariadb.group(2));
                if (major > 10 || (major == 10 && minor >= 6)) {
                    return Dialect.MYSQL;
                }
            } else if (metaData.getDatabaseMajorVersion() >= 8) {
                return Dialect.MYSQL;
            }
        }
        throw new Osc4jException(
                ErrorCode.CONFIGURATION,
                "the JDBC store needs MySQL 8.0+, MariaDB 10.6+ or H2 2.x; the data source is " + product + " "
                        + version);
    }

    Dialect dialect() {
        return dialect;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Time: leases expire by the database's clock, in UTC, never by a controller's.

    /** The database's current time in UTC as a timestamp without zone, to microseconds. */
    private String nowUtc() {
        return switch (dialect) {
            case MYSQL -> "UTC_TIMESTAMP(6)";
            case H2 -> "CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP(6))";
        };
    }

    /** The database's current time in UTC plus a number of microseconds given as the next bind parameter. */
    private String nowUtcPlusMicros() {
        return switch (dialect) {
            case MYSQL -> "DATE_ADD(UTC_TIMESTAMP(6), INTERVAL ? MICROSECOND)";
            case H2 -> "DATEADD(MICROSECOND, ?, " + nowUtc() + ")";
        };
    }

    /** Appended to a SELECT to lock the rows it reads against writers, while letting other readers of it share. */
    private String sharedLock() {
        return switch (dialect) {
            case MYSQL -> " LOCK IN SHARE MODE";
            // H2 has no shared row lock; an exclusive one is correct, only less concurrent.
            case H2 -> " FOR UPDATE";
        };
    }

    /**
     * A point in time as a bind value for a timestamp column: a UTC string with microseconds, which every dialect
     * converts exactly. (Connector/J reads MariaDB 10's version as 5.5.5 and would drop the fraction of a
     * {@code LocalDateTime}.)
     */
    static String time(Instant instant) {
        return TIME.format(LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Schema

    /**
     * JSON columns. H2 keeps strings inline up to its limit of a million characters; its CLOBs live in a separate
     * store that fails ("streamStoreId is null") when a row is read while another transaction replaces it.
     */
    private String textType() {
        return dialect == Dialect.MYSQL ? "LONGTEXT" : "CHARACTER VARYING(1000000)";
    }

    private String timeType() {
        return dialect == Dialect.MYSQL ? "DATETIME(6)" : "TIMESTAMP(6)";
    }

    /** Binary collation: ids order as {@link dev.osc4j.MigrationId#compareTo} does, case-sensitively. */
    private String tableOptions() {
        return dialect == Dialect.MYSQL ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "";
    }

    private String createIndex(String name, String table, String columns) {
        // MySQL 8 has no CREATE INDEX IF NOT EXISTS; the migrator treats "exists" as done there.
        String ifNotExists = dialect == Dialect.H2 ? "IF NOT EXISTS " : "";
        return "CREATE INDEX " + ifNotExists + prefix + name + " ON " + table + " (" + columns + ")";
    }

    private String addColumn(String table, String definition) {
        String ifNotExists = dialect == Dialect.H2 ? "IF NOT EXISTS " : "";
        return "ALTER TABLE " + table + " ADD COLUMN " + ifNotExists + definition;
    }

    /** Version 1: the schema-version table, migrations with their version column, the audit log and leases. */
    List<String> schemaV1() {
        return List.of(
                "CREATE TABLE IF NOT EXISTS " + schemaVersion + " ("
                        + "version INT NOT NULL PRIMARY KEY, "
                        + "description VARCHAR(200) NOT NULL, "
                        + "installed_at " + timeType() + " NOT NULL)" + tableOptions(),
                "CREATE TABLE IF NOT EXISTS " + migrations + " ("
                        + "id VARCHAR(64) NOT NULL PRIMARY KEY, "
                        + "version BIGINT NOT NULL, "
                        + "keyspace_name VARCHAR(64) NOT NULL, "
                        + "table_name VARCHAR(64) NOT NULL, "
                        + "engine VARCHAR(64) NOT NULL, "
                        + "state VARCHAR(32) NOT NULL, "
                        + "attempt INT NOT NULL, "
                        + "audit_seq BIGINT NOT NULL, "
                        + "record_json " + textType() + " NOT NULL, "
                        + "created_at " + timeType() + " NOT NULL, "
                        + "updated_at " + timeType() + " NOT NULL)" + tableOptions(),
                // list(active) and list(active in a keyspace), both ordered by id.
                createIndex("migrations_state", migrations, "state, id"),
                createIndex("migrations_keyspace", migrations, "keyspace_name, state, id"),
                "CREATE TABLE IF NOT EXISTS " + audit + " ("
                        + "migration_id VARCHAR(64) NOT NULL, "
                        + "seq BIGINT NOT NULL, "
                        + "kind VARCHAR(16) NOT NULL, "
                        + "written_at " + timeType() + " NOT NULL, "
                        + "entry_json " + textType() + " NOT NULL, "
                        + "PRIMARY KEY (migration_id, seq))" + tableOptions(),
                // One row per migration that ever had a lease; it keeps the last token after release or expiry.
                "CREATE TABLE IF NOT EXISTS " + leases + " ("
                        + "migration_id VARCHAR(64) NOT NULL PRIMARY KEY, "
                        + "owner VARCHAR(191) NULL, "
                        + "token BIGINT NOT NULL, "
                        + "expires_at " + timeType() + " NULL)" + tableOptions(),
                // renew(owner): every live lease of one owner.
                createIndex("leases_owner", leases, "owner, expires_at"));
    }

    /** Version 2: the summary columns a dashboard lists without reading any record's JSON. */
    List<String> schemaV2() {
        return List.of(
                addColumn(migrations, "shard_count INT DEFAULT 0 NOT NULL"),
                addColumn(migrations, "progress_percent DOUBLE DEFAULT 0 NOT NULL"),
                addColumn(migrations, "eta_ms BIGINT NULL"),
                addColumn(migrations, "paused BOOLEAN DEFAULT FALSE NOT NULL"));
    }

    /** Version 3: which controller owns a migration and since when, for listing. */
    List<String> schemaV3() {
        return List.of(
                addColumn(migrations, "owner_id VARCHAR(200) NULL"),
                addColumn(migrations, "owner_since VARCHAR(40) NULL"));
    }

    /**
     * Version 4: each shard of a record in a row of its own, so that a change of one shard rewrites that shard and the
     * record's head (its row in the migrations table, whose {@code record_json} from now on holds the record without
     * its shards) instead of the whole record.
     */
    List<String> schemaV4() {
        return List.of("CREATE TABLE IF NOT EXISTS " + shards + " ("
                + "migration_id VARCHAR(64) NOT NULL, "
                + "shard_index INT NOT NULL, "
                + "shard_json " + textType() + " NOT NULL, "
                + "PRIMARY KEY (migration_id, shard_index))" + tableOptions());
    }

    String selectSchemaVersion() {
        return "SELECT MAX(version) FROM " + schemaVersion;
    }

    String insertSchemaVersion() {
        return "INSERT INTO " + schemaVersion + " (version, description, installed_at) VALUES (?, ?, " + nowUtc() + ")";
    }

    /** Locks schema changes across processes where the database has a named lock; empty where it has none. */
    String acquireSchemaLock() {
        return dialect == Dialect.MYSQL ? "SELECT GET_LOCK(" + schemaLockName() + ", ?)" : "";
    }

    String releaseSchemaLock() {
        return dialect == Dialect.MYSQL ? "SELECT RELEASE_LOCK(" + schemaLockName() + ")" : "";
    }

    /** Named locks are server-wide and MySQL allows 64 characters: one per database and prefix, hashed. */
    private static String schemaLockName() {
        return "CONCAT('osc4j.', SHA1(CONCAT(DATABASE(), '.', ?)))";
    }

    /** Ids of migrations after the bind parameter, with their JSON, for the version 3 backfill and the version 4 split. */
    String selectIdsForBackfill() {
        return "SELECT id, version, record_json FROM " + migrations + " WHERE id > ? ORDER BY id LIMIT 100";
    }

    String backfillSummary() {
        return "UPDATE " + migrations + " SET shard_count = ?, progress_percent = ?, eta_ms = ?, paused = ?, "
                + "owner_id = ?, owner_since = ? WHERE id = ? AND version = ?";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Migrations

    /** A record's version alone: what a controller asks every pass to tell whether the record changed. */
    String selectVersion() {
        return "SELECT version FROM " + migrations + " WHERE id = ?";
    }

    /**
     * A record's head (shard index -1, with the version) and its shards (each index, version 0), in order, in one
     * statement so that they come from one snapshot. Parameters: the id, twice.
     */
    String selectRecord() {
        return "SELECT -1 AS part, version, record_json FROM " + migrations + " WHERE id = ? UNION ALL "
                + "SELECT shard_index, 0, shard_json FROM " + shards + " WHERE migration_id = ? ORDER BY part";
    }

    /** The shards of a record as stored, locked (the writer already holds the record's row). */
    String selectShardsLocked() {
        return "SELECT shard_index, shard_json FROM " + shards + " WHERE migration_id = ? ORDER BY shard_index"
                + " FOR UPDATE";
    }

    String insertShards(int rows) {
        return "INSERT INTO " + shards + " (migration_id, shard_index, shard_json) VALUES "
                + "(?, ?, ?), ".repeat(rows - 1) + "(?, ?, ?)";
    }

    /**
     * Rewrites {@code rows} shard rows of one record in one statement. Parameters: index and JSON per row, the
     * migration id, then the indexes again.
     */
    String updateShards(int rows) {
        return "UPDATE " + shards + " SET shard_json = CASE shard_index " + "WHEN ? THEN ? ".repeat(rows)
                + "END WHERE migration_id = ? AND shard_index IN (" + "?, ".repeat(rows - 1) + "?)";
    }

    /** Removes the shards of a record from an index on: all of them from 0. */
    String deleteShardsFrom() {
        return "DELETE FROM " + shards + " WHERE migration_id = ? AND shard_index >= ?";
    }

    /** Replaces the whole record's JSON by its head, for the version 4 split. */
    String updateHeadForSplit() {
        return "UPDATE " + migrations + " SET record_json = ? WHERE id = ? AND version = ?";
    }

    /** The row as it is now, locked against writers (also waits for a write in flight to end). */
    String selectRecordLocked() {
        return "SELECT version, audit_seq, record_json FROM " + migrations + " WHERE id = ? FOR UPDATE";
    }

    String insertRecord() {
        return "INSERT INTO " + migrations + " (id, version, keyspace_name, table_name, engine, state, attempt, "
                + "audit_seq, record_json, created_at, updated_at, shard_count, progress_percent, eta_ms, paused, "
                + "owner_id, owner_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }

    /**
     * Whether the fence check can ride in the compare-and-set itself ({@link #updateRecord}); H2 has no multi-table
     * UPDATE, so there the lease row is locked and checked by a statement of its own first.
     */
    boolean foldsFence() {
        return dialect == Dialect.MYSQL;
    }

    /**
     * The compare-and-set: version and audit position must both be what the writer read. Where {@link #foldsFence()},
     * it can be fenced in the same statement: the migration row joined with its lease row, updated only if (owner,
     * token) is the live grant by the database clock. The lease row is one of the updated tables ({@code token =
     * token}, a no-op assignment) so the statement takes an exclusive lock on it whatever the isolation level: a
     * grant waits until this transaction ends, exactly as after a separate locking read. (A changed shard's row is
     * not joined too: tried, the three-table UPDATE made a transition of a 1-shard record slower on MariaDB, 0.97 ms
     * against 0.56 ms median in {@code JdbcStoreBenchmark}, than this one followed by an UPDATE of the shard.) Parameters: the new version, state, attempt, audit position, head JSON, update time and the six summary
     * columns; the id, the expected version and audit position; if fenced, owner and token.
     */
    String updateRecord(boolean fenced) {
        StringBuilder sql = new StringBuilder("UPDATE ").append(migrations).append(" m");
        if (fenced) {
            sql.append(" JOIN ").append(leases).append(" l ON l.migration_id = m.id");
        }
        sql.append(" SET m.version = ?, m.state = ?, m.attempt = ?, m.audit_seq = ?, m.record_json = ?, "
                + "m.updated_at = ?, m.shard_count = ?, m.progress_percent = ?, m.eta_ms = ?, m.paused = ?, "
                + "m.owner_id = ?, m.owner_since = ?");
        if (fenced) {
            sql.append(", l.token = l.token");
        }
        sql.append(" WHERE m.id = ? AND m.version = ? AND m.audit_seq = ?");
        if (fenced) {
            sql.append(" AND l.owner = ? AND l.token = ? AND l.expires_at > ").append(nowUtc());
        }
        return sql.toString();
    }

    String listSummaries(int states, boolean keyspace, boolean after) {
        StringBuilder sql = new StringBuilder("SELECT id, keyspace_name, table_name, engine, state, attempt, "
                + "shard_count, progress_percent, eta_ms, paused, updated_at, owner_id, owner_since FROM " + migrations
                + " WHERE 1 = 1");
        if (states > 0) {
            sql.append(" AND state IN (").append("?, ".repeat(states - 1)).append("?)");
        }
        if (keyspace) {
            sql.append(" AND keyspace_name = ?");
        }
        if (after) {
            sql.append(" AND id > ?");
        }
        return sql.append(" ORDER BY id LIMIT ?").toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Audit

    /** Inserts {@code rows} audit entries in one statement (5 parameters each). */
    String insertAudit(int rows) {
        return "INSERT INTO " + audit + " (migration_id, seq, kind, written_at, entry_json) VALUES "
                + "(?, ?, ?, ?, ?), ".repeat(rows - 1) + "(?, ?, ?, ?, ?)";
    }

    String selectAudit() {
        return "SELECT entry_json FROM " + audit + " WHERE migration_id = ? AND seq > ? ORDER BY seq LIMIT ?";
    }

    String selectAuditEntryLocked() {
        return "SELECT entry_json FROM " + audit + " WHERE migration_id = ? AND seq = ?" + sharedLock();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Leases

    /** The fence of a write: is (owner, token) the migration's lease, and unexpired by the database clock? */
    String selectFence() {
        return "SELECT owner, token, CASE WHEN expires_at > " + nowUtc() + " THEN 1 ELSE 0 END, expires_at FROM "
                + leases + " WHERE migration_id = ?" + sharedLock();
    }

    String selectLeaseForUpdate() {
        return "SELECT owner, token, CASE WHEN expires_at > " + nowUtc() + " THEN 1 ELSE 0 END, expires_at FROM "
                + leases + " WHERE migration_id = ? FOR UPDATE";
    }

    String insertLease() {
        return "INSERT INTO " + leases + " (migration_id, owner, token, expires_at) VALUES (?, ?, 1, "
                + nowUtcPlusMicros() + ")";
    }

    /** A new grant: the token grows by one, never reused. */
    String grantLease() {
        return "UPDATE " + leases + " SET owner = ?, token = token + 1, expires_at = " + nowUtcPlusMicros()
                + " WHERE migration_id = ?";
    }

    String selectLease() {
        return "SELECT token, expires_at FROM " + leases + " WHERE migration_id = ?";
    }

    String renewLeases() {
        return "UPDATE " + leases + " SET expires_at = " + nowUtcPlusMicros() + " WHERE owner = ? AND expires_at > "
                + nowUtc();
    }

    /** Every live lease and its holder, by the database clock. */
    String selectLeaseHolders() {
        return "SELECT migration_id, owner FROM " + leases + " WHERE owner IS NOT NULL AND expires_at > " + nowUtc();
    }

    String selectLiveLeases() {
        return "SELECT migration_id, token, expires_at FROM " + leases + " WHERE owner = ? AND expires_at > " + nowUtc()
                + " ORDER BY migration_id";
    }

    /** Releases a grant; the row stays, with its token, so the next grant's token is greater. */
    String releaseLease() {
        return "UPDATE " + leases + " SET owner = NULL, expires_at = NULL "
                + "WHERE migration_id = ? AND owner = ? AND token = ?";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Errors

    /** Whether trying again may succeed: a deadlock, a lock wait timeout, a lost or refused connection, failover. */
    boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null && (state.startsWith("08") || state.equals("40001") || state.equals("HYT00"))) {
                    return true;
                }
                Set<Integer> codes = dialect == Dialect.MYSQL ? MYSQL_TRANSIENT : H2_TRANSIENT;
                if (codes.contains(s.getErrorCode())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A primary key already holds the value. */
    boolean isDuplicateKey(SQLException e) {
        return dialect == Dialect.MYSQL ? e.getErrorCode() == 1062 : e.getErrorCode() == 23505;
    }

    /** A table or column the statement names does not exist: the schema is missing or damaged. */
    boolean isMissingSchema(SQLException e) {
        int code = e.getErrorCode();
        return switch (dialect) {
            case MYSQL -> code == 1146 || code == 1054; // ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR
            // TABLE_OR_VIEW_NOT_FOUND_1, ..._WITH_CANDIDATES_2, ..._DATABASE_EMPTY_1, COLUMN_NOT_FOUND_1
            case H2 -> code == 42102 || code == 42103 || code == 42104 || code == 42122;
        };
    }

    /** A schema change found its object already there (a previous run was interrupted after it). */
    boolean isAlreadyExists(SQLException e) {
        int code = e.getErrorCode();
        return switch (dialect) {
            case MYSQL -> code == 1050 || code == 1060 || code == 1061;
            case H2 -> code == 42101 || code == 42121 || code == 42111;
        };
    }
}
