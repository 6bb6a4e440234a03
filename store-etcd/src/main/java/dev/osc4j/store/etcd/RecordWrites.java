package dev.osc4j.store.etcd;

import dev.osc4j.AuditEntry;
import dev.osc4j.FencedException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import dev.osc4j.spi.AuditContinuity;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.spi.RecordEncoder;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Writes a record with its audit entries as one etcd transaction: what the transaction compares (the record's create
 * or mod revision, the fencing token as the owner key's create revision, the end of the trail), what it puts, and
 * what a refusal means, read from the same snapshot by its {@code Else} branch: a version conflict, a lost fence, a
 * trail that does not continue, or (after an attempt whose outcome was unknown) this very write, applied earlier.
 */
final class RecordWrites {
    private final Keys keys;
    private final Ownership ownership;
    private final Transactions transactions;
    private final int maxTxnOps;

    /**
     * Encodes each write's record reusing the JSON of its unchanged shards: a 64-shard record is 48 KB of JSON, and a
     * transition changes one shard. The key still holds the whole record.
     */
    private final RecordEncoder encoder = new RecordEncoder(REMEMBERED_MIGRATIONS);

    /** Migrations whose last record's shard JSON is kept: about 48 KB each at 64 shards. */
    private static final int REMEMBERED_MIGRATIONS = 1024;

    RecordWrites(Keys keys, Ownership ownership, Transactions transactions, int maxTxnOps) {
        this.keys = keys;
        this.ownership = ownership;
        this.transactions = transactions;
        this.maxTxnOps = maxTxnOps;
    }

    CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
        MigrationId id = record.id();
        int shards = record.shards().size();
        if (entriesPerWrite(shards) + KEYS_PER_WRITE > maxTxnOps) {
            // Refused now, with nothing written, rather than stuck at its first pass: every later write would be.
            throw new InvalidRequestException(
                    "migration " + id + " has " + shards + " shards; starting, releasing or aborting all of them at"
                            + " once writes up to " + entriesPerWrite(shards) + " audit entries with the record, more"
                            + " than one etcd transaction holds (" + maxTxnOps + " operations, etcd's --max-txn-ops);"
                            + " raise --max-txn-ops on etcd and this store's maxTxnOps to at least "
                            + (entriesPerWrite(shards) + KEYS_PER_WRITE)
                            + ", or split the migration; nothing was written",
                    id);
        }
        checkTrail(record, audit);
        if (record.auditSeq() != audit.size()) {
            throw new InvalidRequestException(
                    "a new record's trail starts at 1, but " + id + " carries entries "
                            + (record.auditSeq() - audit.size() + 1) + ".." + record.auditSeq()
                            + "; nothing was written",
                    id);
        }
        ByteSequence recordKey = keys.record(id);
        ByteSequence json = Keys.bytes(encoder.encode(record));
        ByteSequence firstAudit = keys.audit(id, record.auditSeq() - audit.size() + 1);
        Cmp[] cmps = {
            new Cmp(recordKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
            new Cmp(firstAudit, Cmp.Op.EQUAL, CmpTarget.createRevision(0))
        };
        Op[] then = puts(record, json, audit);
        Op[] otherwise = {Op.get(recordKey, GetOption.DEFAULT)};
        return transactions.untilSettled("creating migration " + id, id, cmps, then, otherwise, (response, resent) -> {
            if (response.isSucceeded()) {
                return new CreateResult(record.withVersion(response.getHeader().getRevision()), true);
            }
            List<KeyValue> existing = response.getGetResponses().get(0).getKvs();
            if (existing.isEmpty()) {
                throw StoreException.corrupt(
                        "migration " + id + " has no record but its audit trail exists under " + keys.prefix()
                                + "audit/" + id + "/; remove those keys or use another prefix",
                        id,
                        null);
            }
            KeyValue kv = existing.get(0);
            boolean ours = resent && kv.getValue().equals(json);
            return new CreateResult(
                    ours
                            ? record.withVersion(kv.getModRevision())
                            : RecordCodec.decode(id, Keys.text(kv.getValue()), kv.getModRevision()),
                    ours);
        });
    }

    MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
        MigrationId id = next.id();
        checkTrail(next, audit);
        if (fence != null) {
            if (!fence.migrationId().equals(id)) {
                throw new IllegalArgumentException(
                        "fence is a lease on " + fence.migrationId() + ", not on the written migration " + id);
            }
            ownership.checkLocally(fence);
        }
        ByteSequence recordKey = keys.record(id);
        ByteSequence ownerKey = keys.owner(id);
        ByteSequence json = Keys.bytes(encoder.encode(next));
        long first = next.auditSeq() - audit.size() + 1;
        List<Cmp> cmps = new ArrayList<>();
        cmps.add(new Cmp(recordKey, Cmp.Op.GREATER, CmpTarget.createRevision(0)));
        cmps.add(new Cmp(recordKey, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedVersion)));
        if (fence != null) {
            cmps.add(new Cmp(ownerKey, Cmp.Op.EQUAL, CmpTarget.createRevision(fence.fencingToken())));
        }
        // The trail continues exactly where it ends: entry first-1 exists, entry first does not.
        cmps.add(new Cmp(keys.audit(id, first), Cmp.Op.EQUAL, CmpTarget.createRevision(0)));
        if (first > 1) {
            cmps.add(new Cmp(keys.audit(id, first - 1), Cmp.Op.GREATER, CmpTarget.createRevision(0)));
        }
        List<Op> otherwise = new ArrayList<>();
        otherwise.add(Op.get(recordKey, GetOption.DEFAULT));
        otherwise.add(Op.get(ownerKey, GetOption.DEFAULT));
        ByteSequence lastAuditKey = keys.audit(id, next.auditSeq());
        ByteSequence lastAuditJson =
                audit.isEmpty() ? json : Keys.bytes(RecordCodec.encodeAudit(audit.get(audit.size() - 1)));
        otherwise.add(Op.get(lastAuditKey, GetOption.DEFAULT));
        return transactions.untilSettled(
                "writing migration " + id,
                id,
                cmps.toArray(Cmp[]::new),
                puts(next, json, audit),
                otherwise.toArray(Op[]::new),
                (response, resent) -> {
                    if (response.isSucceeded()) {
                        return next.withVersion(response.getHeader().getRevision());
                    }
                    KeyValue record = first(response.getGetResponses().get(0));
                    KeyValue owner = first(response.getGetResponses().get(1));
                    KeyValue lastAudit = first(response.getGetResponses().get(2));
                    if (resent && record != null) {
                        // An earlier attempt of this very write may have landed: its last audit entry (or, without
                        // entries, the record itself) is then there, written at the revision it made.
                        if (!audit.isEmpty()
                                && lastAudit != null
                                && lastAudit.getValue().equals(lastAuditJson)) {
                            return next.withVersion(lastAudit.getCreateRevision());
                        }
                        if (audit.isEmpty() && record.getValue().equals(json)) {
                            return next.withVersion(record.getModRevision());
                        }
                    }
                    if (record == null) {
                        throw new VersionConflictException(id, expectedVersion, -1);
                    }
                    if (record.getModRevision() != expectedVersion) {
                        throw new VersionConflictException(id, expectedVersion, record.getModRevision());
                    }
                    if (fence != null && (owner == null || owner.getCreateRevision() != fence.fencingToken())) {
                        throw new FencedException(
                                "lease token " + fence.fencingToken() + " of " + fence.owner() + " on migration " + id
                                        + " is stale: "
                                        + (owner == null
                                                ? "the lease expired or was released"
                                                : Keys.text(owner.getValue()) + " owns it now with token "
                                                        + owner.getCreateRevision()),
                                id);
                    }
                    throw new InvalidRequestException(
                            "audit entries " + first + ".." + next.auditSeq() + " of " + id
                                    + " do not continue its trail: entry " + first + " exists already or entry "
                                    + (first - 1) + " is missing; nothing was written",
                            id);
                });
    }

    /**
     * The most audit entries one write of a migration of {@code shards} shards is expected to carry: two per shard when
     * all of them move at once (a start: the transition and its intent; a release or an abort: the same), and up to
     * three for the migration itself (its state, the directive that moved it, a note). The first write of a 64-shard
     * migration carried 129 (FleetStoreHarness); the three is a margin, reasoned from the decider, not proven. A write
     * over the limit all the same is refused when it is made, naming the flag.
     */
    static int entriesPerWrite(int shards) {
        return 2 * shards + 3;
    }

    private static @Nullable KeyValue first(GetResponse r) {
        return r.getKvs().isEmpty() ? null : r.getKvs().get(0);
    }

    /** The keys every write puts besides its audit entries: the record and its summary. */
    static final int KEYS_PER_WRITE = 2;

    private Op[] puts(MigrationRecord record, ByteSequence json, List<AuditEntry> audit) {
        Op[] ops = new Op[audit.size() + KEYS_PER_WRITE];
        ops[0] = Op.put(keys.record(record.id()), json, PutOption.DEFAULT);
        ops[1] = Op.put(
                keys.summary(record.id()),
                Keys.bytes(RecordCodec.encodeSummary(MigrationSummary.of(record))),
                PutOption.DEFAULT);
        for (int i = 0; i < audit.size(); i++) {
            AuditEntry e = audit.get(i);
            ops[i + KEYS_PER_WRITE] =
                    Op.put(keys.audit(record.id(), e.seq()), Keys.bytes(RecordCodec.encodeAudit(e)), PutOption.DEFAULT);
        }
        return ops;
    }

    /** Audit entries must continue one migration's trail without gaps and end where the record says. */
    private void checkTrail(MigrationRecord record, List<AuditEntry> audit) {
        long expected = record.auditSeq() - audit.size() + 1;
        if (expected < 1) {
            throw new InvalidRequestException(
                    "record " + record.id() + " says audit seq " + record.auditSeq() + " but carries " + audit.size()
                            + " entries; nothing was written",
                    record.id());
        }
        AuditContinuity.requireContinuation(record, expected - 1, audit);
        if (audit.size() + KEYS_PER_WRITE > maxTxnOps) {
            throw StoreException.unavailable(
                    "a write of migration " + record.id() + " carries " + audit.size() + " audit entries; one etcd"
                            + " transaction holds at most " + maxTxnOps + " operations (the record, its summary and "
                            + (maxTxnOps - KEYS_PER_WRITE)
                            + " entries); raise etcd's --max-txn-ops and this store's maxTxnOps",
                    record.id(),
                    null);
        }
    }
}
