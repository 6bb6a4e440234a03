package dev.osc4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.AuditKeys;
import dev.osc4j.spi.StateStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Tampering with a store's audit rows behind osc4j's back, as someone with write access to the database would, and
 * verification finding it: an entry edited, an entry removed, two entries swapped. A store module's test extends it
 * and supplies the store and three raw edits on its own storage (SQL on the audit table, keys in etcd, ...):
 *
 * <pre>{@code
 * class MariaDbAuditTamperIT extends AuditTamperContract {
 *     protected StateStore store() { ... }
 *     protected void replaceInEntry(MigrationId id, long seq, String from, String to) { ... UPDATE ... }
 *     protected void deleteEntry(MigrationId id, long seq) { ... DELETE ... }
 *     protected void swapEntries(MigrationId id, long a, long b) { ... }
 * }
 * }</pre>
 *
 * The trails are sealed with {@link AuditKeys}, so the checks hold against someone who does not hold the key.
 */
public abstract class AuditTamperContract {
    private static final AuditKeys KEYS = AuditKeys.of(
            "contract", "a key for the tamper contract, 32 bytes or more".getBytes(StandardCharsets.UTF_8));

    /** The store under test; the same one across a test. */
    protected abstract StateStore store();

    /** Replaces {@code from} by {@code to} in the stored text of entry {@code seq} of {@code id}. */
    protected abstract void replaceInEntry(MigrationId id, long seq, String from, String to) throws Exception;

    /** Removes entry {@code seq} of {@code id} from the storage. */
    protected abstract void deleteEntry(MigrationId id, long seq) throws Exception;

    /** Exchanges the stored contents of entries {@code a} and {@code b} of {@code id}. */
    protected abstract void swapEntries(MigrationId id, long a, long b) throws Exception;

    /** Runs a small migration to COMPLETED on the store, its trail keyed, and returns its id. */
    private MigrationId migrated(String key) {
        SettableClock clock = SettableClock.startingAtEpoch2026();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("tamper", 1, 1_000);
        MigrationOrchestrator osc = MigrationOrchestrator.builder()
                .store(store())
                .topology(topology)
                .engine(FakeEngine.on(topology))
                .clock(clock)
                .auditKeys(KEYS)
                .build();
        MigrationId id = osc.submit(MigrationRequest.builder()
                .idempotencyKey(key + "-" + System.nanoTime())
                .keyspace("tamper")
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(MigrationPolicy.builder().revertWindow(Duration.ZERO).build())
                .build());
        Simulation.of(osc, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        assertEquals(List.of(), verify(id), "the untouched trail");
        return id;
    }

    private List<String> verify(MigrationId id) {
        return MigrationClient.of(store(), SettableClock.startingAtEpoch2026(), KEYS)
                .verifyAudit(id);
    }

    @Test
    @DisplayName("an entry edited in the storage is named")
    void edited() throws Exception {
        MigrationId id = migrated("edited");
        AuditEntry first = MigrationClient.of(store()).audit(id).get(0);
        replaceInEntry(id, 1, "\"actor\":\"" + first.actor() + "\"", "\"actor\":\"mallory\"");
        assertEquals("mallory", MigrationClient.of(store()).audit(id).get(0).actor());
        List<String> problems = verify(id);
        assertTrue(
                problems.contains("entry 1 does not match its keyed hash: it was changed, or one before it was"),
                problems::toString);
    }

    @Test
    @DisplayName("an entry removed from the storage is named")
    void removed() throws Exception {
        MigrationId id = migrated("removed");
        deleteEntry(id, 3);
        List<String> problems = verify(id);
        assertTrue(problems.stream().anyMatch(p -> p.contains("entry 4 where 3 was expected")), problems::toString);
    }

    @Test
    @DisplayName("two entries swapped in the storage are named")
    void reordered() throws Exception {
        MigrationId id = migrated("reordered");
        swapEntries(id, 4, 5);
        List<String> problems = verify(id);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("entry 4 ")), problems::toString);
    }
}
