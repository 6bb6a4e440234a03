package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardRecord;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Ready-made {@link HealthSignal}s: replica lag from the topology probe, a Micrometer meter, a SQL query returning one
 * number, and a Prometheus query over its HTTP API, each against a limit, and your own from a function. Each says {@link HealthVerdict#unknown} when
 * it cannot tell (and never healthy then), with a detail that carries no secret.
 */
@API(status = EXPERIMENTAL, since = "0.3")
public final class HealthSignals {
    private HealthSignals() {}

    /**
     * Your own signal from a function: {@code HealthSignals.of("checkout-errors", m -> errors() > 0.01 ?
     * HealthVerdict.unhealthy("5xx " + errors()) : HealthVerdict.healthy("5xx " + errors()))}. The controller treats
     * an exception or a null answer as unknown, as for any signal.
     */
    public static HealthSignal of(String name, java.util.function.Function<MigrationRecord, HealthVerdict> check) {
        UserInput.requirePrintable("health signal name", name, 64);
        return named(name, check);
    }

    /**
     * Unhealthy when a replica of any of the migration's shards lags more than {@code limit}; unknown when a shard's
     * health or a replica's lag cannot be read. Reads {@code probe} (the controller's topology probe) once per shard.
     */
    public static HealthSignal replicaLag(String name, TopologyProbe probe, Duration limit) {
        return named(name, migration -> {
            Duration worst = Duration.ZERO;
            String where = "";
            for (ShardRecord s : migration.shards()) {
                ShardHealth h;
                try {
                    h = probe.health(migration.spec().keyspace(), s.shard());
                } catch (RuntimeException e) {
                    return HealthVerdict.unknown(
                            "shard " + s.shard() + ": " + e.getClass().getSimpleName());
                }
                String unknown = h.replicaWithUnknownLag();
                if (unknown != null) {
                    return HealthVerdict.unknown("shard " + s.shard() + ": lag of " + unknown + " unknown");
                }
                if (h.maxKnownLag().compareTo(worst) > 0) {
                    worst = h.maxKnownLag();
                    where = " on " + s.shard();
                }
            }
            String detail = "replica lag " + worst.toMillis() + " ms" + where + ", limit " + limit.toMillis() + " ms";
            return worst.compareTo(limit) > 0 ? HealthVerdict.unhealthy(detail) : HealthVerdict.healthy(detail);
        });
    }

    /**
     * Unhealthy when the Micrometer meter {@code meterName} in {@code registry} (the application's p99 latency gauge,
     * error counter rate, ...) measures more than {@code limit}, summing the meters of that name and the first
     * measurement of each (a gauge's value, a counter's count); unknown when there is no such meter.
     */
    public static HealthSignal meter(String name, MeterRegistry registry, String meterName, double limit) {
        return named(name, migration -> {
            List<Meter> meters = new ArrayList<>(registry.find(meterName).meters());
            if (meters.isEmpty()) {
                return HealthVerdict.unknown("no meter " + meterName);
            }
            double value = 0;
            for (Meter m : meters) {
                for (Measurement measurement : m.measure()) {
                    value += measurement.getValue();
                    break;
                }
            }
            if (Double.isNaN(value)) {
                return HealthVerdict.unknown(meterName + " has no value");
            }
            String detail = meterName + " " + value + ", limit " + limit;
            return value > limit ? HealthVerdict.unhealthy(detail) : HealthVerdict.healthy(detail);
        });
    }

    /** How long {@link #query} and {@link #prometheus} wait for an answer unless told. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** Opens a JDBC connection: {@code dataSource::getConnection}, or {@code () -> DriverManager.getConnection(...)}. */
    @FunctionalInterface
    public interface ConnectionSource {
        /** A new connection, closed by the signal after each check. */
        java.sql.Connection open() throws java.sql.SQLException;
    }

    /** {@link #query(String, ConnectionSource, String, double, Duration)} on a data source, with the default timeout. */
    public static HealthSignal query(String name, javax.sql.DataSource dataSource, String sql, double limit) {
        return query(name, dataSource::getConnection, sql, limit, DEFAULT_TIMEOUT);
    }

    /**
     * Unhealthy when {@code sql} (a query returning one row of one number: {@code SELECT VARIABLE_VALUE FROM
     * information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_RUNNING'}, the p99 of a latency table, ...)
     * measures more than {@code limit}; unknown when it returns no row, several rows, NULL or no number, fails, or takes
     * longer than {@code timeout} (the statement's query timeout, in whole seconds, at least 1). A failure is reported
     * by its SQL state and error code, not its message, which may name a user or host.
     */
    public static HealthSignal query(
            String name, ConnectionSource connections, String sql, double limit, Duration timeout) {
        int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000));
        return named(name, migration -> {
            double value;
            try (java.sql.Connection c = connections.open();
                    java.sql.Statement st = c.createStatement()) {
                st.setQueryTimeout(seconds);
                try (java.sql.ResultSet rs = st.executeQuery(sql)) {
                    if (!rs.next()) {
                        return HealthVerdict.unknown(name + ": the query returned no row");
                    }
                    String text = rs.getString(1);
                    if (rs.next()) {
                        return HealthVerdict.unknown(name + ": the query returned more than one row");
                    }
                    if (text == null) {
                        return HealthVerdict.unknown(name + ": the query returned NULL");
                    }
                    value = Double.parseDouble(text.trim());
                }
            } catch (java.sql.SQLException e) {
                return HealthVerdict.unknown(
                        name + ": query failed (" + e.getClass().getSimpleName() + ", SQL state " + e.getSQLState()
                                + ", error " + e.getErrorCode() + ")");
            } catch (NumberFormatException e) {
                return HealthVerdict.unknown(name + ": the query returned no number");
            }
            return against(name, value, limit);
        });
    }

    /** {@link #prometheus(String, java.net.URI, String, double, Duration, Supplier)} without a token. */
    public static HealthSignal prometheus(String name, java.net.URI base, String promql, double limit) {
        return prometheus(name, base, promql, limit, DEFAULT_TIMEOUT, null);
    }

    /**
     * Unhealthy when the PromQL expression {@code promql} ({@code histogram_quantile(0.99, sum by (le)
     * (rate(http_server_requests_seconds_bucket{uri="/orders"}[1m])))}) evaluates, through Prometheus' HTTP API ({@code
     * GET base/api/v1/query}), to more than {@code limit}; unknown when it cannot tell: an empty vector, several
     * series, NaN or infinity, a response that is not a success, an HTTP error, no answer within {@code timeout}.
     * {@code bearerToken}, if not null, is asked for a token on each check and sent as {@code Authorization: Bearer};
     * it never reaches a log, a verdict or an exception message.
     */
    public static HealthSignal prometheus(
            String name,
            java.net.URI base,
            String promql,
            double limit,
            Duration timeout,
            @Nullable Supplier<String> bearerToken) {
        String root = base.toString().endsWith("/") ? base.toString() : base + "/";
        java.net.URI uri = java.net.URI.create(root + "api/v1/query?query="
                + java.net.URLEncoder.encode(promql, java.nio.charset.StandardCharsets.UTF_8));
        java.net.http.HttpClient http =
                java.net.http.HttpClient.newBuilder().connectTimeout(timeout).build();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        return named(name, migration -> {
            java.net.http.HttpRequest.Builder request =
                    java.net.http.HttpRequest.newBuilder(uri).timeout(timeout).GET();
            if (bearerToken != null) {
                request.header("Authorization", "Bearer " + bearerToken.get());
            }
            java.net.http.HttpResponse<String> response;
            try {
                response = http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (java.net.http.HttpTimeoutException e) {
                return HealthVerdict.unknown(name + ": Prometheus did not answer within " + timeout.toMillis() + " ms");
            } catch (java.io.IOException e) {
                return HealthVerdict.unknown(
                        name + ": Prometheus unreachable (" + e.getClass().getSimpleName() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return HealthVerdict.unknown(name + ": interrupted");
            }
            if (response.statusCode() != 200) {
                return HealthVerdict.unknown(name + ": Prometheus answered HTTP " + response.statusCode());
            }
            com.fasterxml.jackson.databind.JsonNode data;
            try {
                com.fasterxml.jackson.databind.JsonNode tree = json.readTree(response.body());
                if (!"success".equals(tree.path("status").asText())) {
                    return HealthVerdict.unknown(name + ": Prometheus answered status " + tree.path("status"));
                }
                data = tree.path("data");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return HealthVerdict.unknown(name + ": Prometheus answered no JSON");
            }
            com.fasterxml.jackson.databind.JsonNode sample;
            switch (data.path("resultType").asText()) {
                case "scalar" -> sample = data.path("result");
                case "vector" -> {
                    com.fasterxml.jackson.databind.JsonNode result = data.path("result");
                    if (result.size() != 1) {
                        return HealthVerdict.unknown(
                                name + ": the query returned " + result.size() + " series, not one");
                    }
                    sample = result.get(0).path("value");
                }
                default -> {
                    return HealthVerdict.unknown(name + ": the query returned a "
                            + data.path("resultType").asText() + ", not a number");
                }
            }
            double value;
            try {
                value = Double.parseDouble(sample.path(1).asText());
            } catch (NumberFormatException e) {
                return HealthVerdict.unknown(name + ": the query returned no number");
            }
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                return HealthVerdict.unknown(name + ": the query returned " + value);
            }
            return against(name, value, limit);
        });
    }

    private static HealthVerdict against(String name, double value, double limit) {
        String detail = name + " " + value + ", limit " + limit;
        return value > limit ? HealthVerdict.unhealthy(detail) : HealthVerdict.healthy(detail);
    }

    /** A signal of this name whose check is {@code check}. */
    private static HealthSignal named(String name, java.util.function.Function<MigrationRecord, HealthVerdict> check) {
        return new HealthSignal() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthVerdict check(MigrationRecord migration) {
                return check.apply(migration);
            }
        };
    }
}
