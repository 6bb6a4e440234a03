package dev.osc4j.store.etcd;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import java.time.Duration;
import java.util.function.Predicate;

/** Controllers (orchestrators on their own etcd store, as separate processes would have) for the fault tests. */
final class Controllers {
    /** Long enough for keepAlive replies to arrive in time on a loaded machine, short enough for quick takeovers. */
    static final Duration LEASE_TTL = Duration.ofSeconds(3);

    static final Duration POLL = Duration.ofMillis(250);

    private Controllers() {}

    static MigrationOrchestrator controller(String name, StateStore store, FakeTopology topology, FakeEngine engine) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .controllerName(name)
                .leaseTtl(LEASE_TTL)
                .pollInterval(POLL)
                .closeTimeout(Duration.ofSeconds(5))
                .build();
    }

    static MigrationRequest request(String key, String keyspace, String table, long rowsPerSecond) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(keyspace)
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .option("rows-per-second", Long.toString(rowsPerSecond))
                .requestedBy("operator")
                .build();
    }

    /** Waits until the record satisfies {@code condition}, reading it from {@code store}. */
    static MigrationRecord awaitRecord(
            StateStore store, MigrationId id, Predicate<MigrationRecord> condition, Duration limit, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        MigrationRecord last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = store.read(id).orElse(null);
                if (last != null && condition.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                // The store may be between leaders: try again.
            }
            Thread.sleep(100);
        }
        throw new AssertionError("migration " + id + " did not reach " + what + " within " + limit + "; it is "
                + (last == null ? "unreadable" : last.state() + " " + last.shards()));
    }

    static boolean completed(MigrationRecord r) {
        return r.state() == MigrationState.COMPLETED;
    }
}
