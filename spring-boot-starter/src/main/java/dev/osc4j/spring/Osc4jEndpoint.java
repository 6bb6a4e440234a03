package dev.osc4j.spring;

import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Owner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** The Actuator endpoint {@code osc4j}: the active migrations, as {@code osc4j list} shows them. */
@Endpoint(id = "osc4j")
public class Osc4jEndpoint {
    private final MigrationClient client;

    /** Reads through {@code client}. */
    public Osc4jEndpoint(MigrationClient client) {
        this.client = client;
    }

    /** The active migrations: id, keyspace, table, state, shards, percent, ETA in seconds, paused, owner. */
    @ReadOperation
    public List<Map<String, Object>> activeMigrations() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MigrationSummary s : client.list(MigrationFilter.active())) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.id().value());
            m.put("keyspace", s.keyspace());
            m.put("table", s.table());
            m.put("state", s.state().name());
            m.put("shards", s.shards());
            m.put("percent", s.percent());
            Duration eta = s.eta();
            m.put("etaSeconds", eta == null ? "unknown" : eta.toSeconds());
            m.put("paused", s.paused());
            Owner o = s.owner();
            m.put("owner", o == null || o.releasedAt() != null ? "none" : o.controllerId());
            out.add(m);
        }
        return out;
    }
}
