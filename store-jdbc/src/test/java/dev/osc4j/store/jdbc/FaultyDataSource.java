package dev.osc4j.store.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Wraps a data source to inject the failures the store must survive, at exact points: a commit whose connection
 * breaks after the server applied it (the outcome is unknown to the client), one that breaks before, and an error
 * from the next statement that contains a given text (a deadlock, say). Counts connections borrowed and returned.
 */
final class FaultyDataSource implements DataSource {

    /** What the next commit does. */
    enum CommitFault {
        /** Commits, then reports a lost connection: applied, but the client cannot know. */
        LOST_AFTER_COMMIT,
        /** Reports a lost connection without committing; the server rolls back. */
        LOST_BEFORE_COMMIT
    }

    private final DataSource delegate;
    private final AtomicReference<@Nullable CommitFault> commitFault = new AtomicReference<>();
    private final AtomicReference<@Nullable StatementFault> statementFault = new AtomicReference<>();
    private final AtomicInteger borrowed = new AtomicInteger();
    private final AtomicInteger returned = new AtomicInteger();
    private final AtomicInteger commits = new AtomicInteger();

    private record StatementFault(String sqlContains, SQLException error, AtomicInteger remaining) {}

    FaultyDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    /** The next commit fails as {@code fault} says. */
    void failNextCommit(CommitFault fault) {
        commitFault.set(fault);
    }

    /** The next {@code times} executions of a statement whose SQL contains {@code sqlContains} throw {@code error}. */
    void failStatement(String sqlContains, SQLException error, int times) {
        statementFault.set(new StatementFault(sqlContains, error, new AtomicInteger(times)));
    }

    int borrowed() {
        return borrowed.get();
    }

    int returned() {
        return returned.get();
    }

    int commits() {
        return commits.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return wrap(delegate.getConnection(username, password));
    }

    private Connection wrap(Connection real) {
        borrowed.incrementAndGet();
        AtomicInteger closed = new AtomicInteger();
        InvocationHandler handler = (proxy, method, args) -> {
            switch (method.getName()) {
                case "commit" -> {
                    CommitFault fault = commitFault.getAndSet(null);
                    if (fault == CommitFault.LOST_BEFORE_COMMIT) {
                        real.rollback();
                        throw lost();
                    }
                    invoke(real, method, args);
                    commits.incrementAndGet();
                    if (fault == CommitFault.LOST_AFTER_COMMIT) {
                        throw lost();
                    }
                    return null;
                }
                case "close" -> {
                    if (closed.getAndIncrement() == 0) {
                        returned.incrementAndGet();
                    }
                    return invoke(real, method, args);
                }
                case "prepareStatement" -> {
                    PreparedStatement statement =
                            (PreparedStatement) java.util.Objects.requireNonNull(invoke(real, method, args));
                    return wrapStatement(statement, (String) args[0]);
                }
                default -> {
                    return invoke(real, method, args);
                }
            }
        };
        return (Connection)
                Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    private PreparedStatement wrapStatement(PreparedStatement real, String sql) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().startsWith("execute")) {
                StatementFault fault = statementFault.get();
                if (fault != null
                        && sql.contains(fault.sqlContains())
                        && fault.remaining().getAndDecrement() > 0) {
                    throw fault.error();
                }
            }
            return invoke(real, method, args);
        };
        return (PreparedStatement) Proxy.newProxyInstance(
                PreparedStatement.class.getClassLoader(), new Class<?>[] {PreparedStatement.class}, handler);
    }

    private static @Nullable Object invoke(Object target, Method method, Object @Nullable [] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() == null ? e : e.getCause();
        }
    }

    private static SQLException lost() {
        return new SQLException("injected: communications link failure during commit", "08S01");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return delegate.isWrapperFor(iface);
    }
}
