package dev.osc4j.samples.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.osc4j.ApprovalStage;
import dev.osc4j.DirectiveResult;
import dev.osc4j.ErrorCode;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.Osc4jException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API, JSON in and out:
 *
 * <pre>
 * GET  /healthz                               200 "ok"
 * GET  /migrations[?active=true]              summaries, ordered by id
 * POST /migrations                            {"idempotencyKey","keyspace","table","ddl","engine","requestedBy",
 *                                              "options":{...},"shards":[...]}  201 {"id"}
 * GET  /migrations/{id}                       the record
 * GET  /migrations/{id}/audit                 the audit trail
 * POST /migrations/{id}/{directive}           approve | release-cutover | retry | abort | pause | resume | throttle
 *                                             {"directiveId","actor", "stage" (approve), "ratio" (throttle)}
 * GET  /metrics                               Prometheus text format
 * </pre>
 *
 * Errors are {@code {"code","message"}}: 400 for bad input, 404 for an unknown migration, 409 for a conflicting
 * idempotency key or directive id and for a directive refused in the current state, 503 when the store is down.
 */
final class HttpApi implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .build();

    private final MigrationOrchestrator osc;
    private final Supplier<String> metrics;

    HttpApi(MigrationOrchestrator osc, Supplier<String> metrics) {
        this.osc = osc;
        this.metrics = metrics;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String[] path =
                    exchange.getRequestURI().getPath().replaceAll("^/+|/+$", "").split("/");
            try {
                route(exchange, method, path);
            } catch (Osc4jException e) {
                send(
                        exchange,
                        status(e.code()),
                        Map.of("code", e.code().name(), "message", String.valueOf(e.getMessage())));
            } catch (IllegalArgumentException | IOException e) {
                send(
                        exchange,
                        400,
                        Map.of("code", ErrorCode.INVALID_REQUEST.name(), "message", String.valueOf(e.getMessage())));
            } catch (RuntimeException e) {
                LOG.error("request {} {} failed", method, exchange.getRequestURI(), e);
                send(
                        exchange,
                        500,
                        Map.of("code", "INTERNAL", "message", e.getClass().getSimpleName()));
            }
        }
    }

    private void route(HttpExchange ex, String method, String[] p) throws IOException {
        if (p.length == 1 && p[0].equals("healthz") && method.equals("GET")) {
            sendText(ex, 200, "text/plain", "ok\n");
        } else if (p.length == 1 && p[0].equals("metrics") && method.equals("GET")) {
            sendText(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
        } else if (p.length == 1 && p[0].equals("migrations") && method.equals("GET")) {
            boolean active = "active=true".equals(ex.getRequestURI().getQuery());
            send(ex, 200, osc.list(active ? MigrationFilter.active() : MigrationFilter.all()));
        } else if (p.length == 1 && p[0].equals("migrations") && method.equals("POST")) {
            MigrationId id = osc.submit(request(body(ex)));
            send(ex, 201, Map.of("id", id.value()));
        } else if (p.length == 2 && p[0].equals("migrations") && method.equals("GET")) {
            send(ex, 200, osc.get(MigrationId.of(p[1])));
        } else if (p.length == 3 && p[0].equals("migrations") && p[2].equals("audit") && method.equals("GET")) {
            send(ex, 200, osc.audit(MigrationId.of(p[1])));
        } else if (p.length == 3 && p[0].equals("migrations") && method.equals("POST")) {
            send(ex, 200, directive(MigrationId.of(p[1]), p[2], body(ex)));
        } else {
            send(
                    ex,
                    404,
                    Map.of(
                            "code",
                            "NO_ROUTE",
                            "message",
                            method + " " + ex.getRequestURI().getPath()));
        }
    }

    private DirectiveResult directive(MigrationId id, String name, JsonNode body) {
        String directiveId = text(body, "directiveId");
        String actor = text(body, "actor");
        return switch (name) {
            case "approve" ->
                osc.approve(
                        id,
                        directiveId,
                        ApprovalStage.valueOf(text(body, "stage").toUpperCase(Locale.ROOT)),
                        actor);
            case "release-cutover" -> osc.releaseCutover(id, directiveId, actor);
            case "retry" -> osc.retry(id, directiveId, actor);
            case "abort" -> osc.abort(id, directiveId, actor);
            case "pause" -> osc.pause(id, directiveId, actor);
            case "resume" -> osc.resume(id, directiveId, actor);
            case "throttle" -> osc.throttle(id, directiveId, number(body, "ratio"), actor);
            default ->
                throw new InvalidRequestException(
                        "unknown directive '" + name
                                + "'; known: approve, release-cutover, retry, abort, pause, resume, throttle",
                        id);
        };
    }

    private static MigrationRequest request(JsonNode body) {
        MigrationRequest.Builder b = MigrationRequest.builder()
                .idempotencyKey(text(body, "idempotencyKey"))
                .keyspace(text(body, "keyspace"))
                .table(text(body, "table"))
                .ddl(text(body, "ddl"))
                .engine(text(body, "engine"))
                .requestedBy(text(body, "requestedBy"));
        JsonNode options = body.get("options");
        if (options != null && options.isObject()) {
            for (Map.Entry<String, JsonNode> e : options.properties()) {
                b.option(e.getKey(), e.getValue().asText());
            }
        }
        JsonNode shards = body.get("shards");
        if (shards != null && shards.isArray()) {
            for (JsonNode s : shards) {
                b.shards(s.asText());
            }
        }
        return b.build();
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual()) {
            throw new InvalidRequestException("field '" + field + "' (a string) is required", null);
        }
        return v.asText();
    }

    private static double number(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isNumber()) {
            throw new InvalidRequestException("field '" + field + "' (a number) is required", null);
        }
        return v.asDouble();
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] bytes = in.readNBytes(1 << 20);
            @Nullable JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new InvalidRequestException("the body must be a JSON object", null);
            }
            return node;
        }
    }

    private static int status(ErrorCode code) {
        return switch (code) {
            case INVALID_REQUEST -> 400;
            case NOT_FOUND -> 404;
            case IDEMPOTENCY_CONFLICT, ILLEGAL_DIRECTIVE, VERSION_CONFLICT -> 409;
            case STORE_UNAVAILABLE, FENCED -> 503;
            case STORE_SCHEMA, CORRUPT_RECORD, ENGINE_ERROR, CONFIGURATION -> 500;
        };
    }

    private static void send(HttpExchange ex, int status, Object value) throws IOException {
        sendText(ex, status, "application/json", JSON.writeValueAsString(value));
    }

    private static void sendText(HttpExchange ex, int status, String contentType, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
