package dev.osc4j.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Serves a {@link Dashboard} on the JDK's {@code com.sun.net.httpserver.HttpServer}, at the context it is created on:
 * {@code server.createContext("/osc4j", new DashboardHttpHandler(dashboard))}.
 */
public final class DashboardHttpHandler implements HttpHandler {
    private static final int MAX_BODY = 64 * 1024;
    private final Dashboard dashboard;

    /** Serves {@code dashboard}. */
    public DashboardHttpHandler(Dashboard dashboard) {
        this.dashboard = dashboard;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String context = exchange.getHttpContext().getPath();
            String path = exchange.getRequestURI().getPath();
            if (context.length() > 1 && path.startsWith(context)) {
                path = path.substring(context.length());
            }
            if (path.isEmpty()) {
                path = "/";
            }
            Map<String, String> headers = new HashMap<>();
            for (Map.Entry<String, List<String>> h :
                    exchange.getRequestHeaders().entrySet()) {
                if (!h.getValue().isEmpty()) {
                    headers.put(
                            h.getKey().toLowerCase(Locale.ROOT), h.getValue().get(0));
                }
            }
            byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY);
            Dashboard.Response r = dashboard.handle(new Dashboard.Request(
                    exchange.getRequestMethod().toUpperCase(Locale.ROOT),
                    path,
                    headers,
                    new String(body, StandardCharsets.UTF_8)));
            exchange.getResponseHeaders().set("Content-Type", r.contentType());
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
            byte[] bytes = r.body();
            exchange.sendResponseHeaders(r.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }
}
