package dev.osc4j.testkit.servers;

import dev.osc4j.Controls;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A record to hand to health signals that do not read it (a query, Prometheus). */
final class SignalRecords {
    private SignalRecords() {}

    static MigrationRecord any() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        return new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                MigrationId.forIdempotencyKey("signals"),
                0,
                "signals",
                "fingerprint",
                new MigrationSpec("commerce", "orders", "ADD COLUMN n INT", "fake", Map.of(), List.of()),
                MigrationPolicy.defaults(),
                "test",
                MigrationState.QUEUED,
                1,
                List.of(ShardRecord.queued(new ShardTarget("commerce", "-", "commerce", null), now)),
                Controls.NONE,
                Map.of(),
                1,
                null,
                now,
                now,
                null);
    }
}
