package dev.osc4j.testkit;

import dev.osc4j.MigrationId;
import dev.osc4j.spi.StateStore;
import java.time.Duration;
import java.time.Instant;

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
}
