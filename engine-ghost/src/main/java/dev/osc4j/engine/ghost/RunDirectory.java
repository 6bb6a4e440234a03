package dev.osc4j.engine.ghost;

import dev.osc4j.spi.EngineKey;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The directory of one gh-ost run, named after its {@link EngineKey} so that any controller finds it again: a short
 * hash of the key (socket paths are limited to about 100 bytes), with the key itself written inside. Everything the
 * run needs or leaves is here: the {@code --conf} file, the socket, the flag files, the hooks and the events they
 * write, gh-ost's output, and the pid and exit code recorded by the wrapper that started it.
 */
final class RunDirectory {
    /** Unix socket paths longer than this do not bind on Linux (108 bytes with the terminating NUL). */
    static final int MAX_SOCKET_PATH_BYTES = 107;
    /** Bytes read from the end of an output file. */
    private static final int TAIL_BYTES = 64 * 1024;

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
        return "gh-" + HexFormat.of().formatHex(sha256(key.value()), 0, 8);
    }

    /**
     * A {@code --replica-server-id} for the run, stable for a key and unlikely to be shared by two runs: gh-ost uses it
     * when it connects as a replica to read the binlog, and two runs with the same id disconnect each other. In
     * [1000000000, 2000000000), clear of the small ids servers are usually given.
     */
    static long replicaServerId(EngineKey key) {
        byte[] h = sha256("replica-server-id:" + key.value());
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        return 1_000_000_000L + Math.floorMod(v, 1_000_000_000L);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
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

    Path events() {
        return dir.resolve("events.jsonl");
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
        return dir.resolve("exit");
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
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(
                        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + dir, e);
        }
    }

    /** The key written in the directory, or null when there is none. */
    @Nullable
    String recordedKey() {
        return readString(keyFile());
    }

    /** The pid the wrapper recorded, or null. */
    @Nullable
    Long pid() {
        String s = readString(pidFile());
        if (s == null) {
            return null;
        }
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** gh-ost's exit code as the wrapper recorded it, or null while it runs (or when the wrapper died too). */
    @Nullable
    Integer exitCode() {
        String s = readString(exitFile());
        if (s == null) {
            return null;
        }
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The text of a small file, or null when it does not exist. */
    @Nullable
    static String readString(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Writes a file only the owner can read: created 0600 before a byte is written, then moved into place. */
    static void writePrivate(Path file, String content) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Creates an empty file if it is missing. */
    static void touch(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createFile(file);
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // created meanwhile: that is what we wanted
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
    }

    /** Deletes a file if it exists; whether it did. */
    static boolean delete(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    /** The last lines of a file (at most the last 64 KiB), or none when it does not exist. */
    static List<String> tail(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            long start = Math.max(0, length - TAIL_BYTES);
            byte[] bytes = new byte[(int) (length - start)];
            f.seek(start);
            f.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
            if (start > 0 && !lines.isEmpty()) {
                lines.remove(0); // probably cut in the middle
            }
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            return lines;
        } catch (java.io.FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
