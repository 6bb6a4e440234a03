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
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Prometheus server started from the binary installed on this machine (Debian package {@code prometheus}), with a
 * configuration file and a TSDB of its own in a private temporary directory, listening on a free port of 127.0.0.1,
 * scraping the given targets every {@link Builder#scrapeInterval} (default 1 s).
 *
 * <pre>{@code
 * try (LocalPrometheus prometheus = LocalPrometheus.builder().scrape("app", "127.0.0.1:" + port).start()) {
 *     URI api = prometheus.uri(); // http://127.0.0.1:PORT/, the HTTP API under api/v1
 * }
 * }</pre>
 *
 * <p>The process is killed and its directory deleted when the JVM exits, if {@link #close()} was not called.
 */
public final class LocalPrometheus implements AutoCloseable {

    /** The Debian package that provides the {@code prometheus} binary. */
    public static final String DEBIAN_PACKAGE = "prometheus";

    /** The executable looked for ({@code /usr/bin/prometheus} on Debian). */
    public static final List<String> BINARIES = List.of("prometheus");

    /** How long starting until {@code /-/ready} answers may take, unless the builder says. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);

    private static final System.Logger LOG = System.getLogger(LocalPrometheus.class.getName());
    private static final String HOST = "127.0.0.1";
    private static final Pattern JOB = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern TARGET = Pattern.compile("[A-Za-z0-9.-]{1,253}:[0-9]{1,5}");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 30;

    private final Settings settings;
    private final Path directory;
    private final Path configFile;
    private final Path logFile;
    private final int port;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private @Nullable ManagedProcess process;
    private boolean closed;

    private LocalPrometheus(Settings settings) {
        this.settings = settings;
        this.directory = TempDirectories.create("osc4j-prometheus-");
        this.configFile = directory.resolve("prometheus.yml");
        this.logFile = directory.resolve("prometheus.log");
        this.port = FreePorts.allocate(1).get(0);
    }

    /** Returns a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The base of the HTTP API, {@code http://127.0.0.1:PORT/}. */
    public URI uri() {
        return URI.create("http://" + HOST + ":" + port + "/");
    }

    /** The configuration file Prometheus was started with. */
    public Path configFile() {
        return configFile;
    }

    /** Whether the process is alive. */
    public synchronized boolean isRunning() {
        ManagedProcess current = process;
        return current != null && current.isAlive();
    }

    /** The last lines of Prometheus' log (up to 30). */
    public String logTail() {
        return LogFiles.tail(logFile, LOG_TAIL_LINES);
    }

    /** Stops Prometheus (SIGTERM, then SIGKILL) and deletes its directory. Calling it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            ManagedProcess current = process;
            if (current != null) {
                current.stop(STOP_TIMEOUT);
                process = null;
            }
        } finally {
            TempDirectories.delete(directory);
        }
    }

    @Override
    public String toString() {
        return "LocalPrometheus{" + uri() + (isRunning() ? ", running}" : ", stopped}");
    }

    private String configuration() {
        long seconds = Math.max(1, settings.scrapeInterval.toSeconds());
        StringBuilder config = new StringBuilder()
                .append("# Written by osc4j's LocalPrometheus for one test run.\n")
                .append("global:\n")
                .append("  scrape_interval: ")
                .append(seconds)
                .append("s\n")
                .append("  evaluation_interval: ")
                .append(seconds)
                .append("s\n")
                .append("scrape_configs:\n");
        for (String[] job : settings.jobs) {
            config.append("  - job_name: '")
                    .append(job[0])
                    .append("'\n    scrape_timeout: ")
                    .append(seconds)
                    .append("s\n    static_configs:\n      - targets: ['")
                    .append(job[1])
                    .append("']\n");
        }
        return config.toString();
    }

    private boolean ready() {
        try {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(uri().resolve("-/ready"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private synchronized void launch() {
        TempDirectories.writePrivateFile(configFile, configuration());
        List<String> command = List.of(
                settings.binary.toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + directory.resolve("data"),
                "--web.listen-address=" + HOST + ":" + port);
        try {
            process = ManagedProcess.start("Prometheus (" + uri() + ")", command, directory, logFile, v -> false);
        } catch (UncheckedIOException e) {
            throw new ServerLaunchException("Cannot run " + settings.binary + ": " + e.getMessage(), DEBIAN_PACKAGE, e);
        }
        long started = System.nanoTime();
        boolean up = Poll.until(settings.startTimeout, Duration.ofMillis(100), () -> !isRunning() || ready());
        if (up && isRunning()) {
            LOG.log(
                    Level.INFO,
                    "Started {0} in {1} ms",
                    this,
                    Long.toString((System.nanoTime() - started) / 1_000_000));
            return;
        }
        String log = logTail();
        if (!isRunning() && log.contains("address already in use")) {
            throw new PortRetries.PortTakenException(log);
        }
        throw new ServerLaunchException(
                (isRunning()
                                ? "Prometheus was not ready within " + settings.startTimeout
                                : "Prometheus exited during start-up")
                        + " (" + settings.binary + ", " + configFile + "). Log:\n" + log,
                DEBIAN_PACKAGE,
                null);
    }

    /** Immutable settings. */
    private static final class Settings {
        final Path binary;
        final Duration startTimeout;
        final Duration scrapeInterval;
        final List<String[]> jobs;

        Settings(Builder builder, Path binary) {
            this.binary = binary;
            this.startTimeout = builder.startTimeout;
            this.scrapeInterval = builder.scrapeInterval;
            this.jobs = List.copyOf(builder.jobs);
        }
    }

    /** Settings for a {@link LocalPrometheus}; {@link #start()} starts it. Not thread-safe. */
    public static final class Builder {
        private @Nullable List<Path> searchPath;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private Duration scrapeInterval = Duration.ofSeconds(1);
        private final List<String[]> jobs = new ArrayList<>();

        private Builder() {}

        /**
         * Scrapes {@code target} ({@code host:port}, whose {@code /metrics} is read) as job {@code job}.
         *
         * @param job the job's name, the {@code job} label of its series
         * @param target {@code host:port}
         * @return this builder
         */
        public Builder scrape(String job, String target) {
            if (!JOB.matcher(job).matches()) {
                throw new IllegalArgumentException("job must be 1 to 64 of [A-Za-z0-9_-] but was '" + job + "'");
            }
            if (!TARGET.matcher(target).matches()) {
                throw new IllegalArgumentException("target must be host:port but was '" + target + "'");
            }
            jobs.add(new String[] {job, target});
            return this;
        }

        /**
         * Sets the scrape interval, whole seconds.
         *
         * @param interval at least 1 s; default 1 s
         * @return this builder
         */
        public Builder scrapeInterval(Duration interval) {
            if (interval.toSeconds() < 1) {
                throw new IllegalArgumentException("scrapeInterval must be at least 1 s but was " + interval);
            }
            this.scrapeInterval = interval;
            return this;
        }

        /**
         * Sets the directories searched for {@code prometheus}, replacing the default ({@code PATH}, then the sbin
         * directories).
         *
         * @param directories the directories, searched in order
         * @return this builder
         */
        public Builder searchPath(List<Path> directories) {
            this.searchPath = List.copyOf(directories);
            return this;
        }

        /**
         * Sets how long starting until {@code /-/ready} answers may take.
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
         * Writes the configuration, starts Prometheus and waits until it is ready.
         *
         * @return the running Prometheus
         * @throws MissingServerException if no prometheus binary is found
         * @throws ServerLaunchException if it does not start
         */
        public LocalPrometheus start() {
            List<Path> directories = searchPath != null ? searchPath : Binaries.defaultSearchPath();
            Path binary = Binaries.find(directories, BINARIES)
                    .orElseThrow(() -> new MissingServerException("Prometheus", BINARIES, directories, DEBIAN_PACKAGE));
            Settings settings = new Settings(this, binary);
            return PortRetries.launch(
                    "Prometheus", DEBIAN_PACKAGE, () -> new LocalPrometheus(settings), LocalPrometheus::launch);
        }
    }
}
