package dev.osc4j.store.jdbc;

import dev.osc4j.AuditEntry;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import dev.osc4j.spi.AuditContinuity;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The migrations table and its audit trail: reads, listing, and the writes of a record with its audit entries in one
 * transaction (create; compare-and-set with the fencing check of {@link Leases}, on MySQL/MariaDB inside the
 * UPDATE itself). A record is kept as its head (the migrations row) and its shards ({@link ShardRows}, one row each;
 * a record of one shard is kept whole in its row); a write rewrites the head and only the shards that changed. A write tried again after an unknown
 * outcome first looks for itself in what is stored, so it is never applied twice.
 */
final class Migrations {
    private static final int AUDIT_ROWS_PER_INSERT = 100;

    private final Database db;
    private final Sql sql;
    private final Leases leases;
    private final ShardRows shardRows;

    Migrations(Database db, Leases leases) {
        this.db = db;
        this.sql = db.sql();
        this.leases = leases;
        this.shardRows = new ShardRows(sql);
    }

    /** A migration row as it is now: the record's head. */
    private record Stored(long version, long auditSeq, String json) {}

    /** The record's version, or -1 when there is none: one indexed lookup, nothing decoded. */
    long version(MigrationId id) {
        return db.read("read version", id, (c, attempt) -> {
            try (PreparedStatement select = c.prepareStatement(sql.selectVersion())) {
                select.setString(1, id.value());
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? row.getLong(1) : -1L;
                }
            }
        });
    }

    Optional<MigrationRecord> read(MigrationId id) {
        return db.read("read", id, (c, attempt) -> {
            try (PreparedStatement select = c.prepareStatement(sql.selectRecord())) {
                select.setString(1, id.value());
                select.setString(2, id.value());
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next() || row.getInt(1) != -1) {
                        return Optional.empty();
                    }
                    long version = row.getLong(2);
                    String head = row.getString(3);
                    List<String> shards = new ArrayList<>();
                    while (row.next()) {
                        ShardRows.add(id, shards, row.getInt(1), row.getString(3));
                    }
                    MigrationRecord record = ShardRows.decode(id, head, shards, version);
                    shardRows.remember(id, version, record.shards());
                    return Optional.of(record);
                }
            }
        });
    }

    /** The record as stored now, locked: its head row (already read and locked by the caller) and its shards. */
    private MigrationRecord decodeLocked(Connection c, MigrationId id, Stored head) throws SQLException {
        return ShardRows.decode(id, head.json(), shardRows.stored(c, id), head.version());
    }

    CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
        MigrationId id = record.id();
        AuditContinuity.requireContinuation(record, 0, audit);
        String json = ShardRows.head(record);
        ShardRows.Plan shards = ShardRows.whole(record.shards());
        List<String> auditJson = encodeAll(audit);
        MigrationSummary summary = MigrationSummary.of(record);
        CreateResult result = db.write("create", id, (c, attempt) -> {
            try (PreparedStatement insert = c.prepareStatement(sql.insertRecord())) {
                insert.setString(1, id.value());
                insert.setLong(2, 1);
                insert.setString(3, record.spec().keyspace());
                insert.setString(4, record.spec().table());
                insert.setString(5, record.spec().engine());
                insert.setString(6, record.state().name());
                insert.setInt(7, record.attempt());
                insert.setLong(8, record.auditSeq());
                insert.setString(9, json);
                insert.setString(10, Sql.time(record.createdAt()));
                insert.setString(11, Sql.time(record.updatedAt()));
                Rows.bindSummary(insert, 12, summary);
                insert.executeUpdate();
            } catch (SQLException e) {
                if (!sql.isDuplicateKey(e)) {
                    throw e;
                }
                Stored existing = lockedRow(c, id);
                if (existing == null) {
                    throw new SQLTransientException("migration " + id + " was created and deleted concurrently");
                }
                // After an attempt whose outcome is unknown, the record may be ours: then this call created it.
                boolean ours = attempt > 1 && appliedEarlier(c, id, existing, 1, json, shards, audit, auditJson);
                return new CreateResult(decodeLocked(c, id, existing), ours);
            }
            shardRows.insert(c, id, shards);
            insertAudit(c, audit, auditJson);
            return new CreateResult(record.withVersion(1), true);
        });
        shardRows.remember(id, result.record().version(), result.record().shards());
        return result;
    }

    MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
        MigrationId id = next.id();
        long previousSeq = audit.isEmpty() ? next.auditSeq() : audit.get(0).seq() - 1;
        AuditContinuity.requireContinuation(next, previousSeq, audit);
        if (fence != null && !fence.migrationId().equals(id)) {
            throw new InvalidRequestException(
                    "fence is the lease of migration " + fence.migrationId() + ", not of " + id, id);
        }
        String json = ShardRows.head(next);
        ShardRows.Plan shards = shardRows.plan(next, expectedVersion);
        List<String> auditJson = encodeAll(audit);
        MigrationSummary summary = MigrationSummary.of(next);
        long newVersion = expectedVersion + 1;
        boolean folded = fence != null && sql.foldsFence();
        MigrationRecord written = db.write("compare-and-set", id, (c, attempt) -> {
            // Locks in one order on every path: where the fence rides in the UPDATE (MySQL/MariaDB), the migration row
            // and then the lease row (a grant locks only the lease row, so no cycle); otherwise the lease row
            // (shared), then the migration row.
            Leases.FenceRow current = fence == null || folded ? null : leases.fenceRow(c, id);
            if (attempt > 1) {
                // The previous attempt may have committed before its connection broke: find out, never apply twice.
                Stored now = lockedRow(c, id);
                if (now != null && appliedEarlier(c, id, now, newVersion, json, shards, audit, auditJson)) {
                    return next.withVersion(newVersion);
                }
            }
            if (fence != null && !folded) {
                Leases.checkFence(current, fence);
            }
            int updated = update(c, next, json, summary, expectedVersion, previousSeq, folded ? fence : null);
            if (updated == 0) {
                // Only now find out why, in the order the separate fence check answered: fenced before conflicting.
                if (folded && fence != null) {
                    Leases.checkFence(leases.fenceRow(c, id), fence);
                }
                Stored now = lockedRow(c, id);
                if (now == null) {
                    throw new VersionConflictException(id, expectedVersion, -1);
                }
                if (now.version() != expectedVersion) {
                    throw new VersionConflictException(id, expectedVersion, now.version());
                }
                throw new InvalidRequestException(
                        "audit entries of migration " + id + " start after seq " + previousSeq
                                + " but its stored trail ends at " + now.auditSeq() + "; nothing was written",
                        id);
            }
            shardRows.write(c, id, shards);
            insertAudit(c, audit, auditJson);
            return next.withVersion(newVersion);
        });
        shardRows.remember(id, newVersion, written.shards());
        return written;
    }

    /** The compare-and-set statement ({@link Sql#updateRecord}); the number of rows it matched. */
    private int update(
            Connection c,
            MigrationRecord next,
            String json,
            MigrationSummary summary,
            long expectedVersion,
            long previousSeq,
            @Nullable Lease fence)
            throws SQLException {
        try (PreparedStatement update = c.prepareStatement(sql.updateRecord(fence != null))) {
            int p = 1;
            update.setLong(p++, expectedVersion + 1);
            update.setString(p++, next.state().name());
            update.setInt(p++, next.attempt());
            update.setLong(p++, next.auditSeq());
            update.setString(p++, json);
            update.setString(p++, Sql.time(next.updatedAt()));
            Rows.bindSummary(update, p, summary);
            p += Rows.SUMMARY_COLUMNS;
            update.setString(p++, next.id().value());
            update.setLong(p++, expectedVersion);
            update.setLong(p++, previousSeq);
            if (fence != null) {
                update.setString(p++, fence.owner());
                update.setLong(p, fence.fencingToken());
            }
            return update.executeUpdate();
        }
    }

    List<MigrationSummary> list(MigrationFilter filter) {
        List<MigrationState> states = new ArrayList<>(filter.states());
        states.sort(null);
        String keyspace = filter.keyspace();
        MigrationId after = filter.after();
        return db.read("list", null, (c, attempt) -> {
            List<MigrationSummary> out = new ArrayList<>();
            try (PreparedStatement select =
                    c.prepareStatement(sql.listSummaries(states.size(), keyspace != null, after != null))) {
                int i = 1;
                for (MigrationState state : states) {
                    select.setString(i++, state.name());
                }
                if (keyspace != null) {
                    select.setString(i++, keyspace);
                }
                if (after != null) {
                    select.setString(i++, after.value());
                }
                select.setInt(i, filter.limit());
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        out.add(Rows.summary(row));
                    }
                }
            }
            return out;
        });
    }

    List<AuditEntry> audit(MigrationId id, long afterSeq, int limit) {
        if (limit < 1) {
            return List.of();
        }
        return db.read("read audit", id, (c, attempt) -> {
            List<AuditEntry> out = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(sql.selectAudit())) {
                select.setString(1, id.value());
                select.setLong(2, afterSeq);
                select.setInt(3, limit);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        out.add(RecordCodec.decodeAudit(row.getString(1)));
                    }
                }
            }
            return out;
        });
    }

    private @Nullable Stored lockedRow(Connection c, MigrationId id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(sql.selectRecordLocked())) {
            select.setString(1, id.value());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? new Stored(row.getLong(1), row.getLong(2), row.getString(3)) : null;
            }
        }
    }

    /**
     * Whether a write with this record and audit, meant to produce {@code version}, is already stored: its last audit
     * entry is there, byte for byte (audit entries are never rewritten, so this holds even after later writes); or,
     * for a write without audit entries, the row still has that version and that head, and its shards what it wrote.
     */
    private boolean appliedEarlier(
            Connection c,
            MigrationId id,
            Stored now,
            long version,
            String json,
            ShardRows.Plan shards,
            List<AuditEntry> audit,
            List<String> auditJson)
            throws SQLException {
        if (audit.isEmpty()) {
            return now.version() == version && now.json().equals(json) && shardRows.holds(c, id, shards);
        }
        try (PreparedStatement select = c.prepareStatement(sql.selectAuditEntryLocked())) {
            select.setString(1, id.value());
            select.setLong(2, audit.get(audit.size() - 1).seq());
            try (ResultSet row = select.executeQuery()) {
                return row.next() && row.getString(1).equals(auditJson.get(auditJson.size() - 1));
            }
        }
    }

    private void insertAudit(Connection c, List<AuditEntry> audit, List<String> auditJson) throws SQLException {
        for (int from = 0; from < audit.size(); from += AUDIT_ROWS_PER_INSERT) {
            int to = Math.min(audit.size(), from + AUDIT_ROWS_PER_INSERT);
            try (PreparedStatement insert = c.prepareStatement(sql.insertAudit(to - from))) {
                int p = 1;
                for (int i = from; i < to; i++) {
                    AuditEntry e = audit.get(i);
                    insert.setString(p++, e.migrationId().value());
                    insert.setLong(p++, e.seq());
                    insert.setString(p++, e.kind().name());
                    insert.setString(p++, Sql.time(e.at()));
                    insert.setString(p++, auditJson.get(i));
                }
                insert.executeUpdate();
            } catch (SQLException e) {
                if (sql.isDuplicateKey(e)) {
                    // The record's audit position said the trail ended before these entries; the table disagrees.
                    throw StoreException.corrupt(
                            "the audit trail of migration " + audit.get(0).migrationId()
                                    + " already has entries the record does not account for: " + e.getMessage(),
                            audit.get(0).migrationId(),
                            e);
                }
                throw e;
            }
        }
    }

    private static List<String> encodeAll(List<AuditEntry> audit) {
        List<String> out = new ArrayList<>(audit.size());
        for (AuditEntry e : audit) {
            out.add(RecordCodec.encodeAudit(e));
        }
        return out;
    }
}
