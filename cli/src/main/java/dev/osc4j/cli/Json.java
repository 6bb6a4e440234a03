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
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Owner;
import dev.osc4j.spi.RecordCodec;
import java.time.Duration;
import java.util.List;

/**
 * The JSON the read commands print with {@code --output json}: a record and an audit entry in the one form every store
 * writes ({@link RecordCodec}), summaries and directive results as flat objects (times ISO-8601, durations in
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

    static String summaries(List<MigrationSummary> list) {
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
