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
        return seal(previous, entries, null);
    }

    /**
     * The entries with their links, chained from {@code previous}: HMAC-SHA256 links under {@code keys}' current key
     * ({@code hmac-sha256:<key id>:<hex>}), or plain SHA-256 ones without keys.
     */
    public static List<AuditEntry> seal(@Nullable String previous, List<AuditEntry> entries, @Nullable AuditKeys keys) {
        List<AuditEntry> out = new ArrayList<>(entries.size());
        String head = previous;
        String keyId = keys == null ? null : keys.currentKeyId();
        for (AuditEntry e : entries) {
            head = keys == null || keyId == null ? link(head, e) : keyedLink(head, e, keyId, keys.key(keyId));
            out.add(e.withHash(head));
        }
        return out;
    }

    private static final String KEYED = "hmac-sha256:";

    private static String keyedLink(@Nullable String previous, AuditEntry entry, String keyId, byte[] key) {
        String json = RecordCodec.encodeAudit(entry.withHash(null));
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            mac.update((previous == null ? "" : previous).getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '\n');
            mac.update(json.getBytes(StandardCharsets.UTF_8));
            return KEYED + keyId + ":" + HexFormat.of().formatHex(mac.doFinal());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
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
     * existed (no hash, all before the first chained one) are accepted. Keyed entries cannot be checked without the
     * keys ({@link #verify(MigrationRecord, List, AuditKeys, Checkpoint)}). Empty when the trail is intact.
     */
    public static List<String> verify(MigrationRecord record, List<AuditEntry> trail) {
        return verify(record, trail, null, null);
    }

    /**
     * A head kept outside the store ({@link AuditCheckpoints}): entry {@code seq} of the migration had hash {@code
     * head}. A trail that no longer has that entry, or has it with another hash, was cut short or rewritten.
     *
     * @param seq the entry's sequence number
     * @param head its hash
     */
    public record Checkpoint(long seq, String head) {}

    /**
     * {@link #verify(MigrationRecord, List)}, checking keyed links with {@code keys} and, with keys, refusing a trail
     * whose chain stops being keyed (rewritten by someone without the key) or whose last entry is not keyed; and
     * checking the trail against a {@code checkpoint} kept outside the store, which also finds entries removed from its
     * end together with the record's head.
     */
    public static List<String> verify(
            MigrationRecord record, List<AuditEntry> trail, @Nullable AuditKeys keys, @Nullable Checkpoint checkpoint) {
        List<String> problems = new ArrayList<>();
        long expectedSeq = 1;
        String head = null;
        boolean chained = false;
        boolean keyed = false;
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
            String previous = chained ? head : null;
            if (hash.startsWith(KEYED)) {
                keyed = true;
                String keyId =
                        hash.substring(KEYED.length(), Math.max(KEYED.length(), hash.indexOf(':', KEYED.length())));
                if (keys == null) {
                    problems.add("entry " + e.seq() + " is sealed with key '" + keyId + "': verify with the keys");
                } else {
                    String expected;
                    try {
                        expected = keyedLink(previous, e, keyId, keys.key(keyId));
                    } catch (IllegalArgumentException unknown) {
                        expected = null;
                        problems.add("entry " + e.seq() + " is sealed with key '" + keyId + "', which is not among"
                                + " the keys given");
                    }
                    if (expected != null && !expected.equals(hash)) {
                        problems.add("entry " + e.seq()
                                + " does not match its keyed hash: it was changed, or one before it was");
                    }
                }
            } else {
                if (keyed && keys != null) {
                    problems.add("entry " + e.seq() + " is not keyed after keyed entries: the chain was rewritten"
                            + " without the key");
                }
                if (!link(previous, e).equals(hash)) {
                    problems.add("entry " + e.seq() + " does not match its hash: it was changed, or one before it was");
                }
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
        if (keys != null && head != null && !head.startsWith(KEYED)) {
            problems.add("the trail's last entry is not keyed: it was written, or rewritten, without the key");
        }
        if (checkpoint != null) {
            AuditEntry at = trail.stream()
                    .filter(e -> e.seq() == checkpoint.seq())
                    .findFirst()
                    .orElse(null);
            if (at == null) {
                problems.add("entry " + checkpoint.seq() + ", checkpointed outside the store, is gone: the trail was"
                        + " cut short");
            } else if (!checkpoint.head().equals(at.hash())) {
                problems.add("entry " + checkpoint.seq() + " no longer has the hash checkpointed outside the store:"
                        + " the trail was rewritten");
            }
        }
        return problems;
    }
}
