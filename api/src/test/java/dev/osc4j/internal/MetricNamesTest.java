package dev.osc4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osc4j.KeyspaceProgress;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationState;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardSnapshot;
import dev.osc4j.TransitionEvent;
import dev.osc4j.Trigger;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What a Prometheus registry actually scrapes from the Micrometer sink, checked against {@link MetricNames}, the
 * table in {@code docs/metrics.md} and every query of the Grafana dashboard in {@code docs/grafana}.
 */
class MetricNamesTest {
    private static final Pattern METRIC = Pattern.compile("\\bosc4j_[a-z0-9_]+");
    private static final Path DOCS = Path.of("..", "docs");
    private static final Instant AT = Instant.parse("2026-12-03T10:00:00Z");

    private PrometheusMeterRegistry registry;
    private Set<String> scraped;

    @BeforeEach
    void publish() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerProgressSink sink = new MicrometerProgressSink(registry);
        MigrationId id = new MigrationId("m-1");
        ShardProgress copying = new ShardProgress(
                500,
                1_000,
                50,
                Duration.ofSeconds(30),
                20,
                true,
                "replica lag",
                Duration.ofMillis(1500),
                AT,
                false,
                AT);
        ShardProgress unknown = new ShardProgress(0, -1, 0, null, 0, false, null, null, null, false, AT);
        sink.onProgress(new ProgressSnapshot(
                id,
                "commerce",
                "orders",
                MigrationState.COPYING_ROWS,
                1,
                false,
                List.of(
                        new ShardSnapshot("-80", MigrationState.COPYING_ROWS, copying, null),
                        new ShardSnapshot("80-", MigrationState.INITIALIZING, unknown, "starting")),
                new KeyspaceProgress(500, 2_000, 25, Duration.ofSeconds(30), 2, 1, 0),
                AT));
        sink.onTransition(new TransitionEvent(
                id, "-80", MigrationState.INITIALIZING, MigrationState.COPYING_ROWS, Trigger.COPY_STARTED, "", AT));
        scraped = new TreeSet<>();
        for (String line : registry.scrape().split("\n")) {
            if (line.startsWith("osc4j_")) {
                scraped.add(line.split("[{ ]", 2)[0]);
            }
        }
    }

    @Test
    @DisplayName("every name in MetricNames is scraped, in base units, with _total on the counter")
    void everyNameIsScraped() throws IllegalAccessException {
        List<String> names = new ArrayList<>();
        for (Field f : MetricNames.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())
                    && f.getType() == String.class
                    && ((String) f.get(null)).startsWith("osc4j.")) {
                names.add((String) f.get(null));
            }
        }
        assertThat(names).hasSize(10);
        for (String name : names) {
            String prefix = name.replace('.', '_');
            assertThat(scraped).as(name).anyMatch(s -> s.startsWith(prefix));
        }
        assertThat(scraped)
                .containsExactlyInAnyOrder(
                        "osc4j_migration_progress_ratio",
                        "osc4j_migration_eta_seconds",
                        "osc4j_migration_copied_rows",
                        "osc4j_migration_estimated_rows",
                        "osc4j_replica_lag_seconds",
                        "osc4j_migration_throttled",
                        "osc4j_migration_stalled",
                        "osc4j_migration_state",
                        "osc4j_migrations_active",
                        "osc4j_transitions_total");
    }

    @Test
    @DisplayName("values are in base units and unknown values are NaN, not -1")
    void values() {
        assertThat(gauge("osc4j.migration.progress", "-80")).isEqualTo(0.5);
        assertThat(gauge("osc4j.migration.progress", "_all")).isEqualTo(0.25);
        assertThat(gauge("osc4j.replica.lag", "-80")).isEqualTo(1.5);
        assertThat(gauge("osc4j.replica.lag", "_all")).as("the largest").isEqualTo(1.5);
        assertThat(gauge("osc4j.replica.lag", "80-")).isNaN();
        assertThat(gauge("osc4j.migration.eta", "80-")).isNaN();
        assertThat(gauge("osc4j.migration.estimated", "80-")).isNaN();
        assertThat(gauge("osc4j.migration.estimated", "_all")).isEqualTo(2_000);
    }

    @Test
    @DisplayName("no tag but migration and shard grows with the fleet")
    void tags() {
        for (Meter m : registry.getMeters()) {
            Set<String> keys = new TreeSet<>();
            m.getId().getTags().forEach(t -> keys.add(t.getKey()));
            String name = m.getId().getName();
            if (name.equals(MetricNames.TRANSITIONS)) {
                assertThat(keys).containsExactlyInAnyOrder("from", "to", "trigger", "level");
            } else if (name.equals(MetricNames.ACTIVE)) {
                assertThat(keys).containsExactly("state");
            } else {
                assertThat(keys).as(name).containsExactlyInAnyOrder("migration", "keyspace", "table", "shard");
            }
        }
    }

    @Test
    @DisplayName("docs/metrics.md names every scraped metric, and nothing else")
    void documented() throws IOException {
        assertThat(metricsIn(Files.readString(DOCS.resolve("metrics.md")))).isEqualTo(scraped);
    }

    @Test
    @DisplayName("every metric the Grafana dashboard queries is one the sink publishes")
    void grafana() throws IOException {
        JsonNode dashboard = new ObjectMapper()
                .readTree(DOCS.resolve("grafana/osc4j-dashboard.json").toFile());
        StringBuilder queries = new StringBuilder();
        collect(dashboard, queries);
        Set<String> queried = metricsIn(queries.toString());
        assertThat(queried).isNotEmpty().isSubsetOf(scraped);
        assertThat(queried)
                .as("the dashboard covers the fleet, the shards, lag against throttle and transitions")
                .contains(
                        "osc4j_migrations_active",
                        "osc4j_migration_progress_ratio",
                        "osc4j_replica_lag_seconds",
                        "osc4j_migration_throttled",
                        "osc4j_transitions_total");
    }

    private double gauge(String name, String shard) {
        return registry.get(name).tag("shard", shard).gauge().value();
    }

    /** Every query string in the dashboard: targets' {@code expr} and template variables' queries. */
    private static void collect(JsonNode node, StringBuilder out) {
        for (var e : node.properties()) {
            if ((e.getKey().equals("expr")
                            || e.getKey().equals("definition")
                            || e.getKey().equals("query"))
                    && e.getValue().isTextual()) {
                out.append(e.getValue().asText()).append('\n');
            }
            collect(e.getValue(), out);
        }
        if (node.isArray()) {
            node.forEach(n -> collect(n, out));
        }
    }

    private static Set<String> metricsIn(String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }
}
