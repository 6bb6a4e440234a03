package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * Identifies a migration. Derived from the request's idempotency key, so submitting the same request twice names the
 * same migration, in every process, without a lookup table.
 *
 * @param value letters, digits, {@code _} and {@code -}; at most 64 characters
 */
@API(status = MAINTAINED, since = "0.1")
public record MigrationId(String value) implements Comparable<MigrationId> {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** Validates the value. */
    public MigrationId {
        if (!VALID.matcher(value).matches()) {
            throw new InvalidRequestException(
                    "migration id must be 1-64 characters of [A-Za-z0-9_-], got '" + value + "'", null);
        }
    }

    /** Parses an id, for instance one read from a URL or a log line. */
    public static MigrationId of(String value) {
        return new MigrationId(value);
    }

    /** The id of the migration submitted under this idempotency key: {@code m-} and 24 hex digits of its SHA-256. */
    public static MigrationId forIdempotencyKey(String idempotencyKey) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
            return new MigrationId("m-" + HexFormat.of().formatHex(digest, 0, 12));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    @Override
    public int compareTo(MigrationId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
