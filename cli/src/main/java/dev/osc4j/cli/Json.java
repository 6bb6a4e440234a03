package dev.osc4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.osc4j.AuditEntry;
import dev.osc4j.DirectiveResult;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Owner;
import dev.osc4j.RevertOf;
import dev.osc4j.RevertRefusedException;
import dev.osc4j.spi.RecordCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The JSON the read commands print with {@code --output json}: a record and an audit entry in the one form every store
 * writes ({@link RecordCodec}), summaries, directive results and reverts as flat objects (times ISO-8601, durations in
 * seconds).
 */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private Json() {}

    static String record(MigrationRecord r) {
        return RecordCodec.encode(r);
    }

    static String audit(List<AuditEntry> trail) {
        ArrayNode out = MAPPER.createArrayNode();
        for (AuditEntry e : trail) {
            out.add(tree(RecordCodec.encodeAudit(e)));
        }
        return write(out);
    }

    /**
     * Summaries, each with its revert fields from its record: {@code revertibleUntil} (ISO-8601, null outside a revert
     * window), {@code revertedBy} and {@code reverts}, and the amended-request links {@code supersededBy} and {@code
     * supersedes} (migration ids, or null).
     */
    static String summaries(
            List<MigrationSummary> list, Function<MigrationId, @Nullable MigrationRecord> records, Instant now) {
        ArrayNode out = MAPPER.createArrayNode();
        for (MigrationSummary s : list) {
            ObjectNode n = out.addObject();
            n.put("id", s.id().value());
            n.put("keyspace", s.keyspace());
            n.put("table", s.table());
            n.put("engine", s.engine());
            n.put("state", s.state().name());
            n.put("attempt", s.attempt());
            n.put("shards", s.shards());
            n.put("percent", s.percent());
            Duration eta = s.eta();
            if (eta == null) {
                n.putNull("etaSeconds");
            } else {
                n.put("etaSeconds", eta.toMillis() / 1000.0);
            }
            n.put("paused", s.paused());
            n.put("updatedAt", s.updatedAt().toString());
            Owner o = s.owner();
            if (o == null) {
                n.putNull("owner");
            } else {
                ObjectNode on = n.putObject("owner");
                on.put("controllerId", o.controllerId());
                on.put("epoch", o.epoch());
                on.put("since", o.since().toString());
                on.put("releasedAt", o.releasedAt() == null ? null : String.valueOf(o.releasedAt()));
            }
            MigrationRecord r = records.apply(s.id());
            Instant until = r == null || r.state() != MigrationState.REVERTIBLE
                    ? null
                    : r.revertibleUntil().orElse(null);
            n.put("revertibleUntil", until == null ? null : until.toString());
            if (until == null) {
                n.putNull("revertSecondsLeft");
            } else {
                n.put(
                        "revertSecondsLeft",
                        Math.max(0, Duration.between(now, until).toSeconds()));
            }
            MigrationId revertedBy = r == null ? null : r.controls().revertedBy();
            n.put("revertedBy", revertedBy == null ? null : revertedBy.value());
            RevertOf revertOf = r == null ? null : r.spec().revertOf();
            n.put("reverts", revertOf == null ? null : revertOf.migration().value());
            MigrationId supersededBy = r == null ? null : r.controls().supersededBy();
            n.put("supersededBy", supersededBy == null ? null : supersededBy.value());
            MigrationId supersedes = r == null ? null : r.spec().supersedes();
            n.put("supersedes", supersedes == null ? null : supersedes.value());
        }
        return write(out);
    }

    static String directive(DirectiveResult r) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("directiveId", r.directiveId());
        n.put("kind", r.kind().name());
        n.put("argument", r.argument());
        n.put("actor", r.actor());
        n.put("stateAfter", r.stateAfter().name());
        n.put("at", r.at().toString());
        return write(n);
    }

    /** A started revert: the forward migration, the revert's id, state and shards, the directive and its actor. */
    static String revert(MigrationId forward, MigrationRecord revert, String directiveId, String actor) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("revert", revert.id().value());
        n.put("reverts", forward.value());
        n.put("state", revert.state().name());
        ArrayNode shards = n.putArray("shards");
        revert.spec().shards().forEach(shards::add);
        n.put("directiveId", directiveId);
        n.put("actor", actor);
        return write(n);
    }

    /** A refused revert: the reason a script can act on, and the message. */
    static String refusal(RevertRefusedException e) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("refused", true);
        n.put("reason", e.reason().name());
        n.put("state", e.state().name());
        n.put("message", e.getMessage());
        return write(n);
    }

    private static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the codec wrote JSON it cannot read back", e);
        }
    }

    private static String write(JsonNode n) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
