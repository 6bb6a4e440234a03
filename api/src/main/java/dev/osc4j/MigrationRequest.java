package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.spi.UserInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A request to run a migration. Submitting the same request twice (same idempotency key, same content) names the same
 * migration; the same key with different content is refused.
 *
 * <pre>{@code
 * MigrationRequest request = MigrationRequest.builder()
 *     .idempotencyKey("JIRA-1234")
 *     .keyspace("commerce").table("orders")
 *     .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(255)")
 *     .engine("pt-osc")
 *     .requestedBy("alice")
 *     .build();
 * }</pre>
 *
 * @param idempotencyKey the caller's key for this change, such as a ticket id; 1-200 printable characters
 * @param spec what to change
 * @param policy how to gate it; {@code null} takes the orchestrator's default policy
 * @param requestedBy who asked, for the audit trail; 1-200 printable characters (no line breaks or other control
 *     characters, which would forge audit and log lines)
 */
@API(status = MAINTAINED, since = "0.1")
public record MigrationRequest(
        String idempotencyKey, MigrationSpec spec, @Nullable MigrationPolicy policy, String requestedBy) {
    /** The longest idempotency key, requester, directive id or actor accepted. */
    public static final int MAX_IDENTIFIER_LENGTH = 200;

    /** Validates. */
    public MigrationRequest {
        UserInput.requirePrintable("idempotencyKey", idempotencyKey, MAX_IDENTIFIER_LENGTH);
        UserInput.requirePrintable("requestedBy", requestedBy, MAX_IDENTIFIER_LENGTH);
    }

    /** The id this request's migration has, in every process. */
    public MigrationId migrationId() {
        return MigrationId.forIdempotencyKey(idempotencyKey);
    }

    /** Starts a request. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link MigrationRequest}; {@link #build()} validates and names the wrong parameter. */
    public static final class Builder {
        private @Nullable String idempotencyKey;
        private @Nullable String keyspace;
        private @Nullable String table;
        private @Nullable String ddl;
        private @Nullable String engine;
        private final Map<String, String> options = new LinkedHashMap<>();
        private final List<String> shards = new ArrayList<>();
        private @Nullable MigrationPolicy policy;
        private @Nullable String requestedBy;
        private @Nullable MigrationId supersedes;

        private Builder() {}

        /** The caller's key for this change. Required. */
        public Builder idempotencyKey(String value) {
            this.idempotencyKey = value;
            return this;
        }

        /** The keyspace. Required. */
        public Builder keyspace(String value) {
            this.keyspace = value;
            return this;
        }

        /** The table. Required. */
        public Builder table(String value) {
            this.table = value;
            return this;
        }

        /** The DDL: {@code ALTER TABLE t ...} or the clause alone. Required. */
        public Builder ddl(String value) {
            this.ddl = value;
            return this;
        }

        /** The engine name. Required. */
        public Builder engine(String value) {
            this.engine = value;
            return this;
        }

        /** Sets one engine option. */
        public Builder option(String name, String value) {
            options.put(name, value);
            return this;
        }

        /** Sets several engine options. */
        public Builder options(Map<String, String> values) {
            options.putAll(values);
            return this;
        }

        /** Restricts the migration to these shards (default: all shards of the keyspace). */
        public Builder shards(String... names) {
            shards.addAll(List.of(names));
            return this;
        }

        /** The policy; when not set the orchestrator's default applies. */
        public Builder policy(@Nullable MigrationPolicy value) {
            this.policy = value;
            return this;
        }

        /** Who asked, for the audit trail. Required: there is no anonymous request. */
        public Builder requestedBy(String value) {
            this.requestedBy = value;
            return this;
        }

        /**
         * Makes this an amended request that replaces {@code earlier}, a migration of the same keyspace and table
         * that has not started changing anything yet (queued or awaiting approval). The submit aborts the earlier
         * one, with a reason naming this one; approvals given to it do not carry over. A typed error, and nothing
         * written, when it does not exist, is of another table, or has started.
         */
        public Builder supersedes(@Nullable MigrationId earlier) {
            this.supersedes = earlier;
            return this;
        }

        /** Builds and validates the request. */
        public MigrationRequest build() {
            MigrationSpec spec = new MigrationSpec(
                    required("keyspace", keyspace),
                    required("table", table),
                    required("ddl", ddl),
                    required("engine", engine),
                    options,
                    shards,
                    false,
                    null,
                    supersedes);
            return new MigrationRequest(
                    required("idempotencyKey", idempotencyKey), spec, policy, required("requestedBy", requestedBy));
        }

        private static String required(String name, @Nullable String value) {
            if (value == null) {
                throw new InvalidRequestException(name + " is required", null);
            }
            return value;
        }
    }
}
