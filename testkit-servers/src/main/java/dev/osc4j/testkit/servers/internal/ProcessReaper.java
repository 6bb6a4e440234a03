package dev.osc4j.testkit.servers.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Makes sure no server started by the testkit outlives the JVM that started it, and that its temporary
 * directories go with it.
 *
 * <p>Two mechanisms: a shutdown hook kills the registered processes and deletes the registered directories when
 * the JVM exits normally or on SIGTERM/SIGINT; and, because a shutdown hook does not run when the JVM is killed
 * with SIGKILL (as a build tool does with a forked test JVM that does not exit in time), a small watchdog shell
 * process polls the JVM once a second and does the same from the lists this class keeps on disk when the JVM is
 * gone.
 */
public final class ProcessReaper {

    private static final ProcessReaper INSTANCE = new ProcessReaper();

    /** Arguments: $1 the JVM's pid, $2 the directory holding the lists of pids and directories. */
    private static final String WATCHDOG_SCRIPT = """
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            if [ -f "$2/pids" ]; then while read -r p; do kill -9 "$p" 2>/dev/null; done < "$2/pids"; fi
            if [ -f "$2/dirs" ]; then while IFS= read -r d; do rm -rf -- "$d"; done < "$2/dirs"; fi
            rm -rf -- "$2"
            """;

    private final Map<Long, ProcessHandle> processes = new LinkedHashMap<>();
    private final Set<Path> directories = new LinkedHashSet<>();
    private boolean installed;
    private @Nullable Process watchdog;
    private @Nullable Path watchdogDirectory;

    private ProcessReaper() {}

    /**
     * Returns the one reaper of this JVM.
     *
     * @return the reaper
     */
    public static ProcessReaper instance() {
        return INSTANCE;
    }

    /**
     * Kills {@code process} (SIGKILL) when the JVM exits, unless it has been unregistered before.
     *
     * @param process a process this JVM started
     */
    public synchronized void register(ProcessHandle process) {
        ensureInstalled();
        processes.put(process.pid(), process);
        writeLists();
    }

    /**
     * Forgets {@code process}, which has exited or been stopped by its owner.
     *
     * @param process the process
     */
    public synchronized void unregister(ProcessHandle process) {
        if (processes.remove(process.pid()) != null) {
            writeLists();
        }
    }

    /**
     * Deletes {@code directory} recursively when the JVM exits, unless it has been unregistered before.
     *
     * @param directory a temporary directory
     */
    public synchronized void registerDirectory(Path directory) {
        ensureInstalled();
        directories.add(directory.toAbsolutePath());
        writeLists();
    }

    /**
     * Forgets {@code directory}, which its owner has deleted.
     *
     * @param directory the directory
     */
    public synchronized void unregisterDirectory(Path directory) {
        if (directories.remove(directory.toAbsolutePath())) {
            writeLists();
        }
    }

    private void ensureInstalled() {
        if (installed) {
            return;
        }
        installed = true;
        Thread hook = new Thread(this::reapAll, "osc4j-testkit-reaper");
        hook.setDaemon(true);
        Runtime.getRuntime().addShutdownHook(hook);
        startWatchdog();
    }

    private void startWatchdog() {
        try {
            Path directory = Files.createTempDirectory("osc4j-testkit-watchdog-");
            ProcessBuilder builder = new ProcessBuilder(
                    "/bin/sh",
                    "-c",
                    WATCHDOG_SCRIPT,
                    "osc4j-testkit-watchdog",
                    Long.toString(ProcessHandle.current().pid()),
                    directory.toString());
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.redirectError(ProcessBuilder.Redirect.DISCARD);
            watchdog = builder.start();
            watchdogDirectory = directory;
        } catch (IOException | RuntimeException e) {
            // Without /bin/sh only the shutdown hook protects against leftovers; that covers every normal exit.
            watchdog = null;
            watchdogDirectory = null;
        }
    }

    private void writeLists() {
        Path directory = watchdogDirectory;
        if (directory == null) {
            return;
        }
        List<String> pids = new ArrayList<>();
        processes.keySet().forEach(pid -> pids.add(Long.toString(pid)));
        List<String> dirs = new ArrayList<>();
        directories.forEach(dir -> dirs.add(dir.toString()));
        writeAtomically(directory.resolve("pids"), pids);
        writeAtomically(directory.resolve("dirs"), dirs);
    }

    private static void writeAtomically(Path file, List<String> lines) {
        try {
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(temporary, lines);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // The shutdown hook still has the lists in memory; the watchdog is the second line of defence only.
        }
    }

    private synchronized void reapAll() {
        for (ProcessHandle process : processes.values()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (ProcessHandle process : processes.values()) {
            try {
                process.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                // Exiting anyway: the process was sent SIGKILL and will be gone shortly.
            }
        }
        processes.clear();
        directories.forEach(TempDirectories::deleteQuietly);
        directories.clear();
        Process dog = watchdog;
        if (dog != null) {
            dog.destroyForcibly();
        }
        Path dogDirectory = watchdogDirectory;
        if (dogDirectory != null) {
            TempDirectories.deleteQuietly(dogDirectory);
        }
    }
}
