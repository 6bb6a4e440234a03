package dev.osc4j.store.etcd;

import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/** Records and changes for the store's own tests. */
final class Samples {
    private Samples() {}

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    /** A queued one-shard record, not yet stored, with its SUBMITTED entry. */
    static Change record(String key) {
        MigrationId id = MigrationId.forIdempotencyKey(key);
        Instant now = now();
        MigrationSpec spec =
                new MigrationSpec("commerce", "orders", "ADD COLUMN note VARCHAR(64)", "fake", Map.of(), List.of());
        MigrationRecord r = new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                id,
                0,
                key,
                "fp-" + key,
                spec,
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
        AuditEntry submitted = new AuditEntry(
                id, 1, now, "test", AuditEntry.Kind.SUBMITTED, null, null, r.state(), null, "submit", "created");
        return new Change(r, List.of(submitted));
    }

    /** {@code r} moved to {@code state} by {@code actor}, with one audit entry. */
    static Change change(MigrationRecord r, MigrationState state, String actor) {
        long seq = r.auditSeq() + 1;
        MigrationRecord next = r.with(
                state, r.attempt(), r.shards(), r.controls(), r.directives(), seq, r.progressPersistedAt(), now());
        AuditEntry e = new AuditEntry(
                r.id(), seq, now(), actor, AuditEntry.Kind.NOTE, null, null, null, null, "step-" + seq, "to " + state);
        return new Change(next, List.of(e));
    }

    /** A record and its audit entries. */
    record Change(MigrationRecord record, List<AuditEntry> audit) {}
}
