package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.PreSwapPolicy;
import dev.osc4j.ShardRecord;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The ANALYZE and the warming before the swap")
class PreSwapTest {
    private static final String KS = "commerce";

    private static final MigrationPolicy WARMING = MigrationPolicy.builder()
            .preSwap(PreSwapPolicy.defaults().withWarm(true))
            .build();

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 2, 10_000);
    private final FakeEngine engine = FakeEngine.builder(topology)
            .checksumTime(Duration.ofSeconds(5))
            .preSwapTime(Duration.ofSeconds(10))
            .build();
    private final MigrationOrchestrator osc = MigrationOrchestrator.builder()
            .store(new InMemoryStateStore(clock))
            .topology(topology)
            .engine(engine)
            .clock(clock)
            .build();

    private MigrationId submit(@Nullable MigrationPolicy policy) {
        return osc.submit(MigrationRequest.builder()
                .idempotencyKey("preswap")
                .keyspace(KS)
                .table("orders")
                .ddl("ALTER TABLE orders ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(policy)
                .build());
    }

    /** Runs one pass a second for at most {@code seconds} or until {@code id} ends, collecting wait reasons. */
    private MigrationRecord run(MigrationId id, List<String> reasons, int seconds) {
        for (int i = 0; i < seconds; i++) {
            Simulation.pass(osc);
            MigrationRecord r = osc.get(id);
            for (ShardRecord s : r.shards()) {
                String reason = s.waitReason();
                if (reason != null && !reasons.contains(reason)) {
                    reasons.add(reason);
                }
            }
            if (r.state().isTerminal() || r.state() == MigrationState.FAILED) {
                return r;
            }
            clock.advance(Duration.ofSeconds(1));
        }
        return osc.get(id);
    }

    private static long seq(List<AuditEntry> trail, AuditEntry.Kind kind, String prefix, boolean last) {
        var seqs = trail.stream()
                .filter(e -> e.kind() == kind
                        && Objects.requireNonNullElse(e.detail(), "").startsWith(prefix))
                .mapToLong(AuditEntry::seq);
        return (last ? seqs.max() : seqs.min()).orElseThrow(() -> new AssertionError("no " + kind + " " + prefix));
    }

    @Test
    @DisplayName("after the checksum, each shard's new table is analysed then warmed, each written ahead as an intent,"
            + " before any shard swaps; the wait shows each step's progress")
    void analysedThenWarmedBeforeTheSwap() {
        MigrationId id = submit(WARMING);
        List<String> reasons = new ArrayList<>();
        MigrationRecord done = run(id, reasons, 3_600);
        assertThat(done.state()).isEqualTo(MigrationState.COMPLETED);
        assertThat(engine.analyzeCalls()).isEqualTo(2);
        assertThat(engine.warmCalls()).isEqualTo(2);
        assertThat(reasons).contains("analyzing");
        assertThat(reasons)
                .anySatisfy(r -> assertThat(r).matches("warming: \\d+% of hot ranges read \\(\\d+ of 10\\)"));
        List<AuditEntry> trail = osc.audit(id);
        AuditTrails.assertSound(trail);
        long lastVerify = seq(trail, AuditEntry.Kind.EFFECT, "VERIFY done", true);
        long firstAnalyze = seq(trail, AuditEntry.Kind.INTENT, "ANALYZE", false);
        long lastWarm = seq(trail, AuditEntry.Kind.EFFECT, "WARM done", true);
        long firstRelease = seq(trail, AuditEntry.Kind.INTENT, "RELEASE_CUTOVER", false);
        assertThat(lastVerify).isLessThan(firstRelease);
        assertThat(firstAnalyze).isLessThan(lastWarm);
        assertThat(lastWarm).isLessThan(firstRelease);
    }

    @Test
    @DisplayName("a failed warming holds the swap with the failure as the wait reason, is started again, and the"
            + " swap goes once a warming succeeds")
    void failedWarmIsAWaitReason() {
        engine.failWarm(KS, "-80");
        MigrationId id = submit(WARMING);
        List<String> reasons = new ArrayList<>();
        MigrationRecord held = run(id, reasons, 600);
        assertThat(held.state()).isNotEqualTo(MigrationState.COMPLETED).isNotEqualTo(MigrationState.FAILED);
        assertThat(held.shard("-80").orElseThrow().waitReason())
                .isEqualTo("warming failed: the new table's reads timed out (fake); the swap waits, started again");
        for (String shard : topology.shards(KS)) {
            assertThat(topology.appliedDdl(KS, shard)).as("swapped on " + shard).isEmpty();
        }
        int calls = engine.warmCalls();
        assertThat(calls).isGreaterThan(2);
        engine.healWarm(KS, "-80");
        assertThat(run(id, reasons, 3_600).state()).isEqualTo(MigrationState.COMPLETED);
    }

    @Test
    @DisplayName("by default the new table is analysed but not warmed (warming is opt-in: not measured to help)")
    void defaults() {
        MigrationId id = submit(null);
        assertThat(run(id, new ArrayList<>(), 3_600).state()).isEqualTo(MigrationState.COMPLETED);
        assertThat(engine.analyzeCalls()).isEqualTo(2);
        assertThat(engine.warmCalls()).isZero();
    }

    @Test
    @DisplayName("a policy that switches both steps off swaps without them")
    void switchedOff() {
        MigrationId id =
                submit(MigrationPolicy.builder().preSwap(PreSwapPolicy.off()).build());
        assertThat(run(id, new ArrayList<>(), 3_600).state()).isEqualTo(MigrationState.COMPLETED);
        assertThat(engine.analyzeCalls()).isZero();
        assertThat(engine.warmCalls()).isZero();
    }
}
