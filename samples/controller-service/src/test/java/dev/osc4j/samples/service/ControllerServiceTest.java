package dev.osc4j.samples.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The service as it runs (Spring Boot on a random port, an in-memory H2 store): the API, health, metrics, dashboard. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:controller-service;DB_CLOSE_DELAY=-1",
            "sample.fake-engine.rows-per-second=2000000",
            "osc4j.poll-interval=100ms"
        })
class ControllerServiceTest {
    private final HttpClient client = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        b = body.isEmpty()
                ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void submitWatchDirectAndScrape() throws Exception {
        HttpResponse<String> health = call("GET", "/actuator/health", "");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode osc4j =
                new ObjectMapper().readTree(health.body()).path("components").path("osc4j");
        assertThat(osc4j.path("status").asText()).isEqualTo("UP");
        assertThat(osc4j.path("details").path("store").asText()).isEqualTo("JdbcStateStore");
        String request = """
                {"idempotencyKey":"svc-1","keyspace":"commerce","table":"orders",
                 "ddl":"ALTER TABLE orders ADD COLUMN note TEXT","engine":"fake","requestedBy":"sre"}""";
        HttpResponse<String> created = call("POST", "/migrations", request);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = created.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        assertThat(call("POST", "/migrations", request).body()).contains(id);
        assertThat(call("POST", "/migrations", request.replace("TEXT", "INT")).statusCode())
                .isEqualTo(409);
        assertThat(call(
                                "POST",
                                "/migrations",
                                request.replace("commerce", "nope").replace("svc-1", "svc-2"))
                        .statusCode())
                .isEqualTo(400);
        assertThat(call("POST", "/migrations", "not json").statusCode()).isEqualTo(400);
        HttpResponse<String> form = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/migrations"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(request))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(form.body()).contains("Content-Type: application/json");

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String record = "";
        while (System.nanoTime() < deadline) {
            record = call("GET", "/migrations/" + id, "").body();
            if (record.contains("\"state\":\"COMPLETED\",\"attempt\"")) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(record).contains("\"state\":\"COMPLETED\",\"attempt\"");
        assertThat(call("GET", "/migrations/" + id + "/audit", "").body()).contains("SWITCHED");
        assertThat(call("GET", "/migrations?active=true", "").body()).isEqualTo("[]");
        assertThat(call("GET", "/migrations", "").body()).contains(id);

        HttpResponse<String> abort =
                call("POST", "/migrations/" + id + "/abort", "{\"directiveId\":\"a1\",\"actor\":\"sre\"}");
        assertThat(abort.statusCode()).isEqualTo(409);
        assertThat(abort.body()).contains("ILLEGAL_DIRECTIVE");
        assertThat(call("GET", "/migrations/m-nosuch", "").statusCode()).isEqualTo(404);
        assertThat(call("GET", "/actuator/prometheus", "").body()).contains("osc4j_transitions_total");
        HttpResponse<String> dashboard = call("GET", "/osc4j/", "");
        assertThat(dashboard.statusCode()).isEqualTo(200);
        assertThat(dashboard.body()).contains("osc4j migrations");
    }
}
