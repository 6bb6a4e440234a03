package dev.osc4j.samples.ptosc;

import dev.osc4j.CutoverMode;
import dev.osc4j.Endpoint;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardSnapshot;
import dev.osc4j.TransitionEvent;
import dev.osc4j.engine.ptosc.PtOscEngine;
import dev.osc4j.mysql.MySqlShard;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Adds a column to a 300,000-row table with pt-online-schema-change, driven by osc4j: a MariaDB primary and replica
 * are started from the Debian binaries (LocalMariaDb), the copy runs, osc4j holds the cut-over until this program
 * releases it, and the swap happens. Replace the LocalMariaDb servers with your own endpoints and the in-memory store
 * with a durable one to run it for real.
 */
public final class PtOscSample {
    private PtOscSample() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        System.out.println("Starting a MariaDB primary and replica (Debian package mariadb-server)...");
        try (LocalMariaDb primary = LocalMariaDb.start();
                LocalMariaDb replica = primary.startReplica()) {
            primary.createDatabase("shop");
            try (Connection c = primary.connect("shop");
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE orders (id INT PRIMARY KEY, customer INT NOT NULL, total DECIMAL(10,2))");
                st.execute("INSERT INTO orders SELECT seq, seq MOD 5000, seq / 100 FROM seq_1_to_" + rows);
            }
            System.out.printf(Locale.ROOT, "Table shop.orders has %,d rows.%n", rows);

            // 1. Credentials come from wherever you keep secrets; osc4j never puts them on a command line.
            CredentialsProvider credentials = CredentialsProvider.of(primary.user(), primary.password());
            // 2. The topology: one shard, its primary and the replica whose lag gates the migration.
            MySqlTopology topology = MySqlTopology.builder()
                    .credentials(credentials)
                    .shard(MySqlShard.of(
                            "shop",
                            "main",
                            "shop",
                            new Endpoint(primary.host(), primary.port()),
                            new Endpoint(replica.host(), replica.port())))
                    .build();
            // 3. The engine: run directories under a work directory, pt-osc options as defaults.
            Path work = Files.createTempDirectory("osc4j-ptosc-sample-");
            PtOscEngine ptosc = PtOscEngine.builder()
                    .credentials(credentials)
                    .workDirectory(work)
                    .defaultOption(PtOscEngine.OPTION_REPLICAS, replica.host() + ":" + replica.port())
                    .defaultOption(PtOscEngine.OPTION_MAX_LAG, "2")
                    .defaultOption(PtOscEngine.OPTION_PROGRESS_INTERVAL, "1")
                    .build();
            Console console = new Console();
            try (topology;
                    ptosc;
                    MigrationOrchestrator osc = MigrationOrchestrator.builder()
                            .store(new InMemoryStateStore())
                            .topology(topology)
                            .engine(ptosc)
                            .progressSink(console)
                            .pollInterval(Duration.ofMillis(500))
                            .leaseTtl(Duration.ofSeconds(5))
                            .build()) {
                osc.start();
                MigrationId id = osc.submit(MigrationRequest.builder()
                        .idempotencyKey("sample-orders-note")
                        .keyspace("shop")
                        .table("orders")
                        .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(64) NULL, ADD INDEX customer_idx (customer)")
                        .engine(PtOscEngine.DEFAULT_NAME)
                        // Pace the copy so there is something to watch: 2,000 rows per chunk, 20 ms apart.
                        .option(PtOscEngine.OPTION_CHUNK_SIZE, "2000")
                        .option(PtOscEngine.OPTION_CHUNK_TIME, "0")
                        .option(PtOscEngine.OPTION_SLEEP, "0.02")
                        .policy(MigrationPolicy.builder()
                                .cutoverMode(CutoverMode.MANUAL)
                                .build())
                        .requestedBy("sample")
                        .build());
                System.out.println("Submitted migration " + id + "; run directories under " + work);

                waitFor(osc, id, MigrationState.CUTOVER_PENDING, console);
                Thread.sleep(2000);
                System.out.println("\nCopy done; pt-osc holds before the table swap (" + console.waitReason()
                        + ").\nReleasing the cut-over...");
                osc.releaseCutover(id, "sample-release", "sample");
                MigrationRecord rec = waitFor(osc, id, MigrationState.REVERTIBLE, console);
                System.out.println("\nMigration " + id + " is " + rec.state() + ": the new schema is live, and the"
                        + " original table is kept in sync until "
                        + rec.revertibleUntil().orElseThrow()
                        + " so that osc.revert(...) could swap back without losing a write.");
                // A sample tidies up: end the window now (what kept the old table is retired).
                osc.closeRevertWindow(id, "sample-close-window", "sample");
                rec = waitFor(osc, id, MigrationState.COMPLETED, console);
                System.out.println("Revert window closed; migration " + id + " is " + rec.state() + ".");
            }
            try (Connection c = primary.connect("shop");
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM orders")) {
                rs.next();
                System.out.printf(Locale.ROOT, "shop.orders now has the column 'note' and %,d rows.%n", rs.getLong(1));
            }
            try (var paths = Files.walk(work)) {
                // The engine keeps run directories (pt-osc's output, the plugin's events); a sample tidies up.
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static MigrationRecord waitFor(
            MigrationOrchestrator osc, MigrationId id, MigrationState state, Console console)
            throws InterruptedException {
        MigrationRecord rec = osc.get(id);
        while (rec.state() != state) {
            if (rec.state() == MigrationState.FAILED) {
                throw new IllegalStateException(
                        "migration failed: " + rec.shards().get(0).failure());
            }
            Thread.sleep(1000);
            console.render();
            rec = osc.get(id);
        }
        return rec;
    }

    /** Prints transitions as they happen and a progress line per second. */
    private static final class Console implements ProgressSink {
        private volatile @Nullable ProgressSnapshot latest;

        @Override
        public void onProgress(ProgressSnapshot snapshot) {
            latest = snapshot;
        }

        @Override
        public void onTransition(TransitionEvent e) {
            if (e.shard() != null) {
                System.out.printf(Locale.ROOT, "%n  [%s] %s -> %s: %s%n", e.shard(), e.from(), e.to(), e.detail());
            }
        }

        String waitReason() {
            ProgressSnapshot s = latest;
            return s == null ? "?" : String.valueOf(s.shards().get(0).waitReason());
        }

        void render() {
            ProgressSnapshot s = latest;
            if (s == null) {
                return;
            }
            ShardSnapshot shard = s.shards().get(0);
            ShardProgress p = shard.progress();
            System.out.printf(
                    Locale.ROOT,
                    "\r  %-20s %5.1f%% %,9d/%,d rows, eta %s%s      ",
                    shard.state(),
                    p.percent(),
                    p.rowsCopied(),
                    Math.max(0, p.rowsTotal()),
                    p.eta() == null ? "?" : p.eta().toSeconds() + "s",
                    p.throttled() ? ", throttled: " + p.throttleReason() : "");
        }
    }
}
