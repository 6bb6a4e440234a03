package dev.osc4j.dashboard;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Serves a {@link Dashboard} in a Jakarta Servlet container (Tomcat, Jetty; what Spring Boot mounts). Map it with a
 * wildcard, for example {@code /osc4j/*}: the path below the mapping is the dashboard's path.
 */
public final class DashboardServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final int MAX_BODY = 64 * 1024;

    /** The dashboard; servlets are serialisable, a dashboard is not, and a container never needs to move this one. */
    private final transient Dashboard dashboard;

    /** Serves {@code dashboard}. */
    public DashboardServlet(Dashboard dashboard) {
        this.dashboard = dashboard;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo();
        if (path == null) {
            // /osc4j without the slash: relative links of the page need the directory form.
            response.sendRedirect(request.getRequestURI() + "/");
            return;
        }
        Map<String, String> headers = new HashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            String value = request.getHeader(name);
            if (value != null) {
                headers.put(name.toLowerCase(Locale.ROOT), value);
            }
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(MAX_BODY);
        }
        Dashboard.Response r = dashboard.handle(new Dashboard.Request(
                request.getMethod().toUpperCase(Locale.ROOT), path, headers, new String(body, StandardCharsets.UTF_8)));
        byte[] bytes = r.body();
        response.setStatus(r.status());
        response.setContentType(r.contentType());
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
