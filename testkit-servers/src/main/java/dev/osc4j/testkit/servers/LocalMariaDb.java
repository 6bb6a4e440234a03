package dev.osc4j.testkit.servers;

import dev.osc4j.testkit.servers.internal.Binaries;
import dev.osc4j.testkit.servers.internal.Identifiers;
import dev.osc4j.testkit.servers.internal.LogFiles;
import dev.osc4j.testkit.servers.internal.ManagedProcess;
import dev.osc4j.testkit.servers.internal.MySqlClient;
import dev.osc4j.testkit.servers.internal.ProcessReaper;
import dev.osc4j.testkit.servers.internal.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A MariaDB server started from the binaries installed on this machine (Debian package {@code mariadb-server}), in
 * a private temporary directory, listening on a free port of 127.0.0.1 only.
 *
 * <p>The server writes a row-based binary log with MariaDB GTIDs, has a unique {@code server_id} and
 * {@code log_slave_updates}, so it can serve as the primary of {@linkplain #startReplica() real replicas}. It is
 * sized for tests: a 32 MiB buffer pool, no performance schema, relaxed durability (commits survive a killed
 * server, not a killed machine).
 *
 * <p>An application user ({@value #DEFAULT_USER} unless {@linkplain Builder#user(String) chosen}) with all
 * privileges and a random password is created; root can only log in through the unix socket in the private
 * directory. The password never appears on a command line, in a log line, an exception message or
 * {@link #toString()}: client tools read it from {@link #optionFile()}.
 *
 * <pre>{@code
 * try (LocalMariaDb primary = LocalMariaDb.start();
 *         LocalMariaDb replica = primary.startReplica()) {
 *     primary.createDatabase("app");
 *     try (Connection connection = primary.connect("app")) { ... }
 *     replica.waitForCatchUp(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>The server is killed and its directory deleted when the JVM exits, if {@link #close()} was not called.
 * Instances are thread-safe. It implements the launcher interface {@link MySqlServer}.
 */
public final class LocalMariaDb implements MySqlServer {

    /** The Debian package that provides the server and {@code mariadb-install-db}. */
    public static final String DEBIAN_PACKAGE = "mariadb-server";

    /** The application user created unless the builder names another. */
    public static final String DEFAULT_USER = "osc4j";

    /** How long initialising the data directory and starting the server may take, unless the builder says. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

    /** How long a clean shutdown may take before the server is killed. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);

    /** The server executables looked for, preferred first. */
    public static final List<String> SERVER_BINARIES = List.of("mariadbd", "mysqld");

    /** The data-directory initialisers looked for, preferred first. */
    public static final List<String> INSTALLER_BINARIES = List.of("mariadb-install-db", "mysql_install_db");

    private static final System.Logger LOG = System.getLogger(LocalMariaDb.class.getName());
    static final String HOST = "127.0.0.1";
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_]{1,32}");
    private static final Pattern OPTION_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final Set<String> MANAGED_OPTIONS = Set.of(
            "port",
            "bind_address",
            "skip_networking",
            "socket",
            "datadir",
            "basedir",
            "tmpdir",
            "pid_file",
            "log_error",
            "init_file",
            "user",
            "server_id",
            "report_host",
            "report_port",
            "no_defaults",
            "defaults_file",
            "defaults_extra_file");
    static final int LOG_TAIL_LINES = 40;
    private static final int UNIX_SOCKET_PATH_LIMIT = 100;
    private static final AtomicLong NEXT_SERVER_ID =
            new AtomicLong(1000L * ThreadLocalRandom.current().nextInt(1, 1_000_000));

    // Package-private for the classes that do this server's jobs (config, data directory, launch, replication).
    final Settings settings;
    final @Nullable LocalMariaDb primary;
    final String user;
    final String password;
    final long serverId;
    final Path baseDirectory;
    final Path dataDirectory;
    final Path errorLog;
    final Path optionFile;
    final Path socket;
    final Path userScript;
    volatile int port;
    /** Guarded by this server's monitor. */
    @Nullable
    ManagedProcess process;

    private boolean closed;

    final MariaDbConfig config;
    private final MariaDbLauncher launcher;
    private final MariaDbReplication replication;

    private LocalMariaDb(Settings settings, @Nullable LocalMariaDb primary, String user, String password) {
        this.settings = settings;
        this.primary = primary;
        this.user = user;
        this.password = password;
        this.serverId = NEXT_SERVER_ID.incrementAndGet();
        this.baseDirectory = TempDirectories.create("osc4j-mariadb-");
        this.dataDirectory = baseDirectory.resolve("data");
        this.errorLog = baseDirectory.resolve("error.log");
        this.optionFile = baseDirectory.resolve("client.cnf");
        this.userScript = baseDirectory.resolve("init-user.sql");
        Path socketPath = baseDirectory.resolve("mariadbd.sock");
        if (socketPath.toString().getBytes(StandardCharsets.UTF_8).length > UNIX_SOCKET_PATH_LIMIT) {
            // Unix socket paths are limited to about 100 bytes; a long java.io.tmpdir must not break start-up.
            socketPath = shortSocketPath();
        }
        this.socket = socketPath;
        this.config = new MariaDbConfig(this);
        this.launcher = new MariaDbLauncher(this);
        this.replication = new MariaDbReplication(this);
    }

    /**
     * Starts a server with the defaults.
     *
     * @return the running server
     * @throws MissingServerException if no MariaDB server binary is installed
     * @throws ServerLaunchException if the server cannot be initialised or started
     */
    public static LocalMariaDb start() {
        return builder().start();
    }

    /**
     * Returns a builder to start a server with other settings.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a second server that replicates from this one with real GTID-based replication
     * ({@code MASTER_USE_GTID=slave_pos}), read-only, with the same application user and password (so tools such as
     * pt-online-schema-change reach it with the primary's credentials), reporting its host and port so that
     * {@code SHOW SLAVE HOSTS} on this server lists it. Returns once both replication threads run and the replica
     * has caught up.
     *
     * @return the running replica; closing it does not affect this server
     * @throws ServerLaunchException if the replica cannot be started or replication does not start
     */
    @Override
    public LocalMariaDb startReplica() {
        return settings.toBuilder().replicaOf(this).start();
    }

    /**
     * Returns the host the server listens on.
     *
     * @return always {@code 127.0.0.1}
     */
    @Override
    public String host() {
        return HOST;
    }

    /**
     * Returns the TCP port the server listens on; it stays the same across {@link #restart()}.
     *
     * @return the port
     */
    @Override
    public int port() {
        return port;
    }

    /**
     * Returns a Connector/J URL for {@code database} without credentials; pass {@link #user()} and
     * {@link #password()} as connection properties.
     *
     * @param database the default database, or an empty string for none
     * @return the URL, for example {@code jdbc:mysql://127.0.0.1:33061/app?sslMode=DISABLED}
     */
    @Override
    public String jdbcUrl(String database) {
        if (!database.isEmpty()) {
            Identifiers.require("database", database);
        }
        return "jdbc:mysql://" + HOST + ":" + port + "/" + database + "?sslMode=DISABLED&connectTimeout=5000";
    }

    /**
     * Returns the application user, which has all privileges.
     *
     * @return the user name
     */
    @Override
    public String user() {
        return user;
    }

    /**
     * Returns the application user's password. Do not log it or put it on a command line; give client tools
     * {@link #optionFile()} instead.
     *
     * @return the password
     */
    @Override
    public String password() {
        return password;
    }

    /**
     * Returns a MySQL option file (mode 0600) with a {@code [client]} group holding the user, password, host and
     * port, for {@code mariadb --defaults-extra-file=<file>} or the DSN part {@code F=<file>} of Percona Toolkit.
     *
     * @return the path of the option file
     */
    @Override
    public Path optionFile() {
        return optionFile;
    }

    /**
     * Returns the {@code server_id}, unique among the servers this JVM started.
     *
     * @return the server id
     */
    @Override
    public long serverId() {
        return serverId;
    }

    /**
     * Returns the data directory, for fault tests that need to look at or damage files.
     *
     * @return the data directory
     */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /**
     * Returns whether this server was started as a replica.
     *
     * @return whether it replicates from another {@code LocalMariaDb}
     */
    @Override
    public boolean isReplica() {
        return primary != null;
    }

    /**
     * Returns whether the server process is running.
     *
     * @return whether it runs
     */
    @Override
    public synchronized boolean isRunning() {
        ManagedProcess current = process;
        return current != null && current.isAlive();
    }

    /**
     * Opens a connection as the application user.
     *
     * @param database the default database, or an empty string for none
     * @return a new connection; the caller closes it
     * @throws SQLException if the server refuses or cannot be reached
     */
    @Override
    public Connection connect(String database) throws SQLException {
        return connect(database, 5000);
    }

    /**
     * Shuts the server down cleanly (SIGTERM); kills it if that takes longer than {@link #DEFAULT_STOP_TIMEOUT}.
     * Does nothing if it is not running. The data directory stays for {@link #restart()}.
     */
    @Override
    public synchronized void stop() {
        ManagedProcess current = process;
        if (current != null) {
            current.stop(DEFAULT_STOP_TIMEOUT);
            process = null;
            LOG.log(Level.DEBUG, "Stopped {0}", this);
        }
    }

    /**
     * Kills the server with SIGKILL, as a crash would, and waits until it is gone. Does nothing if it is not running.
     */
    @Override
    public synchronized void kill() {
        ManagedProcess current = process;
        if (current != null) {
            current.kill();
            process = null;
            LOG.log(Level.DEBUG, "Killed {0}", this);
        }
    }

    /**
     * Starts the server again on the same data directory and port, after {@link #stop()} or {@link #kill()}; if it
     * is running, it is stopped cleanly first. Returns when it accepts connections. A replica resumes replicating
     * from where it stopped.
     *
     * @throws ServerLaunchException if it does not come up
     * @throws IllegalStateException if the server has been closed
     */
    @Override
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("Cannot restart a closed " + this);
        }
        stop();
        launch(false);
    }

    /**
     * Returns the last lines of the server's error log.
     *
     * @return up to 40 lines, or an empty string if there is no log yet
     */
    public String errorLogTail() {
        return LogFiles.tail(errorLog, LOG_TAIL_LINES);
    }

    /**
     * Stops the SQL thread of this replica, so that changes arrive in its relay log but are not applied: a simple
     * way to make it lag.
     *
     * @throws SQLException if the server refuses
     * @throws IllegalStateException if this server is not a replica
     */
    @Override
    public void stopReplicaSqlThread() throws SQLException {
        requireReplica();
        execute("STOP SLAVE SQL_THREAD");
    }

    /**
     * Starts the SQL thread of this replica again.
     *
     * @throws SQLException if the server refuses
     * @throws IllegalStateException if this server is not a replica
     */
    @Override
    public void startReplicaSqlThread() throws SQLException {
        requireReplica();
        execute("START SLAVE SQL_THREAD");
    }

    /**
     * Returns {@code Seconds_Behind_Master} of this replica.
     *
     * @return the lag in seconds, or {@code null} when replication is not running (for example after
     *     {@link #stopReplicaSqlThread()}) and the server cannot tell
     * @throws SQLException if the server refuses
     * @throws IllegalStateException if this server is not a replica
     */
    @Override
    public @Nullable Long replicaLagSeconds() throws SQLException {
        requireReplica();
        return replication.replicaLagSeconds();
    }

    /**
     * Waits until this replica has applied everything the primary had written when this method was called: the
     * primary's {@code @@gtid_binlog_pos} is compared with the replica's {@code gtid_slave_pos} (through
     * {@code MASTER_GTID_WAIT}).
     *
     * @param timeout how long to wait at most
     * @throws SQLException if either server refuses
     * @throws IllegalStateException if this server is not a replica, or it has not caught up within {@code timeout}
     *     (the message carries both positions and the replication state)
     */
    @Override
    public void waitForCatchUp(Duration timeout) throws SQLException {
        LocalMariaDb source = requireReplica();
        replication.waitForCatchUp(source, timeout);
    }

    /**
     * Kills the server and deletes its directory; a clean shutdown would only cost time, since the data goes too.
     * Calling it again does nothing. Replicas of this server are not closed.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            kill();
        } finally {
            TempDirectories.delete(baseDirectory);
            Path socketDirectory = socket.getParent();
            if (socketDirectory != null && !socket.startsWith(baseDirectory)) {
                TempDirectories.delete(socketDirectory);
            }
        }
    }

    @Override
    public String toString() {
        return "LocalMariaDb{" + HOST + ":" + port + ", serverId=" + serverId
                + (primary != null ? ", replica of " + HOST + ":" + primary.port : "")
                + (closed ? ", closed" : isRunning() ? ", running" : ", stopped") + "}";
    }

    /** Both replication threads of this replica run. */
    boolean isReplicating() throws SQLException {
        return replication.isReplicating();
    }

    /** Runs a query and returns the first column of the first row, or null if there is no row. */
    @Nullable
    String queryForString(String sql) throws SQLException {
        try (Connection connection = connect("")) {
            return MySqlClient.queryForString(connection, sql);
        }
    }

    /** The row of SHOW SLAVE STATUS by column name (NULL as "NULL"); empty if replication is not configured. */
    Map<String, String> replicaStatus() throws SQLException {
        return replication.replicaStatus();
    }

    private LocalMariaDb requireReplica() {
        LocalMariaDb source = primary;
        if (source == null) {
            throw new IllegalStateException(this + " is not a replica; start one with startReplica()");
        }
        return source;
    }

    Connection connect(String database, int connectTimeoutMillis) throws SQLException {
        return MySqlClient.connect(jdbcUrl(database), user, password, connectTimeoutMillis);
    }

    /** Starts the process and waits until it accepts connections; on the first start a taken port is replaced. */
    private synchronized void launch(boolean mayChangePort) {
        launcher.launch(mayChangePort);
    }

    String redact(String text) {
        return text.replace(password, "****");
    }

    ServerLaunchException launchFailure(String message) {
        return new ServerLaunchException(redact(message), DEBIAN_PACKAGE, null);
    }

    private static Path shortSocketPath() {
        try {
            Path directory = Files.createTempDirectory(Path.of("/tmp"), "osc4j-");
            ProcessReaper.instance().registerDirectory(directory);
            return directory.resolve("mariadbd.sock");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a directory for the MariaDB socket under /tmp", e);
        }
    }

    private static LocalMariaDb create(Settings settings, @Nullable LocalMariaDb primary) {
        String user = primary != null ? primary.user : settings.user;
        String password = primary != null ? primary.password : MySqlClient.randomPassword();
        LocalMariaDb server = new LocalMariaDb(settings, primary, user, password);
        try {
            new MariaDbDataDirectory(server).create();
            server.launch(true);
            if (primary != null) {
                server.replication.startReplication(primary);
            }
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Immutable settings a server was started with, shared with replicas it starts. */
    static final class Settings {
        final Path server;
        final Path installer;
        final List<Path> searchPath;
        final Duration startTimeout;
        final String user;
        final Map<String, String> serverOptions;

        Settings(Builder builder, Path server, Path installer, List<Path> searchPath) {
            this.server = server;
            this.installer = installer;
            this.searchPath = searchPath;
            this.startTimeout = builder.startTimeout;
            this.user = builder.user;
            this.serverOptions = Map.copyOf(new LinkedHashMap<>(builder.serverOptions));
        }

        Builder toBuilder() {
            Builder builder = new Builder()
                    .searchPath(searchPath)
                    .startTimeout(startTimeout)
                    .user(user);
            builder.serverOptions.putAll(serverOptions);
            return builder;
        }
    }

    /** Settings for a {@link LocalMariaDb}; {@link #start()} starts it. Not thread-safe. */
    public static final class Builder {

        private @Nullable List<Path> searchPath;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private String user = DEFAULT_USER;
        private final Map<String, String> serverOptions = new LinkedHashMap<>();
        private @Nullable LocalMariaDb replicaOf;

        private Builder() {}

        /**
         * Sets the directories searched for {@code mariadbd}/{@code mysqld} and
         * {@code mariadb-install-db}/{@code mysql_install_db}, replacing the default ({@code PATH}, then
         * {@code /usr/sbin}, {@code /usr/local/sbin}, {@code /sbin}).
         *
         * @param directories the directories, searched in order
         * @return this builder
         */
        public Builder searchPath(List<Path> directories) {
            this.searchPath = List.copyOf(directories);
            return this;
        }

        /**
         * Sets how long initialising and starting the server (and, for a replica, starting replication) may take.
         *
         * @param timeout a positive duration; default {@link #DEFAULT_START_TIMEOUT}
         * @return this builder
         */
        public Builder startTimeout(Duration timeout) {
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("startTimeout must be positive but was " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Sets the name of the application user. A replica always uses its primary's user and password.
         *
         * @param user 1 to 32 letters, digits or {@code _}; default {@link #DEFAULT_USER}
         * @return this builder
         */
        public Builder user(String user) {
            if (!USER_NAME.matcher(user).matches()) {
                throw new IllegalArgumentException(
                        "user must be 1 to 32 letters, digits or '_' but was '" + user + "'");
            }
            this.user = user;
            return this;
        }

        /**
         * Adds a server option, passed as {@code --name=value} to the installer and the server after the
         * testkit's own options, so it can override the tuning ones (for example {@code innodb_buffer_pool_size}).
         * Options that decide where the server listens and keeps its files, and its identity ({@code port},
         * {@code bind_address}, {@code datadir}, {@code server_id}, ...) are refused. Options are visible on the
         * command line: never pass a secret. Replicas started from this server inherit them.
         *
         * @param name the option name without dashes, for example {@code gtid_strict_mode}
         * @param value its value, for example {@code ON}
         * @return this builder
         */
        public Builder serverOption(String name, String value) {
            if (!OPTION_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "name must be a server option name such as gtid_strict_mode but was '" + name + "'");
            }
            if (MANAGED_OPTIONS.contains(name.replace('-', '_'))) {
                throw new IllegalArgumentException("name must not be " + name
                        + ": LocalMariaDb sets it to keep the server private, on loopback and in its own directory");
            }
            if (value.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("value of " + name + " must not contain control characters");
            }
            serverOptions.put(name, value);
            return this;
        }

        /**
         * Makes the server a replica of {@code primary}, with the primary's user and password; see
         * {@link LocalMariaDb#startReplica()}.
         *
         * @param primary a running server
         * @return this builder
         */
        public Builder replicaOf(LocalMariaDb primary) {
            this.replicaOf = primary;
            return this;
        }

        /**
         * Initialises a data directory and starts the server; for a replica, also starts replication and waits
         * until it has caught up.
         *
         * @return the running server
         * @throws MissingServerException if no MariaDB server binary or installer is found
         * @throws ServerLaunchException if the server cannot be initialised or started
         */
        public LocalMariaDb start() {
            List<Path> directories = searchPath != null ? searchPath : Binaries.defaultSearchPath();
            Path server = Binaries.find(directories, SERVER_BINARIES)
                    .orElseThrow(() ->
                            new MissingServerException("MariaDB server", SERVER_BINARIES, directories, DEBIAN_PACKAGE));
            Path installer = Binaries.find(directories, INSTALLER_BINARIES)
                    .orElseThrow(() -> new MissingServerException(
                            "MariaDB data directory installer", INSTALLER_BINARIES, directories, DEBIAN_PACKAGE));
            LocalMariaDb primary = replicaOf;
            if (primary != null && !primary.isRunning()) {
                throw new IllegalStateException("replicaOf must be a running server but " + primary + " is not");
            }
            return create(new Settings(this, server, installer, directories), primary);
        }
    }
}
