package dev.osc4j.testkit.servers;

import dev.osc4j.testkit.servers.internal.Binaries;
import dev.osc4j.testkit.servers.internal.FreePorts;
import dev.osc4j.testkit.servers.internal.LogFiles;
import dev.osc4j.testkit.servers.internal.ManagedProcess;
import dev.osc4j.testkit.servers.internal.Poll;
import dev.osc4j.testkit.servers.internal.ProcessReaper;
import dev.osc4j.testkit.servers.internal.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
 * Instances are thread-safe.
 */
public final class LocalMariaDb implements AutoCloseable {

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
    private static final String HOST = "127.0.0.1";
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_]{1,32}");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9_$]{1,64}");
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
    private static final int PORT_ATTEMPTS = 3;
    private static final Duration READY_GRACE = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 40;
    private static final int UNIX_SOCKET_PATH_LIMIT = 100;
    private static final AtomicLong NEXT_SERVER_ID =
            new AtomicLong(1000L * ThreadLocalRandom.current().nextInt(1, 1_000_000));
    private static final Driver DRIVER = createDriver();

    /**
     * Given to the installer. The bootstrap runs with the grant tables off, so it loads them first; it leaves root
     * reachable only through the unix socket in the server's private directory.
     */
    private static final String LOCKDOWN_SCRIPT = """
            FLUSH PRIVILEGES;
            DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';
            DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';
            FLUSH PRIVILEGES;
            """;

    /** Data directories initialised once per JVM and settings, never started, copied for every new server. */
    private static final Map<List<String>, Path> TEMPLATES = new HashMap<>();

    private final Settings settings;
    private final @Nullable LocalMariaDb primary;
    private final String user;
    private final String password;
    private final long serverId;
    private final Path baseDirectory;
    private final Path dataDirectory;
    private final Path errorLog;
    private final Path optionFile;
    private final Path socket;
    private final Path userScript;
    private volatile int port;
    private @Nullable ManagedProcess process;
    private boolean closed;

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
    public LocalMariaDb startReplica() {
        return settings.toBuilder().replicaOf(this).start();
    }

    /**
     * Returns the host the server listens on.
     *
     * @return always {@code 127.0.0.1}
     */
    public String host() {
        return HOST;
    }

    /**
     * Returns the TCP port the server listens on; it stays the same across {@link #restart()}.
     *
     * @return the port
     */
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
    public String jdbcUrl(String database) {
        if (!database.isEmpty()) {
            requireIdentifier("database", database);
        }
        return "jdbc:mysql://" + HOST + ":" + port + "/" + database + "?sslMode=DISABLED&connectTimeout=5000";
    }

    /**
     * Returns the application user, which has all privileges.
     *
     * @return the user name
     */
    public String user() {
        return user;
    }

    /**
     * Returns the application user's password. Do not log it or put it on a command line; give client tools
     * {@link #optionFile()} instead.
     *
     * @return the password
     */
    public String password() {
        return password;
    }

    /**
     * Returns a MySQL option file (mode 0600) with a {@code [client]} group holding the user, password, host and
     * port, for {@code mariadb --defaults-extra-file=<file>} or the DSN part {@code F=<file>} of Percona Toolkit.
     *
     * @return the path of the option file
     */
    public Path optionFile() {
        return optionFile;
    }

    /**
     * Returns the {@code server_id}, unique among the servers this JVM started.
     *
     * @return the server id
     */
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
    public boolean isReplica() {
        return primary != null;
    }

    /**
     * Returns whether the server process is running.
     *
     * @return whether it runs
     */
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
    public Connection connect(String database) throws SQLException {
        return connect(database, 5000);
    }

    /**
     * Creates a database if it does not exist.
     *
     * @param name the database name (letters, digits, {@code _} and {@code $})
     * @throws SQLException if the server refuses
     */
    public void createDatabase(String name) throws SQLException {
        requireIdentifier("name", name);
        execute("CREATE DATABASE IF NOT EXISTS `" + name + "`");
    }

    /**
     * Executes one SQL statement as the application user on a new connection without a default database.
     *
     * @param sql the statement
     * @throws SQLException if the statement fails
     */
    public void execute(String sql) throws SQLException {
        try (Connection connection = connect("");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /**
     * Shuts the server down cleanly (SIGTERM); kills it if that takes longer than {@link #DEFAULT_STOP_TIMEOUT}.
     * Does nothing if it is not running. The data directory stays for {@link #restart()}.
     */
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
    public @Nullable Long replicaLagSeconds() throws SQLException {
        requireReplica();
        try (Connection connection = connect("");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SHOW SLAVE STATUS")) {
            if (!row.next()) {
                return null;
            }
            long seconds = row.getLong("Seconds_Behind_Master");
            return row.wasNull() ? null : seconds;
        }
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
    public void waitForCatchUp(Duration timeout) throws SQLException {
        LocalMariaDb source = requireReplica();
        String target = Objects.requireNonNullElse(source.queryForString("SELECT @@gtid_binlog_pos"), "");
        if (target.isEmpty()) {
            return;
        }
        Integer result;
        try (Connection connection = connect("");
                PreparedStatement statement = connection.prepareStatement("SELECT MASTER_GTID_WAIT(?, ?)")) {
            statement.setString(1, target);
            statement.setDouble(2, Math.max(0.001, timeout.toMillis() / 1000.0));
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                int value = row.getInt(1);
                result = row.wasNull() ? null : value;
            }
        }
        if (result == null || result != 0) {
            Map<String, String> status = replicaStatus();
            throw new IllegalStateException("Replica " + HOST + ":" + port + " did not catch up with primary " + HOST
                    + ":" + source.port + " within " + timeout + ": primary gtid_binlog_pos=" + target
                    + ", replica gtid_slave_pos=" + queryForString("SELECT @@gtid_slave_pos")
                    + ", Slave_IO_Running=" + status.get("Slave_IO_Running")
                    + ", Slave_SQL_Running=" + status.get("Slave_SQL_Running")
                    + ", Last_Error=" + status.get("Last_Error"));
        }
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
        Map<String, String> status = replicaStatus();
        return "Yes".equals(status.get("Slave_IO_Running")) && "Yes".equals(status.get("Slave_SQL_Running"));
    }

    /** Runs a query and returns the first column of the first row, or null if there is no row. */
    @Nullable
    String queryForString(String sql) throws SQLException {
        try (Connection connection = connect("");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getString(1) : null;
        }
    }

    /** The row of SHOW SLAVE STATUS by column name (NULL as "NULL"); empty if replication is not configured. */
    Map<String, String> replicaStatus() throws SQLException {
        Map<String, String> status = new LinkedHashMap<>();
        try (Connection connection = connect("");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SHOW SLAVE STATUS")) {
            if (row.next()) {
                int columns = row.getMetaData().getColumnCount();
                for (int i = 1; i <= columns; i++) {
                    String value = row.getString(i);
                    status.put(row.getMetaData().getColumnLabel(i), value == null ? "NULL" : value);
                }
            }
        }
        return status;
    }

    private LocalMariaDb requireReplica() {
        LocalMariaDb source = primary;
        if (source == null) {
            throw new IllegalStateException(this + " is not a replica; start one with startReplica()");
        }
        return source;
    }

    private Connection connect(String database, int connectTimeoutMillis) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", Integer.toString(connectTimeoutMillis));
        return DRIVER.connect(jdbcUrl(database), properties);
    }

    /**
     * Copies a template data directory: running the installer costs from under one to several seconds on a busy
     * machine (it syncs its DDL log however InnoDB is configured); a copy costs milliseconds.
     */
    private void createDataDirectory() {
        Path template = template(settings, runningAsRoot());
        try (Stream<Path> files = Files.walk(template)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = dataDirectory.resolve(template.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new ServerLaunchException(
                    "Cannot copy the MariaDB template data directory " + template + ": " + e, DEBIAN_PACKAGE, e);
        }
        TempDirectories.writePrivateFile(userScript, userScript());
    }

    /** Returns an initialised, never started data directory for these settings, creating it on first use. */
    private static synchronized Path template(Settings settings, boolean asRoot) {
        List<String> key = new ArrayList<>(List.of(settings.installer.toString(), settings.server.toString()));
        settings.serverOptions.forEach((name, value) -> key.add(name + "=" + value));
        Path existing = TEMPLATES.get(key);
        if (existing != null && Files.isDirectory(existing)) {
            return existing;
        }
        Path directory = TempDirectories.create("osc4j-mariadb-template-");
        Path data = directory.resolve("data");
        Path installLog = directory.resolve("install.log");
        Path lockdown = directory.resolve("lockdown.sql");
        TempDirectories.writePrivateFile(lockdown, LOCKDOWN_SCRIPT);
        List<String> command = new ArrayList<>();
        command.add(settings.installer.toString());
        command.add("--no-defaults");
        Path binDirectory = settings.server.getParent();
        Path basedir = binDirectory == null ? null : binDirectory.getParent();
        if (basedir != null) {
            // Makes the installer bootstrap the same server binary that will run.
            command.add("--basedir=" + basedir);
        }
        command.add("--datadir=" + data);
        command.add("--auth-root-authentication-method=normal");
        command.add("--skip-test-db");
        command.add("--skip-name-resolve");
        command.add("--extra-file=" + lockdown);
        if (asRoot) {
            command.add("--user=root");
        }
        command.addAll(speedOptions());
        settings.serverOptions.forEach((name, value) -> command.add("--" + name + "=" + value));
        long started = System.nanoTime();
        boolean created = false;
        try {
            ManagedProcess installer = ManagedProcess.start(
                    "mariadb-install-db", command, directory, installLog, LocalMariaDb::isClientVariable);
            if (!installer.waitForExit(settings.startTimeout)) {
                installer.kill();
                throw new ServerLaunchException(
                        "Initialising a MariaDB data directory took longer than " + settings.startTimeout
                                + "; installer output:\n" + LogFiles.tail(installLog, LOG_TAIL_LINES),
                        DEBIAN_PACKAGE,
                        null);
            }
            int exitCode = installer.exitCode().orElse(-1);
            if (exitCode != 0) {
                throw new ServerLaunchException(
                        "Initialising a MariaDB data directory with " + settings.installer + " failed (exit code "
                                + exitCode + "). Is the Debian package " + DEBIAN_PACKAGE
                                + " installed completely? Installer output:\n"
                                + LogFiles.tail(installLog, LOG_TAIL_LINES),
                        DEBIAN_PACKAGE,
                        null);
            }
            created = true;
        } catch (UncheckedIOException e) {
            throw new ServerLaunchException(
                    "Cannot run " + settings.installer + ": " + e.getMessage() + ". Is the Debian package "
                            + DEBIAN_PACKAGE + " installed completely?",
                    DEBIAN_PACKAGE,
                    e);
        } finally {
            if (!created) {
                // The message carries the installer's output; the half-made directory is of no further use.
                TempDirectories.delete(directory);
            }
        }
        LOG.log(Level.DEBUG, "Initialised template {0} in {1} ms", data, (System.nanoTime() - started) / 1_000_000);
        TEMPLATES.put(List.copyOf(key), data);
        return data;
    }

    /**
     * Run once, through {@code --init-file} on the first start, so the password is in no installer and on no
     * command line. Kept out of the binary log, or a replica replaying it would fail on an existing user.
     */
    private String userScript() {
        StringBuilder sql = new StringBuilder();
        sql.append("SET sql_log_bin = 0;\n");
        for (String host : List.of(HOST, "localhost")) {
            String account = "'" + user + "'@'" + host + "'";
            sql.append("CREATE USER ")
                    .append(account)
                    .append(" IDENTIFIED BY '")
                    .append(password)
                    .append("';\n");
            sql.append("GRANT ALL PRIVILEGES ON *.* TO ").append(account).append(" WITH GRANT OPTION;\n");
        }
        return sql.toString();
    }

    /** Starts the process and waits until it accepts connections; on the first start a taken port is replaced. */
    private synchronized void launch(boolean mayChangePort) {
        for (int attempt = 1; ; attempt++) {
            if (port == 0) {
                port = FreePorts.allocate();
            }
            TempDirectories.writePrivateFile(optionFile, clientOptions());
            long logOffset = LogFiles.size(errorLog);
            long started = System.nanoTime();
            ManagedProcess current;
            try {
                current = ManagedProcess.start(
                        "MariaDB server on port " + port,
                        serverCommand(),
                        baseDirectory,
                        baseDirectory.resolve("mariadbd.out"),
                        LocalMariaDb::isClientVariable);
            } catch (UncheckedIOException e) {
                throw new ServerLaunchException(
                        "Cannot run " + settings.server + ": " + e.getMessage(), DEBIAN_PACKAGE, e);
            }
            process = current;
            Startup startup = new Startup(current, logOffset);
            Poll.until(settings.startTimeout, startup::settled);
            if (startup.connected) {
                // The user exists now; later starts must not run the script again.
                deleteQuietly(userScript);
                LOG.log(
                        Level.INFO,
                        "Started {0} in {1} ms",
                        this,
                        Long.toString((System.nanoTime() - started) / 1_000_000));
                return;
            }
            current.kill();
            process = null;
            String log = LogFiles.readFrom(errorLog, logOffset);
            if (mayChangePort && attempt < PORT_ATTEMPTS && log.contains("Address already in use")) {
                LOG.log(Level.DEBUG, "Port {0} was taken before MariaDB could bind it; trying another", port);
                port = 0;
                continue;
            }
            String problem = !current.isAlive()
                    ? "The MariaDB server exited during start-up"
                    : startup.readySince != 0
                            ? "The MariaDB server says it is ready but refused " + user + " for " + READY_GRACE + ": "
                                    + startup.lastError
                            : "The MariaDB server did not accept connections within " + settings.startTimeout
                                    + "; last connection error: " + startup.lastError;
            throw launchFailure(problem + " (" + settings.server + ", port " + port + "). Error log:\n"
                    + errorLogTail()
                    + "\nServer output:\n" + LogFiles.tail(baseDirectory.resolve("mariadbd.out"), LOG_TAIL_LINES));
        }
    }

    /** Watches one start: settled once the server accepts the application user, exits, or is stuck. */
    private final class Startup {
        private final ManagedProcess process;
        private final long logOffset;
        boolean connected;
        long readySince;

        @Nullable
        String lastError;

        Startup(ManagedProcess process, long logOffset) {
            this.process = process;
            this.logOffset = logOffset;
        }

        boolean settled() {
            if (!process.isAlive()) {
                return true;
            }
            try (Connection connection = connect("", 1000)) {
                connected = connection.isValid(1);
                if (connected) {
                    return true;
                }
            } catch (SQLException e) {
                lastError = redact(String.valueOf(e.getMessage()));
            }
            // A server that is up but refuses us (say, the user script failed) will not get better: fail early.
            if (readySince == 0 && LogFiles.readFrom(errorLog, logOffset).contains("ready for connections")) {
                readySince = System.nanoTime();
            }
            return readySince != 0 && System.nanoTime() - readySince > READY_GRACE.toNanos();
        }
    }

    private List<String> serverCommand() {
        List<String> command = new ArrayList<>();
        command.add(settings.server.toString());
        command.add("--no-defaults");
        if (runningAsRoot()) {
            command.add("--user=root");
        }
        command.add("--datadir=" + dataDirectory);
        if (Files.exists(userScript)) {
            command.add("--init-file=" + userScript);
        }
        command.add("--tmpdir=" + baseDirectory);
        command.add("--socket=" + socket);
        command.add("--pid-file=" + baseDirectory.resolve("mariadbd.pid"));
        command.add("--log-error=" + errorLog);
        command.add("--bind-address=" + HOST);
        command.add("--port=" + port);
        command.add("--skip-name-resolve");
        command.add("--server-id=" + serverId);
        command.add("--log-bin=mysql-bin");
        command.add("--binlog-format=ROW");
        command.add("--log-slave-updates=ON");
        command.add("--relay-log=relay-bin");
        command.add("--report-host=" + HOST);
        command.add("--report-port=" + port);
        command.add("--character-set-server=utf8mb4");
        command.add("--collation-server=utf8mb4_general_ci");
        command.add("--performance-schema=OFF");
        command.add("--innodb-flush-log-at-trx-commit=2");
        command.add("--sync-binlog=0");
        command.add("--key-buffer-size=1M");
        command.add("--aria-pagecache-buffer-size=8M");
        command.add("--query-cache-size=0");
        command.add("--table-open-cache=200");
        command.addAll(speedOptions());
        if (primary != null) {
            command.add("--read-only=ON");
        }
        command.addAll(extraOptions());
        return command;
    }

    /**
     * Small and without fsync: on a busy machine fsync made initialisation take seconds instead of under one. A
     * killed server still recovers everything committed (the page cache survives it); a crashed machine would not.
     * {@code loose-} keeps a MariaDB that dropped {@code nosync} starting.
     */
    private static List<String> speedOptions() {
        return List.of(
                "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=8M",
                "--innodb-doublewrite=0",
                "--loose-innodb-flush-method=nosync");
    }

    private List<String> extraOptions() {
        List<String> options = new ArrayList<>();
        settings.serverOptions.forEach((name, value) -> options.add("--" + name + "=" + value));
        return options;
    }

    private String clientOptions() {
        return "[client]\n" + "user=" + user + "\n" + "password=" + password + "\n" + "host=" + HOST + "\n" + "port="
                + port + "\n" + "protocol=TCP\n";
    }

    private void startReplication(LocalMariaDb source) {
        try {
            execute("CHANGE MASTER TO MASTER_HOST='" + HOST + "', MASTER_PORT=" + source.port + ", MASTER_USER='"
                    + user + "', MASTER_PASSWORD='" + password + "', MASTER_USE_GTID=slave_pos,"
                    + " MASTER_CONNECT_RETRY=1");
            execute("START SLAVE");
            boolean running = Poll.until(settings.startTimeout, () -> {
                try {
                    return isReplicating();
                } catch (SQLException e) {
                    return false;
                }
            });
            if (!running) {
                Map<String, String> status = replicaStatus();
                throw launchFailure("Replication from " + HOST + ":" + source.port + " did not start within "
                        + settings.startTimeout + ": Slave_IO_Running=" + status.get("Slave_IO_Running")
                        + ", Slave_SQL_Running=" + status.get("Slave_SQL_Running") + ", Last_IO_Error="
                        + status.get("Last_IO_Error") + ", Last_SQL_Error=" + status.get("Last_SQL_Error")
                        + "\nReplica error log:\n" + errorLogTail());
            }
            boolean listed = Poll.until(settings.startTimeout, () -> source.listsReplica(serverId));
            if (!listed) {
                throw launchFailure("The primary " + HOST + ":" + source.port + " does not list replica server_id "
                        + serverId + " in SHOW SLAVE HOSTS");
            }
            waitForCatchUp(settings.startTimeout);
        } catch (SQLException e) {
            // Server messages may quote the statement, and CHANGE MASTER carries the password.
            throw launchFailure("Cannot set up replication from " + HOST + ":" + source.port + ": "
                    + redact(String.valueOf(e.getMessage())) + " (SQLState " + e.getSQLState() + ", error "
                    + e.getErrorCode() + ")");
        }
    }

    private boolean listsReplica(long replicaServerId) {
        try (Connection connection = connect("");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW SLAVE HOSTS")) {
            while (rows.next()) {
                if (rows.getLong("Server_id") == replicaServerId) {
                    return true;
                }
            }
            return false;
        } catch (SQLException e) {
            return false;
        }
    }

    private String redact(String text) {
        return text.replace(password, "****");
    }

    private ServerLaunchException launchFailure(String message) {
        return new ServerLaunchException(redact(message), DEBIAN_PACKAGE, null);
    }

    private boolean runningAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(baseDirectory, "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
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

    /** MySQL clients and servers read these; a test environment must not change the servers it starts. */
    private static boolean isClientVariable(String name) {
        return name.startsWith("MYSQL_") || name.startsWith("MARIADB_");
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // The whole directory is deleted on close; a leftover here is only a delay.
        }
    }

    private static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return password.toString();
    }

    private static void requireIdentifier(String parameter, String value) {
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    parameter + " must be 1 to 64 letters, digits, '_' or '$' but was '" + value + "'");
        }
    }

    private static Driver createDriver() {
        try {
            // Named explicitly so another driver claiming jdbc:mysql: on the classpath cannot take over.
            return new com.mysql.cj.jdbc.Driver();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot load MySQL Connector/J", e);
        }
    }

    private static LocalMariaDb create(Settings settings, @Nullable LocalMariaDb primary) {
        String user = primary != null ? primary.user : settings.user;
        String password = primary != null ? primary.password : randomPassword();
        LocalMariaDb server = new LocalMariaDb(settings, primary, user, password);
        try {
            server.createDataDirectory();
            server.launch(true);
            if (primary != null) {
                server.startReplication(primary);
            }
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Immutable settings a server was started with, shared with replicas it starts. */
    private static final class Settings {
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
