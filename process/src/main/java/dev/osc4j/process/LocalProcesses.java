package dev.osc4j.process;

import static org.apiguardian.api.API.Status.INTERNAL;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apiguardian.api.API;

/**
 * Finding a run's process again, after a controller restart too: by the pid and start time a launch recorded (a pid
 * the kernel reused for another process is not taken for the run), by command line, and waiting for it to exit.
 */
@API(status = INTERNAL, since = "0.1")
public final class LocalProcesses {
    /** How far apart two reads of one process's start time may be (they come from the same clock-tick count). */
    private static final Duration START_TOLERANCE = Duration.ofSeconds(2);

    private LocalProcesses() {}

    /** The first executable named {@code name} on {@code PATH}, or empty. */
    public static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The start time of {@code p} in epoch milliseconds, or -1 when the OS does not say. */
    public static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    /**
     * The live process with {@code pid} if it is the one that started at {@code startedAtMillis} (-1: not known, the
     * pid alone decides).
     */
    public static Optional<ProcessHandle> live(long pid, long startedAtMillis) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (p.isEmpty() || startedAtMillis < 0) {
            return p;
        }
        long actual = startMillis(p.get());
        if (actual >= 0 && Math.abs(actual - startedAtMillis) > START_TOLERANCE.toMillis()) {
            return Optional.empty(); // the pid was reused by another process
        }
        return p;
    }

    /** A live process whose command line contains {@code needle} (a run directory, say), if any. */
    public static Optional<ProcessHandle> findByCommandLine(String needle) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(needle)).orElse(false))
                .findFirst();
    }

    /** Waits until {@code p} has exited, at most {@code timeout}; true if it did. */
    public static boolean awaitExit(ProcessHandle p, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (p.isAlive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !p.isAlive();
            }
        }
        return true;
    }

    /**
     * Polls {@code condition} every {@code interval} until it holds (true) or {@code timeout} passed (false).
     *
     * @throws IllegalStateException when interrupted (the interrupt flag is set again)
     */
    public static boolean waitUntil(Duration timeout, Duration interval, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a run's process", e);
            }
        }
    }
}
