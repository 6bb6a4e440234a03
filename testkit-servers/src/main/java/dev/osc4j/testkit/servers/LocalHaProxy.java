package dev.osc4j.testkit.servers;

import dev.osc4j.testkit.servers.internal.Binaries;
import dev.osc4j.testkit.servers.internal.FreePorts;
import dev.osc4j.testkit.servers.internal.LogFiles;
import dev.osc4j.testkit.servers.internal.ManagedProcess;
import dev.osc4j.testkit.servers.internal.Poll;
import dev.osc4j.testkit.servers.internal.PortRetries;
import dev.osc4j.testkit.servers.internal.TempDirectories;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An HAProxy started from the binary installed on this machine (Debian package {@code haproxy}) in the foreground,
 * with a configuration file of its own in a private temporary directory: TCP proxies ({@code listen} sections, one
 * server each) on free ports of 127.0.0.1 and the runtime API at level admin, both on a free loopback port and on a
 * unix socket in that directory.
 *
 * <pre>{@code
 * try (LocalHaProxy haproxy = LocalHaProxy.builder()
 *         .proxy("db", "primary", mariaDb.host(), mariaDb.port())
 *         .start()) {
 *     String url = "jdbc:mysql://127.0.0.1:" + haproxy.port("db") + "/app";
 *     haproxy.command("set server db/primary state drain");
 * }
 * }</pre>
 *
 * <p>The process is killed and its directory deleted when the JVM exits, if {@link #close()} was not called.
 * Instances are thread-safe.
 */
public final class LocalHaProxy implements AutoCloseable {

    /** The Debian package that provides the {@code haproxy} binary. */
    public static final String DEBIAN_PACKAGE = "haproxy";

    /** The executable looked for ({@code /usr/sbin/haproxy} on Debian). */
    public static final List<String> BINARIES = List.of("haproxy");

    /** How long starting and waiting for the runtime API may take, unless the builder says. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(15);

    /** How long HAProxy may take to stop on SIGTERM before it is killed. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);

    private static final System.Logger LOG = System.getLogger(LocalHaProxy.class.getName());
    private static final String HOST = "127.0.0.1";
    private static final InetAddress LOOPBACK = loopback();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final int LOG_TAIL_LINES = 30;
    private static final int MAX_REPLY_BYTES = 4 * 1024 * 1024;

    private final Settings settings;
    private final Path directory;
    private final Path configFile;
    private final Path logFile;
    private final Path unixSocket;
    private final int runtimeApiPort;
    private final Map<String, Integer> ports;
    private @Nullable ManagedProcess process;
    private boolean closed;

    private LocalHaProxy(Settings settings) {
        this.settings = settings;
        this.directory = TempDirectories.create("osc4j-haproxy-");
        this.configFile = directory.resolve("haproxy.cfg");
        this.logFile = directory.resolve("haproxy.log");
        this.unixSocket = directory.resolve("admin.sock");
        List<Integer> free = FreePorts.allocate(settings.proxies.size() + 1);
        this.runtimeApiPort = free.get(0);
        Map<String, Integer> assigned = new LinkedHashMap<>();
        int i = 1;
        for (String name : settings.proxies.keySet()) {
            assigned.put(name, free.get(i++));
        }
        this.ports = Map.copyOf(assigned);
    }

    /**
     * Returns a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the loopback port a proxy listens on.
     *
     * @param proxy the name given to {@link Builder#proxy}
     * @return the port on 127.0.0.1
     */
    public int port(String proxy) {
        Integer port = ports.get(proxy);
        if (port == null) {
            throw new IllegalArgumentException("No proxy named " + proxy + "; there are " + ports.keySet());
        }
        return port;
    }

    /**
     * Returns the host every proxy and the runtime API listen on.
     *
     * @return {@code 127.0.0.1}
     */
    public String host() {
        return HOST;
    }

    /**
     * Returns the TCP address of the runtime API ({@code stats socket ipv4@127.0.0.1:PORT level admin}).
     *
     * @return the address
     */
    public InetSocketAddress runtimeApi() {
        return new InetSocketAddress(LOOPBACK, runtimeApiPort);
    }

    /**
     * Returns the unix socket of the runtime API ({@code stats socket PATH mode 600 level admin}).
     *
     * @return the socket's path
     */
    public Path runtimeApiSocket() {
        return unixSocket;
    }

    /**
     * Returns the configuration file HAProxy was started with.
     *
     * @return the file, in the private temporary directory
     */
    public Path configFile() {
        return configFile;
    }

    /**
     * Sends one command to the runtime API over TCP and returns HAProxy's whole reply.
     *
     * @param command for example {@code show servers state db}; no line break
     * @return the reply, often empty for a command that succeeded
     * @throws UncheckedIOException if the runtime API does not answer
     */
    public String command(String command) {
        if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("command must be one line");
        }
        try (Socket socket = new Socket()) {
            socket.connect(runtimeApi(), (int) PROBE_TIMEOUT.toMillis());
            socket.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                reply.write(buffer, 0, n);
                if (reply.size() > MAX_REPLY_BYTES) {
                    throw new IOException("reply longer than " + MAX_REPLY_BYTES + " bytes");
                }
            }
            return reply.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("HAProxy's runtime API at " + runtimeApi() + " did not answer", e);
        }
    }

    /**
     * The {@code srv_admin_state} of {@code backend/server} from {@code show servers state}: 0 ready, 8 drained (set
     * by {@code set server ... state drain}), 1 maintenance.
     */
    public int adminState(String backend, String server) {
        String state = command("show servers state " + backend);
        for (String line : state.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > 6 && fields[3].equals(server)) {
                return Integer.parseInt(fields[6]);
            }
        }
        throw new IllegalStateException("HAProxy has no server " + backend + "/" + server + ": " + state);
    }

    /**
     * Returns whether the process is alive.
     *
     * @return whether it runs
     */
    public synchronized boolean isRunning() {
        ManagedProcess current = process;
        return current != null && current.isAlive();
    }

    /**
     * Returns the last lines of HAProxy's output (its alerts and warnings go to standard error in the foreground).
     *
     * @return up to 30 lines
     */
    public String logTail() {
        return LogFiles.tail(logFile, LOG_TAIL_LINES);
    }

    /** Stops HAProxy (SIGTERM, then SIGKILL) and deletes its directory. Calling it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            ManagedProcess current = process;
            if (current != null) {
                current.stop(DEFAULT_STOP_TIMEOUT);
                process = null;
            }
        } finally {
            TempDirectories.delete(directory);
        }
    }

    @Override
    public String toString() {
        return "LocalHaProxy{api=" + runtimeApi() + ", proxies=" + ports + (isRunning() ? ", running}" : ", stopped}");
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("127.0.0.1 is not an address", e);
        }
    }

    private String configuration() {
        StringBuilder config = new StringBuilder();
        config.append("# Written by osc4j's LocalHaProxy for one test run.\n")
                .append("global\n")
                .append("    stats socket ipv4@")
                .append(HOST)
                .append(':')
                .append(runtimeApiPort)
                .append(" level admin\n")
                .append("    stats socket ")
                .append(unixSocket)
                .append(" mode 600 level admin\n")
                .append("    stats timeout 30s\n")
                .append("\n")
                .append("defaults\n")
                .append("    mode tcp\n")
                .append("    timeout connect 2s\n")
                .append("    timeout client 10m\n")
                .append("    timeout server 10m\n")
                .append("    timeout queue 5s\n");
        settings.proxies.forEach((name, proxy) -> config.append('\n')
                .append("listen ")
                .append(name)
                .append('\n')
                .append("    bind ")
                .append(HOST)
                .append(':')
                .append(port(name))
                .append('\n')
                .append("    server ")
                .append(proxy.server)
                .append(' ')
                .append(proxy.host)
                .append(':')
                .append(proxy.port)
                .append('\n'));
        for (String section : settings.sections) {
            config.append('\n').append(section.strip()).append('\n');
        }
        return config.toString();
    }

    private boolean answers() {
        try {
            return command("show info").contains("Name: HAProxy");
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    private synchronized void launch() {
        TempDirectories.writePrivateFile(configFile, configuration());
        List<String> command = List.of(settings.binary.toString(), "-db", "-f", configFile.toString());
        try {
            process = ManagedProcess.start("HAProxy (" + runtimeApi() + ")", command, directory, logFile, v -> false);
        } catch (UncheckedIOException e) {
            throw new ServerLaunchException("Cannot run " + settings.binary + ": " + e.getMessage(), DEBIAN_PACKAGE, e);
        }
        long started = System.nanoTime();
        boolean up = Poll.until(settings.startTimeout, Duration.ofMillis(50), () -> !isRunning() || answers());
        if (up && isRunning()) {
            LOG.log(
                    Level.INFO,
                    "Started {0} in {1} ms",
                    this,
                    Long.toString((System.nanoTime() - started) / 1_000_000));
            return;
        }
        String log = logTail();
        if (!isRunning() && log.contains("cannot bind socket")) {
            throw new PortRetries.PortTakenException(log);
        }
        throw new ServerLaunchException(
                (isRunning()
                                ? "HAProxy's runtime API did not answer within " + settings.startTimeout
                                : "HAProxy exited during start-up")
                        + " (" + settings.binary + ", " + configFile + "). Log:\n" + log,
                DEBIAN_PACKAGE,
                null);
    }

    private static LocalHaProxy create(Settings settings) {
        return PortRetries.launch("HAProxy", DEBIAN_PACKAGE, () -> new LocalHaProxy(settings), LocalHaProxy::launch);
    }

    /** One TCP proxy: a {@code listen} section with one server. */
    private static final class Proxy {
        final String server;
        final String host;
        final int port;

        Proxy(String server, String host, int port) {
            this.server = server;
            this.host = host;
            this.port = port;
        }
    }

    /** Immutable settings. */
    private static final class Settings {
        final Path binary;
        final Duration startTimeout;
        final Map<String, Proxy> proxies;
        final List<String> sections;

        Settings(Builder builder, Path binary) {
            this.binary = binary;
            this.startTimeout = builder.startTimeout;
            this.proxies = new LinkedHashMap<>(builder.proxies);
            this.sections = List.copyOf(builder.sections);
        }
    }

    /** Settings for a {@link LocalHaProxy}; {@link #start()} starts it. Not thread-safe. */
    public static final class Builder {

        private @Nullable List<Path> searchPath;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private final Map<String, Proxy> proxies = new LinkedHashMap<>();
        private final List<String> sections = new ArrayList<>();

        private Builder() {}

        /**
         * Adds a TCP proxy: a {@code listen NAME} section on a free loopback port with one server, {@code SERVER}, at
         * {@code host:port}, without health checks (the server is up until the runtime API says otherwise).
         *
         * @param name the proxy's name, which is also its backend's name
         * @param server the server's name in it
         * @param host the address HAProxy connects to
         * @param port the port HAProxy connects to
         * @return this builder
         */
        public Builder proxy(String name, String server, String host, int port) {
            requireName("name", name);
            requireName("server", server);
            requireName("host", host);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535 but was " + port);
            }
            if (proxies.containsKey(name)) {
                throw new IllegalArgumentException("name must be unique but " + name + " is already a proxy");
            }
            proxies.put(name, new Proxy(server, host, port));
            return this;
        }

        /**
         * Appends a section to the configuration file as it is, after the proxies, for example a backend that only
         * declares a stick table. It must not bind a port: every port of a test server is chosen by the launcher.
         *
         * @param section one or more configuration lines
         * @return this builder
         */
        public Builder section(String section) {
            if (section.contains("bind ") || section.contains("stats socket")) {
                throw new IllegalArgumentException(
                        "section must not bind a port or a socket: LocalHaProxy chooses them, on loopback");
            }
            sections.add(section);
            return this;
        }

        /**
         * Sets the directories searched for {@code haproxy}, replacing the default ({@code PATH}, then
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
         * Sets how long starting until the runtime API answers may take.
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
         * Writes the configuration, starts HAProxy in the foreground and waits until its runtime API answers.
         *
         * @return the running HAProxy
         * @throws MissingServerException if no haproxy binary is found
         * @throws ServerLaunchException if it does not start
         */
        public LocalHaProxy start() {
            List<Path> directories = searchPath != null ? searchPath : Binaries.defaultSearchPath();
            Path binary = Binaries.find(directories, BINARIES)
                    .orElseThrow(() -> new MissingServerException("HAProxy", BINARIES, directories, DEBIAN_PACKAGE));
            return create(new Settings(this, binary));
        }

        private static void requireName(String what, String value) {
            if (!NAME.matcher(value).matches()) {
                throw new IllegalArgumentException(
                        what + " must be 1 to 64 of [A-Za-z0-9._:-] but was '" + value + "'");
            }
        }
    }
}
