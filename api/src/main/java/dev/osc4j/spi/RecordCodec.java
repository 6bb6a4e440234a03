package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.BeanPropertyWriter;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardRecord;
import dev.osc4j.StoreException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The one JSON form of records and audit entries, shared by every store. A record names its {@link
 * MigrationRecord#SCHEMA_VERSION}; a record newer than this code is refused rather than half-read, so an old
 * controller never overwrites a newer controller's data. Unknown fields of the same schema version are ignored.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class RecordCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            // Records hold immutable maps, whose iteration order changes from one JVM to the next; the JSON (and so
            // the fingerprint) must not.
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .addModule(new SimpleModule("osc4j-shards-last").setSerializerModifier(new ShardsLast()))
            .build();

    /**
     * Writes a record's shards after all its other fields, so that a record's JSON is its head ({@link #encodeHead})
     * with the shards appended ({@link #join}): a store can then put it together from the JSON of shards it wrote
     * before ({@link RecordEncoder}) and read it from a head and shards kept apart.
     */
    private static final class ShardsLast extends BeanSerializerModifier {
        @Override
        public List<BeanPropertyWriter> orderProperties(
                SerializationConfig config, BeanDescription description, List<BeanPropertyWriter> properties) {
            if (description.getBeanClass() != MigrationRecord.class) {
                return properties;
            }
            List<BeanPropertyWriter> out = new ArrayList<>(properties.size());
            BeanPropertyWriter shards = null;
            for (BeanPropertyWriter p : properties) {
                if (p.getName().equals("shards")) {
                    shards = p;
                } else {
                    out.add(p);
                }
            }
            if (shards != null) {
                out.add(shards);
            }
            return out;
        }
    }

    /** Writes a record without its shards: the head of a record whose shards a store keeps apart. */
    private static final ObjectMapper HEAD_MAPPER = MAPPER.copy().addMixIn(MigrationRecord.class, WithoutShards.class);

    @JsonIgnoreProperties({"shards"})
    private abstract static class WithoutShards {}

    private RecordCodec() {}

    /**
     * The record without its shards, as JSON: the head a store keeps next to one {@link #encodeShard} per shard, so
     * that a change of one shard rewrites that shard and the head only. The version is not written.
     */
    public static String encodeHead(MigrationRecord record) {
        try {
            return HEAD_MAPPER.writeValueAsString(record.withVersion(0));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the head of migration " + record.id(), e);
        }
    }

    /** One shard of a record as JSON, as {@link #encode} writes it inside the record. */
    public static String encodeShard(ShardRecord shard) {
        return write(shard);
    }

    /**
     * Reads a record kept as a head ({@link #encodeHead}) and its shards ({@link #encodeShard}, in order), and gives
     * it the store's {@code version}. The same checks as {@link #decode(MigrationId, String, long)}.
     *
     * @throws StoreException with {@link dev.osc4j.ErrorCode#CORRUPT_RECORD} when a part is malformed or the head
     *     has no fields
     */
    public static MigrationRecord decode(MigrationId expectedId, String head, List<String> shards, long version) {
        String trimmed = head.strip();
        if (!trimmed.endsWith("}") || trimmed.length() < 3) {
            throw StoreException.corrupt(
                    "record of migration " + expectedId + " has a head that is not a JSON object with fields",
                    expectedId,
                    null);
        }
        return decode(expectedId, join(trimmed, shards), version);
    }

    /**
     * A record's JSON from its head ({@link #encodeHead}) and its shards ({@link #encodeShard}, in order): the same
     * characters as {@link #encode} writes.
     */
    public static String join(String head, List<String> shards) {
        int size = head.length() + 14;
        for (String shard : shards) {
            size += shard.length() + 1;
        }
        StringBuilder json = new StringBuilder(size);
        json.append(head, 0, head.length() - 1).append(",\"shards\":[");
        for (int i = 0; i < shards.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(shards.get(i));
        }
        return json.append("]}").toString();
    }

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
            throw StoreException.corrupt(
                    "record of migration " + expectedId + " is not a JSON object", expectedId, null);
        }
        if (record.schemaVersion() > MigrationRecord.SCHEMA_VERSION) {
            throw newer(expectedId, record.schemaVersion());
        }
        String missing = missingField(record);
        if (missing != null) {
            throw StoreException.corrupt(
                    "record of migration " + expectedId + " cannot be read: record" + missing + " is missing",
                    expectedId,
                    null);
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

    /** A migration's summary as JSON: what a store that keeps summaries apart from records lists. */
    public static String encodeSummary(dev.osc4j.MigrationSummary summary) {
        return write(summary);
    }

    /** Reads a summary; a value that is not one is {@link StoreException#corrupt}. */
    public static dev.osc4j.MigrationSummary decodeSummary(String json) {
        try {
            dev.osc4j.MigrationSummary summary = MAPPER.readValue(json, dev.osc4j.MigrationSummary.class);
            if (summary == null) {
                throw StoreException.corrupt("summary is null", null, null);
            }
            String missing = missingField(summary);
            if (missing != null) {
                throw StoreException.corrupt("summary cannot be read: summary" + missing + " is missing", null, null);
            }
            return summary;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw StoreException.corrupt("summary cannot be read: " + rootMessage(e), null, e);
        }
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
            String missing = missingField(entry);
            if (missing != null) {
                throw StoreException.corrupt("audit entry cannot be read: entry" + missing + " is missing", null, null);
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
        String json =
                specForFingerprint(spec) + "|" + (policy == null ? "default-policy" : policyForFingerprint(policy));
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /**
     * The spec's JSON for its fingerprint: what osc4j derives at submit ({@code revertible}) is left out, and so is
     * {@code revertOf} and {@code supersedes} while they are unset, so a request keeps the fingerprint it had before 0.3.
     */
    private static String specForFingerprint(dev.osc4j.MigrationSpec spec) {
        com.fasterxml.jackson.databind.node.ObjectNode tree = MAPPER.valueToTree(spec);
        tree.remove("revertible");
        for (String added : java.util.List.of("revertOf", "supersedes")) {
            if (tree.path(added).isNull()) {
                tree.remove(added);
            }
        }
        return write(tree);
    }

    /**
     * The policy's JSON for its fingerprint: fields added after 0.1 are left out while they are unset, so a policy
     * written before they existed keeps its fingerprint (and a resubmission across the upgrade stays idempotent).
     */
    private static String policyForFingerprint(dev.osc4j.MigrationPolicy policy) {
        com.fasterxml.jackson.databind.node.ObjectNode tree = MAPPER.valueToTree(policy);
        for (String added : java.util.List.of(
                "copySchedule",
                "cutoverSchedule",
                "expectedCutoverTime",
                "targetReplicaLag",
                "approvalValidity",
                "maxThreadsRunning")) {
            if (tree.path(added).isNull()) {
                tree.remove(added);
            }
        }
        if (!tree.path("skipChecksum").asBoolean(false)) {
            tree.remove("skipChecksum");
        }
        if (!tree.path("allowSelfApproval").asBoolean(false)) {
            tree.remove("allowSelfApproval");
        }
        if (tree.path("requiredApprovers").asInt(0) <= 1) {
            tree.remove("requiredApprovers");
        }
        if (tree.path("revertWindow").isNull()) {
            tree.remove("revertWindow");
        }
        if (tree.path("autoRevert").isNull()) {
            tree.remove("autoRevert");
        }
        if (tree.path("preSwap").isNull()) {
            tree.remove("preSwap");
        }
        if (tree.path("rollout").isNull()) {
            tree.remove("rollout");
        }
        if (tree.path("shardCutoverSchedules").isNull()) {
            tree.remove("shardCutoverSchedules");
        }
        if (tree.path("approverGroups").isNull()) {
            tree.remove("approverGroups");
        }
        if (tree.path("autoRetries").asInt(0) == 0) {
            tree.remove("autoRetries");
        }
        if (!tree.path("fallbackOnFailure").asBoolean(false)) {
            tree.remove("fallbackOnFailure");
        }
        return write(tree);
    }

    private static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * The path of the first record component that is null without being {@code @Nullable}, in the value or in the
     * records, lists and maps it holds, or null when there is none. Jackson passes null for a field missing from the
     * JSON, which the records would otherwise accept and a controller would trip over later. The path is built only
     * on the way back from a miss: records are decoded on every change, so the common case allocates nothing.
     */
    private static @Nullable String missingField(Object value) {
        if (value instanceof Record) {
            for (Component c : COMPONENTS.get(value.getClass())) {
                @Nullable Object component;
                try {
                    component = c.accessor().invoke(value);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + c.name(), e);
                }
                if (component == null) {
                    if (!c.nullable()) {
                        return "." + c.name();
                    }
                } else {
                    String inner = missingField(component);
                    if (inner != null) {
                        return "." + c.name() + inner;
                    }
                }
            }
        } else if (value instanceof List<?> items) {
            for (int i = 0; i < items.size(); i++) {
                String inner = missingField(items.get(i));
                if (inner != null) {
                    return "[" + i + "]" + inner;
                }
            }
        } else if (value instanceof Map<?, ?> entries) {
            for (Map.Entry<?, ?> e : entries.entrySet()) {
                String inner = missingField(e.getValue());
                if (inner != null) {
                    return "." + e.getKey() + inner;
                }
            }
        }
        return null;
    }

    /** A record component as {@link #missingField} needs it, read once per class: reflection is slow to repeat. */
    private record Component(String name, Method accessor, boolean nullable) {}

    private static final ClassValue<List<Component>> COMPONENTS = new ClassValue<>() {
        @Override
        protected List<Component> computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            if (components == null) {
                return List.of();
            }
            List<Component> out = new ArrayList<>(components.length);
            for (RecordComponent c : components) {
                out.add(new Component(
                        c.getName(), c.getAccessor(), c.getAnnotatedType().isAnnotationPresent(Nullable.class)));
            }
            return List.copyOf(out);
        }
    };

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
