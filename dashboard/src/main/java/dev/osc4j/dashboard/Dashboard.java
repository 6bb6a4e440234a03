package dev.osc4j.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.DirectiveResult;
import dev.osc4j.IdempotencyConflictException;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationNotFoundException;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.RevertOf;
import dev.osc4j.RevertRefusedException;
import dev.osc4j.StoreException;
import dev.osc4j.spi.RecordCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The dashboard, independent of any web framework: {@link #handle} turns a {@link Request} into a {@link Response}.
 * Mount it with {@link DashboardHttpHandler} on the JDK's {@code HttpServer}, or call {@link #handle} from any other
 * server's handler.
 *
 * <p>Reads go through the {@link MigrationClient} (the store alone), so a dashboard outside the controller's process
 * shows figures at most the controller's progress-write interval (default 1 s) plus one pass old; the page polls every
 * second and shows each migration's age. A migration in its revert window shows until when (and how long from now) it
 * can be reverted, with buttons to revert it and to close the window; a forward migration and its revert link to each
 * other. Directives need an {@link Authenticator}: without one the page is read-only
 * and every directive is refused with 403. Each directive carries the directive id the page generated for the click,
 * so a repeated request is one directive. Cross-site requests are refused: a directive must carry the
 * {@code X-Osc4j-Csrf} header with a token the page reads from {@code /api/session} (a same-origin read another site
 * cannot make), bound to the authenticated actor, and an {@code Origin} header, when sent, must name this host.
 *
 * <pre>{@code
 * Dashboard dashboard = Dashboard.builder(MigrationClient.of(store))
 *         .authenticator(request -> Optional.ofNullable(request.header("x-forwarded-user")))
 *         .build();
 * HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 8080), 0);
 * server.createContext("/", new DashboardHttpHandler(dashboard));
 * server.start();
 * }</pre>
 */
public final class Dashboard {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CSRF_HEADER = "x-osc4j-csrf";

    private final MigrationClient client;
    private final @Nullable Authenticator authenticator;
    private final Clock clock;
    private final byte[] secret = new byte[32];

    private Dashboard(Builder b) {
        this.client = b.client;
        this.authenticator = b.authenticator;
        this.clock = b.clock;
        new SecureRandom().nextBytes(secret);
    }

    /** A dashboard reading and directing through {@code client}. */
    public static Builder builder(MigrationClient client) {
        return new Builder(client);
    }

    /**
     * Who may send directives: the embedding application's authentication, for instance the user its login filter or
     * reverse proxy established.
     */
    @FunctionalInterface
    public interface Authenticator {
        /** The actor behind {@code request}, recorded in the audit trail; empty if the request may not direct. */
        Optional<String> actor(Request request);
    }

    /**
     * An HTTP request as the dashboard needs it.
     *
     * @param method the method, upper case
     * @param path the path below the dashboard's mount point, starting with {@code /}
     * @param headers the headers, names in lower case
     * @param body the body (empty for GET)
     */
    public record Request(String method, String path, Map<String, String> headers, String body) {
        /** Copies the map. */
        public Request {
            headers = Map.copyOf(headers);
        }

        /** A header by lower-case name, or null. */
        public @Nullable String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** An HTTP response: a status code, a content type and a body. */
    public static final class Response {
        private final int status;
        private final String contentType;
        private final byte[] body;

        Response(int status, String contentType, byte[] body) {
            this.status = status;
            this.contentType = contentType;
            this.body = body.clone();
        }

        /** The status code. */
        public int status() {
            return status;
        }

        /** The content type. */
        public String contentType() {
            return contentType;
        }

        /** The body (a copy). */
        public byte[] body() {
            return body.clone();
        }

        /** The body as UTF-8 text. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Answers one request. Never throws for a request's content; a store that is down answers 503. */
    public Response handle(Request request) {
        try {
            return route(request);
        } catch (MigrationNotFoundException e) {
            return error(404, e.getMessage());
        } catch (RevertRefusedException e) {
            return json(409, errorNode(e.getMessage()).put("reason", e.reason().name()));
        } catch (IllegalDirectiveException | IdempotencyConflictException e) {
            return error(409, e.getMessage());
        } catch (InvalidRequestException | IllegalArgumentException e) {
            return error(400, e.getMessage());
        } catch (StoreException e) {
            return error(503, "the store is unavailable: " + e.getMessage());
        }
    }

    private Response route(Request r) {
        String path = r.path();
        if (r.method().equals("GET")) {
            switch (path) {
                case "/", "/index.html" -> {
                    return asset("index.html", "text/html; charset=utf-8");
                }
                case "/app.js" -> {
                    return asset("app.js", "text/javascript; charset=utf-8");
                }
                case "/app.css" -> {
                    return asset("app.css", "text/css; charset=utf-8");
                }
                case "/api/fleet" -> {
                    return json(200, fleet());
                }
                case "/api/session" -> {
                    return json(200, session(r));
                }
                default -> {}
            }
            if (path.startsWith("/api/migrations/") && path.endsWith("/verify")) {
                MigrationId id = MigrationId.of(path.substring("/api/migrations/".length(), path.length() - 7));
                MigrationRecord record = client.get(id);
                ObjectNode n = JSON.createObjectNode();
                ArrayNode problems = n.putArray("problems");
                client.verifyAudit(id).forEach(problems::add);
                n.put("intact", problems.isEmpty());
                n.put("entries", record.auditSeq());
                n.put("head", record.auditHead());
                return json(200, n);
            }
            if (path.startsWith("/api/migrations/") && path.endsWith("/audit")) {
                MigrationId id = MigrationId.of(path.substring("/api/migrations/".length(), path.length() - 6));
                ArrayNode trail = JSON.createArrayNode();
                for (AuditEntry e : client.audit(id)) {
                    trail.add(tree(RecordCodec.encodeAudit(e)));
                }
                return json(200, trail);
            }
            if (path.startsWith("/api/migrations/")) {
                MigrationId id = MigrationId.of(path.substring("/api/migrations/".length()));
                return json(200, entry(client.get(id), clock.instant()));
            }
            return error(404, "no such page: " + path);
        }
        if (r.method().equals("POST") && path.startsWith("/api/migrations/")) {
            String[] parts = path.substring("/api/migrations/".length()).split("/");
            if (parts.length != 2) {
                return error(404, "no such directive endpoint: " + path);
            }
            return directive(r, MigrationId.of(parts[0]), parts[1]);
        }
        return error(405, r.method() + " is not allowed on " + path);
    }

    private ObjectNode fleet() {
        Instant now = clock.instant();
        ObjectNode out = JSON.createObjectNode();
        out.put("now", now.toString());
        ArrayNode list = out.putArray("migrations");
        for (MigrationSummary s : client.list(MigrationFilter.all())) {
            list.add(entry(client.get(s.id()), now));
        }
        return out;
    }

    /** A record as the page shows it: the record, the weighted aggregate, the figures' age. */
    private static ObjectNode entry(MigrationRecord r, Instant now) {
        MigrationSummary s = MigrationSummary.of(r);
        ObjectNode n = JSON.createObjectNode();
        n.put("id", r.id().value());
        n.set("record", tree(RecordCodec.encode(r)));
        n.put("percent", s.percent());
        Duration eta = s.eta();
        if (eta == null) {
            n.putNull("etaSeconds");
        } else {
            n.put("etaSeconds", eta.toSeconds());
        }
        Instant persisted = r.progressPersistedAt();
        if (persisted == null) {
            n.putNull("ageMillis");
        } else {
            n.put("ageMillis", Math.max(0, Duration.between(persisted, now).toMillis()));
        }
        Instant until =
                r.state() == MigrationState.REVERTIBLE ? r.revertibleUntil().orElse(null) : null;
        if (until == null) {
            n.putNull("revertibleUntil");
            n.putNull("revertSecondsLeft");
        } else {
            n.put("revertibleUntil", until.toString());
            n.put("revertSecondsLeft", Math.max(0, Duration.between(now, until).toSeconds()));
        }
        n.put(
                "revertClosing",
                r.state() == MigrationState.REVERTIBLE && r.controls().closeRevertWindow());
        MigrationId revertedBy = r.controls().revertedBy();
        n.put("revertedBy", revertedBy == null ? null : revertedBy.value());
        RevertOf revertOf = r.spec().revertOf();
        n.put("reverts", revertOf == null ? null : revertOf.migration().value());
        return n;
    }

    private ObjectNode session(Request r) {
        ObjectNode n = JSON.createObjectNode();
        Optional<String> actor = actor(r);
        if (actor.isEmpty()) {
            n.putNull("actor");
            n.putNull("csrf");
            n.put("readOnly", true);
            n.put(
                    "why",
                    authenticator == null
                            ? "no authentication is configured: the page is read-only"
                            : "not signed in: the page is read-only");
        } else {
            n.put("actor", actor.get());
            n.put("csrf", token(actor.get()));
            n.put("readOnly", false);
        }
        return n;
    }

    private Optional<String> actor(Request r) {
        Authenticator a = authenticator;
        if (a == null) {
            return Optional.empty();
        }
        return a.actor(r).filter(s -> !s.isBlank());
    }

    private Response directive(Request r, MigrationId id, String kind) {
        Optional<String> who = actor(r);
        if (who.isEmpty()) {
            return error(
                    403,
                    authenticator == null
                            ? "directives are disabled: the application configured no authentication"
                            : "not authenticated");
        }
        String actor = who.get();
        String origin = r.header("origin");
        String host = r.header("host");
        if (origin != null && (host == null || !origin.endsWith("://" + host))) {
            return error(403, "cross-origin directive refused");
        }
        String csrf = r.header(CSRF_HEADER);
        if (csrf == null
                || !MessageDigest.isEqual(
                        csrf.getBytes(StandardCharsets.UTF_8), token(actor).getBytes(StandardCharsets.UTF_8))) {
            return error(403, "missing or wrong CSRF token");
        }
        JsonNode body;
        try {
            body = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (JsonProcessingException e) {
            return error(400, "the body is not JSON");
        }
        String directiveId = body.path("directiveId").asText("");
        if (directiveId.isBlank() || directiveId.length() > 128) {
            return error(400, "directiveId is required (1-128 characters)");
        }
        MigrationId revert = null;
        if (kind.equals("revert")) {
            revert = client.revert(id, directiveId, shards(body.path("shards"), id), actor);
        }
        DirectiveResult result =
                switch (kind) {
                    case "revert" -> revertResult(id, directiveId);
                    case "close-window" -> client.closeRevertWindow(id, directiveId, actor);
                    case "acknowledge" -> client.acknowledgeAlert(id, directiveId, actor);
                    case "pause" -> client.pause(id, directiveId, actor);
                    case "resume" -> client.resume(id, directiveId, actor);
                    case "abort" -> client.abort(id, directiveId, actor);
                    case "retry" -> client.retry(id, directiveId, actor);
                    case "release" -> client.releaseCutover(id, directiveId, actor);
                    case "approve" ->
                        client.approve(id, directiveId, stage(body.path("stage").asText("")), actor);
                    case "revoke" ->
                        client.revokeApproval(
                                id, directiveId, stage(body.path("stage").asText("")), actor);
                    case "throttle" -> {
                        JsonNode ratio = body.path("ratio");
                        if (!ratio.isNumber() || ratio.asDouble() < 0 || ratio.asDouble() > 1) {
                            throw new InvalidRequestException("ratio must be a number from 0 to 1", id);
                        }
                        yield client.throttle(id, directiveId, ratio.asDouble(), actor);
                    }
                    default -> throw new InvalidRequestException("no directive '" + kind + "'", id);
                };
        ObjectNode n = JSON.createObjectNode();
        n.put("directiveId", result.directiveId());
        n.put("kind", result.kind().name());
        n.put("argument", result.argument());
        n.put("actor", result.actor());
        n.put("stateAfter", result.stateAfter().name());
        n.put("at", result.at().toString());
        if (revert != null) {
            n.put("revert", revert.value());
        }
        return json(200, n);
    }

    /** The shards a revert names in its body: an array of shard names, or none for every shard in the window. */
    private static List<String> shards(JsonNode shards, MigrationId id) {
        if (shards.isMissingNode() || shards.isNull()) {
            return List.of();
        }
        if (!shards.isArray()) {
            throw new InvalidRequestException("shards must be an array of shard names", id);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode shard : shards) {
            if (!shard.isTextual() || shard.asText().isBlank()) {
                throw new InvalidRequestException("shards must be an array of shard names", id);
            }
            out.add(shard.asText());
        }
        return out;
    }

    /** What the forward migration recorded for the revert directive that started a revert. */
    private DirectiveResult revertResult(MigrationId id, String directiveId) {
        DirectiveResult recorded = client.get(id).directives().get(directiveId);
        if (recorded == null) {
            throw new IllegalStateException("the revert directive " + directiveId + " is not on migration " + id);
        }
        return recorded;
    }

    private static ApprovalStage stage(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "start" -> ApprovalStage.START;
            case "cutover" -> ApprovalStage.CUTOVER;
            default -> throw new InvalidRequestException("stage must be start or cutover, got '" + value + "'", null);
        };
    }

    /** The CSRF token of an actor: an HMAC of the actor with this dashboard's random secret. */
    private String token(String actor) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(actor.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    private static Response asset(String name, String type) {
        try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
            if (in == null) {
                return error(500, "asset " + name + " is missing from the jar");
            }
            return new Response(200, type, in.readAllBytes());
        } catch (IOException e) {
            return error(500, "cannot read asset " + name);
        }
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the codec wrote JSON it cannot read back", e);
        }
    }

    private static Response json(int status, JsonNode n) {
        try {
            return new Response(status, "application/json", JSON.writeValueAsBytes(n));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static Response error(int status, @Nullable String message) {
        return json(status, errorNode(message));
    }

    private static ObjectNode errorNode(@Nullable String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", Objects.requireNonNullElse(message, "error"));
        return n;
    }

    /** Configures a {@link Dashboard}. */
    public static final class Builder {
        private final MigrationClient client;
        private @Nullable Authenticator authenticator;
        private Clock clock = Clock.systemUTC();

        private Builder(MigrationClient client) {
            this.client = client;
        }

        /** Who may send directives; without it the page is read-only. */
        public Builder authenticator(Authenticator value) {
            this.authenticator = value;
            return this;
        }

        /** The clock the figures' age is measured with (default: the system clock). */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** The dashboard. */
        public Dashboard build() {
            return new Dashboard(this);
        }
    }
}
