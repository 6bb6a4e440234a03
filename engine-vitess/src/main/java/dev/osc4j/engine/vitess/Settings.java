package dev.osc4j.engine.vitess;

import dev.osc4j.InvalidRequestException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** Validation of the builders' settings, shared by the engine and the probe. */
final class Settings {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_$-]{1,64}");
    private static final Pattern HOST = Pattern.compile("jdbc:mysql://(?:[^@/?]*@)?([^/?]*)");

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
            @Nullable String user,
            String password,
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
        if (user == null || user.isEmpty()) {
            throw new InvalidRequestException("user is required with jdbcUrl", null);
        }
        String description = "jdbc:mysql://" + m.group(1);
        return new Source(ConnectionSource.of(jdbcUrl, user, password, connectTimeout), description);
    }
}
