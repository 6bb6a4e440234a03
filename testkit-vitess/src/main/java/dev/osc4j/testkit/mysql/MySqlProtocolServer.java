package dev.osc4j.testkit.mysql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * A MySQL protocol server on 127.0.0.1 for tests: the transport of a fake VTGate (or of any fake MySQL-speaking
 * service). Build it, {@link #start() start} it, point mysql-connector-j at {@link #jdbcUrl()}, {@link #close() close}
 * it.
 *
 * <pre>{@code
 * try (MySqlProtocolServer server = MySqlProtocolServer.builder()
 *         .user("app", "secret")
 *         .handler((session, sql) -> QueryResult.ok(1))
 *         .build()
 *         .start();
 *      Connection connection = DriverManager.getConnection(server.jdbcUrl(), "app", "secret")) {
 *     connection.createStatement().executeUpdate("DELETE FROM t"); // 1
 * }
 * }</pre>
 *
 * <h2>What is implemented</h2>
 *
 * <ul>
 *   <li>Protocol 4.1: Initial Handshake v10 with the chosen server version string (default {@value
 *       #DEFAULT_SERVER_VERSION}), HandshakeResponse41 with connection attributes and {@code CLIENT_CONNECT_WITH_DB},
 *       {@code CLIENT_DEPRECATE_EOF} when the client supports it (classic EOF packets otherwise), correct sequence ids,
 *       payloads split at 16 MB on the way out.
 *   <li>Authentication with {@code mysql_native_password} and a fresh 20-byte scramble per connection; a client that
 *       starts with another plugin (such as {@code caching_sha2_password}) is sent an AuthSwitchRequest. A wrong user
 *       or password gets error 1045 (SQLSTATE 28000) {@code Access denied for user 'u'@'host' (using password: YES)};
 *       the password is never logged or echoed.
 *   <li>Commands (the MySQL protocol documentation, dev.mysql.com/doc/dev/mysql-server/latest/, page names in
 *       brackets): {@code COM_QUERY} (text protocol, [page_protocol_com_query.html]), {@code COM_STMT_PREPARE},
 *       {@code COM_STMT_EXECUTE} with binary result sets, {@code COM_STMT_RESET}, {@code COM_STMT_SEND_LONG_DATA} and
 *       {@code COM_STMT_CLOSE} [page_protocol_com_stmt_prepare.html, page_protocol_com_stmt_execute.html,
 *       page_protocol_binary_resultset.html, page_protocol_com_stmt_reset.html,
 *       page_protocol_com_stmt_send_long_data.html, page_protocol_com_stmt_close.html], {@code COM_PING}, {@code
 *       COM_QUIT}, {@code COM_INIT_DB}, {@code COM_SET_OPTION} (multi-statements on or off,
 *       [page_protocol_com_set_option.html]), {@code COM_RESET_CONNECTION}, {@code COM_FIELD_LIST}
 *       [page_protocol_com_field_list.html]. {@code COM_STMT_CLOSE} and {@code COM_STMT_SEND_LONG_DATA} are never
 *       answered, as the protocol says. Any other command gets error 1047 {@code Unknown command}.
 *   <li>Prepared statements: the bound values are substituted into the statement as SQL literals and it runs through
 *       the same built-in answers and {@link QueryHandler} as a text query; the prepare answer has no column
 *       definitions (each execution sends its own). No cursors: the whole result set is always sent.
 *   <li>Multi-statements: with {@code CLIENT_MULTI_STATEMENTS}, a query is split at the semicolons outside quotes and
 *       comments, as VTGate splits it (go/mysql/conn.go in vitessio/vitess), one result per statement with {@code
 *       SERVER_MORE_RESULTS_EXISTS} on all but the last, stopping at the first error
 *       [page_protocol_multi_resultset.html].
 *   <li>Built-in answers to session setup: see {@link QueryHandler} for the list. {@code SET} statements store session
 *       variables per connection, which {@link Session} exposes and {@code SELECT @@name} reads back.
 *   <li>Results: text result sets of the types in {@link ColumnType} with NULLs, OK packets with affected rows, last
 *       insert id, warning count and info, ERR packets from {@link MySqlError}.
 *   <li>Faults for tests: {@link QueryResult#dropConnection()}, {@link QueryResult#delayed(Duration, QueryResult)},
 *       {@link #disconnectAll()}, and {@code KILL [QUERY|CONNECTION] id}.
 * </ul>
 *
 * <h2>Limits</h2>
 *
 * <ul>
 *   <li>No TLS: a client that requests SSL gets error 1043 and is disconnected. No compression, no session-state
 *       tracking, no query attributes, no cursors, no {@code COM_CHANGE_USER}, no {@code LOAD DATA LOCAL}. The
 *       testkit's README lists every command and limit.
 *   <li>Client packets larger than one 16 MB frame are read, discarded and answered with error 1153; the connection
 *       stays usable. Malformed packets get an ERR (1835 or 1156) and close that connection only.
 *   <li>Statements are decoded as UTF-8; result text is sent as utf8mb4 whatever {@code SET NAMES} chose. There are no
 *       transactions: {@code BEGIN}/{@code COMMIT}/{@code ROLLBACK} are acknowledged and do nothing.
 *   <li>{@code SET GLOBAL} is not built in (it goes to the handler); {@code @@global.x} reads the server defaults.
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * <p>{@link #start()} starts one daemon thread that accepts connections and one daemon thread per connection, named
 * {@code osc4j-mysql-<port>-accept} and {@code osc4j-mysql-<port>-conn-<id>}. The {@link QueryHandler} therefore runs
 * concurrently for different connections. {@link #close()} stops accepting, closes every connection and waits for the
 * threads at most {@link Builder#closeTimeout(Duration) closeTimeout}.
 */
public final class MySqlProtocolServer implements AutoCloseable {

    /** The version string of the handshake unless {@link Builder#serverVersion(String)} sets another. */
    public static final String DEFAULT_SERVER_VERSION = "8.0.40-Vitess";

    /** The user accepted when the builder names none; its password is {@link #DEFAULT_PASSWORD}. */
    public static final String DEFAULT_USER = "root";

    /** The password of {@link #DEFAULT_USER}: empty. */
    public static final String DEFAULT_PASSWORD = "";

    /** How long {@link #close()} waits for connection threads unless {@link Builder#closeTimeout} sets another. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final System.Logger LOG = System.getLogger(MySqlProtocolServer.class.getName());
    private static final String HOST = "127.0.0.1";
    private static final byte[] LOOPBACK_IPV4 = {127, 0, 0, 1};

    private final ServerConfig config;
    private final Map<Long, ServerConnection> connections = new ConcurrentHashMap<>();
    private final AtomicLong nextConnectionId = new AtomicLong(1);
    private final BuiltInQueries builtIns = new BuiltInQueries(this::kill);
    private final Object lifecycleLock = new Object();
    private @Nullable ServerSocket serverSocket; // guarded by lifecycleLock
    private @Nullable Thread acceptThread; // guarded by lifecycleLock
    private volatile boolean closed;

    private MySqlProtocolServer(ServerConfig config) {
        this.config = config;
    }

    /**
     * Starts a builder with the defaults: free port, version {@value #DEFAULT_SERVER_VERSION}, user {@value
     * #DEFAULT_USER} without password, a handler that answers everything with error 1105.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts accepting connections.
     *
     * @return this server, started
     * @throws IllegalStateException if the server was already started or closed
     * @throws UncheckedIOException if the port cannot be bound
     */
    public MySqlProtocolServer start() {
        synchronized (lifecycleLock) {
            if (closed) {
                throw new IllegalStateException("the server was closed; build a new one");
            }
            if (serverSocket != null) {
                throw new IllegalStateException("the server is already started on port " + serverSocket.getLocalPort());
            }
            ServerSocket socket;
            try {
                socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByAddress(LOOPBACK_IPV4), config.port()), 50);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + HOST + ":" + config.port(), e);
            }
            serverSocket = socket;
            Thread thread = new Thread(() -> acceptLoop(socket), "osc4j-mysql-" + socket.getLocalPort() + "-accept");
            thread.setDaemon(true);
            acceptThread = thread;
            thread.start();
            LOG.log(Level.DEBUG, "MySQL protocol server listening on " + HOST + ":" + socket.getLocalPort());
            return this;
        }
    }

    /**
     * The port the server listens on.
     *
     * @return the bound port
     * @throws IllegalStateException if the server has not been started
     */
    public int port() {
        synchronized (lifecycleLock) {
            if (serverSocket == null) {
                throw new IllegalStateException("the server is not started; call start() first");
            }
            return serverSocket.getLocalPort();
        }
    }

    /**
     * The host the server listens on.
     *
     * @return {@code "127.0.0.1"}
     */
    public String host() {
        return HOST;
    }

    /**
     * The version string the handshake advertises.
     *
     * @return the server version, for example {@value #DEFAULT_SERVER_VERSION}
     */
    public String serverVersion() {
        return config.serverVersion();
    }

    /**
     * A mysql-connector-j URL for this server without a default database and with TLS disabled.
     *
     * @return {@code jdbc:mysql://127.0.0.1:<port>/?sslMode=DISABLED}
     */
    public String jdbcUrl() {
        return jdbcUrl("");
    }

    /**
     * A mysql-connector-j URL for this server with a default database and TLS disabled.
     *
     * @param database the database to select at connect, or empty for none
     * @return {@code jdbc:mysql://127.0.0.1:<port>/<database>?sslMode=DISABLED}
     */
    public String jdbcUrl(String database) {
        return "jdbc:mysql://" + HOST + ":" + port() + "/" + database + "?sslMode=DISABLED";
    }

    /**
     * How many client connections are open right now (authenticating or authenticated).
     *
     * @return the number of open connections
     */
    public int openConnections() {
        return connections.size();
    }

    /**
     * Closes every open client connection without a word, as a restarting server would; the server keeps accepting
     * new ones.
     *
     * @return how many connections were closed
     */
    public int disconnectAll() {
        List<ServerConnection> open = new ArrayList<>(connections.values());
        for (ServerConnection connection : open) {
            connection.close();
        }
        return open.size();
    }

    /**
     * Stops accepting, closes every connection and waits for their threads at most the close timeout. Idempotent.
     */
    @Override
    public void close() {
        ServerSocket socket;
        Thread accept;
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            socket = serverSocket;
            accept = acceptThread;
        }
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing the server socket", e);
            }
        }
        List<Thread> threads = new ArrayList<>();
        if (accept != null) {
            threads.add(accept);
        }
        for (ServerConnection connection : connections.values()) {
            connection.close();
            Thread thread = connection.thread();
            if (thread != null) {
                threads.add(thread);
            }
        }
        for (Thread thread : threads) {
            long remaining = deadline - System.nanoTime();
            try {
                if (remaining > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (thread.isAlive()) {
                LOG.log(
                        Level.WARNING,
                        "thread " + thread.getName() + " did not stop within " + config.closeTimeout()
                                + "; it is a daemon thread and is left behind");
            }
        }
    }

    private void acceptLoop(ServerSocket socket) {
        while (!closed) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                if (closed || socket.isClosed()) {
                    return;
                }
                LOG.log(Level.WARNING, "accepting a connection failed", e);
                continue;
            }
            long id = nextConnectionId.getAndIncrement();
            ServerConnection connection =
                    new ServerConnection(config, client, id, builtIns, () -> connections.remove(id));
            connections.put(id, connection);
            if (closed) {
                connection.close();
                connections.remove(id);
                return;
            }
            Thread thread = new Thread(connection, "osc4j-mysql-" + socket.getLocalPort() + "-conn-" + id);
            thread.setDaemon(true);
            connection.start(thread);
        }
    }

    private boolean kill(long connectionId, boolean queryOnly) {
        ServerConnection connection = connections.get(connectionId);
        if (connection == null) {
            return false;
        }
        if (queryOnly) {
            connection.killQuery();
        } else {
            connection.close();
        }
        return true;
    }

    @Override
    public String toString() {
        synchronized (lifecycleLock) {
            return "MySqlProtocolServer[" + HOST + ":"
                    + (serverSocket == null ? "not started" : serverSocket.getLocalPort()) + ", version "
                    + config.serverVersion() + (closed ? ", closed" : "") + "]";
        }
    }

    /** Configures a {@link MySqlProtocolServer}; every setter validates its argument. */
    public static final class Builder {
        private String serverVersion = DEFAULT_SERVER_VERSION;
        private int port;
        private final Map<String, String> users = new LinkedHashMap<>();
        private QueryHandler handler = QueryHandler.unsupported();
        private final Map<String, @Nullable Object> sessionVariables = new LinkedHashMap<>();
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private @Nullable BiConsumer<Session, String> queryListener;

        private Builder() {}

        /**
         * The version string of the handshake and of {@code @@version}.
         *
         * @param serverVersion for example {@code "8.0.40-Vitess"}; mysql-connector-j 9 expects 8.0 or later
         * @return this builder
         * @throws IllegalArgumentException if blank or containing a NUL character
         */
        public Builder serverVersion(String serverVersion) {
            if (serverVersion.isBlank() || serverVersion.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(
                        "serverVersion must be non-blank without NUL characters but was '" + serverVersion + "'");
            }
            this.serverVersion = serverVersion;
            return this;
        }

        /**
         * The port to listen on.
         *
         * @param port 1 to 65535, or 0 (the default) for a free port chosen at start
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder port(int port) {
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("port must be between 0 and 65535 but was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Accepts a user with a password; may be called for several users. When never called, the server accepts
         * {@value #DEFAULT_USER} with an empty password.
         *
         * @param user the user name, matched exactly
         * @param password the password, empty for none
         * @return this builder
         * @throws IllegalArgumentException if the user name is empty
         */
        public Builder user(String user, String password) {
            if (user.isEmpty()) {
                throw new IllegalArgumentException("user must not be empty");
            }
            users.put(user, password);
            return this;
        }

        /**
         * The handler for statements the server does not answer itself.
         *
         * @param handler a thread-safe handler
         * @return this builder
         */
        public Builder handler(QueryHandler handler) {
            this.handler = handler;
            return this;
        }

        /**
         * Adds or overrides a session variable every new session starts with, for example {@code ("ddl_strategy",
         * "direct")}; {@code SELECT @@name} then returns it.
         *
         * @param name the variable name, with or without {@code @@}
         * @param value a String, Number or Boolean, or {@code null} for SQL NULL
         * @return this builder
         * @throws IllegalArgumentException if the name is empty or the value has another type
         */
        public Builder sessionVariable(String name, @Nullable Object value) {
            String normalized = SessionVariables.normalizeName(name);
            sessionVariables.put(normalized, SessionVariables.normalizeValue(normalized, value));
            return this;
        }

        /**
         * How long {@link #close()} waits for connection threads to end.
         *
         * @param closeTimeout positive; default {@link #DEFAULT_CLOSE_TIMEOUT}
         * @return this builder
         * @throws IllegalArgumentException if zero or negative
         */
        public Builder closeTimeout(Duration closeTimeout) {
            if (closeTimeout.isZero() || closeTimeout.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must be positive but was " + closeTimeout);
            }
            this.closeTimeout = closeTimeout;
            return this;
        }

        /**
         * Observes every {@code COM_QUERY}, including those the server answers itself, before it is answered. For
         * tests that assert what a client sent. Called on the connection's thread; exceptions are logged and ignored.
         *
         * @param queryListener receives the session and the statement text
         * @return this builder
         */
        public Builder queryListener(BiConsumer<Session, String> queryListener) {
            this.queryListener = queryListener;
            return this;
        }

        /**
         * Creates the server without starting any thread or binding the port.
         *
         * @return the server, not started
         */
        public MySqlProtocolServer build() {
            Map<String, @Nullable Object> defaults = SessionVariables.mysqlDefaults(serverVersion);
            defaults.putAll(sessionVariables);
            Map<String, String> accepted = users.isEmpty() ? Map.of(DEFAULT_USER, DEFAULT_PASSWORD) : Map.copyOf(users);
            return new MySqlProtocolServer(new ServerConfig(
                    serverVersion,
                    port,
                    accepted,
                    handler,
                    Collections.unmodifiableMap(defaults),
                    closeTimeout,
                    queryListener));
        }
    }
}
