package dev.osc4j.samples.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.testkit.InMemoryStateStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ControllerServiceTest {
    private final HttpClient client = HttpClient.newHttpClient();
    private ControllerService service;

    @BeforeEach
    void start() throws Exception {
        Clock clock = Clock.systemUTC();
        service = new ControllerService(
                new InMemoryStateStore(clock), ControllerService.world(clock, 2_000_000), 0, Duration.ofMillis(100));
        service.start();
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .timeout(Duration.ofSeconds(10));
        b = body.isEmpty()
                ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void submitWatchDirectAndScrape() throws Exception {
        assertThat(call("GET", "/healthz", "").body()).isEqualTo("ok\n");
        String request = """
                {"idempotencyKey":"svc-1","keyspace":"commerce","table":"orders",
                 "ddl":"ALTER TABLE orders ADD COLUMN note TEXT","engine":"fake","requestedBy":"sre"}""";
        HttpResponse<String> created = call("POST", "/migrations", request);
        assertThat(created.statusCode()).isEqualTo(201);
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

        HttpResponse<String> abort =
                call("POST", "/migrations/" + id + "/abort", "{\"directiveId\":\"a1\",\"actor\":\"sre\"}");
        assertThat(abort.statusCode()).isEqualTo(409);
        assertThat(abort.body()).contains("ILLEGAL_DIRECTIVE");
        assertThat(call("GET", "/migrations/m-nosuch", "").statusCode()).isEqualTo(404);
        assertThat(call("GET", "/metrics", "").body()).contains("osc4j_transitions_total");
    }
}
