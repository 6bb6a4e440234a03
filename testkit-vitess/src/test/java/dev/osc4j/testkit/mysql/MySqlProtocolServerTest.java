package dev.osc4j.testkit.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The server as mysql-connector-j 9.5 sees it, over real TCP. */
class MySqlProtocolServerTest {

    private static final String USER = "app";
    private static final String PASSWORD = "s3cret-pw";

    private static MySqlProtocolServer.Builder server() {
        return MySqlProtocolServer.builder().user(USER, PASSWORD).closeTimeout(Duration.ofSeconds(3));
    }

    private static Connection connect(MySqlProtocolServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(), USER, PASSWORD);
    }

    private static @Nullable Object single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).as("a row for %s", sql).isTrue();
            return rs.getObject(1);
        }
    }

    private static long longValue(Connection connection, String sql) throws SQLException {
        return ((Number) Objects.requireNonNull(single(connection, sql))).longValue();
    }

    @Test
    @DisplayName("the driver connects with user and password; the setup queries never reach the handler")
    void connectsAndAnswersSetupQueriesItself() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        List<String> sent = new CopyOnWriteArrayList<>();
        try (MySqlProtocolServer server = server().handler((session, sql) -> {
                            handled.add(sql);
                            return QueryResult.ok();
                        })
                        .queryListener((session, sql) -> sent.add(sql))
                        .build()
                        .start();
                Connection connection = connect(server)) {
            assertThat(connection.getMetaData().getDatabaseProductVersion()).isEqualTo("8.0.40-Vitess");
            assertThat(sent)
                    .anySatisfy(sql -> assertThat(sql)
                            .contains("SELECT  @@session.auto_increment_increment AS auto_increment_increment"));
            assertThat(sent).contains("SET character_set_results = NULL", "SET autocommit=1");
            assertThat(handled).isEmpty();
            assertThat(server.openConnections()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a caller-chosen server version is what the driver reports")
    void serverVersionIsConfigurable() throws Exception {
        try (MySqlProtocolServer server =
                        server().serverVersion("8.0.36-custom").build().start();
                Connection connection = connect(server)) {
            assertThat(connection.getMetaData().getDatabaseProductVersion()).isEqualTo("8.0.36-custom");
            assertThat(single(connection, "SELECT @@version")).isEqualTo("8.0.36-custom");
        }
    }

    @Test
    @DisplayName("a result set with typed columns and NULLs reads by name through JDBC")
    void typedResultSetWithNulls() throws Exception {
        LocalDateTime created = LocalDateTime.of(2024, 5, 6, 7, 8, 9, 123_456_000);
        LocalDateTime updated = LocalDateTime.of(2025, 1, 2, 3, 4, 5);
        QueryResult rows = QueryResult.resultSet()
                .column("name", ColumnType.VARCHAR)
                .column("id", ColumnType.LONGLONG)
                .column("progress", ColumnType.DOUBLE)
                .column("price", ColumnType.DECIMAL)
                .column("created", ColumnType.DATETIME)
                .column("updated", ColumnType.TIMESTAMP)
                .column("statement", ColumnType.TEXT)
                .row("ünïcødé", 9_000_000_000L, 42.5, new BigDecimal("12.340"), created, updated, "alter table t")
                .row(null, null, null, null, null, null, null)
                .build();
        try (MySqlProtocolServer server =
                        server().handler((session, sql) -> rows).build().start();
                Connection connection = connect(server);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SHOW VITESS_MIGRATIONS")) {
            assertThat(rs.getMetaData().getColumnCount()).isEqualTo(7);
            assertThat(rs.getMetaData().getColumnLabel(2)).isEqualTo("id");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("name")).isEqualTo("ünïcødé");
            assertThat(rs.getLong("id")).isEqualTo(9_000_000_000L);
            assertThat(rs.getDouble("progress")).isEqualTo(42.5);
            assertThat(rs.getBigDecimal("price")).isEqualTo(new BigDecimal("12.340"));
            assertThat(rs.getTimestamp("created").toLocalDateTime()).isEqualTo(created);
            assertThat(rs.getObject("updated", LocalDateTime.class)).isEqualTo(updated);
            assertThat(rs.getString("statement")).isEqualTo("alter table t");
            assertThat(rs.wasNull()).isFalse();
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("name")).isNull();
            assertThat(rs.wasNull()).isTrue();
            assertThat(rs.getLong("id")).isZero();
            assertThat(rs.wasNull()).isTrue();
            assertThat(rs.getDouble("progress")).isZero();
            assertThat(rs.wasNull()).isTrue();
            assertThat(rs.getTimestamp("created")).isNull();
            assertThat(rs.getTimestamp("updated")).isNull();
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    @DisplayName("an OK carries affected rows and the last insert id")
    void okWithAffectedRowsAndLastInsertId() throws Exception {
        try (MySqlProtocolServer server = server().handler(
                                (session, sql) -> sql.startsWith("INSERT") ? QueryResult.ok(1, 42) : QueryResult.ok(3))
                        .build()
                        .start();
                Connection connection = connect(server);
                Statement statement = connection.createStatement()) {
            assertThat(statement.executeUpdate("UPDATE t SET a = 1")).isEqualTo(3);
            assertThat(statement.executeUpdate("INSERT INTO t VALUES ()", Statement.RETURN_GENERATED_KEYS))
                    .isEqualTo(1);
            try (ResultSet keys = statement.getGeneratedKeys()) {
                assertThat(keys.next()).isTrue();
                assertThat(keys.getLong(1)).isEqualTo(42);
            }
        }
    }

    @Test
    @DisplayName("a MySqlError becomes an SQLException with its error code, SQLSTATE and message")
    void errorMapsToSqlException() throws Exception {
        try (MySqlProtocolServer server = server().handler((session, sql) -> {
                            if (sql.contains("missing")) {
                                throw new MySqlError(1146, "42S02", "Table 'ks.missing' doesn't exist");
                            }
                            if (sql.contains("bug")) {
                                throw new IllegalStateException("handler bug");
                            }
                            return QueryHandler.unsupported().handle(session, sql);
                        })
                        .build()
                        .start();
                Connection connection = connect(server);
                Statement statement = connection.createStatement()) {
            SQLException missing =
                    catchThrowableOfType(SQLException.class, () -> statement.executeQuery("SELECT * FROM missing"));
            assertThat(missing.getErrorCode()).isEqualTo(1146);
            assertThat(missing.getSQLState()).isEqualTo("42S02");
            assertThat(missing.getMessage()).isEqualTo("Table 'ks.missing' doesn't exist");

            SQLException unsupported =
                    catchThrowableOfType(SQLException.class, () -> statement.execute("ALTER VITESS_MIGRATION x"));
            assertThat(unsupported.getErrorCode()).isEqualTo(1105);
            assertThat(unsupported.getSQLState()).isEqualTo("HY000");
            assertThat(unsupported.getMessage()).isEqualTo("unsupported: ALTER VITESS_MIGRATION x");

            SQLException bug = catchThrowableOfType(SQLException.class, () -> statement.execute("bug"));
            assertThat(bug.getErrorCode()).isEqualTo(1105);
            assertThat(bug.getMessage()).contains("handler bug");

            assertThat(connection.isValid(2))
                    .as("errors leave the connection usable")
                    .isTrue();
        }
    }

    @SuppressWarnings("NullAway") // what a handler written without null checking might do
    private static QueryResult nullAnswer() {
        return null;
    }

    @Test
    @DisplayName("a handler that returns null gets its client an error instead of a hang")
    void nullAnswerIsAnError() throws Exception {
        try (MySqlProtocolServer server =
                        server().handler((session, sql) -> nullAnswer()).build().start();
                Connection connection = connect(server)) {
            SQLException error = catchThrowableOfType(
                    SQLException.class, () -> connection.createStatement().execute("DO 1"));
            assertThat(error.getErrorCode()).isEqualTo(1105);
            assertThat(error.getMessage()).isEqualTo("the query handler returned null for: DO 1");
        }
    }

    @Test
    @DisplayName("a wrong password or unknown user is refused with 1045, and the password is not echoed")
    void wrongPasswordIsAccessDenied() throws Exception {
        try (MySqlProtocolServer server = server().build().start()) {
            SQLException wrong = catchThrowableOfType(
                    SQLException.class, () -> DriverManager.getConnection(server.jdbcUrl(), USER, "wrong-pw-123"));
            assertThat(wrong.getErrorCode()).isEqualTo(1045);
            assertThat(wrong.getSQLState()).isEqualTo("28000");
            assertThat(wrong.getMessage())
                    .contains("Access denied for user 'app'@'127.0.0.1' (using password: YES)")
                    .doesNotContain("wrong-pw-123")
                    .doesNotContain(PASSWORD);

            SQLException unknownUser = catchThrowableOfType(
                    SQLException.class, () -> DriverManager.getConnection(server.jdbcUrl(), "nobody", PASSWORD));
            assertThat(unknownUser.getErrorCode()).isEqualTo(1045);

            SQLException noPassword = catchThrowableOfType(
                    SQLException.class, () -> DriverManager.getConnection(server.jdbcUrl(), USER, ""));
            assertThat(noPassword.getMessage()).contains("(using password: NO)");
        }
    }

    @Test
    @DisplayName("a client starting with caching_sha2_password is switched to mysql_native_password")
    void authSwitchFromCachingSha2() throws Exception {
        try (MySqlProtocolServer server = server().build().start()) {
            String url = server.jdbcUrl() + "&defaultAuthenticationPlugin=caching_sha2_password";
            try (Connection connection = DriverManager.getConnection(url, USER, PASSWORD)) {
                assertThat(connection.isValid(2)).isTrue();
            }
            SQLException wrong =
                    catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(url, USER, "nope"));
            assertThat(wrong.getErrorCode()).isEqualTo(1045);
        }
    }

    @Test
    @DisplayName("useSSL=false and the default user without password work")
    void defaultUserAndUseSslFalse() throws Exception {
        try (MySqlProtocolServer server = MySqlProtocolServer.builder().build().start();
                Connection connection = DriverManager.getConnection(
                        "jdbc:mysql://127.0.0.1:" + server.port() + "/ks?useSSL=false",
                        MySqlProtocolServer.DEFAULT_USER,
                        MySqlProtocolServer.DEFAULT_PASSWORD)) {
            assertThat(single(connection, "SELECT DATABASE()")).isEqualTo("ks");
            assertThat(single(connection, "SELECT CURRENT_USER()")).isEqualTo("root@%");
        }
    }

    @Test
    @DisplayName("session variables set by the client are stored per connection and visible to the handler")
    void sessionVariablesReachTheHandler() throws Exception {
        try (MySqlProtocolServer server = server().sessionVariable("ddl_strategy", "direct")
                        .handler((session, sql) -> QueryResult.resultSet()
                                .column("ddl_strategy", ColumnType.VARCHAR)
                                .column("migration_context", ColumnType.VARCHAR)
                                .column("batch", ColumnType.LONGLONG)
                                .row(
                                        session.variable("ddl_strategy"),
                                        session.stringVariable("@@migration_context")
                                                .orElse(null),
                                        session.variable("batch_size"))
                                .build())
                        .build()
                        .start();
                Connection first = connect(server);
                Connection second = connect(server);
                Statement statement = first.createStatement()) {
            statement.execute("SET @@ddl_strategy='vitess --postpone-completion'");
            statement.execute("SET @@session.migration_context = 'osc4j:m-1:attempt-2'");
            statement.execute("SET batch_size = 500, @marker := 'x'");

            try (ResultSet rs = statement.executeQuery("SHOW VITESS_MIGRATIONS")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("ddl_strategy")).isEqualTo("vitess --postpone-completion");
                assertThat(rs.getString("migration_context")).isEqualTo("osc4j:m-1:attempt-2");
                assertThat(rs.getLong("batch")).isEqualTo(500);
            }
            try (ResultSet rs = statement.executeQuery(
                    "SELECT @@ddl_strategy, @@session.migration_context AS ctx, @marker, @unset")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("@@ddl_strategy")).isEqualTo("vitess --postpone-completion");
                assertThat(rs.getString("ctx")).isEqualTo("osc4j:m-1:attempt-2");
                assertThat(rs.getString("@marker")).isEqualTo("x");
                assertThat(rs.getString("@unset")).isNull();
            }
            assertThat(single(second, "SELECT @@ddl_strategy"))
                    .as("another connection keeps the default")
                    .isEqualTo("direct");

            statement.execute("SET @@ddl_strategy = DEFAULT");
            assertThat(single(first, "SELECT @@ddl_strategy")).isEqualTo("direct");
        }
    }

    @Test
    @DisplayName("SELECT of an unknown system variable fails like MySQL (1193)")
    void unknownSystemVariable() throws Exception {
        try (MySqlProtocolServer server = server().build().start();
                Connection connection = connect(server)) {
            SQLException error = catchThrowableOfType(SQLException.class, () -> single(connection, "SELECT @@nope"));
            assertThat(error.getErrorCode()).isEqualTo(1193);
            assertThat(error.getMessage()).isEqualTo("Unknown system variable 'nope'");
        }
    }

    @Test
    @DisplayName("isolation level, read-only, USE and SET NAMES round-trip through the server")
    void driverSessionStateRoundTrips() throws Exception {
        try (MySqlProtocolServer server = server().build().start();
                Connection connection = connect(server)) {
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            assertThat(connection.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            assertThat(single(connection, "SELECT @@transaction_isolation")).isEqualTo("READ-COMMITTED");
            connection.setReadOnly(true);
            assertThat(connection.isReadOnly()).isTrue();
            connection.setCatalog("other_ks");
            assertThat(single(connection, "SELECT DATABASE()")).isEqualTo("other_ks");
            connection.setAutoCommit(false);
            connection.commit();
            connection.rollback();
            assertThat(single(connection, "SELECT @@autocommit")).isEqualTo(0L);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET NAMES utf8mb4 COLLATE utf8mb4_bin");
            }
            assertThat(single(connection, "SELECT @@collation_connection")).isEqualTo("utf8mb4_bin");
        }
    }

    @Test
    @DisplayName("resetting the server state (COM_RESET_CONNECTION) restores the session defaults")
    void resetConnectionRestoresDefaults() throws Exception {
        try (MySqlProtocolServer server = server().sessionVariable("ddl_strategy", "direct")
                        .build()
                        .start();
                Connection connection = connect(server)) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET @@ddl_strategy = 'vitess'");
            }
            assertThat(single(connection, "SELECT @@ddl_strategy")).isEqualTo("vitess");
            connection.unwrap(com.mysql.cj.jdbc.JdbcConnection.class).resetServerState();
            assertThat(single(connection, "SELECT @@ddl_strategy")).isEqualTo("direct");
        }
    }

    @Test
    @DisplayName("ping (Connection.isValid) succeeds while connected and fails once the server dropped the link")
    void pingAndDisconnectAll() throws Exception {
        try (MySqlProtocolServer server = server().build().start();
                Connection connection = connect(server)) {
            assertThat(connection.isValid(2)).isTrue();
            assertThat(server.disconnectAll()).isEqualTo(1);
            assertThat(connection.isValid(2)).isFalse();
            try (Connection fresh = connect(server)) {
                assertThat(fresh.isValid(2)).as("the server keeps accepting").isTrue();
            }
        }
    }

    @Test
    @DisplayName("several connections run the handler concurrently, each with its own session")
    void concurrentConnections() throws Exception {
        int clients = 4;
        CyclicBarrier allInside = new CyclicBarrier(clients);
        try (MySqlProtocolServer server = server().handler((session, sql) -> {
                    if (sql.contains("rendezvous")) {
                        try {
                            allInside.await(10, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw MySqlError.unknownError("handler calls were not concurrent: " + e);
                        }
                    }
                    return QueryResult.resultSet()
                            .column("id", ColumnType.LONGLONG)
                            .row(session.connectionId())
                            .build();
                })
                .build()
                .start()) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<Long>> results = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    results.add(pool.submit(() -> {
                        try (Connection connection = connect(server)) {
                            long id = longValue(connection, "SELECT CONNECTION_ID()");
                            assertThat(single(connection, "SELECT rendezvous")).isEqualTo(id);
                            for (int q = 0; q < 25; q++) {
                                assertThat(single(connection, "SELECT id FROM t"))
                                        .isEqualTo(id);
                            }
                            return id;
                        }
                    }));
                }
                List<Long> ids = new ArrayList<>();
                for (Future<Long> result : results) {
                    ids.add(result.get(30, TimeUnit.SECONDS));
                }
                assertThat(ids).doesNotHaveDuplicates().hasSize(clients);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    @DisplayName("a dropped connection fails its statement while other connections keep working")
    void droppedConnection() throws Exception {
        List<String> executed = new CopyOnWriteArrayList<>();
        try (MySqlProtocolServer server = server().handler((session, sql) -> {
                            executed.add(sql);
                            return sql.startsWith("ALTER") ? QueryResult.dropConnection() : QueryResult.ok(1);
                        })
                        .build()
                        .start();
                Connection victim = connect(server);
                Connection bystander = connect(server)) {
            SQLException failure = catchThrowableOfType(
                    SQLException.class, () -> victim.createStatement().execute("ALTER TABLE t ADD c INT"));
            assertThat(failure.getSQLState()).startsWith("08");
            assertThat(executed).as("the handler ran before the drop").contains("ALTER TABLE t ADD c INT");
            assertThat(victim.isValid(2)).isFalse();
            try (Statement statement = bystander.createStatement()) {
                assertThat(statement.executeUpdate("DELETE FROM t")).isEqualTo(1);
            }
            awaitOpenConnections(server, 1);
        }
    }

    @Test
    @DisplayName("a delayed answer is cut short by the driver's query timeout (KILL QUERY), the connection survives")
    void delayedAnswerAndQueryTimeout() throws Exception {
        try (MySqlProtocolServer server = server().handler((session, sql) -> sql.equals("slow")
                                ? QueryResult.delayed(Duration.ofSeconds(60), QueryResult.ok())
                                : QueryResult.delayed(Duration.ofMillis(200), QueryResult.ok(7)))
                        .build()
                        .start();
                Connection connection = connect(server);
                Statement statement = connection.createStatement()) {
            long start = System.nanoTime();
            assertThat(statement.executeUpdate("a bit slow")).isEqualTo(7);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));

            statement.setQueryTimeout(1);
            start = System.nanoTime();
            assertThatThrownBy(() -> statement.execute("slow")).isInstanceOf(SQLTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            statement.setQueryTimeout(0);
            assertThat(statement.executeUpdate("a bit slow")).isEqualTo(7);
        }
    }

    @Test
    @DisplayName("KILL closes another connection; KILL of an unknown id fails with 1094")
    void killConnection() throws Exception {
        try (MySqlProtocolServer server = server().build().start();
                Connection victim = connect(server);
                Connection killer = connect(server);
                Statement statement = killer.createStatement()) {
            long id = longValue(victim, "SELECT CONNECTION_ID()");
            statement.execute("KILL " + id);
            assertThat(victim.isValid(2)).isFalse();
            SQLException unknown = catchThrowableOfType(SQLException.class, () -> statement.execute("KILL 987654"));
            assertThat(unknown.getErrorCode()).isEqualTo(1094);
        }
    }

    @Test
    @DisplayName("the handler sees the connection attributes, user and database of its session")
    void sessionIdentity() throws Exception {
        List<Session> sessions = new CopyOnWriteArrayList<>();
        try (MySqlProtocolServer server = server().handler((session, sql) -> {
                            sessions.add(session);
                            return QueryResult.ok();
                        })
                        .build()
                        .start();
                Connection connection = DriverManager.getConnection(server.jdbcUrl("commerce"), USER, PASSWORD);
                Statement statement = connection.createStatement()) {
            statement.execute("ALTER TABLE t ENGINE=InnoDB");
            assertThat(sessions).hasSize(1);
            Session session = sessions.get(0);
            assertThat(session.user()).isEqualTo(USER);
            assertThat(session.database()).contains("commerce");
            assertThat(session.connectionAttributes()).containsEntry("_client_name", "MySQL Connector/J");
            var variables = session.variables(); // see BuiltInQueriesTest on `var`
            assertThat(variables).containsEntry("autocommit", 1L).containsEntry("character_set_results", null);
        }
    }

    @Test
    @DisplayName("close is idempotent, bounded, and ends connections stuck in a delayed answer")
    void closeIsIdempotentAndBounded() throws Exception {
        MySqlProtocolServer server = server().handler(
                        (session, sql) -> QueryResult.delayed(Duration.ofSeconds(60), QueryResult.ok()))
                .build()
                .start();
        int port = server.port();
        CountDownLatch failed = new CountDownLatch(1);
        Thread client = new Thread(() -> {
            try (Connection connection = connect(server)) {
                connection.createStatement().execute("stuck");
            } catch (SQLException expected) {
                failed.countDown();
            }
        });
        client.start();
        awaitOpenConnections(server, 1);
        Thread.sleep(100); // let the statement reach the delay

        long start = System.nanoTime();
        server.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(failed.await(5, TimeUnit.SECONDS))
                .as("the stuck client got an error")
                .isTrue();
        assertThat(server.openConnections()).isZero();
        server.close();
        assertThatThrownBy(() -> new Socket(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port).close())
                .isInstanceOf(ConnectException.class);
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
        client.join(5_000);
    }

    static void awaitOpenConnections(MySqlProtocolServer server, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.openConnections() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.openConnections()).isEqualTo(expected);
    }
}
