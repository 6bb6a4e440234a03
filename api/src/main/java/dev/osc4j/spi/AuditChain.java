package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The audit trail's hash chain: each entry's hash is SHA-256 over the previous entry's hash and the entry's own JSON
 * (without its hash), and the record keeps the last hash ({@link MigrationRecord#auditHead()}), written in the same
 * atomic write as the entries. Editing, reordering or deleting an entry in the store, or cutting the trail short,
 * breaks the chain where it happened, which {@link #verify} names. Someone who can rewrite the whole trail and the
 * record can recompute the chain: keep the head {@link #verify} prints somewhere else (a ticket, a log) to detect
 * that too.
 *
 * <p>The orchestrator and {@code MigrationClient} seal every entry they write; stores keep the hashes as part of the
 * entries' JSON and need not know about them.
 */
@API(status = EXPERIMENTAL, since = "0.2")
public final class AuditChain {
    private AuditChain() {}

    /** The entries with their hashes, chained from {@code previous} (null: the first chained entry). */
    public static List<AuditEntry> seal(@Nullable String previous, List<AuditEntry> entries) {
        List<AuditEntry> out = new ArrayList<>(entries.size());
        String head = previous;
        for (AuditEntry e : entries) {
            head = link(head, e);
            out.add(e.withHash(head));
        }
        return out;
    }

    /** The hash of the last entry {@link #seal} gives, or {@code previous} when there are none. */
    public static @Nullable String head(@Nullable String previous, List<AuditEntry> sealed) {
        return sealed.isEmpty() ? previous : sealed.get(sealed.size() - 1).hash();
    }

    private static String link(@Nullable String previous, AuditEntry entry) {
        String json = RecordCodec.encodeAudit(entry.withHash(null));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((previous == null ? "" : previous).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(json.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /**
     * What is wrong with a trail against its record: entries out of sequence or missing, an entry whose hash does not
     * follow from the one before (edited, reordered, inserted), an entry after the first chained one without a hash,
     * a last hash that is not the record's head (the trail was cut short or extended). Entries written before the chain
     * existed (no hash, all before the first chained one) are accepted. Empty when the trail is intact.
     */
    public static List<String> verify(MigrationRecord record, List<AuditEntry> trail) {
        List<String> problems = new ArrayList<>();
        long expectedSeq = 1;
        String head = null;
        boolean chained = false;
        for (AuditEntry e : trail) {
            if (e.seq() != expectedSeq) {
                problems.add("entry " + e.seq() + " where " + expectedSeq + " was expected");
                expectedSeq = e.seq();
            }
            expectedSeq++;
            String hash = e.hash();
            if (hash == null) {
                if (chained) {
                    problems.add("entry " + e.seq() + " has no hash after chained entries");
                }
                continue;
            }
            String expected = link(chained ? head : null, e);
            if (!expected.equals(hash)) {
                problems.add("entry " + e.seq() + " does not match its hash: it was changed, or one before it was");
            }
            chained = true;
            head = hash;
        }
        if (trail.size() != record.auditSeq()
                || (!trail.isEmpty() && trail.get(trail.size() - 1).seq() != record.auditSeq())) {
            problems.add("the record counts " + record.auditSeq() + " entries, the trail has " + trail.size());
        }
        String recorded = record.auditHead();
        if (recorded != null && !recorded.equals(head)) {
            problems.add("the last entry's hash is not the record's audit head: entries were removed or added");
        }
        if (recorded == null && chained) {
            problems.add("the record has no audit head but its trail is chained");
        }
        return problems;
    }
}
