package dev.osc4j.engine.ghost;

import dev.osc4j.process.RunDirectoryName;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.EngineKey;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The directory of one gh-ost run, named after its {@link EngineKey} so that any controller finds it again: a short
 * hash of the key (socket paths are limited to about 100 bytes), with the key itself written inside. Everything the
 * run needs or leaves is here: the {@code --conf} file, the socket, the flag files, the hooks and the events they
 * write, gh-ost's output, and the pid and exit code recorded by the wrapper that started it.
 */
final class RunDirectory {
    /** The run's event log (hooks as JSON lines); its changes wake the controller. */
    static final String EVENTS = "events.jsonl";
    /** The run's exit status, written by the wrapper when the tool exits; its creation wakes the controller. */
    static final String EXIT = "exit";
    /** Touched when the comparison before the swap ended (the engine watches this name). */
    static final String CHECKSUM_DONE = "checksum.done";

    /** Unix socket paths longer than this do not bind on Linux (108 bytes with the terminating NUL). */
    static final int MAX_SOCKET_PATH_BYTES = 107;

    private final Path dir;

    RunDirectory(Path dir) {
        this.dir = dir;
    }

    /** The directory of {@code key} under {@code root}. */
    static RunDirectory of(Path root, EngineKey key) {
        return new RunDirectory(root.resolve(name(key)));
    }

    /** {@code gh-} and 16 hex digits of the SHA-256 of the key's value. */
    static String name(EngineKey key) {
        return RunDirectoryName.hashed("gh-", key);
    }

    /**
     * A {@code --replica-server-id} for the run, stable for a key and unlikely to be shared by two runs: gh-ost uses it
     * when it connects as a replica to read the binlog, and two runs with the same id disconnect each other. In
     * [1000000000, 2000000000), clear of the small ids servers are usually given.
     */
    static long replicaServerId(EngineKey key) {
        byte[] h = RunDirectoryName.sha256("replica-server-id:" + key.value());
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        return 1_000_000_000L + Math.floorMod(v, 1_000_000_000L);
    }

    Path path() {
        return dir;
    }

    Path keyFile() {
        return dir.resolve("key");
    }

    Path targetFile() {
        return dir.resolve("target");
    }

    Path conf() {
        return dir.resolve("gh-ost.conf");
    }

    Path socket() {
        return dir.resolve("gh-ost.sock");
    }

    Path postponeFlag() {
        return dir.resolve("postpone-cut-over.flag");
    }

    Path panicFlag() {
        return dir.resolve("panic.flag");
    }

    Path throttleFlag() {
        return dir.resolve("throttle.flag");
    }

    /** Written by {@code cancel}: the run's end is a cancellation, not a failure. */
    Path cancelledMarker() {
        return dir.resolve("cancelled");
    }

    Path hooks() {
        return dir.resolve("hooks");
    }

    /** The nice-ratio osc4j set through the socket (a partial throttle), kept for observations; absent for none. */
    Path niceRatioFile() {
        return dir.resolve("nice-ratio");
    }

    /** Exists once {@code verify} asked for the comparison before the swap. */
    Path verifyRequested() {
        return dir.resolve("verify-requested");
    }

    /** The comparison's progress and result. */
    Path checksum() {
        return dir.resolve("checksum.json");
    }

    Path checksumDone() {
        return dir.resolve(CHECKSUM_DONE);
    }

    Path events() {
        return dir.resolve(EVENTS);
    }

    Path stdout() {
        return dir.resolve("stdout.log");
    }

    Path stderr() {
        return dir.resolve("stderr.log");
    }

    Path wrapperLog() {
        return dir.resolve("wrapper.log");
    }

    Path pidFile() {
        return dir.resolve("pid");
    }

    Path exitFile() {
        return dir.resolve(EXIT);
    }

    boolean exists() {
        return Files.isDirectory(dir);
    }

    /** Whether the wrapper started gh-ost (it records the pid first thing). */
    boolean launched() {
        return Files.exists(pidFile()) || Files.exists(exitFile());
    }

    /** Creates the directory, readable by the owner only. */
    void create() {
        RunFiles.createPrivateDirectory(dir);
    }

    /** The key written in the directory, or null when there is none. */
    @Nullable
    String recordedKey() {
        return RunFiles.read(keyFile()).orElse(null);
    }

    /** The pid the wrapper recorded, or null. */
    @Nullable
    Long pid() {
        return RunFiles.readNumber(pidFile()).orElse(null);
    }

    /** gh-ost's exit code as the wrapper recorded it, or null while it runs (or when the wrapper died too). */
    @Nullable
    Integer exitCode() {
        return RunFiles.readNumber(exitFile()).map(Long::intValue).orElse(null);
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
