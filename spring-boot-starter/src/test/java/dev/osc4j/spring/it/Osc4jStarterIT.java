package dev.osc4j.spring.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.dashboard.Dashboard;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application with the starter, an H2 DataSource and the fake engine: a migration submitted through the
 * orchestrator bean completes; the health endpoint, the metrics and the dashboard (served by the servlet on embedded
 * Tomcat, directives behind the application's authenticator) all see it. One context for the class. In a package of
 * its own, as an application is: a component scan of the starter's package would pick its nested configurations up
 * before the DataSource exists.
 */
@SpringBootTest(
        classes = Osc4jStarterIT.App.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:starter-it;DB_CLOSE_DELAY=-1",
            "management.endpoints.web.exposure.include=health,osc4j",
            "management.endpoint.health.show-details=always",
            "osc4j.poll-interval=200ms"
        })
class Osc4jStarterIT {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The application under test. */
    @SpringBootApplication
    static class App {
        @Bean
        FakeTopology topology() {
            return new FakeTopology(Clock.systemUTC()).addUniformKeyspace("commerce", 2, 20_000);
        }

        @Bean
        FakeEngine engine(FakeTopology topology) {
            return FakeEngine.builder(topology).rowsPerSecond(20_000).build();
        }

        @Bean
        Dashboard.Authenticator authenticator() {
            return request -> Optional.ofNullable(request.header("x-user"));
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    MigrationOrchestrator osc;

    @Autowired
    MeterRegistry registry;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static MigrationRequest request(String key, String table) {
        return StarterMigrations.request(key, table);
    }

    private MigrationState await(MigrationId id, MigrationState state) throws InterruptedException {
        return StarterMigrations.await(osc, id, state);
    }

    @Test
    @DisplayName("a migration completes under the context's controller; health, metrics and the dashboard see it")
    void endToEnd() throws Exception {
        MigrationId id = osc.submit(request("boot-1", "orders"));
        assertThat(await(id, MigrationState.COMPLETED)).isEqualTo(MigrationState.COMPLETED);

        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode osc4j = JSON.readTree(health.body()).path("components").path("osc4j");
        assertThat(osc4j.path("status").asText()).isEqualTo("UP");
        assertThat(osc4j.path("details").has("failedMigrations")).isTrue();

        Counter transitions = registry.find("osc4j.transitions").counter();
        assertThat(transitions).as("the transition counter is published").isNotNull();
        assertThat(Objects.requireNonNull(transitions).count()).isPositive();

        MigrationId running = osc.submit(request("boot-3", "invoices"));
        HttpResponse<String> endpoint = get("/actuator/osc4j");
        assertThat(endpoint.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(endpoint.body()).findValuesAsText("id")).contains(running.value());

        HttpResponse<String> page = get("/osc4j/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("osc4j migrations");
        assertThat(get("/osc4j/api/fleet").body()).contains(id.value());
    }

    @Test
    @DisplayName("a directive through the dashboard servlet needs the application's authentication and the CSRF token")
    void directiveThroughTheServlet() throws Exception {
        MigrationId id = osc.submit(request("boot-2", "payments"));
        HttpResponse<String> anonymous = http.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + port + "/osc4j/api/migrations/" + id.value() + "/pause"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"directiveId\":\"boot-d1\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(403);
        String csrf = JSON.readTree(get("/osc4j/api/session", "x-user", "alice").body())
                .path("csrf")
                .asText();
        HttpResponse<String> paused = http.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + port + "/osc4j/api/migrations/" + id.value() + "/pause"))
                        .header("x-user", "alice")
                        .header("X-Osc4j-Csrf", csrf)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"directiveId\":\"boot-d1\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        assertThat(osc.get(id).controls().paused()).isTrue();
        assertThat(JSON.readTree(paused.body()).path("actor").asText()).isEqualTo("alice");
    }
}
