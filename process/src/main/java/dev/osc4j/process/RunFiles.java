package dev.osc4j.process;

import static org.apiguardian.api.API.Status.INTERNAL;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * The file operations on a run directory: creating it readable by the owner only, writing files atomically (credentials
 * with mode 0600 before a byte is written), reading, touching and deleting marker files. I/O errors surface as {@link
 * UncheckedIOException} naming the file, never its content.
 */
@API(status = INTERNAL, since = "0.1")
public final class RunFiles {
    private RunFiles() {}

    /** Creates {@code dir} and its missing parents with mode 0700; nothing happens when it exists. */
    public static void createPrivateDirectory(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(
                        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (FileAlreadyExistsException e) {
            // created concurrently
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the run directory " + dir, e);
        }
    }

    /** Writes a file only the owner can read (mode 0600 before any byte is written), replacing it atomically. */
    public static void writePrivate(Path file, String content) {
        write(file, content, true);
    }

    /** Writes a file atomically (write then rename), so a reader never sees half of it. */
    public static void write(Path file, String content) {
        write(file, content, false);
    }

    private static void write(Path file, String content, boolean ownerOnly) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            if (ownerOnly) {
                Files.createFile(
                        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Creates an empty file if it is missing (idempotent). */
    public static void touch(Path file) {
        try {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            // already there: the effect is idempotent
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
    }

    /** Deletes a file if it exists; whether it did. */
    public static boolean delete(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    /** The text of a small file, or empty when it does not exist. */
    public static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A decimal number on one line of {@code file} (a throttle ratio, say), or empty when absent or not finite. */
    public static Optional<Double> readDecimal(Path file) {
        return read(file).map(String::strip).flatMap(s -> {
            try {
                double d = Double.parseDouble(s);
                return Double.isFinite(d) ? Optional.of(d) : Optional.<Double>empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** A number a wrapper wrote on one line of {@code file} (a pid, an exit status), or empty. */
    public static Optional<Long> readNumber(Path file) {
        return read(file).map(String::strip).flatMap(s -> {
            try {
                return Optional.of(Long.parseLong(s));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }
}
