package dev.osc4j.engine.ghost;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.process.LocalProcesses;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.EngineKey;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to a running gh-ost: commands on its interactive socket, and stopping it (panic, SIGTERM, SIGKILL).
 */
final class RunControl {
    private static final Logger LOG = LoggerFactory.getLogger(RunControl.class);

    private final Duration socketTimeout;
    private final Duration stopTimeout;

    RunControl(Duration socketTimeout, Duration stopTimeout) {
        this.socketTimeout = socketTimeout;
        this.stopTimeout = stopTimeout;
    }

    /** Sends a command; the reply, or null when the socket did not answer (then thrown if {@code required}). */
    @Nullable
    String command(RunDirectory run, String command, boolean required) {
        try {
            String reply = SocketClient.send(run.socket(), command, socketTimeout);
            LOG.debug("gh-ost {} answered '{}': {}", run, command, reply.strip().split("\n")[0]);
            return reply;
        } catch (IOException e) {
            if (required) {
                throw EngineException.transientFailure(
                        "gh-ost socket " + run.socket() + " did not take '" + command + "': " + e.getMessage(), e);
            }
            LOG.debug("gh-ost socket {} did not take '{}': {}", run.socket(), command, e.toString());
            return null;
        }
    }

    /** Stops the run if it still runs and returns once gh-ost has exited: panic, then SIGTERM, then SIGKILL. */
    void stop(RunDirectory run, EngineKey key) {
        Optional<ProcessHandle> process = GhostProcesses.find(run);
        if (process.isEmpty()) {
            return;
        }
        ProcessHandle p = process.get();
        LOG.info("stopping gh-ost run {} (pid {})", key, p.pid());
        RunFiles.touch(run.cancelledMarker());
        RunFiles.touch(run.panicFlag());
        if (command(run, "panic", false) == null) {
            // The socket is not up yet (gh-ost binds it after validation, and checks the panic file only once it
            // copies): a SIGTERM stops it, without cleanup, just as panic would.
            p.destroy();
        }
        if (LocalProcesses.awaitExit(p, stopTimeout)) {
            return;
        }
        p.destroy();
        if (LocalProcesses.awaitExit(p, stopTimeout)) {
            return;
        }
        p.destroyForcibly();
        if (!LocalProcesses.awaitExit(p, Duration.ofSeconds(5))) {
            throw new EngineException(
                    FailureReason.ENGINE_FAILED,
                    true,
                    "gh-ost pid " + p.pid() + " of " + key + " does not stop",
                    key.migrationId(),
                    key.shard(),
                    null);
        }
    }
}
