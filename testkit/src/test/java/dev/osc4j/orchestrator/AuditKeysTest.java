package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.AuditChain;
import dev.osc4j.spi.AuditKeys;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A keyed audit chain with its head kept outside the store")
class AuditKeysTest {
    private static final String KS = "commerce";
    private static final byte[] KEY =
            "an audit key of at least 32 bytes, kept away from the store".getBytes(StandardCharsets.UTF_8);
    private static final AuditKeys KEYS = AuditKeys.of("k1", KEY);

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 2, 10_000);
    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    private final List<AuditChain.Checkpoint> checkpoints = new ArrayList<>();
    private final MigrationOrchestrator osc = MigrationOrchestrator.builder()
            .store(store)
            .topology(topology)
            .engine(FakeEngine.on(topology))
            .clock(clock)
            .auditKeys(KEYS)
            .auditCheckpoints((id, seq, head) -> checkpoints.add(new AuditChain.Checkpoint(seq, head)))
            .build();

    private MigrationId migrate() {
        MigrationId id = osc.submit(MigrationRequest.builder()
                .idempotencyKey("keyed")
                .keyspace(KS)
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("carol")
                .policy(MigrationPolicy.builder().revertWindow(Duration.ZERO).build())
                .build());
        // A directive through a store-only client with the same keys: its entries are keyed too.
        MigrationClient.of(store, clock, KEYS).pause(id, "p-1", "alice");
        MigrationClient.of(store, clock, KEYS).resume(id, "r-1", "alice");
        Simulation.of(osc, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        return id;
    }

    @Test
    @DisplayName("every entry is an HMAC under the key; the trail verifies with the keys and the last checkpoint; a"
            + " verifier without the keys is told to use them")
    void keyedTrailVerifies() {
        MigrationId id = migrate();
        List<AuditEntry> trail = osc.audit(id);
        assertThat(trail).allSatisfy(e -> assertThat(e.hash()).startsWith("hmac-sha256:k1:"));
        AuditChain.Checkpoint last = checkpoints.get(checkpoints.size() - 1);
        assertThat(last.seq()).isEqualTo(osc.get(id).auditSeq());
        assertThat(osc.verifyAudit(id, last)).isEmpty();
        assertThat(MigrationClient.of(store, clock).verifyAudit(id))
                .isNotEmpty()
                .allSatisfy(p -> assertThat(p).contains("verify with the keys"));
    }

    @Test
    @DisplayName("an edit rechained without the key, a wrong key, and a tail cut off with the record's head are found")
    void tamperingWithoutTheKeyIsFound() {
        MigrationId id = migrate();
        MigrationRecord record = osc.get(id);
        List<AuditEntry> trail = osc.audit(id);

        // Someone with write access to the store edits an entry and recomputes the (plain) chain and the head.
        List<AuditEntry> edited = new ArrayList<>();
        for (AuditEntry e : trail) {
            AuditEntry plain = e.withHash(null);
            edited.add(e.seq() == 3 ? plainWithDetail(plain, "nothing to see here") : plain);
        }
        List<AuditEntry> rechained = AuditChain.seal(null, edited);
        MigrationRecord forged = record.withAuditHead(AuditChain.head(null, rechained));
        assertThat(AuditChain.verify(forged, rechained))
                .as("a plain verifier is fooled")
                .isEmpty();
        assertThat(AuditChain.verify(forged, rechained, KEYS, null))
                .contains("the trail's last entry is not keyed: it was written, or rewritten, without the key");

        assertThat(AuditChain.verify(
                        record,
                        trail,
                        AuditKeys.of("k1", "another key of at least thirty-two bytes".getBytes(StandardCharsets.UTF_8)),
                        null))
                .anySatisfy(p -> assertThat(p).contains("does not match its keyed hash"));

        // The last entries removed, and the record's count and head set back to match: only the checkpoint sees it.
        int keep = trail.size() - 3;
        List<AuditEntry> cut = trail.subList(0, keep);
        MigrationRecord shortened = record.with(
                        record.state(),
                        record.attempt(),
                        record.shards(),
                        record.controls(),
                        record.directives(),
                        keep,
                        record.progressPersistedAt(),
                        record.updatedAt())
                .withAuditHead(cut.get(keep - 1).hash());
        assertThat(AuditChain.verify(shortened, cut, KEYS, null))
                .as("the chain alone cannot tell")
                .isEmpty();
        assertThat(AuditChain.verify(shortened, cut, KEYS, checkpoints.get(checkpoints.size() - 1)))
                .singleElement()
                .satisfies(p -> assertThat(p).contains("checkpointed outside the store, is gone"));
        assertThat(KEYS.toString()).doesNotContain("audit key of");
        assertThat(Map.of("k", KEYS).toString()).doesNotContain("kept away");
    }

    private static AuditEntry plainWithDetail(AuditEntry e, String detail) {
        return new AuditEntry(
                e.migrationId(),
                e.seq(),
                e.at(),
                e.actor(),
                e.kind(),
                e.shard(),
                e.from(),
                e.to(),
                e.trigger(),
                e.stepId(),
                detail);
    }
}
