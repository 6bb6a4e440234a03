package dev.osc4j.testkit.servers;

import static dev.osc4j.testkit.servers.LocalMariaDb.DEBIAN_PACKAGE;
import static dev.osc4j.testkit.servers.LocalMariaDb.LOG_TAIL_LINES;

import dev.osc4j.testkit.servers.internal.FreePorts;
import dev.osc4j.testkit.servers.internal.LogFiles;
import dev.osc4j.testkit.servers.internal.ManagedProcess;
import dev.osc4j.testkit.servers.internal.Poll;
import dev.osc4j.testkit.servers.internal.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Starts the process of a {@link LocalMariaDb} and waits until it accepts the application user; on the first start a
 * port taken by someone else in the meantime is replaced by another free one. A failed start is reported with the
 * server's error log and output.
 */
final class MariaDbLauncher {
    private static final System.Logger LOG = System.getLogger(LocalMariaDb.class.getName());
    private static final int PORT_ATTEMPTS = 3;
    private static final Duration READY_GRACE = Duration.ofSeconds(10);

    private final LocalMariaDb server;

    MariaDbLauncher(LocalMariaDb server) {
        this.server = server;
    }

    /** Starts the process and waits until it accepts connections; on the first start a taken port is replaced. */
    void launch(boolean mayChangePort) {
        for (int attempt = 1; ; attempt++) {
            if (server.port == 0) {
                server.port = FreePorts.allocate();
            }
            TempDirectories.writePrivateFile(server.optionFile, server.config.clientOptions());
            long logOffset = LogFiles.size(server.errorLog);
            long started = System.nanoTime();
            ManagedProcess current;
            try {
                current = ManagedProcess.start(
                        "MariaDB server on port " + server.port,
                        server.config.serverCommand(),
                        server.baseDirectory,
                        server.baseDirectory.resolve("mariadbd.out"),
                        MariaDbConfig::isClientVariable);
            } catch (UncheckedIOException e) {
                throw new ServerLaunchException(
                        "Cannot run " + server.settings.server + ": " + e.getMessage(), DEBIAN_PACKAGE, e);
            }
            server.process = current;
            Startup startup = new Startup(current, logOffset);
            Poll.until(server.settings.startTimeout, startup::settled);
            if (startup.connected) {
                // The user exists now; later starts must not run the script again.
                deleteQuietly(server.userScript);
                LOG.log(
                        Level.INFO,
                        "Started {0} in {1} ms",
                        server,
                        Long.toString((System.nanoTime() - started) / 1_000_000));
                return;
            }
            current.kill();
            server.process = null;
            String log = LogFiles.readFrom(server.errorLog, logOffset);
            if (mayChangePort && attempt < PORT_ATTEMPTS && log.contains("Address already in use")) {
                LOG.log(Level.DEBUG, "Port {0} was taken before MariaDB could bind it; trying another", server.port);
                server.port = 0;
                continue;
            }
            String problem = !current.isAlive()
                    ? "The MariaDB server exited during start-up"
                    : startup.readySince != 0
                            ? "The MariaDB server says it is ready but refused " + server.user + " for " + READY_GRACE
                                    + ": " + startup.lastError
                            : "The MariaDB server did not accept connections within " + server.settings.startTimeout
                                    + "; last connection error: " + startup.lastError;
            throw server.launchFailure(
                    problem + " (" + server.settings.server + ", port " + server.port + "). Error log:\n"
                            + server.errorLogTail()
                            + "\nServer output:\n"
                            + LogFiles.tail(server.baseDirectory.resolve("mariadbd.out"), LOG_TAIL_LINES));
        }
    }

    /** Watches one start: settled once the server accepts the application user, exits, or is stuck. */
    private final class Startup {
        private final ManagedProcess process;
        private final long logOffset;
        boolean connected;
        long readySince;

        @Nullable
        String lastError;

        Startup(ManagedProcess process, long logOffset) {
            this.process = process;
            this.logOffset = logOffset;
        }

        boolean settled() {
            if (!process.isAlive()) {
                return true;
            }
            try (Connection connection = server.connect("", 1000)) {
                connected = connection.isValid(1);
                if (connected) {
                    return true;
                }
            } catch (SQLException e) {
                lastError = server.redact(String.valueOf(e.getMessage()));
            }
            // A server that is up but refuses us (say, the user script failed) will not get better: fail early.
            if (readySince == 0 && LogFiles.readFrom(server.errorLog, logOffset).contains("ready for connections")) {
                readySince = System.nanoTime();
            }
            return readySince != 0 && System.nanoTime() - readySince > READY_GRACE.toNanos();
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // The whole directory is deleted on close; a leftover here is only a delay.
        }
    }
}
