package dev.osc4j.process;

import static org.apiguardian.api.API.Status.INTERNAL;

import dev.osc4j.spi.EngineKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apiguardian.api.API;

/**
 * The name of a run's directory, derived from its {@link EngineKey} only, so that a controller started later finds the
 * run again from the key it stored.
 */
@API(status = INTERNAL, since = "0.1")
public final class RunDirectoryName {
    private RunDirectoryName() {}

    /**
     * A readable name: the key with {@code :} replaced by {@code _}, cut at 120 characters, then {@code -} and 10 hex
     * digits of the key's SHA-256 (so two keys cut to the same prefix still differ).
     */
    public static String readable(EngineKey key) {
        String value = key.value();
        String readable = value.replace(':', '_');
        if (readable.length() > 120) {
            readable = readable.substring(0, 120);
        }
        return readable + "-" + HexFormat.of().formatHex(sha256(value), 0, 5);
    }

    /** A short name: {@code prefix} and 16 hex digits of the key's SHA-256 (for paths that must stay short). */
    public static String hashed(String prefix, EngineKey key) {
        return prefix + HexFormat.of().formatHex(sha256(key.value()), 0, 8);
    }

    /** The SHA-256 of {@code s} in UTF-8. */
    public static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
