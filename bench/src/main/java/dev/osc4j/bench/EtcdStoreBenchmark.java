package dev.osc4j.bench;

import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.store.etcd.EtcdStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.servers.LocalEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * End-to-end figures of the etcd store on a local etcd started by the testkit (Debian {@code etcd-server}), printed on
 * standard output:
 *
 * <ol>
 *   <li>committed transitions per second and median/p99 latency of {@link EtcdStateStore#compareAndSet} (record with
 *       one shard changed, and one audit entry, fenced by a lease), next to the raw operation by hand: a bare
 *       jetcd transaction comparing the mod revision and putting the record's bytes and an audit entry's, on the same
 *       key in the same run; for records of 1 and of 64 shards, with 1 writer (three rounds, alternating, and the
 *       ratio of the medians) and with 8 writers;
 *   <li>the time from {@code kill -9} of a controller (a child JVM running an orchestrator, killed with {@link
 *       Process#destroyForcibly()}) to the takeover of its migrations by another controller, for several lease TTLs.
 * </ol>
 *
 * <p>Run: {@code mvn -B -q -T1 -pl bench -am install -DskipTests && mvn -B -q -pl bench exec:exec
 * -Dexec.args="-cp %classpath dev.osc4j.bench.EtcdStoreBenchmark"} (optional arguments after the class: the number
 * of measured writes per phase, default 3000, and the TTLs in seconds for the kill test, default {@code 3,6,15}, or {@code none}).
 */
public final class EtcdStoreBenchmark {
    private static final String CHILD = "child";
    private static final int WARMUP = 500;
    private static final int THREADS = 8;
    private static final int KILLED_MIGRATIONS = 10;
    private static final int KILL_ROUNDS = 2;

    private EtcdStoreBenchmark() {}

    /**
     * Runs the benchmark, or, with {@code child} as first argument, a controller for the kill test.
     *
     * @param args {@code [writes [ttls]]} or {@code child <endpoint> <prefix> <ttlSeconds>}
     * @throws Exception if anything fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals(CHILD)) {
            child(args);
            return;
        }
        int writes = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        List<Integer> ttls = args.length > 1 && args[1].equals("none")
                ? List.of()
                : args.length > 1
                        ? Arrays.stream(args[1].split(","))
                                .map(Integer::valueOf)
                                .toList()
                        : List.of(3, 6, 15);
        // The 64-shard record's first write carries 129 audit entries: over etcd's default 128 operations per
        // transaction, so the store refuses such a migration unless both limits are raised (store-etcd.md, Limits).
        try (LocalEtcd etcd = LocalEtcd.builder()
                .option("max-txn-ops", String.valueOf(TXN_OPS))
                .start()) {
            System.out.println(
                    "etcd " + etcd.endpoints() + "; " + Runtime.getRuntime().availableProcessors() + " CPUs; " + writes
                            + " measured writes per phase after " + WARMUP + " warm-up writes");
            writes(etcd, writes);
            for (int ttl : ttls) {
                for (int round = 1; round <= KILL_ROUNDS; round++) {
                    killAndTakeOver(etcd, Duration.ofSeconds(ttl), round);
                }
            }
        }
        System.exit(0); // jetcd's client leaves a non-daemon thread for a few seconds after close
    }

    // ---------------------------------------------------------------------------------------------------------
    /** Operations one transaction may hold, on the server and in the store: enough for 64 shards (2 x 64 + 5). */
    private static final int TXN_OPS = 133;

    // Part 1: committed transitions per second and latency, store vs. bare jetcd txn

    private static void writes(LocalEtcd etcd, int writes) throws Exception {
        try (EtcdStateStore store = EtcdStateStore.builder()
                        .endpoints(etcd.endpoints())
                        .prefix("/bench-writes/")
                        .maxTxnOps(TXN_OPS)
                        .build();
                Client raw = Client.builder()
                        .endpoints(etcd.endpoints().toArray(URI[]::new))
                        .build()) {
            System.out.println();
            System.out.println("== committed transitions (single-node etcd, fsync on) ==");
            System.out.printf(
                    Locale.ROOT, "%-48s %8s %12s %10s %10s%n", "phase", "writers", "writes/s", "p50 ms", "p99 ms");
            for (int shards : new int[] {1, 64}) {
                List<Writer> storeWriters = new ArrayList<>();
                List<Writer> bareWriters = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    storeWriters.add(new StoreWriter(store, "bench-" + shards + "-" + i, shards));
                    bareWriters.add(new BareWriter(
                            raw.getKVClient(),
                            "/bench-writes/migrations/" + storeWriters.get(i).id(),
                            "/bench-bare-audit/" + shards + "-" + i + "/"));
                }
                String op = "store compareAndSet, " + shards + " shard(s)";
                String bare = "bare txn (CAS + 2 puts), " + shards + " shard(s)";
                // Interleaved, so that drift of the shared machine hits both alike.
                List<Double> ratios = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    double storeMedian = report(op, storeWriters.subList(0, 1), writes);
                    double bareMedian = report(bare, bareWriters.subList(0, 1), writes);
                    ratios.add(storeMedian / bareMedian);
                }
                report(op, storeWriters, writes);
                report(bare, bareWriters, writes);
                System.out.printf(
                        Locale.ROOT,
                        "ratio of medians, 1 writer, %d shard(s): %s; median %.2fx%n",
                        shards,
                        ratios.stream()
                                .map(r -> String.format(Locale.ROOT, "%.2fx", r))
                                .toList(),
                        ratios.stream().sorted().toList().get(1));
            }
        }
    }

    /** Writes one committed transition per call and returns its latency in nanoseconds. */
    private interface Writer extends LongSupplier {
        MigrationId id();

        /** Reads the key's current revision: the other kind of writer moved it. */
        void prepare() throws Exception;
    }

    private static final class StoreWriter implements Writer {
        private final EtcdStateStore store;
        private final Lease lease;
        private MigrationRecord current;

        StoreWriter(EtcdStateStore store, String key, int shards) {
            this.store = store;
            MigrationRecord r = sampleRecord(key, shards);
            AuditEntry submitted = new AuditEntry(
                    r.id(),
                    1,
                    r.createdAt(),
                    "bench",
                    AuditEntry.Kind.SUBMITTED,
                    null,
                    null,
                    r.state(),
                    null,
                    "submit",
                    "created");
            this.current = store.create(r, List.of(submitted)).record();
            this.lease = store.tryAcquire(r.id(), "bench-controller", Duration.ofMinutes(5))
                    .orElseThrow();
        }

        @Override
        public MigrationId id() {
            return current.id();
        }

        @Override
        public void prepare() {
            current = store.read(current.id()).orElseThrow();
        }

        @Override
        public long getAsLong() {
            long seq = current.auditSeq() + 1;
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            MigrationRecord next = current.with(
                            current.state(),
                            current.attempt(),
                            current.shards(),
                            current.controls(),
                            current.directives(),
                            seq,
                            now,
                            now)
                    .withShard(
                            current.shards()
                                    .get((int) (seq % current.shards().size()))
                                    .target()
                                    .shard(),
                            s -> s.withWaitReason("step " + seq));
            AuditEntry e = progressNote(current.id(), seq, now);
            long start = System.nanoTime();
            current = store.compareAndSet(next, current.version(), lease, List.of(e));
            return System.nanoTime() - start;
        }
    }

    private static final class BareWriter implements Writer {
        private final KV kv;
        private final ByteSequence key;
        private final String auditPrefix;
        private final ByteSequence auditValue;
        private long revision;
        private long seq;

        private ByteSequence value = ByteSequence.EMPTY;

        BareWriter(KV kv, String key, String auditPrefix) {
            this.kv = kv;
            this.key = ByteSequence.from(key, StandardCharsets.UTF_8);
            this.auditPrefix = auditPrefix;
            MigrationId id = MigrationId.of("bare");
            this.auditValue = ByteSequence.from(
                    RecordCodec.encodeAudit(progressNote(id, 1, Instant.now())), StandardCharsets.UTF_8);
        }

        @Override
        public MigrationId id() {
            return MigrationId.of("bare");
        }

        @Override
        public void prepare() throws Exception {
            io.etcd.jetcd.KeyValue existing =
                    kv.get(key).get(10, TimeUnit.SECONDS).getKvs().get(0);
            value = existing.getValue(); // the record as the store last wrote it: same size, still valid
            revision = existing.getModRevision();
        }

        @Override
        public long getAsLong() {
            long start = System.nanoTime();
            TxnResponse r;
            try {
                r = kv.txn()
                        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision)))
                        .Then(
                                Op.put(key, value, PutOption.DEFAULT),
                                Op.put(
                                        ByteSequence.from(
                                                auditPrefix + String.format(Locale.ROOT, "%020d", ++seq),
                                                StandardCharsets.UTF_8),
                                        auditValue,
                                        PutOption.DEFAULT))
                        .commit()
                        .get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            long took = System.nanoTime() - start;
            if (!r.isSucceeded()) {
                throw new IllegalStateException("bare txn lost its compare");
            }
            revision = r.getHeader().getRevision();
            return took;
        }
    }

    /** The audit entry each measured write carries, in the store's transaction and the bare one alike. */
    private static AuditEntry progressNote(MigrationId id, long seq, Instant now) {
        return new AuditEntry(
                id,
                seq,
                now,
                "bench-controller",
                AuditEntry.Kind.NOTE,
                null,
                null,
                null,
                null,
                "step-" + seq,
                "progress");
    }

    /** Measures and prints one phase; returns its median latency in milliseconds. */
    private static double report(String phase, List<Writer> writers, int writes) throws Exception {
        for (Writer w : writers) {
            w.prepare();
        }
        run(writers, WARMUP);
        long start = System.nanoTime();
        long[] latencies = run(writers, writes);
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latencies);
        System.out.printf(
                Locale.ROOT,
                "%-48s %8d %12.0f %10.2f %10.2f%n",
                phase,
                writers.size(),
                latencies.length / seconds,
                latencies[latencies.length / 2] / 1e6,
                latencies[(int) Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] / 1e6);
        return latencies[latencies.length / 2] / 1e6;
    }

    /** {@code total} writes spread over the writers, each writer on its own thread; the latencies. */
    private static long[] run(List<Writer> writers, int total) throws Exception {
        int each = Math.max(1, total / writers.size());
        ExecutorService pool = Executors.newFixedThreadPool(writers.size());
        try {
            List<Future<long[]>> parts = new ArrayList<>();
            for (Writer w : writers) {
                parts.add(pool.submit(() -> {
                    long[] out = new long[each];
                    for (int i = 0; i < each; i++) {
                        out[i] = w.getAsLong();
                    }
                    return out;
                }));
            }
            long[] all = new long[each * writers.size()];
            int at = 0;
            for (Future<long[]> f : parts) {
                long[] part = f.get(10, TimeUnit.MINUTES);
                System.arraycopy(part, 0, all, at, part.length);
                at += part.length;
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private static MigrationRecord sampleRecord(String key, int count) {
        MigrationId id = MigrationId.forIdempotencyKey(key);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<ShardRecord> shards = new ArrayList<>();
        for (String shard : FakeTopology.shardNames(count)) {
            shards.add(ShardRecord.queued(new ShardTarget("commerce", shard, "commerce", null), now));
        }
        MigrationSpec spec =
                new MigrationSpec("commerce", "orders", "ADD COLUMN note VARCHAR(64)", "fake", Map.of(), List.of());
        return new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                id,
                0,
                key,
                "fp-" + key,
                spec,
                MigrationPolicy.defaults(),
                "bench",
                MigrationState.QUEUED,
                1,
                shards,
                Controls.NONE,
                Map.of(),
                1,
                null,
                now,
                now,
                null);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Part 2: kill -9 of a controller, and the takeover of its migrations

    private static void killAndTakeOver(LocalEtcd etcd, Duration ttl, int round) throws Exception {
        String prefix = "/bench-kill-" + ttl.toSeconds() + "-" + round + "/";
        String endpoint = etcd.endpoints().get(0).toString();
        FakeTopology topology = slowTopology();
        FakeEngine engine = FakeEngine.builder(topology).rowsPerSecond(1).build();
        try (EtcdStateStore storeB = EtcdStateStore.builder()
                        .endpoints(etcd.endpoints())
                        .prefix(prefix)
                        .build();
                Client raw = Client.builder().endpoints(endpoint).build();
                MigrationOrchestrator b = controller("survivor", storeB, topology, engine, ttl)) {
            List<MigrationId> ids = new ArrayList<>();
            for (int i = 0; i < KILLED_MIGRATIONS; i++) {
                ids.add(b.submit(request("kill-" + i)));
            }
            Process child = startChild(endpoint, prefix, ttl);
            try {
                String childId = awaitLine(child, "CONTROLLER ").trim();
                awaitLine(child, "OWNS ALL");
                b.start();
                Thread.sleep(1_000); // the survivor polls and finds every migration owned

                ByteSequence owners = ByteSequence.from(prefix + "owners/", StandardCharsets.UTF_8);
                long fromRevision = raw.getKVClient()
                                .get(owners)
                                .get(10, TimeUnit.SECONDS)
                                .getHeader()
                                .getRevision()
                        + 1;
                Map<String, Long> released = new ConcurrentHashMap<>();
                Map<String, Long> taken = new ConcurrentHashMap<>();
                long[] killedAt = new long[1];
                String survivor = b.controllerId();
                Watch.Watcher w = raw.getWatchClient()
                        .watch(
                                owners,
                                WatchOption.builder()
                                        .withRange(OptionsUtil.prefixEndOf(owners))
                                        .withRevision(fromRevision)
                                        .build(),
                                response -> {
                                    long now = System.nanoTime();
                                    for (WatchEvent e : response.getEvents()) {
                                        String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
                                        if (e.getEventType() == WatchEvent.EventType.DELETE) {
                                            released.putIfAbsent(key, now);
                                        } else if (e.getKeyValue()
                                                .getValue()
                                                .toString(StandardCharsets.UTF_8)
                                                .equals(survivor)) {
                                            taken.putIfAbsent(key, now);
                                        }
                                    }
                                });
                try {
                    killedAt[0] = System.nanoTime();
                    child.destroyForcibly();
                    long deadline =
                            killedAt[0] + ttl.multipliedBy(4).plusSeconds(20).toNanos();
                    while (taken.size() < ids.size() && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                } finally {
                    w.close();
                }
                long[] expiry = millisSince(killedAt[0], released.values());
                long[] takeover = millisSince(killedAt[0], taken.values());
                if (!killHeaderPrinted) {
                    killHeaderPrinted = true;
                    System.out.println();
                    System.out.println("== kill -9 of a controller (child JVM " + childId + ") holding "
                            + KILLED_MIGRATIONS + " migrations; times after the kill, ms ==");
                }
                System.out.printf(
                        Locale.ROOT,
                        "lease TTL %2d s, round %d: etcd expired the owner keys after %s; survivor took over %d/%d"
                                + " after %s%n",
                        ttl.toSeconds(),
                        round,
                        summary(expiry),
                        takeover.length,
                        ids.size(),
                        summary(takeover));
            } finally {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String summary(long[] ms) {
        if (ms.length == 0) {
            return "(none)";
        }
        Arrays.sort(ms);
        return "min " + ms[0] + " / median " + ms[ms.length / 2] + " / max " + ms[ms.length - 1];
    }

    private static long[] millisSince(long t0, java.util.Collection<Long> times) {
        return times.stream().mapToLong(t -> (t - t0) / 1_000_000).toArray();
    }

    private static FakeTopology slowTopology() {
        return new FakeTopology(Clock.systemUTC()).addUniformKeyspace("commerce", 1, 1_000_000_000L);
    }

    private static MigrationRequest request(String key) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace("commerce")
                .table("orders")
                .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("bench")
                .build();
    }

    private static MigrationOrchestrator controller(
            String name, EtcdStateStore store, FakeTopology topology, FakeEngine engine, Duration ttl) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .controllerName(name)
                .leaseTtl(ttl)
                .pollInterval(Duration.ofMillis(Math.min(1_000, ttl.toMillis() / 3)))
                .build();
    }

    private static Process startChild(String endpoint, String prefix, Duration ttl) throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                EtcdStoreBenchmark.class.getName(),
                CHILD,
                endpoint,
                prefix,
                Long.toString(ttl.toSeconds()));
        pb.redirectErrorStream(true);
        return pb.start();
    }

    private static String awaitLine(Process child, String marker) throws Exception {
        BufferedReader in = readers.computeIfAbsent(
                child, p -> new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith(marker)) {
                return line.substring(marker.length());
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        throw new IllegalStateException("the child controller did not print '" + marker + "'");
    }

    private static final Map<Process, BufferedReader> readers = new ConcurrentHashMap<>();
    private static boolean killHeaderPrinted;

    /** The child: a controller that takes every migration under the prefix and drives them until killed. */
    private static void child(String[] args) throws Exception {
        String endpoint = args[1];
        String prefix = args[2];
        Duration ttl = Duration.ofSeconds(Long.parseLong(args[3]));
        FakeTopology topology = slowTopology();
        FakeEngine engine = FakeEngine.builder(topology).rowsPerSecond(1).build();
        EtcdStateStore store =
                EtcdStateStore.builder().endpoints(endpoint).prefix(prefix).build();
        MigrationOrchestrator controller = controller("doomed", store, topology, engine, ttl);
        System.out.println("CONTROLLER " + controller.controllerId());
        controller.start();
        try (Client raw = Client.builder().endpoints(endpoint).build()) {
            ByteSequence owners = ByteSequence.from(prefix + "owners/", StandardCharsets.UTF_8);
            while (true) {
                List<io.etcd.jetcd.KeyValue> kvs = raw.getKVClient()
                        .get(
                                owners,
                                io.etcd.jetcd.options.GetOption.builder()
                                        .withRange(OptionsUtil.prefixEndOf(owners))
                                        .build())
                        .get(10, TimeUnit.SECONDS)
                        .getKvs();
                Set<String> mine = new java.util.HashSet<>();
                for (io.etcd.jetcd.KeyValue kv : kvs) {
                    if (kv.getValue().toString(StandardCharsets.UTF_8).equals(controller.controllerId())) {
                        mine.add(kv.getKey().toString(StandardCharsets.UTF_8));
                    }
                }
                if (mine.size() >= KILLED_MIGRATIONS) {
                    System.out.println("OWNS ALL");
                    System.out.flush();
                    break;
                }
                Thread.sleep(50);
            }
        }
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
