package dev.osc4j.samples.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.osc4j.ApprovalStage;
import dev.osc4j.DirectiveResult;
import dev.osc4j.ErrorCode;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.Osc4jException;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The HTTP API for operators and scripts, JSON in and out, on the orchestrator bean the starter makes:
 *
 * <pre>
 * GET  /migrations[?active=true]              summaries, ordered by id
 * POST /migrations                            {"idempotencyKey","keyspace","table","ddl","engine","requestedBy",
 *                                              "options":{...},"shards":[...]}  201 {"id"}
 * GET  /migrations/{id}                       the record
 * GET  /migrations/{id}/audit                 the audit trail
 * POST /migrations/{id}/{directive}           approve | release-cutover | retry | abort | pause | resume | throttle
 *                                             {"directiveId","actor", "stage" (approve), "ratio" (throttle)}
 * </pre>
 *
 * Errors are {@code {"code","message"}}: 400 for bad input, 404 for an unknown migration, 409 for a conflicting
 * idempotency key or directive id and for a directive refused in the current state, 503 when the store is down.
 *
 * <p>osc4j's types are written with osc4j's Jackson 2 (as its stores write them), into a string body; Spring Boot's
 * own JSON (Jackson 3) serves Actuator and is not involved. Health, metrics and the dashboard come from the starter.
 */
@RestController
@RequestMapping(path = "/migrations", produces = MediaType.APPLICATION_JSON_VALUE)
public class MigrationsController {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .build();

    private static final String FORM = MediaType.APPLICATION_FORM_URLENCODED_VALUE;

    private final MigrationOrchestrator osc;

    /** Serves {@code osc}, the controller of this service. */
    public MigrationsController(MigrationOrchestrator osc) {
        this.osc = osc;
    }

    /** The summaries of all migrations, or of the active ones. */
    @GetMapping
    public ResponseEntity<String> list(@RequestParam(name = "active", defaultValue = "false") boolean active)
            throws JsonProcessingException {
        return json(200, osc.list(active ? MigrationFilter.active() : MigrationFilter.all()));
    }

    /** Submits a migration; a repeated idempotency key with the same request returns the first id. */
    @PostMapping(consumes = MediaType.ALL_VALUE)
    public ResponseEntity<String> submit(
            @RequestHeader(name = HttpHeaders.CONTENT_TYPE, required = false) @Nullable String contentType,
            @RequestBody(required = false) @Nullable String body)
            throws JsonProcessingException {
        MigrationId id = osc.submit(request(object(contentType, body)));
        return json(201, Map.of("id", id.value()));
    }

    /** One migration's record. */
    @GetMapping("/{id}")
    public ResponseEntity<String> get(@PathVariable("id") String id) throws JsonProcessingException {
        return json(200, osc.get(MigrationId.of(id)));
    }

    /** One migration's audit trail. */
    @GetMapping("/{id}/audit")
    public ResponseEntity<String> audit(@PathVariable("id") String id) throws JsonProcessingException {
        return json(200, osc.audit(MigrationId.of(id)));
    }

    /** A directive; a repeated directive id returns the first outcome. */
    @PostMapping(path = "/{id}/{directive}", consumes = MediaType.ALL_VALUE)
    public ResponseEntity<String> directive(
            @PathVariable("id") String id,
            @PathVariable("directive") String directive,
            @RequestHeader(name = HttpHeaders.CONTENT_TYPE, required = false) @Nullable String contentType,
            @RequestBody(required = false) @Nullable String body)
            throws JsonProcessingException {
        return json(200, directive(MigrationId.of(id), directive, object(contentType, body)));
    }

    /** osc4j's errors, with the status of their code. */
    @ExceptionHandler(Osc4jException.class)
    public ResponseEntity<String> osc4jError(Osc4jException e) throws JsonProcessingException {
        return error(status(e.code()), e.code().name(), String.valueOf(e.getMessage()));
    }

    /** A body sent as a form (curl -d without a content type), which the container has parsed as parameters. */
    @ExceptionHandler(FormBodyException.class)
    public ResponseEntity<String> formBody() throws JsonProcessingException {
        return error(
                415,
                ErrorCode.INVALID_REQUEST.name(),
                "send the JSON body with Content-Type: application/json (curl -H 'Content-Type: application/json')");
    }

    /** A body that is not JSON, or a value out of range. */
    @ExceptionHandler({JsonProcessingException.class, IllegalArgumentException.class})
    public ResponseEntity<String> badInput(Exception e) throws JsonProcessingException {
        return error(400, ErrorCode.INVALID_REQUEST.name(), String.valueOf(e.getMessage()));
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

    private static JsonNode object(@Nullable String contentType, @Nullable String body) throws JsonProcessingException {
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(FORM)) {
            // The servlet container reads a form body as parameters: what reaches us is no longer the JSON sent.
            throw new FormBodyException();
        }
        @Nullable JsonNode node = body == null ? null : JSON.readTree(body);
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException("the body must be a JSON object", null);
        }
        return node;
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

    /** A JSON body that arrived as a form. */
    static final class FormBodyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FormBodyException() {
            super("form body", null, false, false);
        }
    }

    private static ResponseEntity<String> error(int status, String code, String message)
            throws JsonProcessingException {
        return json(status, Map.of("code", code, "message", message));
    }

    private static ResponseEntity<String> json(int status, Object value) throws JsonProcessingException {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .body(JSON.writeValueAsString(value));
    }
}
