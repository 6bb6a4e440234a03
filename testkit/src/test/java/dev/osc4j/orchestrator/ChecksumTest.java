package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
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

@DisplayName("The checksum before the swap")
class ChecksumTest {
    private static final String KS = "commerce";

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 4, 10_000);
    private final FakeEngine engine =
            FakeEngine.builder(topology).checksumTime(Duration.ofSeconds(20)).build();
    private final MigrationOrchestrator osc = MigrationOrchestrator.builder()
            .store(new InMemoryStateStore(clock))
            .topology(topology)
            .engine(engine)
            .clock(clock)
            .build();

    private MigrationId submit(@Nullable MigrationPolicy policy) {
        return osc.submit(MigrationRequest.builder()
                .idempotencyKey("checksum")
                .keyspace(KS)
                .table("orders")
                .ddl("ALTER TABLE orders ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(policy)
                .build());
    }

    /** Runs one pass a second until {@code id} ends, collecting the wait reasons seen on the way. */
    private MigrationRecord runToEnd(MigrationId id, List<String> reasons) {
        for (int i = 0; i < 3_600; i++) {
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
        throw new AssertionError("did not end: " + osc.get(id).shards());
    }

    @Test
    @DisplayName("every shard's tables are compared, written ahead as an intent, before any shard swaps; the wait shows"
            + " the comparison's progress")
    void comparedBeforeTheSwap() {
        MigrationId id = submit(null);
        List<String> reasons = new ArrayList<>();
        MigrationRecord done = runToEnd(id, reasons);
        assertThat(done.state()).isEqualTo(MigrationState.COMPLETED);
        assertThat(engine.verifyCalls()).isEqualTo(4);
        assertThat(reasons)
                .anySatisfy(r -> assertThat(r).startsWith("checksum running").contains("% ("));
        List<AuditEntry> trail = osc.audit(id);
        AuditTrails.assertSound(trail);
        assertThat(trail)
                .filteredOn(e -> e.kind() == AuditEntry.Kind.INTENT
                        && Objects.requireNonNullElse(e.detail(), "").startsWith("VERIFY"))
                .hasSize(4);
        // Each shard's comparison was asked for before the barrier released any shard.
        long lastVerify = trail.stream()
                .filter(e -> e.kind() == AuditEntry.Kind.EFFECT
                        && Objects.requireNonNullElse(e.detail(), "").startsWith("VERIFY done"))
                .mapToLong(AuditEntry::seq)
                .max()
                .orElseThrow();
        long firstRelease = trail.stream()
                .filter(e -> e.kind() == AuditEntry.Kind.INTENT
                        && Objects.requireNonNullElse(e.detail(), "").startsWith("RELEASE_CUTOVER"))
                .mapToLong(AuditEntry::seq)
                .min()
                .orElseThrow();
        assertThat(lastVerify).isLessThan(firstRelease);
    }

    @Test
    @DisplayName("a copy that still differs fails its shard with CHECKSUM_MISMATCH, and no shard is swapped")
    void mismatchStopsTheCutover() {
        engine.corruptCopy(KS, "-40");
        MigrationId id = submit(null);
        MigrationRecord failed = runToEnd(id, new ArrayList<>());
        assertThat(failed.state()).isEqualTo(MigrationState.FAILED);
        ShardRecord bad = failed.shard("-40").orElseThrow();
        assertThat(bad.state()).isEqualTo(MigrationState.FAILED);
        assertThat(Objects.requireNonNull(bad.failure()).reason()).isEqualTo(FailureReason.CHECKSUM_MISMATCH);
        assertThat(Objects.requireNonNull(bad.failure()).message()).contains("still differ");
        for (String shard : topology.shards(KS)) {
            assertThat(topology.appliedDdl(KS, shard)).as("swapped on " + shard).isEmpty();
        }
        assertThat(osc.audit(id))
                .noneMatch(e -> Objects.requireNonNullElse(e.detail(), "").startsWith("RELEASE_CUTOVER"));
    }

    @Test
    @DisplayName("a policy that skips the checksum swaps without one")
    void skipped() {
        MigrationId id = submit(MigrationPolicy.builder().skipChecksum(true).build());
        assertThat(runToEnd(id, new ArrayList<>()).state()).isEqualTo(MigrationState.COMPLETED);
        assertThat(engine.verifyCalls()).isZero();
    }
}
