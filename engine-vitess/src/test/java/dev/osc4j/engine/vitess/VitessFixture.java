package dev.osc4j.engine.vitess;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.vitess.FakeVtgate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/** A fake VTGate over a fake topology, with engines, probes and orchestrators on one settable clock. */
final class VitessFixture implements AutoCloseable {
    static final String KS = "commerce";
    static final String TABLE = "orders";

    final SettableClock clock = SettableClock.startingAtEpoch2026();
    final FakeTopology topology;
    final FakeVtgate vtgate;
    final InMemoryStateStore store = new InMemoryStateStore(clock);
    final List<ProgressSnapshot> snapshots = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    VitessFixture(Map<String, Long> rowsByShard) {
        this(rowsByShard, b -> b);
    }

    VitessFixture(Map<String, Long> rowsByShard, UnaryOperator<FakeVtgate.Builder> configure) {
        topology = new FakeTopology(clock).addKeyspace(KS, rowsByShard);
        vtgate = configure.apply(FakeVtgate.builder(topology)).build().start();
    }

    VitessEngine engine() {
        VitessEngine engine = VitessEngine.builder()
                .jdbcUrl(vtgate.jdbcUrl())
                .credentials(CredentialsProvider.of(vtgate.user(), vtgate.password()))
                .clock(clock)
                .build();
        closeables.add(engine);
        return engine;
    }

    VitessTopologyProbe probe() {
        VitessTopologyProbe probe = VitessTopologyProbe.builder()
                .jdbcUrl(vtgate.jdbcUrl())
                .credentials(CredentialsProvider.of(vtgate.user(), vtgate.password()))
                .clock(clock)
                .build();
        closeables.add(probe);
        return probe;
    }

    MigrationOrchestrator orchestrator(@Nullable MigrationPolicy policy) {
        MigrationOrchestrator.Builder b = MigrationOrchestrator.builder()
                .store(store)
                .topology(probe())
                .engine(engine())
                .clock(clock)
                .progressSink(new ProgressSink() {
                    @Override
                    public void onProgress(ProgressSnapshot snapshot) {
                        snapshots.add(snapshot);
                    }
                });
        b.defaultPolicy(withoutRevertWindow(policy));
        MigrationOrchestrator osc = b.build();
        closeables.add(osc);
        return osc;
    }

    /**
     * {@code policy} (the defaults when null) without a revert window unless it sets one: the tests that are not about
     * reverts run to COMPLETED, as before the window existed.
     */
    static MigrationPolicy withoutRevertWindow(@Nullable MigrationPolicy policy) {
        MigrationPolicy p = policy == null ? MigrationPolicy.defaults() : policy;
        return p.revertWindow() != null
                ? p
                : p.toBuilder().revertWindow(java.time.Duration.ZERO).build();
    }

    static MigrationRequest request(String key) {
        return request(key, "ALTER TABLE orders ADD COLUMN note VARCHAR(64)", "");
    }

    /** A request with this DDL and these {@value VitessEngine#OPTION_STRATEGY_FLAGS} (none when empty). */
    static MigrationRequest request(String key, String ddl, String strategyFlags) {
        MigrationRequest.Builder b = MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(KS)
                .table(TABLE)
                .ddl(ddl)
                .engine(VitessEngine.DEFAULT_NAME)
                .requestedBy("test");
        if (!strategyFlags.isEmpty()) {
            b.option(VitessEngine.OPTION_STRATEGY_FLAGS, strategyFlags);
        }
        return b.build();
    }

    /** Four shards of 60k, 40k, 30k and 20k rows. */
    static Map<String, Long> smallShards() {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-40", 60_000L);
        rows.put("40-80", 40_000L);
        rows.put("80-c0", 30_000L);
        rows.put("c0-", 20_000L);
        return rows;
    }

    /** When each shard entered {@code state} for the last time, from the audit trail. */
    static Map<String, Instant> lastEntered(List<AuditEntry> trail, MigrationState state) {
        Map<String, Instant> out = new java.util.HashMap<>();
        for (AuditEntry e : trail) {
            if (e.kind() == AuditEntry.Kind.TRANSITION && e.shard() != null && e.to() == state) {
                out.put(e.shard(), e.at());
            }
        }
        return out;
    }

    /** The first time any shard entered {@code state}, or null. */
    static @Nullable Instant firstEntered(List<AuditEntry> trail, MigrationState state) {
        for (AuditEntry e : trail) {
            if (e.kind() == AuditEntry.Kind.TRANSITION && e.shard() != null && e.to() == state) {
                return e.at();
            }
        }
        return null;
    }

    /** The statements sent to VTGate that start with {@code prefix} and end with {@code suffix}. */
    List<FakeVtgate.Executed> statements(String prefix, String suffix) {
        return vtgate.statements().stream()
                .filter(s -> s.sql().startsWith(prefix) && s.sql().endsWith(suffix))
                .toList();
    }

    static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + c + " failed", e);
            }
        }
        vtgate.close();
    }
}
