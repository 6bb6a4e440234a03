package dev.osc4j.engine.ptosc;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Launching pt-online-schema-change so that it outlives the controller, and finding it again.
 *
 * <p>The command runs under {@code setsid} (its own session and process group, no controlling terminal: a Ctrl-C or
 * hang-up aimed at the controller does not reach it) inside a small {@code sh} wrapper that sends its output to a
 * file (never a pipe to the JVM, which would block or break when the JVM dies) and writes the exit status to a file
 * when it ends, so any later process can read how it ended. A process is identified by its pid and its start time, so
 * a pid the kernel reused is not mistaken for the run.
 */
final class Processes {
    /** {@code $1} the run directory, the rest the command. */
    static final String WRAPPER = """
            dir=$1; shift
            "$@" >"$dir/output.log" 2>&1 </dev/null
            code=$?
            printf '%s\\n' "$code" >"$dir/exit.tmp" && mv -f "$dir/exit.tmp" "$dir/exit"
            """;

    static final String WRAPPER_NAME = "osc4j-pt-osc";

    /** How far apart two reads of one process's start time may be (they come from the same clock-tick count). */
    private static final Duration START_TOLERANCE = Duration.ofSeconds(2);

    private Processes() {}

    /** The first executable named {@code name} on {@code PATH}, or empty. */
    static Optional<Path> onPath(String name) {
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

    /**
     * Starts {@code command} detached, in {@code dir}, through the wrapper.
     *
     * @param setsid the {@code setsid} executable, or null to run in the controller's process group
     */
    /**
     * Why no process can ever be started with {@code command}, or null when it can: an argument holding a NUL, which
     * the operating system cannot pass. Names the argument by position, never its content.
     */
    static @Nullable String unlaunchable(List<String> command) {
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i).indexOf('\0') >= 0) {
                return "argument " + i + " of the pt-online-schema-change command contains a NUL character, which no"
                        + " process can be given";
            }
        }
        return null;
    }

    static Process launch(List<String> command, RunDirectory dir, Path shell, @Nullable Path setsid)
            throws IOException {
        List<String> argv = new ArrayList<>();
        if (setsid != null) {
            argv.add(setsid.toString());
        }
        argv.add(shell.toString());
        argv.add("-c");
        argv.add(WRAPPER);
        argv.add(WRAPPER_NAME);
        argv.add(dir.dir().toString());
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.directory(dir.dir().toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.wrapperOutput().toFile()));
        Map<String, String> env = pb.environment();
        // PTDEBUG makes the tool print connection details; MYSQL_PWD would be a second, unmanaged password source.
        env.remove("PTDEBUG");
        env.remove("MYSQL_PWD");
        env.remove("PERCONA_TOOLKIT_TEST_USE_DSN_NAMES");
        env.put("LC_ALL", "C");
        return pb.start();
    }

    /** The start time of {@code p} in epoch milliseconds, or -1 when the OS does not say. */
    static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    /** The live process with {@code pid} if it is the one that started at {@code startedAtMillis}. */
    static Optional<ProcessHandle> live(long pid, long startedAtMillis) {
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

    /** A live process whose command line contains {@code needle} (the run directory), if any. */
    static Optional<ProcessHandle> findByCommandLine(String needle) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(needle)).orElse(false))
                .findFirst();
    }

    /** Waits until {@code p} has exited, at most {@code timeout}; true if it did. */
    static boolean awaitExit(ProcessHandle p, Duration timeout) {
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
}
