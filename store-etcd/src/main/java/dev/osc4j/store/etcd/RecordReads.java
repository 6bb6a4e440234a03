package dev.osc4j.store.etcd;

import dev.osc4j.AuditEntry;
import dev.osc4j.ErrorCode;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.StoreException;
import dev.osc4j.spi.RecordCodec;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads records and audit trails: one record by id, a listing in pages of {@code pageSize} keys filtered here (etcd
 * returns keys in byte order, which is id order), and a page of one migration's trail. A listing page reads the record
 * keys without their values, then the summaries of the same ids ({@link Keys}), and reads a record only where its
 * summary is missing or was not written with it. A listing skips, and logs, a
 * key that names no migration or a value that does not decode, so one bad key never hides the others. A page whose
 * answer is larger than the client accepts (gRPC's 4 MiB by default, about 85 records of 64 shards) is asked for again
 * in halves, and the listing goes on with the smaller pages.
 */
final class RecordReads {
    private static final Logger LOG = LoggerFactory.getLogger(RecordReads.class);

    private final Client client;
    private final Keys keys;
    private final Calls calls;
    private final int pageSize;

    RecordReads(Client client, Keys keys, Calls calls, int pageSize) {
        this.client = client;
        this.keys = keys;
        this.calls = calls;
        this.pageSize = pageSize;
    }

    Optional<MigrationRecord> read(MigrationId id) {
        GetResponse r = calls.read(client.getKVClient().get(keys.record(id)), "reading migration " + id, id);
        if (r.getKvs().isEmpty()) {
            return Optional.empty();
        }
        KeyValue kv = r.getKvs().get(0);
        return Optional.of(RecordCodec.decode(id, Keys.text(kv.getValue()), kv.getModRevision()));
    }

    /**
     * The record's version (its key's mod revision), or -1 when there is none: the key without its value, so a
     * controller's check of whether its record changed moves and decodes no JSON (it read and decoded the whole
     * record, 48 KB at 64 shards, on every pass before).
     */
    long version(MigrationId id) {
        GetResponse r = calls.read(
                client.getKVClient()
                        .get(
                                keys.record(id),
                                GetOption.builder().withKeysOnly(true).build()),
                "reading the version of migration " + id,
                id);
        return r.getKvs().isEmpty() ? -1 : r.getKvs().get(0).getModRevision();
    }

    List<MigrationSummary> list(MigrationFilter filter) {
        List<MigrationSummary> out = new ArrayList<>();
        MigrationId after = filter.after();
        ByteSequence start = after == null ? keys.records() : keys.recordAfter(after);
        int limit = pageSize;
        while (true) {
            GetResponse page;
            Map<MigrationId, KeyValue> summaries;
            try {
                // The record keys only (with their mod revisions), then the summaries of the same ids.
                page = calls.read(
                        client.getKVClient()
                                .get(
                                        start,
                                        GetOption.builder()
                                                .withRange(keys.recordsEnd())
                                                .withLimit(limit)
                                                .withKeysOnly(true)
                                                .build()),
                        "listing migrations",
                        null);
                summaries = summaries(page.getKvs());
            } catch (StoreException e) {
                if (limit > 1 && Calls.isTooLarge(e)) {
                    limit = Math.max(1, limit / 2);
                    LOG.debug("a page of migrations was too large for the client; asking for {} at a time", limit);
                    continue;
                }
                throw e;
            }
            List<KeyValue> kvs = page.getKvs();
            for (KeyValue kv : kvs) {
                MigrationId id = keys.recordId(kv.getKey());
                if (id == null) {
                    LOG.error("skipping key {} in list: it does not name a migration", Keys.text(kv.getKey()));
                    continue;
                }
                MigrationSummary summary = summary(id, kv.getModRevision(), summaries.get(id));
                if (summary != null && filter.matches(summary.id(), summary.keyspace(), summary.state())) {
                    out.add(summary);
                    if (out.size() >= filter.limit()) {
                        return out;
                    }
                }
            }
            if (!page.isMore() || kvs.isEmpty()) {
                return out;
            }
            byte[] lastKey = kvs.get(kvs.size() - 1).getKey().getBytes();
            byte[] next = Arrays.copyOf(lastKey, lastKey.length + 1);
            start = ByteSequence.from(next);
        }
    }

    /** The summary keys of the migrations whose record keys {@code records} holds, by migration: one range read. */
    private Map<MigrationId, KeyValue> summaries(List<KeyValue> records) {
        Map<MigrationId, KeyValue> out = new HashMap<>();
        MigrationId first = null;
        MigrationId last = null;
        for (KeyValue kv : records) {
            MigrationId id = keys.recordId(kv.getKey());
            if (id != null) {
                first = first == null ? id : first;
                last = id;
            }
        }
        if (first == null || last == null) {
            return out;
        }
        GetResponse r = calls.read(
                client.getKVClient()
                        .get(
                                keys.summary(first),
                                GetOption.builder()
                                        .withRange(keys.summaryAfter(last))
                                        .build()),
                "listing summaries of migrations",
                null);
        for (KeyValue kv : r.getKvs()) {
            MigrationId id = keys.summaryId(kv.getKey());
            if (id != null) {
                out.put(id, kv);
            }
        }
        return out;
    }

    /**
     * The migration's summary: its summary key when written with the record listed or after it (a write between the
     * two reads puts both: the summary is then of a later record, as fresh as reading it), otherwise from the record
     * itself (a record written by an osc4j before summaries, whose revision is past its summary's); null, logged, when
     * neither can be read.
     */
    private @Nullable MigrationSummary summary(MigrationId id, long recordRevision, @Nullable KeyValue summary) {
        if (summary != null && summary.getModRevision() >= recordRevision) {
            try {
                return RecordCodec.decodeSummary(Keys.text(summary.getValue()));
            } catch (StoreException e) {
                LOG.warn("the summary of migration {} cannot be read ({}); reading its record", id, e.getMessage());
            }
        }
        try {
            return read(id).map(MigrationSummary::of).orElse(null);
        } catch (StoreException e) {
            if (e.code() != ErrorCode.CORRUPT_RECORD) {
                throw e;
            }
            LOG.error("skipping unreadable migration {} in list: {}", id, e.getMessage());
            return null;
        }
    }

    List<AuditEntry> audit(MigrationId id, long afterSeq, int limit) {
        if (limit < 1) {
            return List.of();
        }
        GetResponse r = calls.read(
                client.getKVClient()
                        .get(
                                keys.audit(id, Math.max(afterSeq, 0) + 1),
                                GetOption.builder()
                                        .withRange(keys.auditEnd(id))
                                        .withLimit(limit)
                                        .build()),
                "reading the audit trail of " + id,
                id);
        List<AuditEntry> out = new ArrayList<>(r.getKvs().size());
        for (KeyValue kv : r.getKvs()) {
            try {
                out.add(RecordCodec.decodeAudit(Keys.text(kv.getValue())));
            } catch (StoreException e) {
                throw StoreException.corrupt(
                        "audit entry " + Keys.text(kv.getKey()) + " of migration " + id + " cannot be read: "
                                + e.getMessage(),
                        id,
                        e);
            }
        }
        return out;
    }
}
