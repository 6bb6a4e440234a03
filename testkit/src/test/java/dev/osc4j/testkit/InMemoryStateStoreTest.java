package dev.osc4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InMemoryStateStoreTest extends StateStoreContract {
    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private InMemoryStateStore memory = new InMemoryStateStore(clock);

    @Override
    protected StateStore createStore() {
        memory = new InMemoryStateStore(clock);
        return memory;
    }

    @Override
    protected void elapse(Duration d) {
        clock.advance(d);
    }

    @Override
    protected void writeRawRecord(MigrationId id, String json) {
        memory.putRaw(id, json);
    }

    @Override
    protected Instant now() {
        return clock.instant();
    }

    @Test
    @DisplayName("progress-only writes, kept without JSON, read back as written, and so do the encoded ones between")
    void softWritesReadBackAsWritten() {
        MigrationRecord r = sampleRecord("soft-1", "commerce", MigrationState.QUEUED, 3);
        MigrationRecord current = memory.create(r, List.of(submitted(r))).record();
        String shard = current.shards().get(1).shard();
        for (int i = 0; i < 2 * InMemoryStateStore.SOFT_WRITES_BETWEEN_ENCODINGS + 1; i++) {
            String reason = "waiting " + i;
            MigrationRecord next = current.withShard(shard, s -> s.withWaitReason(reason));
            current = memory.compareAndSet(next, current.version(), null, List.of());
            assertEquals(
                    next.withVersion(current.version()), memory.read(r.id()).orElseThrow(), "write " + i);
        }
        Change hard = changeTo(current, MigrationState.INITIALIZING);
        MigrationRecord after = memory.compareAndSet(hard.record(), current.version(), null, hard.audit());
        assertEquals(
                hard.record().withVersion(after.version()), memory.read(r.id()).orElseThrow());
        assertEquals(
                MigrationState.INITIALIZING,
                memory.list(dev.osc4j.MigrationFilter.all()).get(0).state());
    }
}
