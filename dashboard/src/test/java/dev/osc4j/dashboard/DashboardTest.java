package dev.osc4j.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osc4j.AuditEntry;
import dev.osc4j.AutoRevert;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.HealthSignals;
import dev.osc4j.spi.HealthVerdict;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The handler without a browser: JSON, authentication, CSRF, idempotent directives, bad input, the revert window and
 * the revert directives.
 */
class DashboardTest {
    static final ObjectMapper JSON = new ObjectMapper();
    SettableClock clock;
    InMemoryStateStore store;
    MigrationOrchestrator osc;
    MigrationId id;

    @BeforeEach
    void fleet() {
        clock = SettableClock.startingAtEpoch2026();
        store = new InMemoryStateStore(clock);
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", 4, 100_000);
        osc = MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(FakeEngine.builder(topology).rowsPerSecond(1_000).build())
                .clock(clock)
                .build();
        id = osc.submit(MigrationRequest.builder()
                .idempotencyKey("dash")
                .keyspace("commerce")
                .table("orders")
                .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .build());
        Simulation.of(osc, clock).runUntil(id, MigrationState.COPYING_ROWS, Duration.ofMinutes(5));
    }

    private Dashboard dashboard(boolean withAuth) {
        Dashboard.Builder b = Dashboard.builder(osc).clock(clock);
        if (withAuth) {
            b.authenticator(r -> Optional.ofNullable(r.header("x-user")));
        }
        return b.build();
    }

    private static Dashboard.Request get(String path, Map<String, String> headers) {
        return new Dashboard.Request("GET", path, headers, "");
    }

    private static Dashboard.Request post(String path, Map<String, String> headers, String body) {
        Map<String, String> h = new HashMap<>(headers);
        h.putIfAbsent("host", "127.0.0.1:8080");
        return new Dashboard.Request("POST", path, h, body);
    }

    private static JsonNode json(Dashboard.Response r) throws Exception {
        return JSON.readTree(r.text());
    }

    @Test
    @DisplayName("the fleet lists each migration with its record, weighted percent and the figures' age")
    void fleetJson() throws Exception {
        Dashboard.Response r = dashboard(false).handle(get("/api/fleet", Map.of()));
        assertThat(r.status()).isEqualTo(200);
        JsonNode m = json(r).path("migrations").get(0);
        assertThat(m.path("id").asText()).isEqualTo(id.value());
        assertThat(m.path("record").path("shards").size()).isEqualTo(4);
        assertThat(m.path("percent").asDouble()).isBetween(0.0, 100.0);
        assertThat(m.has("ageMillis")).isTrue();
        assertThat(dashboard(false).handle(get("/", Map.of())).text()).contains("osc4j migrations");
        assertThat(dashboard(false)
                        .handle(get("/api/migrations/" + id.value() + "/audit", Map.of()))
                        .status())
                .isEqualTo(200);
    }

    @Test
    @DisplayName("without an authenticator the page is read-only and every directive is refused with 403")
    void noAuthenticationNoDirectives() throws Exception {
        Dashboard d = dashboard(false);
        assertThat(json(d.handle(get("/api/session", Map.of())))
                        .path("readOnly")
                        .asBoolean())
                .isTrue();
        Dashboard.Response r =
                d.handle(post("/api/migrations/" + id.value() + "/pause", Map.of(), "{\"directiveId\":\"d1\"}"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(store.read(id).orElseThrow().controls().paused()).isFalse();
    }

    @Test
    @DisplayName("a directive needs the session's CSRF token and a same-origin request; then a repeated id is one"
            + " directive")
    void csrfAndIdempotence() throws Exception {
        Dashboard d = dashboard(true);
        Map<String, String> alice = Map.of("x-user", "alice");
        String token = json(d.handle(get("/api/session", alice))).path("csrf").asText();
        String body = "{\"directiveId\":\"web-1\"}";
        String path = "/api/migrations/" + id.value() + "/pause";
        assertThat(d.handle(post(path, alice, body)).status()).as("no token").isEqualTo(403);
        assertThat(d.handle(post(path, Map.of("x-user", "alice", "x-osc4j-csrf", "nope"), body))
                        .status())
                .isEqualTo(403);
        String bobsToken = json(d.handle(get("/api/session", Map.of("x-user", "bob"))))
                .path("csrf")
                .asText();
        assertThat(d.handle(post(path, Map.of("x-user", "alice", "x-osc4j-csrf", bobsToken), body))
                        .status())
                .as("another actor's token")
                .isEqualTo(403);
        Map<String, String> crossSite =
                Map.of("x-user", "alice", "x-osc4j-csrf", token, "origin", "https://evil.example");
        assertThat(d.handle(post(path, crossSite, body)).status()).isEqualTo(403);
        assertThat(store.read(id).orElseThrow().controls().paused()).isFalse();
        Map<String, String> ok = Map.of("x-user", "alice", "x-osc4j-csrf", token, "origin", "http://127.0.0.1:8080");
        Dashboard.Response first = d.handle(post(path, ok, body));
        assertThat(first.status()).as(first.text()).isEqualTo(200);
        assertThat(json(first).path("actor").asText()).isEqualTo("alice");
        assertThat(d.handle(post(path, ok, body)).status()).isEqualTo(200);
        assertThat(osc.audit(id).stream()
                        .filter(e -> e.kind() == AuditEntry.Kind.DIRECTIVE
                                && e.stepId().equals("web-1")))
                .hasSize(1);
        assertThat(d.handle(post("/api/migrations/" + id.value() + "/resume", ok, body))
                        .status())
                .as("the same id for another directive")
                .isEqualTo(409);
        assertThat(store.read(id).orElseThrow().controls().paused()).isTrue();
    }

    @Test
    @DisplayName("bad input answers 400 or 404 and changes nothing")
    void badInput() throws Exception {
        Dashboard d = dashboard(true);
        Map<String, String> alice = Map.of("x-user", "alice");
        String token = json(d.handle(get("/api/session", alice))).path("csrf").asText();
        Map<String, String> ok = Map.of("x-user", "alice", "x-osc4j-csrf", token);
        long version = store.read(id).orElseThrow().version();
        String base = "/api/migrations/" + id.value();
        assertThat(d.handle(post(base + "/throttle", ok, "{\"directiveId\":\"t\",\"ratio\":7}"))
                        .status())
                .isEqualTo(400);
        assertThat(d.handle(post(base + "/pause", ok, "not json")).status()).isEqualTo(400);
        assertThat(d.handle(post(base + "/pause", ok, "{}")).status()).isEqualTo(400);
        assertThat(d.handle(post(base + "/approve", ok, "{\"directiveId\":\"a\",\"stage\":\"lunch\"}"))
                        .status())
                .isEqualTo(400);
        assertThat(d.handle(post(base + "/revoke", ok, "{\"directiveId\":\"r\",\"stage\":\"cutover\"}"))
                        .status())
                .as("no approval of alice's to withdraw: refused")
                .isEqualTo(409);
        assertThat(d.handle(post(base + "/explode", ok, "{\"directiveId\":\"x\"}"))
                        .status())
                .isEqualTo(400);
        assertThat(d.handle(get("/api/migrations/m-000000000000000000000000", Map.of()))
                        .status())
                .isEqualTo(404);
        assertThat(d.handle(get("/api/migrations/bad id", Map.of())).status()).isEqualTo(400);
        assertThat(store.read(id).orElseThrow().version()).isEqualTo(version);
    }

    @Test
    @DisplayName("a migration in its revert window shows until when; revert (behind the same authentication and CSRF"
            + " check, idempotent by directive id) starts a revert linked both ways; a second revert answers 409 with"
            + " its reason; bad shards are refused; close-window closes the window")
    void revertAndCloseWindow() throws Exception {
        Duration window = Duration.ofHours(2);
        InMemoryStateStore revertStore = new InMemoryStateStore(clock);
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("billing", 2, 1_000);
        MigrationOrchestrator controller = MigrationOrchestrator.builder()
                .store(revertStore)
                .topology(topology)
                .engine(FakeEngine.builder(topology).revert(true).build())
                .clock(clock)
                .build();
        Simulation sim = Simulation.of(controller, clock);
        MigrationId forward = controller.submit(revertible("ledger", window));
        MigrationId other = controller.submit(revertible("refunds", window));
        sim.runUntil(forward, MigrationState.REVERTIBLE, Duration.ofHours(1));
        sim.runUntil(other, MigrationState.REVERTIBLE, Duration.ofHours(1));
        Dashboard d = Dashboard.builder(controller)
                .clock(clock)
                .authenticator(r -> Optional.ofNullable(r.header("x-user")))
                .build();

        JsonNode shown = json(d.handle(get("/api/migrations/" + forward.value(), Map.of())));
        Instant swapped = controller.get(forward).shards().stream()
                .map(s -> s.stateSince())
                .min(Instant::compareTo)
                .orElseThrow();
        assertThat(shown.path("revertibleUntil").asText())
                .isEqualTo(swapped.plus(window).toString());
        assertThat(shown.path("revertSecondsLeft").asLong())
                .isEqualTo(
                        Duration.between(clock.instant(), swapped.plus(window)).toSeconds());
        assertThat(shown.path("revertedBy").isNull()).isTrue();
        assertThat(shown.path("revertClosing").asBoolean()).isFalse();

        String path = "/api/migrations/" + forward.value() + "/revert";
        String body = "{\"directiveId\":\"web-r1\"}";
        assertThat(d.handle(post(path, Map.of("x-user", "alice"), body)).status())
                .as("no CSRF token")
                .isEqualTo(403);
        assertThat(d.handle(post(path, Map.of(), body)).status())
                .as("not signed in")
                .isEqualTo(403);
        assertThat(controller.get(forward).controls().revertedBy()).isNull();
        String token = json(d.handle(get("/api/session", Map.of("x-user", "alice"))))
                .path("csrf")
                .asText();
        Map<String, String> ok = Map.of("x-user", "alice", "x-osc4j-csrf", token);
        Dashboard.Response started = d.handle(post(path, ok, body));
        assertThat(started.status()).as(started.text()).isEqualTo(200);
        JsonNode result = json(started);
        assertThat(result.path("kind").asText()).isEqualTo("REVERT");
        assertThat(result.path("actor").asText()).isEqualTo("alice");
        MigrationId revert = MigrationId.of(result.path("revert").asText());
        assertThat(controller.get(forward).controls().revertedBy()).isEqualTo(revert);
        assertThat(json(d.handle(post(path, ok, body))).path("revert").asText())
                .as("the same click again: the same revert")
                .isEqualTo(revert.value());
        assertThat(json(d.handle(get("/api/migrations/" + revert.value(), Map.of())))
                        .path("reverts")
                        .asText())
                .isEqualTo(forward.value());
        assertThat(json(d.handle(get("/api/migrations/" + forward.value(), Map.of())))
                        .path("revertedBy")
                        .asText())
                .isEqualTo(revert.value());

        Dashboard.Response second = d.handle(post(path, ok, "{\"directiveId\":\"web-r2\"}"));
        assertThat(second.status()).isEqualTo(409);
        assertThat(json(second).path("reason").asText()).isEqualTo("ALREADY_REVERTING");
        assertThat(json(second).path("error").asText()).contains(revert.value());

        String otherBase = "/api/migrations/" + other.value();
        long version = controller.get(other).version();
        Dashboard.Response badShard =
                d.handle(post(otherBase + "/revert", ok, "{\"directiveId\":\"web-r3\",\"shards\":[\"nope\"]}"));
        assertThat(badShard.status()).isEqualTo(409);
        assertThat(json(badShard).path("reason").asText()).isEqualTo("BAD_SHARDS");
        assertThat(d.handle(post(otherBase + "/revert", ok, "{\"directiveId\":\"web-r4\",\"shards\":\"-80\"}"))
                        .status())
                .isEqualTo(400);
        assertThat(controller.get(other).version()).as("nothing changed").isEqualTo(version);
        Dashboard.Response closed = d.handle(post(otherBase + "/close-window", ok, "{\"directiveId\":\"web-c1\"}"));
        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(json(closed).path("kind").asText()).isEqualTo("CLOSE_REVERT_WINDOW");
        assertThat(json(d.handle(get(otherBase, Map.of())))
                        .path("revertClosing")
                        .asBoolean())
                .isTrue();
        sim.runUntil(other, MigrationState.COMPLETED, Duration.ofMinutes(5));
        Dashboard.Response late = d.handle(post(otherBase + "/revert", ok, "{\"directiveId\":\"web-r5\"}"));
        assertThat(late.status()).isEqualTo(409);
        assertThat(json(late).path("reason").asText()).isEqualTo("WINDOW_CLOSED");
        assertThat(json(d.handle(get(otherBase, Map.of())))
                        .path("revertibleUntil")
                        .isNull())
                .isTrue();
    }

    @Test
    @DisplayName(
            "a health alert after a swap that cannot be reverted shows as ALERTED with its reason; acknowledge (behind"
                    + " the same CSRF check) ends it COMPLETED, and a second one is refused with 409")
    void acknowledgeAlert() throws Exception {
        InMemoryStateStore alertStore = new InMemoryStateStore(clock);
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("billing", 1, 1_000);
        MigrationOrchestrator controller = MigrationOrchestrator.builder()
                .store(alertStore)
                .topology(topology)
                .engine(FakeEngine.builder(topology).build())
                .clock(clock)
                .healthSignal(HealthSignals.of("errors", m -> HealthVerdict.unhealthy("5xx rate 4 %")))
                .build();
        MigrationId id = controller.submit(MigrationRequest.builder()
                .idempotencyKey("alerting")
                .keyspace("billing")
                .table("ledger")
                .ddl("ALTER TABLE ledger ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(MigrationPolicy.builder()
                        .revertWindow(Duration.ZERO)
                        .autoRevert(AutoRevert.on(Duration.ofMinutes(15), "errors"))
                        .build())
                .build());
        Simulation.of(controller, clock).runUntil(id, MigrationState.ALERTED, Duration.ofHours(1));
        Dashboard d = Dashboard.builder(controller)
                .clock(clock)
                .authenticator(r -> Optional.ofNullable(r.header("x-user")))
                .build();
        JsonNode shown = json(d.handle(get("/api/migrations/" + id.value(), Map.of())));
        assertThat(shown.path("record").path("state").asText()).isEqualTo("ALERTED");
        assertThat(shown.toString()).contains("health alert (it cannot be reverted)", "5xx rate 4 %");
        String token = json(d.handle(get("/api/session", Map.of("x-user", "alice"))))
                .path("csrf")
                .asText();
        String path = "/api/migrations/" + id.value() + "/acknowledge";
        assertThat(d.handle(post(path, Map.of("x-user", "alice"), "{\"directiveId\":\"web-a1\"}"))
                        .status())
                .as("no CSRF token")
                .isEqualTo(403);
        Map<String, String> ok = Map.of("x-user", "alice", "x-osc4j-csrf", token);
        Dashboard.Response acked = d.handle(post(path, ok, "{\"directiveId\":\"web-a1\"}"));
        assertThat(acked.status()).as(acked.text()).isEqualTo(200);
        assertThat(json(acked).path("kind").asText()).isEqualTo("ACKNOWLEDGE");
        assertThat(controller.get(id).state()).isEqualTo(MigrationState.COMPLETED);
        Dashboard.Response again = d.handle(post(path, ok, "{\"directiveId\":\"web-a2\"}"));
        assertThat(again.status()).as(again.text()).isEqualTo(409);
        assertThat(again.text()).contains("there is no health alert to acknowledge");
    }

    private static MigrationRequest revertible(String table, Duration window) {
        return MigrationRequest.builder()
                .idempotencyKey("revertible-" + table)
                .keyspace("billing")
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(MigrationPolicy.builder().revertWindow(window).build())
                .build();
    }
}
