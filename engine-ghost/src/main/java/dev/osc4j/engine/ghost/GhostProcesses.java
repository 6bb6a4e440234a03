package dev.osc4j.engine.ghost;

import dev.osc4j.process.DetachedLaunch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Starting gh-ost detached, and finding it again. gh-ost must outlive the controller that starts it, and its exit code
 * must not be lost when that controller is gone, so it runs under a small shell wrapper in a session of its own
 * ({@code setsid}): the wrapper records gh-ost's pid, waits for it and records its exit code, all in the run
 * directory. A process counts as the run's only while its command line names the run's socket, so a recycled pid is
 * never mistaken for it.
 */
final class GhostProcesses {
    /** The wrapper's {@code $0}, so it can be told apart from gh-ost in a process listing. */
    static final String WRAPPER_NAME = "osc4j-gh-ost-wrapper";

    private static final String WRAPPER = """
            dir=$1
            shift
            cd "$dir" || exit 127
            "$@" </dev/null >>stdout.log 2>>stderr.log &
            child=$!
            echo "$child" >pid.tmp && mv -f pid.tmp pid
            wait "$child"
            code=$?
            echo "$code" >exit.tmp && mv -f exit.tmp exit
            """;
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Path SH = Path.of("/bin/sh");

    private GhostProcesses() {}

    /**
     * Starts {@code command} (gh-ost and its arguments) detached in {@code run}; returns once the wrapper recorded
     * gh-ost's pid, or after {@code pidTimeout} with null (the run may still start; it is found later by its pid file).
     */
    static @Nullable Long launch(
            RunDirectory run, List<String> command, Map<String, String> environment, Duration pidTimeout)
            throws IOException {
        new DetachedLaunch(SH, Files.isExecutable(SETSID) ? SETSID : null, WRAPPER, WRAPPER_NAME)
                .start(run.path(), command, run.wrapperLog(), Set.of(), environment);
        long deadline = System.nanoTime() + pidTimeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Long pid = run.pid();
            if (pid != null) {
                return pid;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for gh-ost", e);
            }
        }
        return run.pid();
    }

    /** The live gh-ost process of {@code run}: the recorded pid if its command line still names the run's socket. */
    static Optional<ProcessHandle> find(RunDirectory run) {
        Long pid = run.pid();
        if (pid == null) {
            return Optional.empty();
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return Optional.empty();
        }
        Optional<String[]> args = p.get().info().arguments();
        if (args.isEmpty()) {
            // The command line cannot be read (another user's process): the pid alone must do.
            return run.exitCode() == null ? p : Optional.empty();
        }
        return names(args.get(), socketFlag(run)) ? p : Optional.empty();
    }

    /**
     * Live processes other than the run's own whose command line migrates {@code database.table} on {@code host:port}:
     * gh-ost runs of other migrations, or started by hand on this machine.
     */
    static List<ProcessHandle> othersMigrating(
            RunDirectory except, String host, int port, String database, String table) {
        String ownSocket = socketFlag(except);
        List<ProcessHandle> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses().forEach(p -> {
            if (p.pid() == self) {
                return;
            }
            Optional<String[]> args = p.info().arguments();
            if (args.isEmpty() || names(args.get(), ownSocket)) {
                return;
            }
            String[] a = args.get();
            if (hasFlag(a, "table", table)
                    && hasFlag(a, "database", database)
                    && hasFlag(a, "port", Integer.toString(port))
                    && (hasFlag(a, "host", host) || hasFlag(a, "assume-master-host", host + ":" + port))) {
                found.add(p);
            }
        });
        return found;
    }

    private static boolean hasFlag(String[] args, String name, String value) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            for (String prefix : new String[] {"--" + name, "-" + name}) {
                if (a.equals(prefix + "=" + value)) {
                    return true;
                }
                if (a.equals(prefix) && i + 1 < args.length && args[i + 1].equals(value)) {
                    return true;
                }
            }
        }
        return false;
    }

    static String socketFlag(RunDirectory run) {
        return "--serve-socket-file=" + run.socket();
    }

    private static boolean names(String[] args, String socketFlag) {
        for (String a : args) {
            if (a.equals(socketFlag)) {
                return true;
            }
        }
        return false;
    }
}
