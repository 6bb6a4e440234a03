package dev.osc4j.bench.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Owner;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * P3 on MariaDB: a controller in a JVM of its own owns {@value #MIGRATIONS} migrations on a JDBC store; it is killed with
 * SIGKILL, and a survivor that runs all along (default 1 s poll) takes them over once the leases expire. Prints, per
 * lease TTL and round, the time from the kill to each takeover (the new owner's {@code since}), against the goal of TTL
 * + 1 s. The etcd figures come from {@code EtcdStoreBenchmark}'s kill part.
 *
 * <p>Arguments: TTLs in seconds (default {@code 3,6,15}), rounds (default 2).
 */
public final class JdbcTakeoverBenchmark {
    static final int MIGRATIONS = 10;
    private static final String CHILD = "child";

    private JdbcTakeoverBenchmark() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.log.dev.osc4j", "error");
        if (args.length > 0 && args[0].equals(CHILD)) {
            child(Path.of(args[1]), Duration.ofSeconds(Long.parseLong(args[2])), args[3]);
            return;
        }
        List<Integer> ttls = args.length > 0
                ? Arrays.stream(args[0].split(",")).map(Integer::valueOf).toList()
                : List.of(3, 6, 15);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path dir = Files.createTempDirectory("osc4j-takeover");
        try (LocalMariaDb server = LocalMariaDb.start()) {
            System.out.println("MariaDB " + server + "; " + Runtime.getRuntime().availableProcessors() + " CPUs; "
                    + MIGRATIONS + " migrations owned by the killed controller; times after the kill, ms");
            int n = 0;
            for (int ttl : ttls) {
                for (int round = 1; round <= rounds; round++) {
                    n++;
                    String database = "takeover_" + n;
                    server.createDatabase(database);
                    try (HikariDataSource pool = pool(server.jdbcUrl(database), server.user(), server.password());
                            JdbcStateStore store = JdbcStateStore.builder(pool).build()) {
                        Path props = dir.resolve(database + ".properties");
                        Files.createFile(
                                props,
                                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                        Properties p = new Properties();
                        p.setProperty("url", server.jdbcUrl(database));
                        p.setProperty("user", server.user());
                        p.setProperty("password", server.password());
                        try (OutputStream out = Files.newOutputStream(props)) {
                            p.store(out, null);
                        }
                        run(store, props, Duration.ofSeconds(ttl), round, database);
                    }
                }
            }
        }
    }

    private static HikariDataSource pool(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }

    private static void run(JdbcStateStore store, Path props, Duration ttl, int round, String tag) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        JdbcTakeoverBenchmark.class.getName(),
                        CHILD,
                        props.toString(),
                        Long.toString(ttl.toSeconds()),
                        tag)
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out =
                        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                MigrationOrchestrator survivor = controller(store, "survivor", ttl)) {
            String line;
            String dead = null;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("OWNS ALL ")) {
                    dead = line.substring("OWNS ALL ".length());
                    break;
                }
                System.out.println("  child: " + line);
            }
            if (dead == null) {
                throw new IllegalStateException("the child controller ended before owning its migrations");
            }
            survivor.start();
            Thread.sleep(1_500); // the survivor has polled and found everything owned
            Instant killedAt = Instant.now();
            child.destroyForcibly(); // SIGKILL: no close, no release
            child.waitFor(30, TimeUnit.SECONDS);
            long deadline =
                    System.nanoTime() + ttl.multipliedBy(4).plusSeconds(20).toNanos();
            Map<MigrationId, Instant> taken = new HashMap<>();
            while (taken.size() < MIGRATIONS && System.nanoTime() < deadline) {
                for (MigrationSummary s : store.list(MigrationFilter.all())) {
                    Owner o = s.owner();
                    if (o != null && o.controllerId().equals(survivor.controllerId())) {
                        taken.putIfAbsent(s.id(), o.since());
                    }
                }
                Thread.sleep(50);
            }
            long[] ms = taken.values().stream()
                    .mapToLong(t -> Duration.between(killedAt, t).toMillis())
                    .sorted()
                    .toArray();
            long goal = ttl.plusSeconds(1).toMillis();
            System.out.printf(
                    Locale.ROOT,
                    "lease TTL %2d s, round %d: survivor took over %d/%d after min %d / median %d / max %d ms"
                            + " (goal <= %d ms: %s)%n",
                    ttl.toSeconds(),
                    round,
                    ms.length,
                    MIGRATIONS,
                    ms.length == 0 ? -1 : ms[0],
                    ms.length == 0 ? -1 : ms[ms.length / 2],
                    ms.length == 0 ? -1 : ms[ms.length - 1],
                    goal,
                    ms.length == MIGRATIONS && ms[ms.length - 1] <= goal ? "met" : "NOT met");
        } finally {
            child.destroyForcibly();
        }
    }

    private static MigrationOrchestrator controller(JdbcStateStore store, String name, Duration ttl) {
        Clock clock = Clock.systemUTC();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", 1, 1_000_000_000L);
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(FakeEngine.builder(topology).rowsPerSecond(1).build())
                .clock(clock)
                .controllerName(name)
                .leaseTtl(ttl)
                .build();
    }

    /** The controller that gets killed: submits and drives the migrations, says when it owns them all. */
    private static void child(Path props, Duration ttl, String tag) throws Exception {
        Properties p = new Properties();
        try (var in = Files.newInputStream(props)) {
            p.load(in);
        }
        HikariDataSource pool = pool(p.getProperty("url"), p.getProperty("user"), p.getProperty("password"));
        JdbcStateStore store = JdbcStateStore.builder(pool).build();
        MigrationOrchestrator osc = controller(store, "doomed", ttl);
        List<MigrationId> ids = new ArrayList<>();
        for (int i = 0; i < MIGRATIONS; i++) {
            ids.add(osc.submit(MigrationRequest.builder()
                    .idempotencyKey(tag + "-" + i)
                    .keyspace("commerce")
                    .table("t" + i)
                    .ddl("ALTER TABLE t" + i + " ADD COLUMN note VARCHAR(64)")
                    .engine(FakeEngine.DEFAULT_NAME)
                    .requestedBy("bench")
                    .build()));
        }
        osc.start();
        while (true) {
            long owned = ids.stream()
                    .map(osc::get)
                    .filter(r -> r.owner() != null && r.owner().controllerId().equals(osc.controllerId()))
                    .count();
            if (owned == ids.size()) {
                System.out.println("OWNS ALL " + osc.controllerId());
                System.out.flush();
            }
            Thread.sleep(200);
        }
    }
}
