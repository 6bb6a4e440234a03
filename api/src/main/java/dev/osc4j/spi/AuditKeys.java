package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import java.util.Arrays;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * The keys that seal the audit trail: with them every entry's link in the chain is an HMAC-SHA256 instead of a plain
 * SHA-256, so someone who can edit the store but does not hold the key cannot recompute a chain that verifies (a plain
 * chain stored next to the data can be recomputed by whoever edits it). The store never sees a key: keep it in a file
 * readable by the controllers, a secret manager or a KMS, and give the same keys to every writer (controllers and
 * {@link dev.osc4j.MigrationClient}s) and to whoever verifies. Each entry names the key it was sealed with, so keys can
 * be rotated: {@link #currentKeyId()} seals new entries, {@link #key(String)} must still answer for older ids.
 */
@API(status = EXPERIMENTAL, since = "0.3")
public interface AuditKeys {

    /** The id of the key that seals new entries ({@code [A-Za-z0-9_.-]}, at most 64 characters). */
    String currentKeyId();

    /**
     * The key with {@code keyId}, at least 32 bytes.
     *
     * @throws IllegalArgumentException when there is no such key
     */
    byte[] key(String keyId);

    /** One key, with its id: for a single controller fleet that never rotates. */
    static AuditKeys of(String keyId, byte[] key) {
        return of(keyId, Map.of(keyId, key));
    }

    /** Several keys by id, sealing with {@code current}; the arrays are copied. */
    static AuditKeys of(String current, Map<String, byte[]> keys) {
        if (!current.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("audit key id must match [A-Za-z0-9_.-]{1,64}");
        }
        Map<String, byte[]> copy = new java.util.HashMap<>();
        keys.forEach((id, k) -> {
            if (k.length < 32) {
                throw new IllegalArgumentException("audit key '" + id + "' is shorter than 32 bytes");
            }
            copy.put(id, Arrays.copyOf(k, k.length));
        });
        if (!copy.containsKey(current)) {
            throw new IllegalArgumentException("no audit key '" + current + "' among the keys given");
        }
        return new AuditKeys() {
            @Override
            public String currentKeyId() {
                return current;
            }

            @Override
            public byte[] key(String keyId) {
                byte[] k = copy.get(keyId);
                if (k == null) {
                    throw new IllegalArgumentException("no audit key '" + keyId + "'");
                }
                return Arrays.copyOf(k, k.length);
            }

            @Override
            public String toString() {
                return "AuditKeys[current=" + current + ", ids=" + new java.util.TreeSet<>(copy.keySet()) + "]";
            }
        };
    }
}
