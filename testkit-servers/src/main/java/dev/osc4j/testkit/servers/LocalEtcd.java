package dev.osc4j.testkit.servers;

import dev.osc4j.testkit.servers.internal.Binaries;
import dev.osc4j.testkit.servers.internal.FreePorts;
import dev.osc4j.testkit.servers.internal.LogFiles;
import dev.osc4j.testkit.servers.internal.ManagedProcess;
import dev.osc4j.testkit.servers.internal.Poll;
import dev.osc4j.testkit.servers.internal.PortRetries;
import dev.osc4j.testkit.servers.internal.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * An etcd server or cluster started from the binary installed on this machine (Debian package {@code etcd-server}),
 * with every member in a private temporary directory and on free ports of 127.0.0.1.
 *
 * <p>Members can be stopped, killed, paused (SIGSTOP, which looks like a network partition or a long GC pause to
 * the others) and resumed, and restarted on their data directory and ports, for fault tests.
 *
 * <pre>{@code
 * try (LocalEtcd etcd = LocalEtcd.cluster(3)) {
 *     Client client = Client.builder().endpoints(etcd.endpoints().toArray(URI[]::new)).build();
 *     etcd.member(etcd.leaderIndex()).kill();
 *     ...
 * }
 * }</pre>
 *
 * <p>The members are killed and their directories deleted when the JVM exits, if {@link #close()} was not called.
 * Instances are thread-safe.
 */
public final class LocalEtcd implements AutoCloseable {

    /** The Debian package that provides the {@code etcd} binary. */
    public static final String DEBIAN_PACKAGE = "etcd-server";

    /** The executable looked for. */
    public static final List<String> BINARIES = List.of("etcd");

    /** How long starting the members and waiting for them to be healthy may take, unless the builder says. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);

    /** How long a member may take to stop on SIGTERM before it is killed. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

    private static final System.Logger LOG = System.getLogger(LocalEtcd.class.getName());
    private static final String HOST = "127.0.0.1";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final Pattern OPTION_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern HEALTHY = Pattern.compile("\"health\"\\s*:\\s*\"?true");
    private static final Set<String> MANAGED_OPTIONS = Set.of(
            "name",
            "data-dir",
            "wal-dir",
            "listen-client-urls",
            "advertise-client-urls",
            "listen-peer-urls",
            "initial-advertise-peer-urls",
            "initial-cluster",
            "initial-cluster-state",
            "initial-cluster-token",
            "config-file",
            "discovery");
    private static final int LOG_TAIL_LINES = 30;
    private static final AtomicInteger HTTP_THREADS = new AtomicInteger();

    private final Settings settings;
    private final Path baseDirectory;
    private final String clusterToken;
    private final List<Member> members;
    private volatile boolean closed;

    private LocalEtcd(Settings settings) {
        this.settings = settings;
        this.baseDirectory = TempDirectories.create("osc4j-etcd-");
        this.clusterToken = "osc4j-" + UUID.randomUUID();
        List<Integer> ports = FreePorts.allocate(2 * settings.size);
        List<Member> created = new ArrayList<>();
        for (int i = 0; i < settings.size; i++) {
            created.add(new Member(this, i, ports.get(2 * i), ports.get(2 * i + 1)));
        }
        this.members = List.copyOf(created);
    }

    /**
     * Starts a single-member cluster.
     *
     * @return the running, healthy server
     * @throws MissingServerException if no etcd binary is installed
     * @throws ServerLaunchException if it does not start
     */
    public static LocalEtcd single() {
        return builder().start();
    }

    /**
     * Starts a cluster of {@code size} members.
     *
     * @param size the number of members, 1 to 9 (3 tolerates one failed member)
     * @return the running cluster, every member healthy
     * @throws MissingServerException if no etcd binary is installed
     * @throws ServerLaunchException if it does not start
     */
    public static LocalEtcd cluster(int size) {
        return builder().members(size).start();
    }

    /**
     * Returns a builder for other settings.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the client URLs of all members, whatever their state, in member order.
     *
     * @return URLs such as {@code http://127.0.0.1:40123}
     */
    public List<URI> endpoints() {
        return members.stream().map(Member::clientUrl).collect(Collectors.toUnmodifiableList());
    }

    /**
     * Returns the number of members.
     *
     * @return the cluster size
     */
    public int size() {
        return members.size();
    }

    /**
     * Returns a member.
     *
     * @param index 0 to {@code size() - 1}
     * @return the member
     */
    public Member member(int index) {
        if (index < 0 || index >= members.size()) {
            throw new IllegalArgumentException(
                    "index must be between 0 and " + (members.size() - 1) + " but was " + index);
        }
        return members.get(index);
    }

    /**
     * Returns all members, in index order.
     *
     * @return the members
     */
    public List<Member> members() {
        return members;
    }

    /**
     * Returns the index of the current leader, waiting up to the start timeout for one to be elected. The leader
     * is the running, unpaused member that reports itself as leader ({@code /v3/maintenance/status}) in the
     * highest raft term.
     *
     * @return the index of the leader
     * @throws IllegalStateException if no leader is found in time
     */
    public int leaderIndex() {
        return leaderIndex(settings.startTimeout);
    }

    /**
     * Returns the index of the current leader, waiting up to {@code timeout} for one to be elected.
     *
     * @param timeout how long to wait for a leader
     * @return the index of the leader
     * @throws IllegalStateException if no leader is found in time
     */
    public int leaderIndex(Duration timeout) {
        int[] leader = {-1};
        boolean found = Poll.until(timeout, () -> {
            leader[0] = findLeader();
            return leader[0] >= 0;
        });
        if (!found) {
            throw new IllegalStateException("No etcd leader among " + members + " within " + timeout);
        }
        return leader[0];
    }

    /**
     * Resumes paused members, kills all members and deletes their directories. Calling it again does nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // The data is deleted next: a clean shutdown would only cost time.
            for (Member member : members) {
                member.resume();
                member.kill();
            }
        } finally {
            TempDirectories.delete(baseDirectory);
        }
    }

    @Override
    public String toString() {
        return "LocalEtcd" + members;
    }

    private int findLeader() {
        long bestTerm = -1;
        int best = -1;
        for (Member member : members) {
            if (!member.isRunning() || member.isPaused()) {
                continue;
            }
            Optional<EtcdStatus> status = member.status();
            if (status.isPresent() && status.get().isLeader() && status.get().raftTerm() > bestTerm) {
                bestTerm = status.get().raftTerm();
                best = member.index();
            }
        }
        return best;
    }

    private String initialCluster() {
        return members.stream().map(m -> m.name() + "=" + m.peerUrl()).collect(Collectors.joining(","));
    }

    private void launch() {
        long started = System.nanoTime();
        members.forEach(Member::startProcess);
        boolean settled = Poll.until(
                settings.startTimeout,
                () -> members.stream().anyMatch(m -> !m.isRunning())
                        || members.stream().allMatch(Member::isHealthy));
        List<Member> dead = members.stream().filter(m -> !m.isRunning()).collect(Collectors.toList());
        if (settled && dead.isEmpty()) {
            LOG.log(
                    Level.INFO,
                    "Started {0} in {1} ms",
                    this,
                    Long.toString((System.nanoTime() - started) / 1_000_000));
            return;
        }
        String logs = members.stream()
                .map(m -> "--- " + m.name() + " (" + m.logFile + "):\n" + m.logTail())
                .collect(Collectors.joining("\n"));
        if (dead.stream().anyMatch(m -> m.logTail().contains("address already in use"))) {
            throw new PortRetries.PortTakenException(logs);
        }
        throw new ServerLaunchException(
                (dead.isEmpty()
                                ? "etcd did not become healthy within " + settings.startTimeout
                                : "etcd member(s) "
                                        + dead.stream().map(Member::name).collect(Collectors.toList())
                                        + " exited during start-up")
                        + " (" + settings.binary + "). Logs:\n" + logs,
                DEBIAN_PACKAGE,
                null);
    }

    private static LocalEtcd create(Settings settings) {
        return PortRetries.launch("etcd", DEBIAN_PACKAGE, () -> new LocalEtcd(settings), LocalEtcd::launch);
    }

    /**
     * One member of a {@link LocalEtcd} cluster. Thread-safe.
     */
    public static final class Member {

        private final LocalEtcd cluster;
        private final int index;
        private final String name;
        private final URI clientUrl;
        private final URI peerUrl;
        private final Path dataDirectory;
        private final Path logFile;
        private @Nullable ManagedProcess process;
        private boolean paused;

        private Member(LocalEtcd cluster, int index, int clientPort, int peerPort) {
            this.cluster = cluster;
            this.index = index;
            this.name = "m" + index;
            this.clientUrl = URI.create("http://" + HOST + ":" + clientPort);
            this.peerUrl = URI.create("http://" + HOST + ":" + peerPort);
            this.dataDirectory = cluster.baseDirectory.resolve(name);
            this.logFile = cluster.baseDirectory.resolve(name + ".log");
        }

        /**
         * Returns the position of this member in its cluster.
         *
         * @return the index
         */
        public int index() {
            return index;
        }

        /**
         * Returns the member name ({@code --name}).
         *
         * @return {@code m0}, {@code m1}, ...
         */
        public String name() {
            return name;
        }

        /**
         * Returns the URL clients connect to; it stays the same across {@link #restart()}.
         *
         * @return for example {@code http://127.0.0.1:40123}
         */
        public URI clientUrl() {
            return clientUrl;
        }

        /**
         * Returns the URL the other members connect to.
         *
         * @return for example {@code http://127.0.0.1:40124}
         */
        public URI peerUrl() {
            return peerUrl;
        }

        /**
         * Returns the data directory, kept across {@link #restart()}.
         *
         * @return the data directory
         */
        public Path dataDirectory() {
            return dataDirectory;
        }

        /**
         * Returns whether the process is alive, paused or not.
         *
         * @return whether it runs
         */
        public synchronized boolean isRunning() {
            ManagedProcess current = process;
            return current != null && current.isAlive();
        }

        /**
         * Returns whether the member is paused with {@link #pause()}.
         *
         * @return whether it is paused
         */
        public synchronized boolean isPaused() {
            return paused && isRunning();
        }

        /**
         * Asks the member whether it is healthy: {@code GET /health} answers {@code "health":"true"} within one
         * second, which etcd does only while the cluster has a leader.
         *
         * @return whether it is healthy now
         */
        public boolean isHealthy() {
            return get("/health").map(body -> HEALTHY.matcher(body).find()).orElse(false);
        }

        /**
         * Waits until {@link #isHealthy()}.
         *
         * @param timeout how long at most
         * @throws IllegalStateException if it is not healthy in time
         */
        public void awaitHealthy(Duration timeout) {
            if (!Poll.until(timeout, this::isHealthy)) {
                throw new IllegalStateException(this + " is not healthy after " + timeout + "; log:\n" + logTail());
            }
        }

        /**
         * Stops the member with SIGTERM (resuming it first if paused), killing it if it takes longer than
         * {@link #DEFAULT_STOP_TIMEOUT}. Does nothing if it is not running.
         */
        public synchronized void stop() {
            ManagedProcess current = process;
            if (current != null) {
                current.stop(DEFAULT_STOP_TIMEOUT);
                process = null;
                paused = false;
            }
        }

        /** Kills the member with SIGKILL and waits until it is gone. Does nothing if it is not running. */
        public synchronized void kill() {
            ManagedProcess current = process;
            if (current != null) {
                current.kill();
                process = null;
                paused = false;
            }
        }

        /**
         * Freezes the member with SIGSTOP: it keeps its sockets but answers nobody, as in a network partition or
         * a long pause.
         *
         * @throws IllegalStateException if it is not running
         */
        public synchronized void pause() {
            requireRunning("pause");
            if (!paused) {
                requireProcess().signal("STOP");
                paused = true;
            }
        }

        /**
         * Lets a paused member continue with SIGCONT. Does nothing if it is not paused.
         */
        public synchronized void resume() {
            ManagedProcess current = process;
            if (paused && current != null) {
                current.signal("CONT");
            }
            paused = false;
        }

        /**
         * Starts the member again on its data directory and ports after {@link #stop()} or {@link #kill()}; a
         * running member is stopped first. Returns once it is healthy, or, if too few other members run for a
         * quorum, once it answers HTTP.
         *
         * @throws ServerLaunchException if it does not come up within the start timeout
         * @throws IllegalStateException if the cluster has been closed
         */
        public void restart() {
            synchronized (this) {
                if (cluster.isClosed()) {
                    throw new IllegalStateException("Cannot restart " + this + " of a closed cluster");
                }
                stop();
                startProcess();
            }
            long othersUp = cluster.members.stream()
                    .filter(m -> m != this && m.isRunning() && !m.isPaused())
                    .count();
            boolean quorum = othersUp + 1 > cluster.members.size() / 2;
            boolean up = Poll.until(
                    cluster.settings.startTimeout,
                    () -> !isRunning()
                            || (quorum ? isHealthy() : get("/version").isPresent()));
            if (!up || !isRunning()) {
                throw new ServerLaunchException(
                        this + " did not come back within " + cluster.settings.startTimeout + "; log:\n" + logTail(),
                        DEBIAN_PACKAGE,
                        null);
            }
        }

        /**
         * Returns the last lines of the member's log (etcd logs to standard error).
         *
         * @return up to 30 lines
         */
        public String logTail() {
            return LogFiles.tail(logFile, LOG_TAIL_LINES);
        }

        @Override
        public String toString() {
            return "etcd member " + name + "{" + clientUrl
                    + (isPaused() ? ", paused" : isRunning() ? ", running" : ", stopped") + "}";
        }

        private synchronized void startProcess() {
            List<String> command = new ArrayList<>();
            command.add(cluster.settings.binary.toString());
            command.add("--name=" + name);
            command.add("--data-dir=" + dataDirectory);
            command.add("--listen-client-urls=" + clientUrl);
            command.add("--advertise-client-urls=" + clientUrl);
            command.add("--listen-peer-urls=" + peerUrl);
            command.add("--initial-advertise-peer-urls=" + peerUrl);
            command.add("--initial-cluster=" + cluster.initialCluster());
            // Ignored by etcd once the data directory exists, so restarts rejoin the same cluster.
            command.add("--initial-cluster-state=new");
            command.add("--initial-cluster-token=" + cluster.clusterToken);
            command.add("--logger=zap");
            command.add("--log-outputs=stderr");
            cluster.settings.options.forEach((option, value) -> command.add("--" + option + "=" + value));
            try {
                process = ManagedProcess.start(
                        "etcd member " + name + " (" + clientUrl + ")",
                        command,
                        cluster.baseDirectory,
                        logFile,
                        // etcd reads ETCD_* variables as flags and refuses to start when one duplicates a flag.
                        variable -> variable.startsWith("ETCD"));
            } catch (UncheckedIOException e) {
                throw new ServerLaunchException(
                        "Cannot run " + cluster.settings.binary + ": " + e.getMessage(), DEBIAN_PACKAGE, e);
            }
            paused = false;
        }

        private Optional<EtcdStatus> status() {
            return post("/v3/maintenance/status", "{}").flatMap(EtcdStatus::parse);
        }

        private Optional<String> get(String path) {
            return send(HttpRequest.newBuilder(clientUrl.resolve(path)).GET());
        }

        private Optional<String> post(String path, String json) {
            return send(HttpRequest.newBuilder(clientUrl.resolve(path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)));
        }

        /** The body of a reply within {@link #PROBE_TIMEOUT}, whatever its status; empty if none came. */
        private Optional<String> send(HttpRequest.Builder request) {
            try {
                HttpResponse<String> response =
                        Http.CLIENT.send(request.timeout(PROBE_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
                return Optional.of(response.body());
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while probing " + this, e);
            }
        }

        private void requireRunning(String action) {
            if (!isRunning()) {
                throw new IllegalStateException("Cannot " + action + " " + this + ": it is not running");
            }
        }

        private ManagedProcess requireProcess() {
            ManagedProcess current = process;
            if (current == null) {
                throw new IllegalStateException(this + " is not running");
            }
            return current;
        }
    }

    private boolean isClosed() {
        return closed;
    }

    /**
     * One HTTP client for all clusters of the JVM, created on first use: its threads (a selector and the daemon
     * workers below) then serve every probe instead of being started per cluster.
     */
    private static final class Http {
        static final HttpClient CLIENT = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(PROBE_TIMEOUT)
                .executor(Executors.newCachedThreadPool(runnable -> {
                    Thread thread = new Thread(runnable, "osc4j-etcd-http-" + HTTP_THREADS.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }))
                .build();
    }

    /** Immutable settings of a cluster. */
    private static final class Settings {
        final Path binary;
        final int size;
        final Duration startTimeout;
        final Map<String, String> options;

        Settings(Builder builder, Path binary) {
            this.binary = binary;
            this.size = builder.members;
            this.startTimeout = builder.startTimeout;
            this.options = Map.copyOf(new LinkedHashMap<>(builder.options));
        }
    }

    /** Settings for a {@link LocalEtcd}; {@link #start()} starts it. Not thread-safe. */
    public static final class Builder {

        private int members = 1;
        private @Nullable List<Path> searchPath;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private final Map<String, String> options = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Sets the number of members.
         *
         * @param members 1 to 9; default 1
         * @return this builder
         */
        public Builder members(int members) {
            if (members < 1 || members > 9) {
                throw new IllegalArgumentException("members must be between 1 and 9 but was " + members);
            }
            this.members = members;
            return this;
        }

        /**
         * Sets the directories searched for {@code etcd}, replacing the default ({@code PATH}, then
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
         * Sets how long starting (or restarting a member) and becoming healthy may take, and how long
         * {@link LocalEtcd#leaderIndex()} waits for a leader.
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
         * Adds an etcd flag, passed as {@code --name=value} after the testkit's own flags, for example
         * {@code option("election-timeout", "500")}. Flags that decide names, URLs, directories and cluster
         * membership are refused. Flags are visible on the command line: never pass a secret.
         *
         * @param name the flag name without dashes
         * @param value its value
         * @return this builder
         */
        public Builder option(String name, String value) {
            if (!OPTION_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "name must be an etcd flag name such as election-timeout but was '" + name + "'");
            }
            if (MANAGED_OPTIONS.contains(name)) {
                throw new IllegalArgumentException("name must not be " + name
                        + ": LocalEtcd sets it to keep the members on loopback, in their own directories");
            }
            if (value.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("value of " + name + " must not contain control characters");
            }
            options.put(name, value);
            return this;
        }

        /**
         * Starts the members and waits until every one is healthy.
         *
         * @return the running cluster
         * @throws MissingServerException if no etcd binary is found
         * @throws ServerLaunchException if it does not start
         */
        public LocalEtcd start() {
            List<Path> directories = searchPath != null ? searchPath : Binaries.defaultSearchPath();
            Path binary = Binaries.find(directories, BINARIES)
                    .orElseThrow(() -> new MissingServerException("etcd", BINARIES, directories, DEBIAN_PACKAGE));
            return create(new Settings(this, binary));
        }
    }
}
