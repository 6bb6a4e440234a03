package dev.osc4j.engine.ghost;

import static dev.osc4j.engine.ghost.GhostFixture.columns;
import static dev.osc4j.engine.ghost.GhostFixture.count;
import static dev.osc4j.engine.ghost.GhostFixture.createTable;
import static dev.osc4j.engine.ghost.GhostFixture.tables;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.osc4j.AuditEntry;
import dev.osc4j.CutoverMode;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.StoreException;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.ForwardingStateStore;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.ghost.FakeGhost;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The orchestrator driving gh-ost (the fake) on real MariaDB servers")
class GhostOrchestratorIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final String DDL =
            "ALTER TABLE orders ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_customer (customer)";

    private static LocalMariaDb db;
    private final List<Path> fakes = new ArrayList<>();
    private final List<MySqlTopology> probes = new ArrayList<>();
    private final InMemoryStateStore store = new InMemoryStateStore(Clock.systemUTC());

    @BeforeAll
    static void setUp() {
        db = GhostFixture.server();
    }

    @AfterEach
    void killLeftovers() {
        fakes.forEach(FakeGhost::killAll);
        probes.forEach(MySqlTopology::close);
    }

    /** A probe for {@code keyspace}: shard {@code s1} on the first server, {@code s2} on the second, and so on. */
    private MySqlTopology probe(String keyspace, String schema, LocalMariaDb... primaries) {
        MySqlTopology probe = GhostFixture.topology(keyspace, schema, primaries);
        probes.add(probe);
        return probe;
    }

    private Path fake(String name, dev.osc4j.testkit.ghost.FakeGhostBehavior behavior) {
        Path exe = GhostFixture.installFake(name, behavior);
        fakes.add(exe);
        return exe;
    }

    private MigrationOrchestrator controller(String name, MySqlTopology probe, GhostEngine engine) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(probe)
                .engine(engine)
                .clock(Clock.systemUTC())
                .controllerName(name)
                .pollInterval(Duration.ofMillis(200))
                .leaseTtl(Duration.ofSeconds(3))
                .progressWriteInterval(Duration.ofSeconds(1))
                .build();
    }

    private static MigrationRequest request(
            String key, String keyspace, MigrationPolicy policy, Map<String, String> options) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(keyspace)
                .table("orders")
                .ddl(DDL)
                .engine(GhostEngine.NAME)
                .options(options)
                // Not about reverts: without a window, the migration ends COMPLETED at its swap (GhostRevertIT
                // reverts).
                .policy(
                        policy.revertWindow() != null
                                ? policy
                                : policy.toBuilder().revertWindow(Duration.ZERO).build())
                .requestedBy("it")
                .build();
    }

    /** Runs reconcile passes on this thread until {@code until} holds for the record. */
    private static MigrationRecord drive(
            MigrationOrchestrator osc, GhostEngine engine, MigrationId id, Predicate<MigrationRecord> until) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        MigrationRecord rec = osc.get(id);
        while (System.nanoTime() - deadline < 0) {
            Simulation.pass(osc);
            rec = osc.get(id);
            if (until.test(rec)) {
                return rec;
            }
            GhostFixture.sleep(Duration.ofMillis(150));
        }
        StringBuilder b = new StringBuilder("condition not met within " + TIMEOUT + "; record: " + summary(rec));
        for (ShardRecord s : rec.shards()) {
            EngineHandle h = s.handle();
            if (h != null) {
                b.append("\n=== shard ")
                        .append(s.shard())
                        .append('\n')
                        .append(GhostFixture.runOutput(engine.runDirectory(h.key())));
            }
        }
        return fail(b.toString());
    }

    private static String summary(MigrationRecord rec) {
        StringBuilder b = new StringBuilder(rec.state() + " attempt " + rec.attempt());
        for (ShardRecord s : rec.shards()) {
            b.append("; ")
                    .append(s.shard())
                    .append('=')
                    .append(s.state())
                    .append(" rows ")
                    .append(s.progress().rowsCopied())
                    .append('/')
                    .append(s.progress().rowsTotal())
                    .append(" wait=")
                    .append(s.waitReason())
                    .append(" failure=")
                    .append(s.failure());
        }
        return b.toString();
    }

    private static ShardRecord shard(MigrationRecord rec, String name) {
        return rec.shard(name).orElseThrow();
    }

    private static EngineHandle handle(MigrationRecord rec, String name) {
        return Objects.requireNonNull(shard(rec, name).handle(), "no handle for " + name);
    }

    private static boolean indexExists(LocalMariaDb server, String schema, String index) throws Exception {
        return GhostFixture.longQuery(
                        server,
                        schema,
                        "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE"
                                + " TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' AND INDEX_NAME = '" + index
                                + "'")
                > 0;
    }

    @Test
    @DisplayName("migrates a 100,000-row table to COMPLETED, with the new schema and every row")
    void hundredThousandRows() throws Exception {
        String schema = "orc_big";
        createTable(db, schema, "orders", 100_000);
        long checksum = GhostFixture.checksum(db, schema, "orders");
        Path exe = fake("orc-big", GhostFixture.fast().build());
        GhostEngine engine = GhostFixture.engine(db, exe, GhostFixture.home().resolve("work-big"))
                .build();
        MySqlTopology probe = probe("big", schema, db);
        MigrationOrchestrator osc = controller("big", probe, engine);
        MigrationId id = osc.submit(request("big-1", "big", MigrationPolicy.defaults(), Map.of("chunk-size", "2000")));

        MigrationRecord done = drive(osc, engine, id, r -> r.state().isTerminal());
        assertThat(done.state()).as(summary(done)).isEqualTo(MigrationState.COMPLETED);
        assertThat(shard(done, "s1").progress().rowsCopied()).isEqualTo(100_000);
        assertThat(columns(db, schema, "orders")).containsExactly("id", "customer", "amount", "placed", "note");
        assertThat(indexExists(db, schema, "idx_customer")).isTrue();
        assertThat(count(db, schema, "orders")).isEqualTo(100_000);
        assertThat(GhostFixture.checksum(db, schema, "orders")).isEqualTo(checksum);
        List<AuditEntry> audit = osc.audit(id);
        AuditTrails.assertSound(audit);
        assertThat(AuditTrails.path(audit, "s1"))
                .containsExactly(
                        "QUEUED>INITIALIZING",
                        "INITIALIZING>COPYING_ROWS",
                        "COPYING_ROWS>WAITING_FOR_CATCHUP",
                        "WAITING_FOR_CATCHUP>CUTOVER_PENDING",
                        "CUTOVER_PENDING>SWITCHING_TRAFFIC",
                        "SWITCHING_TRAFFIC>COMPLETED");
        osc.close();
    }

    @Test
    @DisplayName("holds the cut-over at CUTOVER_PENDING until every shard is ready and it is released, then swaps"
            + " two tables on two servers together")
    void barrierAcrossServers() throws Exception {
        LocalMariaDb db2 = GhostFixture.secondServer();
        String schema = "orc_barrier";
        createTable(db, schema, "orders", 2_000);
        createTable(db2, schema, "orders", 8_000);
        Path exe = fake(
                "orc-barrier",
                GhostFixture.fast().chunkDelay(Duration.ofMillis(20)).build());
        Path work = GhostFixture.home().resolve("work-barrier");
        // each server has its own account: the provider picks it by the shard's primary
        GhostEngine twoAccounts = GhostFixture.engine(db, exe, work)
                .credentials(GhostFixture.accounts(db, db2))
                .build();
        MySqlTopology probe = probe("shop", schema, db, db2);
        MigrationOrchestrator osc = controller("barrier", probe, twoAccounts);
        MigrationPolicy manual =
                MigrationPolicy.builder().cutoverMode(CutoverMode.MANUAL).build();
        MigrationId id = osc.submit(request("barrier-1", "shop", manual, Map.of("chunk-size", "250")));

        // An operator throttles s2's gh-ost by hand, so s1 is certainly ready first.
        MigrationRecord started =
                drive(osc, twoAccounts, id, r -> shard(r, "s2").handle() != null);
        twoAccounts.throttle(handle(started, "s2"), 1);
        MigrationRecord s1Ready =
                drive(osc, twoAccounts, id, r -> shard(r, "s1").state() == MigrationState.CUTOVER_PENDING);
        for (int i = 0; i < 10; i++) {
            Simulation.pass(osc);
            GhostFixture.sleep(Duration.ofMillis(200));
        }
        MigrationRecord waiting = osc.get(id);
        assertThat(shard(waiting, "s1").state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(shard(waiting, "s2").state()).isIn(MigrationState.INITIALIZING, MigrationState.COPYING_ROWS);
        EngineObservation s2 = twoAccounts.observe(handle(s1Ready, "s2"));
        assertThat(s2.throttled()).isTrue();
        assertThat(columns(db, schema, "orders")).doesNotContain("note");

        twoAccounts.throttle(handle(s1Ready, "s2"), 0);
        MigrationRecord bothReady = drive(osc, twoAccounts, id, r -> r.state() == MigrationState.CUTOVER_PENDING);
        for (int i = 0; i < 10; i++) {
            Simulation.pass(osc);
            GhostFixture.sleep(Duration.ofMillis(200));
        }
        MigrationRecord held = osc.get(id);
        assertThat(held.state())
                .as("a MANUAL cut-over waits for its release")
                .isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(shard(held, "s1").waitReason()).contains("release");
        assertThat(columns(db, schema, "orders")).doesNotContain("note");
        assertThat(columns(db2, schema, "orders")).doesNotContain("note");
        assertThat(bothReady.shards()).allSatisfy(s -> assertThat(s.state()).isEqualTo(MigrationState.CUTOVER_PENDING));

        osc.releaseCutover(id, "release-1", "alice");
        MigrationRecord done = drive(osc, twoAccounts, id, r -> r.state().isTerminal());
        assertThat(done.state()).as(summary(done)).isEqualTo(MigrationState.COMPLETED);
        assertThat(columns(db, schema, "orders")).contains("note");
        assertThat(columns(db2, schema, "orders")).contains("note");
        assertThat(count(db2, schema, "orders")).isEqualTo(8_000);
        List<AuditEntry> audit = osc.audit(id);
        AuditTrails.assertSound(audit);
        List<AuditEntry> switches = audit.stream()
                .filter(e -> e.kind() == AuditEntry.Kind.TRANSITION
                        && e.shard() != null
                        && e.to() == MigrationState.SWITCHING_TRAFFIC)
                .toList();
        assertThat(switches).extracting(AuditEntry::shard).containsExactlyInAnyOrder("s1", "s2");
        assertThat(switches.get(0).at())
                .as("both shards leave CUTOVER_PENDING in one write")
                .isEqualTo(switches.get(1).at());
        long lo = Math.min(switches.get(0).seq(), switches.get(1).seq());
        long hi = Math.max(switches.get(0).seq(), switches.get(1).seq());
        assertThat(audit.stream().filter(e -> e.seq() >= lo && e.seq() <= hi))
                .as("everything between the two switches belongs to the same write")
                .allSatisfy(e -> assertThat(e.at()).isEqualTo(switches.get(0).at()));
        osc.close();
    }

    @Test
    @DisplayName("a gh-ost failing at 40% makes the migration FAILED; abort removes every artifact")
    void failThenAbort() throws Exception {
        String schema = "orc_abort";
        createTable(db, schema, "orders", 10_000);
        Path exe = fake("orc-abort", GhostFixture.fast().failAtPercent(40).build());
        GhostEngine engine = GhostFixture.engine(db, exe, GhostFixture.home().resolve("work-abort"))
                .build();
        MySqlTopology probe = probe("abort", schema, db);
        MigrationOrchestrator osc = controller("abort", probe, engine);
        MigrationId id =
                osc.submit(request("abort-1", "abort", MigrationPolicy.defaults(), Map.of("chunk-size", "500")));

        MigrationRecord failed = drive(osc, engine, id, r -> r.state() == MigrationState.FAILED);
        ShardRecord s1 = shard(failed, "s1");
        assertThat(Objects.requireNonNull(s1.failure()).reason()).isEqualTo(FailureReason.ENGINE_FAILED);
        assertThat(Objects.requireNonNull(s1.failure()).message()).contains("injected failure at 40.0%");
        assertThat(tables(db, schema)).contains("_orders_gho", "_orders_ghc");
        // Registered with the START intent: every table the run created (information_schema), and besides those only
        // the names gh-ost creates later (_del at the cut-over) or in newer versions (_ghk, checkpoints).
        List<String> created =
                tables(db, schema).stream().filter(t -> !t.equals("orders")).toList();
        List<String> registered = s1.artifacts().stream()
                .map(a -> {
                    assertThat(a.kind()).isEqualTo(dev.osc4j.Artifact.Kind.TABLE);
                    assertThat(a.schema()).isEqualTo(schema);
                    assertThat(a.key()).isEqualTo(handle(failed, "s1").key());
                    return a.name();
                })
                .toList();
        assertThat(registered).containsAll(created);
        assertThat(registered.stream().filter(n -> !created.contains(n))).isSubsetOf("_orders_del", "_orders_ghk");
        Path run = engine.runDirectory(handle(failed, "s1").key());

        osc.abort(id, "abort-1", "bob");
        MigrationRecord aborted = drive(osc, engine, id, r -> r.state().isTerminal());
        assertThat(aborted.state()).isEqualTo(MigrationState.ABORTED);
        assertThat(tables(db, schema)).containsExactly("orders");
        assertThat(shard(aborted, "s1").artifacts())
                .as("nothing registered is left")
                .isEmpty();
        assertThat(columns(db, schema, "orders")).doesNotContain("note");
        assertThat(run.resolve("gh-ost.sock")).doesNotExist();
        assertThat(run.resolve("gh-ost.conf")).doesNotExist();
        List<AuditEntry> audit = osc.audit(id);
        AuditTrails.assertSound(audit);
        assertThat(audit)
                .anySatisfy(e -> assertThat(e.detail())
                        .contains("dropped [`orc_abort`.`_orders_gho`, `orc_abort`.`_orders_ghc`]"));
        osc.close();
    }

    @Test
    @DisplayName("after a failure at 40%, retry cleans up the first attempt and a second gh-ost completes")
    void failThenRetry() throws Exception {
        String schema = "orc_retry";
        createTable(db, schema, "orders", 10_000);
        long checksum = GhostFixture.checksum(db, schema, "orders");
        Path exe = fake("orc-retry", GhostFixture.fast().failAtPercent(40).build());
        GhostEngine engine = GhostFixture.engine(db, exe, GhostFixture.home().resolve("work-retry"))
                .build();
        MySqlTopology probe = probe("retry", schema, db);
        MigrationOrchestrator osc = controller("retry", probe, engine);
        MigrationId id =
                osc.submit(request("retry-1", "retry", MigrationPolicy.defaults(), Map.of("chunk-size", "500")));
        drive(osc, engine, id, r -> r.state() == MigrationState.FAILED);

        FakeGhost.configure(exe, GhostFixture.fast().build()); // whatever made it fail is fixed
        osc.retry(id, "retry-1", "bob");
        MigrationRecord done = drive(osc, engine, id, r -> r.state().isTerminal());
        assertThat(done.state()).as(summary(done)).isEqualTo(MigrationState.COMPLETED);
        assertThat(done.attempt()).isEqualTo(2);
        assertThat(FakeGhost.launches(exe).stream().filter(l -> l.database().equals(schema)))
                .hasSize(2);
        assertThat(columns(db, schema, "orders")).contains("note");
        assertThat(GhostFixture.checksum(db, schema, "orders")).isEqualTo(checksum);
        assertThat(tables(db, schema)).containsExactlyInAnyOrder("_orders_del", "orders");
        AuditTrails.assertSound(osc.audit(id));
        osc.close();
    }

    @Test
    @DisplayName("a controller killed during the copy: a new one reattaches to the running gh-ost and completes,"
            + " without starting a second gh-ost")
    void controllerCrash() throws Exception {
        String schema = "orc_crash";
        createTable(db, schema, "orders", 30_000);
        Path exe = fake(
                "orc-crash",
                GhostFixture.fast().chunkDelay(Duration.ofMillis(100)).build());
        Path work = GhostFixture.home().resolve("work-crash");
        MySqlTopology probe = probe("crash", schema, db);
        GhostEngine engineA = GhostFixture.engine(db, exe, work).build();
        MigrationOrchestrator a = controller("a", probe, engineA);
        MigrationId id = a.submit(request("crash-1", "crash", MigrationPolicy.defaults(), Map.of("chunk-size", "500")));
        MigrationRecord copying = drive(
                a,
                engineA,
                id,
                r -> shard(r, "s1").state() == MigrationState.COPYING_ROWS
                        && shard(r, "s1").progress().rowsCopied() > 0);
        String pid = handle(copying, "s1").attribute("pid", "?");
        // Controller A dies here: no close(), no more passes; its lease runs out. Its engine object goes with it.

        GhostEngine engineB = GhostFixture.engine(db, exe, work).build();
        MigrationOrchestrator b = controller("b", probe, engineB);
        MigrationRecord done = drive(b, engineB, id, r -> r.state().isTerminal());
        assertThat(done.state()).as(summary(done)).isEqualTo(MigrationState.COMPLETED);
        assertThat(handle(done, "s1").attribute("pid", "-")).isEqualTo(pid);
        assertThat(FakeGhost.launches(exe).stream().filter(l -> l.database().equals(schema)))
                .as("one gh-ost for the whole migration")
                .hasSize(1);
        List<AuditEntry> audit = b.audit(id);
        AuditTrails.assertSound(audit);
        AuditEntry copyDone = audit.stream()
                .filter(e -> e.kind() == AuditEntry.Kind.TRANSITION && e.to() == MigrationState.WAITING_FOR_CATCHUP)
                .findFirst()
                .orElseThrow();
        assertThat(copyDone.actor()).as("the new controller saw the copy end").isEqualTo(b.controllerId());
        assertThat(columns(db, schema, "orders")).contains("note");
        assertThat(count(db, schema, "orders")).isEqualTo(30_000);
        b.close();
    }

    /**
     * A store that fails the write recording that a START was performed, and every write after it: the controller
     * using it has started gh-ost and dies before it could record so.
     */
    private static final class CrashAfterStart extends ForwardingStateStore {
        private volatile boolean crashed;

        CrashAfterStart(StateStore delegate) {
            super(delegate);
        }

        @Override
        public MigrationRecord compareAndSet(
                MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
            if (crashed
                    || audit.stream()
                            .anyMatch(e -> e.kind() == AuditEntry.Kind.EFFECT
                                    && e.detail().startsWith("START done"))) {
                crashed = true;
                throw StoreException.unavailable("controller died", next.id(), null);
            }
            return super.compareAndSet(next, expectedVersion, fence, audit);
        }

        @Override
        public Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
            return crashed ? Optional.empty() : super.tryAcquire(id, owner, ttl);
        }

        @Override
        public List<Lease> renew(String owner, Duration ttl) {
            return crashed ? List.of() : super.renew(owner, ttl);
        }

        @Override
        public void release(Lease lease) {
            if (!crashed) {
                super.release(lease);
            }
        }

        /** The store is shared with the controller that takes over: the dying one does not close it. */
        @Override
        public void close() {}
    }

    @Test
    @DisplayName("a controller that dies after starting gh-ost but before recording it: the next one adopts that"
            + " gh-ost by its key instead of starting another")
    void controllerCrashBetweenStartAndRecord() throws Exception {
        String schema = "orc_crash_start";
        createTable(db, schema, "orders", 10_000);
        Path exe = fake(
                "orc-crash-start",
                GhostFixture.fast().chunkDelay(Duration.ofMillis(20)).build());
        Path work = GhostFixture.home().resolve("work-crash-start");
        MySqlTopology probe = probe("cs", schema, db);
        CrashAfterStart dying = new CrashAfterStart(store);
        GhostEngine engineA = GhostFixture.engine(db, exe, work).build();
        MigrationOrchestrator a = MigrationOrchestrator.builder()
                .store(dying)
                .topology(probe)
                .engine(engineA)
                .controllerName("a")
                .pollInterval(Duration.ofMillis(200))
                .leaseTtl(Duration.ofSeconds(3))
                .build();
        MigrationId id =
                a.submit(request("crash-start-1", "cs", MigrationPolicy.defaults(), Map.of("chunk-size", "500")));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!dying.crashed && System.nanoTime() - deadline < 0) {
            Simulation.pass(a);
            GhostFixture.sleep(Duration.ofMillis(100));
        }
        MigrationRecord orphaned = store.read(id).orElseThrow();
        assertThat(shard(orphaned, "s1").intent())
                .as("the START is recorded as intended, not as done")
                .isNotNull();
        assertThat(shard(orphaned, "s1").handle()).isNull();
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (FakeGhost.launches(exe).stream().noneMatch(l -> l.database().equals(schema))
                && System.nanoTime() - until < 0) {
            GhostFixture.sleep(Duration.ofMillis(100)); // the orphan's JVM is still starting
        }
        assertThat(FakeGhost.launches(exe).stream().filter(l -> l.database().equals(schema)))
                .hasSize(1);

        GhostEngine engineB = GhostFixture.engine(db, exe, work).build();
        MigrationOrchestrator b = controller("b", probe, engineB);
        MigrationRecord done = drive(b, engineB, id, r -> r.state().isTerminal());
        assertThat(done.state()).as(summary(done)).isEqualTo(MigrationState.COMPLETED);
        assertThat(FakeGhost.launches(exe).stream().filter(l -> l.database().equals(schema)))
                .as("the orphaned gh-ost was adopted, not started again")
                .hasSize(1);
        List<AuditEntry> audit = b.audit(id);
        AuditTrails.assertSound(audit);
        assertThat(audit)
                .filteredOn(
                        e -> e.kind() == AuditEntry.Kind.EFFECT && e.detail().startsWith("START done"))
                .singleElement()
                .satisfies(e -> assertThat(e.actor()).isEqualTo(b.controllerId()));
        b.close();
    }

    @Test
    @DisplayName("a throttle directive throttles gh-ost through its socket, and lifting it lets the copy finish")
    void throttleDirective() throws Exception {
        String schema = "orc_throttle";
        createTable(db, schema, "orders", 20_000);
        Path exe = fake(
                "orc-throttle",
                GhostFixture.fast().chunkDelay(Duration.ofMillis(50)).build());
        GhostEngine engine = GhostFixture.engine(db, exe, GhostFixture.home().resolve("work-throttle"))
                .build();
        MySqlTopology probe = probe("thr", schema, db);
        MigrationOrchestrator osc = controller("thr", probe, engine);
        MigrationId id = osc.submit(request("thr-1", "thr", MigrationPolicy.defaults(), Map.of("chunk-size", "200")));
        drive(
                osc,
                engine,
                id,
                r -> shard(r, "s1").state() == MigrationState.COPYING_ROWS
                        && shard(r, "s1").progress().rowsCopied() > 0);

        osc.throttle(id, "throttle-1", 1.0, "carol");
        MigrationRecord throttled = drive(osc, engine, id, r -> shard(r, "s1").appliedThrottleRatio() == 1.0);
        // The engine touches the throttle flag file, then sends the socket command: the status may say "flag-file"
        // for a moment before the command lands, as gh-ost's shouldThrottle checks the command first, then the files.
        EngineObservation o = GhostFixture.await(
                engine,
                handle(throttled, "s1"),
                Duration.ofSeconds(30),
                obs -> obs.throttled() && "commanded by user".equals(obs.throttleReason()));
        assertThat(o.throttleReason()).isEqualTo("commanded by user");
        GhostFixture.sleep(Duration.ofMillis(500)); // a chunk already under way finishes
        long held = engine.observe(handle(throttled, "s1")).rowsCopied();
        GhostFixture.sleep(Duration.ofSeconds(1));
        assertThat(engine.observe(handle(throttled, "s1")).rowsCopied()).isEqualTo(held);

        osc.throttle(id, "throttle-2", 0.0, "carol");
        MigrationRecord done = drive(osc, engine, id, r -> r.state().isTerminal());
        assertThat(done.state()).as(summary(done)).isEqualTo(MigrationState.COMPLETED);
        assertThat(count(db, schema, "orders")).isEqualTo(20_000);
        osc.close();
    }
}
