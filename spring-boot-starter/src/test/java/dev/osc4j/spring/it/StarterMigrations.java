package dev.osc4j.spring.it;

import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.testkit.FakeEngine;
import java.time.Duration;

/** The migrations the starter's application tests submit, and waiting for one to reach a state. */
public final class StarterMigrations {
    private StarterMigrations() {}

    /** An ALTER of {@code table} in keyspace {@code commerce} on the fake engine. */
    public static MigrationRequest request(String key, String table) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace("commerce")
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .build();
    }

    /** Waits up to 60 s for {@code id} to reach {@code state}; returns the state it is in then. */
    public static MigrationState await(MigrationClient client, MigrationId id, MigrationState state)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (client.get(id).state() != state && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return client.get(id).state();
    }
}
