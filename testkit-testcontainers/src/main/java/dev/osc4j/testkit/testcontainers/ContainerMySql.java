package dev.osc4j.testkit.testcontainers;

import com.github.dockerjava.api.DockerClient;
import dev.osc4j.testkit.servers.MySqlServer;
import dev.osc4j.testkit.servers.ServerLaunchException;
import dev.osc4j.testkit.servers.internal.FreePorts;
import dev.osc4j.testkit.servers.internal.Identifiers;
import dev.osc4j.testkit.servers.internal.MySqlClient;
import dev.osc4j.testkit.servers.internal.Poll;
import dev.osc4j.testkit.servers.internal.TempDirectories;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A MySQL 8 server in a Docker container started through Testcontainers' MySQL module: the launcher interface
 * {@link MySqlServer} of {@code LocalMariaDb}, backed by real MySQL 8 for users who have Docker.
 *
 * <p>The server writes a row-based binary log with GTIDs ({@code gtid_mode=ON}) and has a unique {@code server_id},
 * so it can serve as the primary of {@linkplain #startReplica() replicas}: containers on a Docker network shared
 * with the primary, replicating with {@code SOURCE_AUTO_POSITION=1}. Its port is published on a host port chosen
 * before the start (on 127.0.0.1 when Docker runs on this machine), so it stays the same across {@link #restart()}.
 *
 * <p>An application user ({@value #DEFAULT_USER} unless {@linkplain Builder#user(String) chosen}) with all
 * privileges and a random password is created; root can only log in from inside the container. The password
 * reaches the container as the image's environment variables (visible to whoever can inspect the container, as
 * anything in it is) and replicas in a SQL statement; it never appears on a command line, in a log line, an
 * exception message or {@link #toString()}: client tools read it from {@link #optionFile()}.
 *
 * <pre>{@code
 * try (ContainerMySql primary = ContainerMySql.start();
 *         ContainerMySql replica = primary.startReplica()) {
 *     primary.createDatabase("app");
 *     replica.waitForCatchUp(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>Without Docker, starting fails with {@link DockerUnavailableException}. Testcontainers removes the containers
 * when the JVM exits, if {@link #close()} was not called. Instances are thread-safe.
 */
public final class ContainerMySql implements MySqlServer {

    /** The image started unless the builder names another: the MySQL 8 long-term-support release. */
    public static final String DEFAULT_IMAGE = "mysql:8.4";

    /** The application user created unless the builder names another. */
    public static final String DEFAULT_USER = "osc4j";

    /** How long starting a container (after its image is pulled) and, for a replica, replication may take. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(3);

    /** How long a clean shutdown may take before Docker kills the server. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);

    private static final System.Logger LOG = System.getLogger(ContainerMySql.class.getName());
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_]{1,32}");
    private static final Pattern OPTION_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final AtomicLong NEXT_SERVER_ID =
            new AtomicLong(1000L * ThreadLocalRandom.current().nextInt(1, 1_000_000));

    private final Settings settings;
    private final @Nullable ContainerMySql primary;
    private final SharedNetwork network;
    private final String user;
    private final String password;
    private final long serverId;
    private final String host;
    private final int port;
    private final String alias;
    private final Path baseDirectory;
    private final Path optionFile;
    private final MySqlNode container;
    /** The GTIDs of what every container of this family wrote while it initialised itself; replicas skip them. */
    private volatile String initialGtids = "";

    private boolean closed;

    private ContainerMySql(
            Settings settings, @Nullable ContainerMySql primary, SharedNetwork network, String user, String password) {
        this.settings = settings;
        this.primary = primary;
        this.network = network;
        this.user = user;
        this.password = password;
        this.serverId = NEXT_SERVER_ID.incrementAndGet();
        String dockerHost = DockerClientFactory.instance().dockerHostIpAddress();
        this.host = MySqlSetup.reachableHost(dockerHost);
        this.port = FreePorts.allocate();
        this.alias = "mysql-" + serverId;
        this.baseDirectory = TempDirectories.create("osc4j-mysql-container-");
        this.optionFile = baseDirectory.resolve("client.cnf");
        TempDirectories.writePrivateFile(optionFile, clientOptions());
        this.container = new MySqlNode(
                DockerImageName.parse(settings.image).asCompatibleSubstituteFor("mysql"),
                settings.startTimeout,
                this::accepting);
        container
                .withUsername(user)
                .withPassword(password)
                .withDatabaseName("")
                .withEnv("MYSQL_ROOT_HOST", "localhost")
                .withNetwork(network.network())
                .withNetworkAliases(alias)
                .withCopyToContainer(
                        Transferable.of(
                                MySqlSetup.serverConfig(serverId, primary != null, host, port, settings.serverOptions)),
                        MySqlSetup.CONFIG_PATH)
                .withCopyToContainer(Transferable.of(MySqlSetup.grantScript(user)), MySqlSetup.INIT_SCRIPT_PATH);
        container.setPortBindings(MySqlSetup.portBindings(dockerHost, port));
    }

    /**
     * Starts a server with the defaults.
     *
     * @return the running server
     * @throws DockerUnavailableException if there is no working Docker environment
     * @throws ServerLaunchException if the container cannot be started
     */
    public static ContainerMySql start() {
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
     * Starts a container that replicates from this server with GTID auto-positioning, on the Docker network they
     * share, read-only, with the same image, user and password, reporting the host and port the test JVM reaches it
     * on, so {@code SHOW REPLICAS} on this server lists it. It replicates everything written here since this server
     * started (what both containers wrote while initialising themselves is skipped). Returns once both replication
     * threads run and the replica has caught up.
     *
     * @return the running replica; closing it does not affect this server
     * @throws ServerLaunchException if the replica cannot be started or replication does not start
     */
    @Override
    public ContainerMySql startReplica() {
        return settings.toBuilder().replicaOf(this).start();
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    /**
     * {@inheritDoc}
     *
     * @return the URL, for example {@code jdbc:mysql://127.0.0.1:33061/app?sslMode=DISABLED&...}; it allows
     *     Connector/J to fetch the server's public key, which MySQL 8's {@code caching_sha2_password} needs without
     *     TLS
     */
    @Override
    public String jdbcUrl(String database) {
        if (!database.isEmpty()) {
            Identifiers.require("database", database);
        }
        return "jdbc:mysql://" + host + ":" + port + "/" + database
                + "?sslMode=DISABLED&allowPublicKeyRetrieval=true&connectTimeout=5000";
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public Path optionFile() {
        return optionFile;
    }

    @Override
    public long serverId() {
        return serverId;
    }

    /**
     * Returns the image the container runs.
     *
     * @return the image, for example {@value #DEFAULT_IMAGE}
     */
    public String image() {
        return settings.image;
    }

    @Override
    public boolean isReplica() {
        return primary != null;
    }

    @Override
    public synchronized boolean isRunning() {
        return !closed && container.isRunning();
    }

    @Override
    public Connection connect(String database) throws SQLException {
        return connect(database, 5000);
    }

    /** Stops the server cleanly ({@code docker stop}); the container and its data stay for {@link #restart()}. */
    @Override
    public synchronized void stop() {
        if (isRunning()) {
            docker().stopContainerCmd(container.getContainerId())
                    .withTimeout((int) DEFAULT_STOP_TIMEOUT.toSeconds())
                    .exec();
            LOG.log(Level.DEBUG, "Stopped {0}", this);
        }
    }

    /** Kills the server ({@code docker kill}, SIGKILL) and waits until it is gone. */
    @Override
    public synchronized void kill() {
        if (isRunning()) {
            String id = container.getContainerId();
            docker().killContainerCmd(id).exec();
            docker().waitContainerCmd(id).start().awaitStatusCode(DEFAULT_STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            LOG.log(Level.DEBUG, "Killed {0}", this);
        }
    }

    @Override
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("Cannot restart a closed " + this);
        }
        stop();
        docker().startContainerCmd(container.getContainerId()).exec();
        if (!Poll.until(settings.startTimeout, () -> container.isRunning() && accepting())) {
            throw launchFailure("MySQL did not accept connections within " + settings.startTimeout
                    + " after a restart. Container log:\n" + logTail());
        }
        LOG.log(Level.INFO, "Restarted {0}", this);
    }

    @Override
    public void stopReplicaSqlThread() throws SQLException {
        requireReplica();
        execute("STOP REPLICA SQL_THREAD");
    }

    @Override
    public void startReplicaSqlThread() throws SQLException {
        requireReplica();
        execute("START REPLICA SQL_THREAD");
    }

    /**
     * Returns {@code Seconds_Behind_Source} of this replica.
     *
     * @return the lag in seconds, or {@code null} when the SQL thread does not run and the server cannot tell
     */
    @Override
    public @Nullable Long replicaLagSeconds() throws SQLException {
        requireReplica();
        try (Connection connection = connect("");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SHOW REPLICA STATUS")) {
            if (!row.next()) {
                return null;
            }
            long seconds = row.getLong("Seconds_Behind_Source");
            return row.wasNull() ? null : seconds;
        }
    }

    /**
     * Waits until this replica has applied everything the primary had written when this method was called: the
     * primary's {@code @@GLOBAL.gtid_executed}, awaited with {@code WAIT_FOR_EXECUTED_GTID_SET}.
     */
    @Override
    public void waitForCatchUp(Duration timeout) throws SQLException {
        ContainerMySql source = requireReplica();
        String target = source.queryForString("SELECT @@GLOBAL.gtid_executed");
        if (target == null || target.isEmpty()) {
            return;
        }
        int result;
        try (Connection connection = connect("");
                PreparedStatement statement = connection.prepareStatement("SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)")) {
            statement.setString(1, target);
            statement.setLong(2, Math.max(1, (timeout.toMillis() + 999) / 1000));
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                int value = row.getInt(1);
                // 0: caught up; 1: timed out; NULL: the server could not wait (say, replication is not set up).
                result = row.wasNull() ? -1 : value;
            }
        }
        if (result != 0) {
            Map<String, String> status = replicaStatus();
            throw new IllegalStateException("Replica " + this + " did not catch up with " + source + " within "
                    + timeout + ": primary gtid_executed=" + target + ", replica gtid_executed="
                    + queryForString("SELECT @@GLOBAL.gtid_executed") + ", Replica_IO_Running="
                    + status.get("Replica_IO_Running") + ", Replica_SQL_Running="
                    + status.get("Replica_SQL_Running") + ", Last_Error=" + status.get("Last_Error"));
        }
    }

    /**
     * Removes the container (and its data) and the option file; the last server of a primary's family also removes
     * their Docker network. Calling it again does nothing. Replicas of this server are not closed.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            container.stop();
        } finally {
            network.release();
            TempDirectories.delete(baseDirectory);
        }
    }

    @Override
    public String toString() {
        return "ContainerMySql{" + settings.image + " at " + host + ":" + port + ", serverId=" + serverId
                + (primary != null ? ", replica of " + primary.host + ":" + primary.port : "")
                + (closed ? ", closed" : "") + "}";
    }

    /** The container's output so far, for tests that check what it logs. */
    String containerLog() {
        return container.getLogs();
    }

    /** The row of SHOW REPLICA STATUS by column name (NULL as "NULL"); empty if replication is not configured. */
    Map<String, String> replicaStatus() throws SQLException {
        try (Connection connection = connect("")) {
            return MySqlClient.firstRow(connection, "SHOW REPLICA STATUS");
        }
    }

    /** Runs a query and returns the first column of the first row, or null if there is no row. */
    @Nullable
    String queryForString(String sql) throws SQLException {
        try (Connection connection = connect("")) {
            return MySqlClient.queryForString(connection, sql);
        }
    }

    private void launch() {
        long started = System.nanoTime();
        try {
            container.start();
        } catch (RuntimeException e) {
            // Testcontainers' message names the image and container; the cause chain may quote the server.
            throw launchFailure("Cannot start " + this + ": " + e.getMessage(), e);
        }
        LOG.log(Level.INFO, "Started {0} in {1} ms", this, Long.toString((System.nanoTime() - started) / 1_000_000));
    }

    private void startReplication(ContainerMySql source) {
        try {
            String version = String.valueOf(queryForString("SELECT VERSION()"));
            execute(MySqlSetup.resetGtids(version));
            // The entrypoint wrote the same users and grants here as on the source; only later writes replicate.
            try (Connection connection = connect("");
                    PreparedStatement statement = connection.prepareStatement("SET GLOBAL gtid_purged = ?")) {
                statement.setString(1, source.initialGtids);
                statement.execute();
            }
            initialGtids = source.initialGtids;
            execute(MySqlSetup.changeSource(source.alias, user, password));
            execute("START REPLICA");
            boolean running = Poll.until(settings.startTimeout, () -> {
                try {
                    return isReplicating();
                } catch (SQLException e) {
                    return false;
                }
            });
            if (!running) {
                Map<String, String> status = replicaStatus();
                throw launchFailure("Replication from " + source + " did not start within " + settings.startTimeout
                        + ": Replica_IO_Running=" + status.get("Replica_IO_Running") + ", Replica_SQL_Running="
                        + status.get("Replica_SQL_Running") + ", Last_IO_Error=" + status.get("Last_IO_Error")
                        + ", Last_SQL_Error=" + status.get("Last_SQL_Error") + "\nReplica log:\n" + logTail());
            }
            if (!Poll.until(settings.startTimeout, () -> source.listsReplica(serverId))) {
                throw launchFailure(source + " does not list replica server_id " + serverId + " in SHOW REPLICAS");
            }
            waitForCatchUp(settings.startTimeout);
        } catch (SQLException e) {
            // Server messages may quote the statement, and CHANGE REPLICATION SOURCE carries the password.
            throw launchFailure("Cannot set up replication from " + source + ": " + e.getMessage() + " (SQLState "
                    + e.getSQLState() + ", error " + e.getErrorCode() + ")");
        }
    }

    private boolean isReplicating() throws SQLException {
        Map<String, String> status = replicaStatus();
        return "Yes".equals(status.get("Replica_IO_Running")) && "Yes".equals(status.get("Replica_SQL_Running"));
    }

    private boolean listsReplica(long replicaServerId) {
        try (Connection connection = connect("");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW REPLICAS")) {
            while (rows.next()) {
                if (rows.getLong("Server_Id") == replicaServerId) {
                    return true;
                }
            }
            return false;
        } catch (SQLException e) {
            return false;
        }
    }

    private boolean accepting() {
        try (Connection connection = connect("", 1000)) {
            return connection.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    private ContainerMySql requireReplica() {
        ContainerMySql source = primary;
        if (source == null) {
            throw new IllegalStateException(this + " is not a replica; start one with startReplica()");
        }
        return source;
    }

    private Connection connect(String database, int connectTimeoutMillis) throws SQLException {
        return MySqlClient.connect(jdbcUrl(database), user, password, connectTimeoutMillis);
    }

    private DockerClient docker() {
        return container.getDockerClient();
    }

    private String logTail() {
        String log = container.getLogs();
        int lines = 0;
        int index = log.length();
        while (index > 0 && lines < 40) {
            index = log.lastIndexOf('\n', index - 1);
            if (index < 0) {
                index = 0;
                break;
            }
            lines++;
        }
        return log.substring(index);
    }

    private String clientOptions() {
        return "[client]\nuser=" + user + "\npassword=" + password + "\nhost=" + host + "\nport=" + port
                + "\nprotocol=TCP\n";
    }

    private ServerLaunchException launchFailure(String message) {
        return launchFailure(message, null);
    }

    /** Only Testcontainers' own failures are kept as causes: a server's error may quote the password. */
    private ServerLaunchException launchFailure(String message, @Nullable RuntimeException cause) {
        return new ServerLaunchException(
                MySqlSetup.redact(message, password), DockerUnavailableException.DEBIAN_PACKAGE, cause);
    }

    /** Fails with {@link DockerUnavailableException} unless {@code findDocker} finds a working Docker client. */
    static void requireDocker(Runnable findDocker) {
        try {
            findDocker.run();
        } catch (RuntimeException e) {
            throw new DockerUnavailableException(e);
        }
    }

    private static ContainerMySql create(Settings settings, @Nullable ContainerMySql primary) {
        String user = primary != null ? primary.user : settings.user;
        String password = primary != null ? primary.password : MySqlClient.randomPassword();
        SharedNetwork network = primary != null ? primary.network.retain() : SharedNetwork.create();
        ContainerMySql server;
        try {
            server = new ContainerMySql(settings, primary, network, user, password);
        } catch (RuntimeException e) {
            network.release();
            throw e;
        }
        try {
            server.launch();
            if (primary != null) {
                server.startReplication(primary);
            } else {
                server.initialGtids = String.valueOf(server.queryForString("SELECT @@GLOBAL.gtid_executed"));
            }
            return server;
        } catch (SQLException e) {
            server.close();
            throw server.launchFailure("Cannot read the GTIDs of " + server + ": " + e.getMessage());
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Immutable settings a server was started with, shared with replicas it starts. */
    private static final class Settings {
        final String image;
        final Duration startTimeout;
        final String user;
        final Map<String, String> serverOptions;

        Settings(Builder builder) {
            this.image = builder.image;
            this.startTimeout = builder.startTimeout;
            this.user = builder.user;
            this.serverOptions = Map.copyOf(new LinkedHashMap<>(builder.serverOptions));
        }

        Builder toBuilder() {
            Builder builder =
                    new Builder().image(image).startTimeout(startTimeout).user(user);
            builder.serverOptions.putAll(serverOptions);
            return builder;
        }
    }

    /** Settings for a {@link ContainerMySql}; {@link #start()} starts it. Not thread-safe. */
    public static final class Builder {

        private String image = DEFAULT_IMAGE;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private String user = DEFAULT_USER;
        private final Map<String, String> serverOptions = new LinkedHashMap<>();
        private @Nullable ContainerMySql replicaOf;

        private Builder() {}

        /**
         * Sets the Docker image: the official {@code mysql} image from 8.0.23 on (for {@code CHANGE REPLICATION
         * SOURCE}), or one built like it (same entrypoint and {@code /etc/mysql/conf.d}).
         *
         * @param image for example {@code mysql:8.0}; default {@value #DEFAULT_IMAGE}
         * @return this builder
         */
        public Builder image(String image) {
            if (image.isBlank()
                    || image.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw new IllegalArgumentException(
                        "image must be a Docker image name such as mysql:8.4 but was '" + image + "'");
            }
            DockerImageName.parse(image).assertValid();
            this.image = image;
            return this;
        }

        /**
         * Sets how long starting the container (after its image is pulled) and, for a replica, starting
         * replication may take.
         *
         * @param timeout a positive duration of at least a second; default {@link #DEFAULT_START_TIMEOUT}
         * @return this builder
         */
        public Builder startTimeout(Duration timeout) {
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("startTimeout must be at least one second but was " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Sets the name of the application user. A replica always uses its primary's user and password.
         *
         * @param user 1 to 32 letters, digits or {@code _}, not {@code root}; default {@link #DEFAULT_USER}
         * @return this builder
         */
        public Builder user(String user) {
            if (!USER_NAME.matcher(user).matches() || user.equalsIgnoreCase("root")) {
                throw new IllegalArgumentException(
                        "user must be 1 to 32 letters, digits or '_', and not root, but was '" + user + "'");
            }
            this.user = user;
            return this;
        }

        /**
         * Adds a server option, written to the container's configuration file after the launcher's own, so it can
         * override tuning ones (for example {@code innodb_buffer_pool_size}). Options that decide the server's
         * identity, binary log and replication role ({@code server_id}, {@code gtid_mode}, {@code read_only}, ...)
         * are refused. Never pass a secret. Replicas started from this server inherit them.
         *
         * @param name the option name without dashes, for example {@code binlog_row_image}
         * @param value its value, for example {@code MINIMAL}
         * @return this builder
         */
        public Builder serverOption(String name, String value) {
            if (!OPTION_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "name must be a server option name such as binlog_row_image but was '" + name + "'");
            }
            if (MySqlSetup.MANAGED_OPTIONS.contains(name.replace('-', '_'))) {
                throw new IllegalArgumentException("name must not be " + name
                        + ": ContainerMySql sets it to make the server a primary or a replica");
            }
            if (value.isEmpty() || value.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException(
                        "value of " + name + " must be non-empty without control characters");
            }
            serverOptions.put(name, value);
            return this;
        }

        /**
         * Makes the server a replica of {@code primary}, with its user and password; see
         * {@link ContainerMySql#startReplica()}.
         *
         * @param primary a running server
         * @return this builder
         */
        public Builder replicaOf(ContainerMySql primary) {
            this.replicaOf = primary;
            return this;
        }

        /**
         * Starts the container; for a replica, also starts replication and waits until it has caught up.
         *
         * @return the running server
         * @throws DockerUnavailableException if there is no working Docker environment
         * @throws ServerLaunchException if the container cannot be started
         */
        public ContainerMySql start() {
            return start(() -> DockerClientFactory.instance().client());
        }

        /** {@link #start()} with the way to reach Docker given, so its absence can be tested anywhere. */
        ContainerMySql start(Runnable findDocker) {
            requireDocker(findDocker);
            ContainerMySql primary = replicaOf;
            if (primary != null && !primary.isRunning()) {
                throw new IllegalStateException("replicaOf must be a running server but " + primary + " is not");
            }
            return create(new Settings(this), primary);
        }
    }
}
