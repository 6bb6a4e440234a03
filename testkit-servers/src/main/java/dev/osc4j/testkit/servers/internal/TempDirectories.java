package dev.osc4j.testkit.servers.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Private temporary directories (mode 0700) and private files (mode 0600) for servers and their secrets. */
public final class TempDirectories {

    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private TempDirectories() {}

    /**
     * Creates a directory only the current user can enter, under {@code java.io.tmpdir}, and registers it with the
     * {@link ProcessReaper} so it is deleted when the JVM exits even if nobody closes its owner.
     *
     * @param prefix the start of the directory name
     * @return the new directory
     */
    public static Path create(String prefix) {
        try {
            Path directory =
                    Files.createTempDirectory(prefix, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
            ProcessReaper.instance().registerDirectory(directory);
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory", e);
        }
    }

    /**
     * Writes {@code content} to {@code file} so that only the owner can read it: the file is created with mode 0600
     * before any byte is written.
     *
     * @param file the file to create or replace
     * @param content the text, written as UTF-8
     */
    public static void writePrivateFile(Path file, String content) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    /**
     * Deletes {@code directory} and everything in it, ignoring what cannot be deleted, and forgets it in the
     * {@link ProcessReaper}.
     *
     * @param directory the directory to delete
     */
    public static void delete(Path directory) {
        deleteQuietly(directory);
        ProcessReaper.instance().unregisterDirectory(directory);
    }

    static void deleteQuietly(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    deleteOne(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    deleteOne(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                    deleteOne(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Best effort: a leftover temporary directory is not worth failing a test for.
        }
    }

    private static void deleteOne(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // Best effort, see deleteQuietly.
        }
    }
}
