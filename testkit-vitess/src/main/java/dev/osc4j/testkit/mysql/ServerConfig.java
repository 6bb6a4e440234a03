package dev.osc4j.testkit.mysql;

import java.time.Duration;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/** The immutable settings a {@link MySqlProtocolServer} was built with. */
record ServerConfig(
        String serverVersion,
        int port,
        Map<String, String> users,
        QueryHandler handler,
        Map<String, @Nullable Object> sessionDefaults,
        Duration closeTimeout,
        @Nullable BiConsumer<Session, String> queryListener) {}
