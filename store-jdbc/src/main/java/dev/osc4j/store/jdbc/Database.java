package dev.osc4j.store.jdbc;

import dev.osc4j.MigrationId;
import dev.osc4j.StoreException;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a unit of work on a connection borrowed from the {@link DataSource} for that unit only, in one transaction
 * when it writes, and tries it again with bounded exponential backoff when it fails transiently (deadlock, lock wait
 * timeout, lost connection, failover). The work is told which attempt it is: from the second attempt on, the outcome
 * of the previous one is unknown (a commit may have reached the server before the connection broke), so writes
 * first find out by reading what is stored instead of applying themselves again blindly. Once closed, it refuses
 * work.
 *
 * <p>Given a write lock, it holds it for each write transaction. An embedded H2 file can only be opened by one
 * process, so every writer of it is in this JVM, and serializing them there costs little; without it, H2 livelocks
 * when several transactions update one row at once: seen with 8 controllers on 3 migrations, every thread spinning at
 * full CPU in H2's statement retry ({@code TransactionMap.set}, {@code rollbackToSavepoint}) for over 40 s, each
 * write ending in "Timeout trying to lock table" after its 6 attempts.
 */
final class Database {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** A unit of work on one connection. */
    @FunctionalInterface
    interface Work<T> {
        /**
         * Does the work.
         *
         * @param connection the connection, in a transaction if the work writes
         * @param attempt 1 for the first attempt; from 2 on, the previous attempt's outcome is unknown
         */
        T apply(Connection connection, int attempt) throws SQLException;
    }

    /** A transient failure, to be tried again. */
    private static final class TransientFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TransientFailure(SQLException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private final DataSource dataSource;
    private final Sql sql;
    private final Retry retry;
    private final int maxAttempts;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final @Nullable Lock writeLock;

    Database(
            DataSource dataSource,
            Sql sql,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            @Nullable Lock writeLock) {
        this.dataSource = dataSource;
        this.writeLock = writeLock;
        this.sql = sql;
        this.maxAttempts = maxAttempts;
        this.retry = Retry.of(
                "osc4j-store-jdbc",
                RetryConfig.custom()
                        .maxAttempts(maxAttempts)
                        .intervalFunction(
                                IntervalFunction.ofExponentialRandomBackoff(initialBackoff, 2.0, 0.5, maxBackoff))
                        .retryOnException(e -> e instanceof TransientFailure)
                        .build());
    }

    Sql sql() {
        return sql;
    }

    /** Runs {@code work} in a transaction, committed when it returns and rolled back when it throws. */
    <T> T write(String operation, @Nullable MigrationId id, Work<T> work) {
        return run(operation, id, true, work);
    }

    /** Runs {@code work} in auto-commit mode: reads, and writes of one statement. */
    <T> T read(String operation, @Nullable MigrationId id, Work<T> work) {
        return run(operation, id, false, work);
    }

    /** Refuses work from now on; true the first time, false if it was closed already. */
    boolean close() {
        return closed.compareAndSet(false, true);
    }

    private <T> T run(String operation, @Nullable MigrationId id, boolean transaction, Work<T> work) {
        if (closed.get()) {
            throw StoreException.unavailable("the JDBC store is closed", id, null);
        }
        AtomicInteger attempts = new AtomicInteger();
        try {
            return retry.executeSupplier(() -> {
                int attempt = attempts.incrementAndGet();
                try {
                    return once(transaction, work, attempt);
                } catch (SQLException e) {
                    if (sql.isTransient(e)) {
                        LOG.debug(
                                "{}{} failed on attempt {} of {}: {}",
                                operation,
                                on(id),
                                attempt,
                                maxAttempts,
                                e.toString());
                        throw new TransientFailure(e);
                    }
                    throw permanent(operation, id, e);
                }
            });
        } catch (TransientFailure e) {
            Throwable cause = e.getCause();
            throw StoreException.unavailable(
                    operation + on(id) + " failed " + attempts.get() + " times, the last time with: "
                            + (cause == null ? e.getMessage() : cause.getMessage()),
                    id,
                    cause);
        }
    }

    private <T> T once(boolean transaction, Work<T> work, int attempt) throws SQLException {
        Lock lock = transaction ? writeLock : null;
        if (lock == null) {
            return unlocked(transaction, work, attempt);
        }
        lock.lock();
        try {
            return unlocked(transaction, work, attempt);
        } finally {
            lock.unlock();
        }
    }

    private <T> T unlocked(boolean transaction, Work<T> work, int attempt) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            boolean restoreAutoCommit = connection.getAutoCommit();
            if (!transaction && restoreAutoCommit) {
                return work.apply(connection, attempt);
            }
            // A write, or a read on a pool that hands out connections in manual commit mode: end what we start.
            if (restoreAutoCommit) {
                connection.setAutoCommit(false);
            }
            try {
                T result = work.apply(connection, attempt);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            } finally {
                if (restoreAutoCommit) {
                    restoreQuietly(connection);
                }
            }
        }
    }

    private StoreException permanent(String operation, @Nullable MigrationId id, SQLException e) {
        if (sql.isMissingSchema(e)) {
            return StoreException.schema(
                    operation + on(id) + " failed because a table or column of the osc4j store is missing ("
                            + e.getMessage() + "). The store creates its tables when it is built with createSchema"
                            + " enabled (the default); tables dropped while it runs are not recreated, since that"
                            + " would hide lost data.",
                    e);
        }
        return StoreException.unavailable(operation + on(id) + " failed: " + e.getMessage(), id, e);
    }

    private static String on(@Nullable MigrationId id) {
        return id == null ? "" : " of migration " + id.value();
    }

    private static void rollbackQuietly(Connection connection, Throwable failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // The connection is likely broken; the server rolls back what it had when it notices.
            failure.addSuppressed(e);
        }
    }

    private static void restoreQuietly(Connection connection) {
        try {
            if (!connection.isClosed()) {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            LOG.trace("could not restore auto-commit on a connection being returned", e);
        }
    }
}
