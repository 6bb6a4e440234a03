package dev.osc4j.testkit.testcontainers;

import dev.osc4j.testkit.servers.internal.Poll;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.testcontainers.mysql.MySQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' MySQL container, waiting for the server through the launcher's own connection check:
 * {@code JdbcDatabaseContainer.createConnection} (Testcontainers 2.0.5) logs its connection properties, password
 * included, at debug level on every attempt, so it is never called.
 */
final class MySqlNode extends MySQLContainer {

    private final Duration startTimeout;
    private final BooleanSupplier accepting;

    MySqlNode(DockerImageName image, Duration startTimeout, BooleanSupplier accepting) {
        super(image);
        this.startTimeout = startTimeout;
        this.accepting = accepting;
    }

    @Override
    protected void waitUntilContainerStarted() {
        if (!Poll.until(startTimeout, () -> isRunning() && accepting.getAsBoolean())) {
            throw new IllegalStateException("MySQL in container " + getContainerId()
                    + " did not accept the application user within " + startTimeout);
        }
    }
}
