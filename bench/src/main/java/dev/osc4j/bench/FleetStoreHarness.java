package dev.osc4j.bench;

import com.sun.management.OperatingSystemMXBean;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Owner;
import dev.osc4j.spi.StateStore;
import dev.osc4j.store.etcd.EtcdStateStore;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.servers.LocalEtcd;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Several controllers sharing one real store (issue 12, P2's second part): how the migrations spread over the
 * controllers, and what load they put on the store. The controllers run in this JVM, each an orchestrator with a
 * store client of its own (its own connection pool, or its own etcd client), on the shared fake topology and fake
 * engine, all started at once on migrations submitted beforehand; every migration copies for the whole run (big
 * shards, a slow copy), which is the steady state. Printed after the measured seconds: migrations owned per controller,
 * the store's operations per second (MariaDB: {@code Com_*} counters of {@code SHOW GLOBAL STATUS}; etcd: its
 * {@code /metrics}), the store server's CPU (from {@code /proc}) and this JVM's.
 *
 * <p>Arguments: {@code mariadb|etcd}, controllers (4), migrations (200), shards (64), measured seconds (60).
 */
public final class FleetStoreHarness {
    private FleetStoreHarness() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "mariadb";
        int controllers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int migrations = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int shards = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 60;
        if (kind.equals("etcd")) {
            // A write that starts or releases 64 shards at once carries 129 audit entries: over etcd's default 128
            // operations per transaction, so the store refuses such migrations unless both limits are raised.
            int txnOps = 2 * shards + 5;
            try (LocalEtcd etcd = LocalEtcd.builder()
                    .option("max-txn-ops", String.valueOf(Math.max(128, txnOps)))
                    .start()) {
                URI endpoint = etcd.endpoints().get(0);
                List<StateStore> stores = new ArrayList<>();
                for (int i = 0; i < controllers; i++) {
                    stores.add(EtcdStateStore.builder()
                            .endpoints(etcd.endpoints())
                            .prefix("/fleet/")
                            .maxTxnOps(Math.max(128, txnOps))
                            .build());
                }
                run(kind, stores, migrations, shards, seconds, new EtcdLoad(endpoint));
            }
        } else {
            try (LocalMariaDb server = LocalMariaDb.start()) {
                server.createDatabase("fleet");
                List<StateStore> stores = new ArrayList<>();
                List<HikariDataSource> pools = new ArrayList<>();
                try {
                    for (int i = 0; i < controllers; i++) {
                        HikariConfig config = new HikariConfig();
                        config.setJdbcUrl(server.jdbcUrl("fleet"));
                        config.setUsername(server.user());
                        config.setPassword(server.password());
                        config.setMaximumPoolSize(4);
                        HikariDataSource pool = new HikariDataSource(config);
                        pools.add(pool);
                        stores.add(JdbcStateStore.builder(pool).build());
                    }
                    run(kind, stores, migrations, shards, seconds, new MariaDbLoad(server));
                } finally {
                    for (HikariDataSource pool : pools) {
                        pool.close();
                    }
                }
            }
        }
        System.exit(0); // jetcd's client leaves a non-daemon thread for a few seconds after close
    }

    /** The store server's counters and CPU. */
    private interface Load {
        /** Counters that only grow, by name. */
        Map<String, Double> counters() throws Exception;

        /** The server process's CPU time so far, in seconds. */
        double cpuSeconds() throws IOException;
    }

    private static void run(String kind, List<StateStore> stores, int migrations, int shards, int seconds, Load load)
            throws Exception {
        Clock clock = Clock.systemUTC();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("ks", shards, 1_000_000_000L);
        FakeEngine engine = FakeEngine.builder(topology).rowsPerSecond(1000).build();
        List<MigrationOrchestrator> fleet = new ArrayList<>();
        try {
            for (int i = 0; i < stores.size(); i++) {
                fleet.add(MigrationOrchestrator.builder()
                        .store(stores.get(i))
                        .topology(topology)
                        .engine(engine)
                        .controllerName("fleet-" + i)
                        .pollInterval(Duration.ofSeconds(1))
                        .clock(clock)
                        .build());
            }
            for (int i = 0; i < migrations; i++) {
                fleet.get(0)
                        .submit(MigrationRequest.builder()
                                .idempotencyKey("fleet-" + i)
                                .keyspace("ks")
                                .table("t" + i)
                                .ddl("ADD COLUMN c INT")
                                .engine(engine.name())
                                .requestedBy("bench")
                                .build());
            }
            for (MigrationOrchestrator osc : fleet) {
                osc.start();
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s store, %d controllers, %d migrations x %d shards submitted; waiting until all copy%n",
                    kind,
                    fleet.size(),
                    migrations,
                    shards);
            long warmupEnd = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (ControllerLoadHarness.copying(fleet.get(0)) < migrations && System.nanoTime() < warmupEnd) {
                Thread.sleep(1000);
            }
            Thread.sleep(10_000);
            System.out.printf(
                    Locale.ROOT,
                    "%d/%d copying; measuring %d s%n",
                    ControllerLoadHarness.copying(fleet.get(0)),
                    migrations,
                    seconds);
            OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
            Map<String, Double> before = load.counters();
            double serverCpu0 = load.cpuSeconds();
            long jvmCpu0 = os.getProcessCpuTime();
            long wall0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long wall1 = System.nanoTime();
            double wall = (wall1 - wall0) / 1e9;
            double jvmCpu = (os.getProcessCpuTime() - jvmCpu0) / 1e9;
            double serverCpu = load.cpuSeconds() - serverCpu0;
            Map<String, Double> after = load.counters();

            Map<String, Integer> owned = new TreeMap<>();
            for (MigrationOrchestrator osc : fleet) {
                owned.put(osc.controllerId(), 0);
            }
            int unowned = 0;
            for (MigrationSummary s : fleet.get(0).list(MigrationFilter.all().limit(10_000))) {
                Owner owner = s.owner();
                if (owner == null) {
                    unowned++;
                } else {
                    owned.merge(owner.controllerId(), 1, Integer::sum);
                }
            }
            System.out.printf(Locale.ROOT, "migrations per controller: %s; without an owner: %d%n", owned, unowned);
            StringBuilder rates = new StringBuilder();
            for (Map.Entry<String, Double> e : after.entrySet()) {
                double delta = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
                rates.append(String.format(Locale.ROOT, " %s=%.0f/s", e.getKey(), delta / wall));
            }
            System.out.printf(Locale.ROOT, "store operations:%s%n", rates);
            System.out.printf(
                    Locale.ROOT,
                    "CPU over %.0f s: store server %.1f%% of one core, this JVM (%d controllers and the fakes) %.1f%%"
                            + " (%d processors)%n",
                    wall,
                    serverCpu / wall * 100,
                    fleet.size(),
                    jvmCpu / wall * 100,
                    Runtime.getRuntime().availableProcessors());
        } finally {
            for (MigrationOrchestrator osc : fleet) {
                osc.close();
            }
            for (StateStore store : stores) {
                store.close();
            }
        }
    }

    /** The CPU time (user and system) of the process whose command line names {@code binary} and {@code port}. */
    private static double processCpuSeconds(String binary, int port) throws IOException {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) processes::iterator) {
                if (!p.getFileName().toString().matches("\\d+")) {
                    continue;
                }
                String cmdline;
                try {
                    cmdline = Files.readString(p.resolve("cmdline"), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                } catch (IOException e) {
                    continue; // gone
                }
                if (!cmdline.contains(binary) || (!cmdline.contains(":" + port) && !cmdline.contains("=" + port))) {
                    continue;
                }
                String stat = Files.readString(p.resolve("stat"), StandardCharsets.UTF_8);
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // utime and stime are fields 14 and 15 of /proc/pid/stat, 12 and 13 after the command.
                return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
            }
        }
        throw new IOException("no " + binary + " process on port " + port);
    }

    private static final class MariaDbLoad implements Load {
        private static final List<String> COUNTERS =
                List.of("Com_select", "Com_update", "Com_update_multi", "Com_insert", "Com_commit", "Bytes_received");

        private final LocalMariaDb server;

        MariaDbLoad(LocalMariaDb server) {
            this.server = server;
        }

        @Override
        public Map<String, Double> counters() throws SQLException {
            Map<String, Double> out = new LinkedHashMap<>();
            try (Connection c = server.connect("fleet");
                    Statement s = c.createStatement();
                    ResultSet rows = s.executeQuery("SHOW GLOBAL STATUS")) {
                while (rows.next()) {
                    if (COUNTERS.contains(rows.getString(1))) {
                        out.put(rows.getString(1), Double.parseDouble(rows.getString(2)));
                    }
                }
            }
            return out;
        }

        @Override
        public double cpuSeconds() throws IOException {
            return processCpuSeconds("mariadbd", server.port());
        }
    }

    private static final class EtcdLoad implements Load {
        private static final List<String> COUNTERS = List.of(
                "etcd_mvcc_txn_total",
                "etcd_mvcc_put_total",
                "etcd_mvcc_range_total",
                "etcd_server_proposals_committed_total",
                "etcd_network_client_grpc_received_bytes_total");

        private final URI endpoint;
        private final HttpClient http = HttpClient.newHttpClient();

        EtcdLoad(URI endpoint) {
            this.endpoint = endpoint;
        }

        @Override
        public Map<String, Double> counters() throws IOException, InterruptedException {
            String body = http.send(
                            HttpRequest.newBuilder(endpoint.resolve("/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            Map<String, Double> out = new LinkedHashMap<>();
            for (String line : body.split("\n")) {
                for (String name : COUNTERS) {
                    if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                        String value = line.substring(line.lastIndexOf(' ') + 1);
                        out.merge(name, Double.parseDouble(value), Double::sum);
                    }
                }
            }
            return out;
        }

        @Override
        public double cpuSeconds() throws IOException {
            return processCpuSeconds("etcd", endpoint.getPort());
        }
    }
}
