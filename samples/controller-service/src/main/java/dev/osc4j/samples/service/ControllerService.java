package dev.osc4j.samples.service;

import com.sun.net.httpserver.HttpServer;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.ProgressSinks;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.StateStore;
import dev.osc4j.spi.TopologyProbe;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller as a service: an orchestrator running its reconcile loop, an HTTP API for operators and dashboards
 * ({@link HttpApi}), and Prometheus metrics. Start several instances on one shared store and they share the work;
 * kill one and the others take its migrations over.
 *
 * <p>This template runs on the testkit's fake topology and engine so it works anywhere. For production, replace
 * {@link #world} with your topology probe and engines (pt-osc, gh-ost, Vitess) and the store with a shared one
 * ({@code JdbcStateStore.builder(dataSource)} on MySQL, or the etcd store).
 *
 * <p>Options: {@code --port=8080}, {@code --data=DIR} (H2 file store; default {@code osc4j-service} in the temporary
 * directory), {@code --store=memory}.
 */
public final class ControllerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerService.class);

    private final StateStore store;
    private final MigrationOrchestrator osc;
    private final HttpServer http;
    private final ExecutorService httpThreads;

    /** What the controller drives: a topology and the engines. */
    record World(TopologyProbe topology, List<ExecutionEngine> engines) {}

    ControllerService(StateStore store, World world, int port, Duration pollInterval) throws IOException {
        this.store = store;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MigrationOrchestrator.Builder b = MigrationOrchestrator.builder()
                .store(store)
                .topology(world.topology())
                .pollInterval(pollInterval)
                .controllerName("osc4j-service")
                .progressSink(ProgressSinks.composite(
                        ProgressSinks.logging(Duration.ofSeconds(30)), ProgressSinks.micrometer(registry)));
        for (ExecutionEngine e : world.engines()) {
            b.engine(e);
        }
        this.osc = b.build();
        this.httpThreads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "osc4j-service-http");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        http.createContext("/", new HttpApi(osc, registry::scrape));
        http.setExecutor(httpThreads);
    }

    /** Starts the reconcile loop and the HTTP server. */
    void start() {
        osc.start();
        http.start();
        LOG.info("osc4j controller service {} listening on http://127.0.0.1:{}/", osc.controllerId(), port());
    }

    /** The HTTP port. */
    int port() {
        return http.getAddress().getPort();
    }

    /** The fake world of the template: keyspace {@code commerce} with four shards, and the fake engine. */
    static World world(Clock clock, long rowsPerSecond) {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-40", 1_200_000L);
        rows.put("40-80", 800_000L);
        rows.put("80-c0", 400_000L);
        rows.put("c0-", 200_000L);
        FakeTopology topology = new FakeTopology(clock).addKeyspace("commerce", rows);
        return new World(
                topology,
                List.of(FakeEngine.builder(topology)
                        .rowsPerSecond(rowsPerSecond)
                        .build()));
    }

    @Override
    public void close() {
        http.stop(1);
        httpThreads.shutdownNow();
        osc.close();
        store.close();
    }

    /** Entry point. */
    public static void main(String[] args) throws IOException {
        int port = 8080;
        Path data = Path.of(System.getProperty("java.io.tmpdir"), "osc4j-service");
        boolean memory = false;
        for (String arg : args) {
            if (arg.startsWith("--port=")) {
                port = Integer.parseInt(arg.substring("--port=".length()));
            } else if (arg.startsWith("--data=")) {
                data = Path.of(arg.substring("--data=".length()));
            } else if (arg.equals("--store=memory")) {
                memory = true;
            } else {
                System.err.println("unknown option '" + arg + "'; options: --port=N --data=DIR --store=memory");
                System.exit(2);
            }
        }
        Clock clock = Clock.systemUTC();
        StateStore store = memory ? new InMemoryStateStore(clock) : JdbcStateStore.h2File(data.resolve("osc4j"));
        ControllerService service = new ControllerService(store, world(clock, 50_000), port, Duration.ofSeconds(1));
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "osc4j-service-shutdown"));
        service.start();
    }
}
