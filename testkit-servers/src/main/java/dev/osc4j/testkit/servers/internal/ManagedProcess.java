package dev.osc4j.testkit.servers.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A server process whose standard output and error go to a log file, that is killed when the JVM exits, and that
 * can be stopped, killed, paused and resumed.
 */
public final class ManagedProcess {

    private static final System.Logger LOG = System.getLogger(ManagedProcess.class.getName());
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final String description;
    private final Process process;
    private final Path outputLog;

    private ManagedProcess(String description, Process process, Path outputLog) {
        this.description = description;
        this.process = process;
        this.outputLog = outputLog;
    }

    /**
     * Starts {@code command} in {@code workingDirectory}, appending its output to {@code outputLog}. The command
     * line is visible to every local user (ps, /proc): it must never hold a secret.
     *
     * @param description what the process is, for messages (for example "etcd member m0")
     * @param command the executable and its arguments
     * @param workingDirectory the working directory
     * @param outputLog the file standard output and error are appended to
     * @param dropEnvironment the names of inherited environment variables to remove
     * @return the started process
     * @throws UncheckedIOException if the process cannot be started
     */
    public static ManagedProcess start(
            String description,
            List<String> command,
            Path workingDirectory,
            Path outputLog,
            Predicate<String> dropEnvironment) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.directory(workingDirectory.toFile());
        builder.environment().keySet().removeIf(dropEnvironment);
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(outputLog.toFile()));
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + description + " (" + command.get(0) + ")", e);
        }
        ProcessHandle handle = process.toHandle();
        ProcessReaper.instance().register(handle);
        var unused = process.onExit().thenRun(() -> ProcessReaper.instance().unregister(handle));
        LOG.log(Level.DEBUG, "Started {0} as pid {1,number,#}", description, process.pid());
        return new ManagedProcess(description, process, outputLog);
    }

    /**
     * Returns the operating-system process id.
     *
     * @return the pid
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Returns whether the process has not exited; a paused process is alive.
     *
     * @return whether it is alive
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Returns the exit code once the process has exited.
     *
     * @return the exit code, or empty while it runs
     */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /**
     * Waits for the process to exit.
     *
     * @param timeout how long at most
     * @return whether it exited in time
     */
    public boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for " + description + " to exit", e);
        }
    }

    /**
     * Asks the process to shut down cleanly (SIGCONT in case it is paused, then SIGTERM) and kills it (SIGKILL) if
     * it has not exited within {@code grace}.
     *
     * @param grace how long a clean shutdown may take
     * @return whether it shut down cleanly within {@code grace}
     */
    public boolean stop(Duration grace) {
        if (!process.isAlive()) {
            return true;
        }
        signal("CONT");
        process.destroy();
        if (waitForExit(grace)) {
            return true;
        }
        LOG.log(Level.WARNING, "{0} did not stop within {1}; killing it", description, grace);
        kill();
        return false;
    }

    /** Kills the process and any children with SIGKILL and waits (bounded) until it is gone. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!waitForExit(KILL_WAIT)) {
            throw new IllegalStateException(description + " (pid " + pid() + ") survived SIGKILL for " + KILL_WAIT);
        }
    }

    /**
     * Sends a signal with the {@code kill} command, which is what SIGSTOP and SIGCONT need: the JDK only sends
     * SIGTERM and SIGKILL. Does nothing if the process has exited.
     *
     * @param name the signal name without the {@code SIG} prefix, for example {@code STOP} or {@code CONT}
     */
    public void signal(String name) {
        if (!process.isAlive()) {
            return;
        }
        ProcessBuilder builder = new ProcessBuilder("kill", "-" + name, Long.toString(pid()));
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        try {
            Process kill = builder.start();
            if (!kill.waitFor(5, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -" + name + " " + pid() + " did not finish");
            }
            if (kill.exitValue() != 0 && process.isAlive()) {
                throw new IllegalStateException(
                        "kill -" + name + " " + pid() + " failed with exit code " + kill.exitValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run kill -" + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while signalling " + description, e);
        }
    }

    /**
     * Returns the file that holds the process's standard output and error.
     *
     * @return the log file
     */
    public Path outputLog() {
        return outputLog;
    }

    @Override
    public String toString() {
        return description + " (pid " + pid() + (process.isAlive() ? ", alive)" : ", exited)");
    }
}
