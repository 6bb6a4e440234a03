package dev.osc4j.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.StoreException;
import org.jspecify.annotations.Nullable;

/**
 * The one JSON form of records and audit entries, shared by every store. A record names its {@link
 * MigrationRecord#SCHEMA_VERSION}; a record newer than this code is refused rather than half-read, so an old
 * controller never overwrites a newer controller's data. Unknown fields of the same schema version are ignored.
 */
public final class RecordCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private RecordCodec() {}

    /** The record as JSON. The version is not written: it is the store's to keep. */
    public static String encode(MigrationRecord record) {
        return write(record.withVersion(0));
    }

    /**
     * Reads a record and gives it the store's {@code version}.
     *
     * @throws StoreException with {@link dev.osc4j.ErrorCode#CORRUPT_RECORD} when the JSON is malformed, invalid, of
     *     another migration, or of a newer schema
     */
    public static MigrationRecord decode(MigrationId expectedId, String json, long version) {
        MigrationRecord record;
        try {
            // Fast path: bind directly. Only when that fails is the tree parsed, to say precisely why.
            record = MAPPER.readValue(json, MigrationRecord.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw explain(expectedId, json, e);
        }
        if (record == null) {
            throw StoreException.corrupt("record of migration " + expectedId + " is null", expectedId, null);
        }
        if (record.schemaVersion() > MigrationRecord.SCHEMA_VERSION) {
            throw newer(expectedId, record.schemaVersion());
        }
        if (!record.id().equals(expectedId)) {
            throw StoreException.corrupt(
                    "record stored under " + expectedId + " belongs to " + record.id(), expectedId, null);
        }
        return record.withVersion(version);
    }

    private static StoreException explain(MigrationId expectedId, String json, Exception bindError) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return StoreException.corrupt(
                    "record of migration " + expectedId + " is not valid JSON: " + e.getOriginalMessage(),
                    expectedId,
                    e);
        }
        if (tree == null || !tree.isObject()) {
            return StoreException.corrupt(
                    "record of migration " + expectedId + " is not a JSON object", expectedId, null);
        }
        JsonNode schema = tree.get("schemaVersion");
        if (schema == null || !schema.canConvertToInt()) {
            return StoreException.corrupt(
                    "record of migration " + expectedId + " has no schemaVersion", expectedId, null);
        }
        if (schema.asInt() > MigrationRecord.SCHEMA_VERSION) {
            return newer(expectedId, schema.asInt());
        }
        return StoreException.corrupt(
                "record of migration " + expectedId + " cannot be read: " + rootMessage(bindError),
                expectedId,
                bindError);
    }

    private static StoreException newer(MigrationId id, int schemaVersion) {
        return StoreException.corrupt(
                "record of migration " + id + " has schema version " + schemaVersion
                        + ", newer than this osc4j understands (" + MigrationRecord.SCHEMA_VERSION
                        + "); upgrade this controller",
                id,
                null);
    }

    /** An audit entry as JSON. */
    public static String encodeAudit(AuditEntry entry) {
        return write(entry);
    }

    /** Reads an audit entry. */
    public static AuditEntry decodeAudit(String json) {
        try {
            AuditEntry entry = MAPPER.readValue(json, AuditEntry.class);
            if (entry == null) {
                throw StoreException.corrupt("audit entry is null", null, null);
            }
            return entry;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw StoreException.corrupt("audit entry cannot be read: " + rootMessage(e), null, e);
        }
    }

    /**
     * A digest of what a request asks for, to tell a repeated submission (same digest) from a conflicting one under
     * the same idempotency key.
     */
    public static String fingerprint(dev.osc4j.MigrationSpec spec, dev.osc4j.@Nullable MigrationPolicy policy) {
        String json = write(spec) + "|" + (policy == null ? "default-policy" : write(policy));
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        @Nullable String message = t.getMessage();
        return message == null
                ? t.getClass().getSimpleName()
                : message.lines().findFirst().orElse(message);
    }
}
