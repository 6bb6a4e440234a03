package dev.osc4j.store.jdbc;

import dev.osc4j.AuditEntry;
import dev.osc4j.ErrorCode;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Osc4jException;
import dev.osc4j.StoreException;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.spi.StateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StateStore} on MySQL 8, MariaDB 10.6+ or H2 2.x, through JDBC.
 *
 * <p>Each migration is one row with a version column, its record as JSON ({@link RecordCodec}) and the summary columns
 * a dashboard lists (keyspace, table, engine, state, attempt, shard count, percent, ETA, paused, updated-at), so
 * listing never reads a record's JSON. A compare-and-set is one transaction: the fencing check (the lease row must
 * hold the writer's owner and token and be unexpired by the database's clock in UTC), {@code UPDATE ... WHERE id = ?
 * AND version = ?}, and the insert of its audit entries. Leases are one row per migration that keeps its fencing token
 * across releases and expiries, so tokens are never reused. The store creates and upgrades its tables (a
 * schema-version table records each step) and refuses a schema newer than itself.
 *
 * <p>Every operation borrows a connection from the {@link DataSource} and returns it before it ends; give it a pool
 * (HikariCP, say). Transient failures (deadlock, lock wait timeout, lost connection, failover) are tried again with
 * bounded exponential backoff; when a write's outcome is unknown because the connection broke around its commit, the
 * next attempt reads what is stored to tell whether it was applied before doing anything.
 *
 * <pre>{@code
 * HikariDataSource pool = new HikariDataSource(config); // jdbc:mysql://db:3306/osc4j
 * try (JdbcStateStore store = JdbcStateStore.builder(pool).build()) {
 *     MigrationOrchestrator osc = MigrationOrchestrator.builder().store(store)...build();
 * }
 * }</pre>
 *
 * Or, embedded, with nothing to run: {@code JdbcStateStore.h2File(Path.of("var/osc4j"))}.
 */
public final class JdbcStateStore implements StateStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcStateStore.class);

    /** The schema version this code creates, reads and writes; a database with a newer one is refused. */
    public static final int SCHEMA_VERSION = SchemaMigrator.CURRENT;

    /** Default prefix of the table names: {@value}. */
    public static final String DEFAULT_TABLE_PREFIX = "osc4j_";

    /** By default the store creates its tables if they are missing and upgrades older ones. */
    public static final boolean DEFAULT_CREATE_SCHEMA = true;

    /** Default number of attempts of an operation that fails transiently, the first included: {@value}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 6;

    /** Default wait before the second attempt; it doubles (with jitter) up to {@link #DEFAULT_MAX_BACKOFF}. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(50);

    /** Default longest wait between two attempts. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);

    /**
     * One write lock per H2 file opened through {@link #h2File(Path)}, shared by every store of that file in this
     * JVM (see {@link Database} for why H2 needs it).
     */
    private static final Map<String, Lock> H2_FILE_WRITE_LOCKS = new ConcurrentHashMap<>();

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,31}");

    // This class is the facade: records and their audit trail are Migrations', leases and fencing Leases', running
    // work with retries Database's, SQL text Sql's, the tables' creation and upgrades SchemaMigrator's.
    private final Database db;
    private final Migrations migrations;
    private final Leases leases;
    private final @Nullable AutoCloseable ownedDataSource;

    private JdbcStateStore(Database db, @Nullable AutoCloseable ownedDataSource) {
        this.db = db;
        this.leases = new Leases(db);
        this.migrations = new Migrations(db, leases);
        this.ownedDataSource = ownedDataSource;
    }

    /**
     * Starts configuring a store on {@code dataSource}, which should pool connections. The store never closes it.
     *
     * @param dataSource connections to MySQL 8, MariaDB 10.6+ or H2 2.x, with the privileges to create tables unless
     *     {@link Builder#createSchema(boolean)} is turned off
     * @return a builder with the defaults
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource, null);
    }

    /**
     * The embedded default: a store in an H2 database file, created if absent, with everything else at its default.
     * The store owns the connection pool and closes it (and so the database) on {@link #close()}. Commits are written
     * to the file before they return, so they survive a killed process (not a lost disk). One process at a time can
     * open the file.
     *
     * @param database the database path without H2's {@code .mv.db} suffix, for example {@code var/osc4j} for
     *     {@code var/osc4j.mv.db}; its directory is created if needed
     * @return the store, with its tables created or upgraded
     * @throws InvalidRequestException if the path cannot be used in an H2 URL
     * @throws StoreException if the file cannot be opened (locked by another process, say) or its schema is newer
     */
    public static JdbcStateStore h2File(Path database) {
        String path = database.toAbsolutePath().normalize().toString();
        if (path.endsWith(".mv.db")) {
            path = path.substring(0, path.length() - ".mv.db".length());
        }
        if (path.indexOf(';') >= 0 || path.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException(
                    "database path must not contain ';' or control characters, got '" + database + "'", null);
        }
        // WRITE_DELAY=0: a commit reaches the file before it returns, so a killed controller loses no transition.
        String url = "jdbc:h2:file:" + path + ";LOCK_TIMEOUT=10000;WRITE_DELAY=0";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "sa", "");
        Builder builder = new Builder(pool, pool::dispose);
        builder.writeLock = H2_FILE_WRITE_LOCKS.computeIfAbsent(path, p -> new ReentrantLock(true));
        return builder.build();
    }

    @Override
    public Optional<MigrationRecord> read(MigrationId id) {
        return migrations.read(id);
    }

    /** The version column alone, not the record (which a controller then reads only when it changed). */
    @Override
    public long currentVersion(MigrationId id) {
        return migrations.version(id);
    }

    @Override
    public CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
        return migrations.create(record, audit);
    }

    @Override
    public MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
        return migrations.compareAndSet(next, expectedVersion, fence, audit);
    }

    @Override
    public List<MigrationSummary> list(MigrationFilter filter) {
        return migrations.list(filter);
    }

    @Override
    public List<AuditEntry> audit(MigrationId id, long afterSeq, int limit) {
        return migrations.audit(id, afterSeq, limit);
    }

    @Override
    public Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
        return leases.tryAcquire(id, owner, ttl);
    }

    /** One read of the lease table: every live lease and its holder, by the database clock. */
    @Override
    public Optional<Map<MigrationId, String>> leaseHolders() {
        return Optional.of(leases.holders());
    }

    @Override
    public List<Lease> renew(String owner, Duration ttl) {
        return leases.renew(owner, ttl);
    }

    @Override
    public void release(Lease lease) {
        leases.release(lease);
    }

    /**
     * Closes the connection pool if this store created it ({@link #h2File(Path)}); a data source given to
     * {@link #builder(DataSource)} stays open. Idempotent.
     */
    @Override
    public void close() {
        if (!db.close()) {
            return;
        }
        AutoCloseable owned = ownedDataSource;
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                LOG.warn("osc4j store: closing the connection pool failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "JdbcStateStore{" + db.sql().dialect() + ", tables " + db.sql().migrations + ", ...}";
    }

    /**
     * Configures a {@link JdbcStateStore}; {@link #build()} checks the database and creates or upgrades the tables.
     * Not thread-safe.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private final @Nullable AutoCloseable ownedDataSource;
        private String tablePrefix = DEFAULT_TABLE_PREFIX;
        private boolean createSchema = DEFAULT_CREATE_SCHEMA;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        /** For an H2 file this store opened: every store of that file in this JVM writes under it. */
        private @Nullable Lock writeLock;

        private Builder(DataSource dataSource, @Nullable AutoCloseable ownedDataSource) {
            this.dataSource = dataSource;
            this.ownedDataSource = ownedDataSource;
        }

        /**
         * Sets the prefix of the table and index names, to share a database with other applications or run several
         * independent stores in one.
         *
         * @param value a letter followed by at most 31 letters, digits or {@code _}; default {@value
         *     #DEFAULT_TABLE_PREFIX}
         * @return this builder
         */
        public Builder tablePrefix(String value) {
            if (!PREFIX.matcher(value).matches()) {
                throw new InvalidRequestException(
                        "tablePrefix must be a letter followed by at most 31 letters, digits or '_', got '" + value
                                + "'",
                        null);
            }
            this.tablePrefix = value;
            return this;
        }

        /**
         * Sets whether {@link #build()} creates missing tables and upgrades older ones. Turn it off where the
         * application's database user may not run DDL; then a missing or older schema is a {@link
         * ErrorCode#STORE_SCHEMA} error.
         *
         * @param value default {@value #DEFAULT_CREATE_SCHEMA}
         * @return this builder
         */
        public Builder createSchema(boolean value) {
            this.createSchema = value;
            return this;
        }

        /**
         * Sets how many times an operation that fails transiently is attempted, the first included.
         *
         * @param value 1 to 100; default {@value #DEFAULT_MAX_ATTEMPTS}
         * @return this builder
         */
        public Builder maxAttempts(int value) {
            if (value < 1 || value > 100) {
                throw new InvalidRequestException("maxAttempts must be 1-100, got " + value, null);
            }
            this.maxAttempts = value;
            return this;
        }

        /**
         * Sets the wait before the second attempt; each later wait doubles, with jitter, up to {@link
         * #maxBackoff(Duration)}.
         *
         * @param value 1 ms to 1 minute; default {@link #DEFAULT_INITIAL_BACKOFF}
         * @return this builder
         */
        public Builder initialBackoff(Duration value) {
            requireBackoff("initialBackoff", value);
            this.initialBackoff = value;
            return this;
        }

        /**
         * Sets the longest wait between two attempts.
         *
         * @param value 1 ms to 1 minute; default {@link #DEFAULT_MAX_BACKOFF}
         * @return this builder
         */
        public Builder maxBackoff(Duration value) {
            requireBackoff("maxBackoff", value);
            this.maxBackoff = value;
            return this;
        }

        /**
         * Checks the database (MySQL 8+, MariaDB 10.6+ or H2 2+), creates or upgrades the tables when allowed, and
         * returns the store.
         *
         * @return the store
         * @throws StoreException with {@link ErrorCode#STORE_SCHEMA} if the schema is newer than this code, or
         *     missing or older while {@link #createSchema(boolean)} is off; with {@link ErrorCode#STORE_UNAVAILABLE}
         *     if the database cannot be reached
         * @throws Osc4jException with {@link ErrorCode#CONFIGURATION} if the database is not one the store supports
         * @throws InvalidRequestException if {@code maxBackoff} is shorter than {@code initialBackoff}
         */
        public JdbcStateStore build() {
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new InvalidRequestException(
                        "maxBackoff (" + maxBackoff + ") must not be shorter than initialBackoff (" + initialBackoff
                                + ")",
                        null);
            }
            try {
                Sql.Dialect dialect = new Database(
                                dataSource,
                                new Sql(Sql.Dialect.H2, tablePrefix),
                                maxAttempts,
                                initialBackoff,
                                maxBackoff,
                                null)
                        .read("connect", null, (c, attempt) -> Sql.dialect(c.getMetaData()));
                Database db = new Database(
                        dataSource, new Sql(dialect, tablePrefix), maxAttempts, initialBackoff, maxBackoff, writeLock);
                new SchemaMigrator(db.sql()).prepare(db, createSchema);
                return new JdbcStateStore(db, ownedDataSource);
            } catch (RuntimeException e) {
                closeOwned(e);
                throw e;
            }
        }

        private void closeOwned(RuntimeException failure) {
            if (ownedDataSource != null) {
                try {
                    ownedDataSource.close();
                } catch (Exception e) {
                    failure.addSuppressed(e);
                }
            }
        }

        private static void requireBackoff(String name, Duration value) {
            if (value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new InvalidRequestException(name + " must be between 1 ms and 1 minute, got " + value, null);
            }
        }
    }
}
