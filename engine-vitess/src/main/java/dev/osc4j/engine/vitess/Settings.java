package dev.osc4j.engine.vitess;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.spi.CredentialsProvider;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** Validation of the builders' settings, shared by the engine and the probe. */
final class Settings {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_$-]{1,64}");
    private static final Pattern HOST = Pattern.compile("jdbc:mysql://(?:[^@/?]*@)?([^/?]*)");
    private static final Pattern HOST_PORT = Pattern.compile("(?:\\[([^\\]]+)\\]|([^:\\[\\]]+))(?::(\\d{1,5}))?");
    private static final int DEFAULT_MYSQL_PORT = 3306;

    private Settings() {}

    /** A connection source and a credential-free description of it. */
    record Source(ConnectionSource source, String description) {}

    static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new InvalidRequestException("name '" + name + "' must match " + NAME.pattern(), null);
        }
    }

    static void checkPositive(String what, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new InvalidRequestException(what + " must be positive, got " + value, null);
        }
    }

    static void checkNotNegative(String what, Duration value) {
        if (value.isNegative()) {
            throw new InvalidRequestException(what + " must not be negative, got " + value, null);
        }
    }

    static Source source(
            @Nullable DataSource dataSource,
            @Nullable String jdbcUrl,
            @Nullable CredentialsProvider credentials,
            Duration connectTimeout) {
        if (dataSource != null && jdbcUrl != null) {
            throw new InvalidRequestException("set either dataSource or jdbcUrl, not both", null);
        }
        if (dataSource != null) {
            return new Source(
                    ConnectionSource.of(dataSource),
                    "DataSource " + dataSource.getClass().getName());
        }
        if (jdbcUrl == null) {
            throw new InvalidRequestException("dataSource or jdbcUrl is required", null);
        }
        Matcher m = HOST.matcher(jdbcUrl);
        if (!m.lookingAt() || m.group(1).isEmpty()) {
            // The URL is not echoed: it may carry a password.
            throw new InvalidRequestException(
                    "jdbcUrl must be a mysql-connector-j URL like jdbc:mysql://vtgate:15306/", null);
        }
        if (credentials == null) {
            throw new InvalidRequestException("credentials (a CredentialsProvider) are required with jdbcUrl", null);
        }
        String description = "jdbc:mysql://" + m.group(1);
        return new Source(ConnectionSource.of(jdbcUrl, endpoint(m.group(1)), credentials, connectTimeout), description);
    }

    /** VTGate's endpoint in a URL's host part ({@code host}, {@code host:port}, {@code [v6]:port}; the first host). */
    static Endpoint endpoint(String hostPart) {
        String first = hostPart.split(",", 2)[0];
        Matcher m = HOST_PORT.matcher(first);
        if (!m.matches()) {
            throw new InvalidRequestException(
                    "jdbcUrl must name VTGate as host or host:port, like jdbc:mysql://vtgate:15306/", null);
        }
        String host = m.group(1) != null ? m.group(1) : m.group(2);
        return new Endpoint(host, m.group(3) == null ? DEFAULT_MYSQL_PORT : Integer.parseInt(m.group(3)));
    }
}
