package dev.osc4j.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.osc4j.spi.HealthSignals;
import dev.osc4j.spi.HealthVerdict;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("HealthSignals.prometheus against a real Prometheus (LocalPrometheus)")
class LocalPrometheusIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static HttpServer serve(String path, com.sun.net.httpserver.HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(path, handler);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        return server;
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static HealthVerdict check(URI base, String promql, double limit) {
        return HealthSignals.prometheus("p99", base, promql, limit).check(SignalRecords.any());
    }

    @Test
    @DisplayName("a scraped gauge against the limit, and unknown for no series, two series, NaN and a bad query")
    void scrapedGauge() throws Exception {
        AtomicReference<String> metrics = new AtomicReference<>(
                "osc4j_p99_ms 120\nosc4j_pair{k=\"a\"} 1\nosc4j_pair{k=\"b\"} 2\nosc4j_nan NaN\n");
        HttpServer app = serve("/metrics", e -> reply(e, 200, metrics.get()));
        try (LocalPrometheus prometheus = LocalPrometheus.builder()
                .scrape("app", "127.0.0.1:" + app.getAddress().getPort())
                .start()) {
            URI base = prometheus.uri();
            HealthVerdict first = poll(base, "osc4j_p99_ms", 250, HealthVerdict.Status.HEALTHY);
            assertThat(first.detail()).contains("120.0", "limit 250.0");
            metrics.set(metrics.get().replace("osc4j_p99_ms 120", "osc4j_p99_ms 412"));
            HealthVerdict breached = poll(base, "osc4j_p99_ms", 250, HealthVerdict.Status.UNHEALTHY);
            assertThat(breached.detail()).contains("412.0");
            assertThat(check(base, "osc4j_no_such_metric", 250).detail()).contains("0 series");
            assertThat(check(base, "osc4j_pair", 250).detail()).contains("2 series");
            assertThat(check(base, "osc4j_nan", 250).detail()).contains("NaN");
            assertThat(check(base, "sum(", 250).detail()).contains("HTTP 400");
            assertThat(check(base, "scalar(osc4j_p99_ms)", 500).status()).isEqualTo(HealthVerdict.Status.HEALTHY);
            for (String q : List.of("osc4j_no_such_metric", "osc4j_pair", "osc4j_nan", "sum(")) {
                assertThat(check(base, q, 250).status()).isEqualTo(HealthVerdict.Status.UNKNOWN);
            }
        } finally {
            app.stop(0);
        }
    }

    /** Prometheus answers from its last scrape: waits up to 20 s (scraping every second) for {@code expected}. */
    private static HealthVerdict poll(URI base, String promql, double limit, HealthVerdict.Status expected)
            throws InterruptedException {
        HealthVerdict last = check(base, promql, limit);
        for (int i = 0; i < 200 && last.status() != expected; i++) {
            Thread.sleep(100);
            last = check(base, promql, limit);
        }
        assertThat(last.status()).as(last.detail()).isEqualTo(expected);
        return last;
    }

    @Test
    @DisplayName("unknown on a timeout and on an unreachable server; the bearer token is sent and never shown")
    void timeoutAndToken() throws Exception {
        AtomicReference<String> auth = new AtomicReference<>("");
        HttpServer slow = serve("/", e -> {
            if (!e.getRequestURI().getPath().endsWith("slow/api/v1/query")) {
                auth.set(String.valueOf(e.getRequestHeaders().getFirst("Authorization")));
            } else {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            reply(e, 401, "unauthorized");
        });
        try {
            URI base = URI.create("http://127.0.0.1:" + slow.getAddress().getPort() + "/");
            HealthVerdict timedOut = HealthSignals.prometheus(
                            "p99", base.resolve("slow/"), "up", 1, Duration.ofMillis(500), null)
                    .check(SignalRecords.any());
            assertThat(timedOut.status()).isEqualTo(HealthVerdict.Status.UNKNOWN);
            assertThat(timedOut.detail()).contains("did not answer within 500 ms");
            HealthVerdict denied = HealthSignals.prometheus("p99", base, "up", 1, TIMEOUT, () -> "s3cr3t-token")
                    .check(SignalRecords.any());
            assertThat(auth.get()).isEqualTo("Bearer s3cr3t-token");
            assertThat(denied.status()).isEqualTo(HealthVerdict.Status.UNKNOWN);
            assertThat(denied.detail()).contains("HTTP 401").doesNotContain("s3cr3t");
        } finally {
            slow.stop(0);
        }
        HealthVerdict gone = check(URI.create("http://127.0.0.1:1/"), "up", 1);
        assertThat(gone.status()).isEqualTo(HealthVerdict.Status.UNKNOWN);
        assertThat(gone.detail()).contains("unreachable");
    }

    @Test
    @DisplayName("without the binary, start fails naming the Debian package")
    void missingBinary(@TempDir Path empty) throws Exception {
        Files.createDirectories(empty);
        assertThatThrownBy(() ->
                        LocalPrometheus.builder().searchPath(List.of(empty)).start())
                .isInstanceOf(MissingServerException.class)
                .hasMessageContaining("prometheus");
    }
}
