package dev.osc4j.testkit.servers.internal;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Finds server binaries on {@code PATH} and in the {@code sbin} directories, where Debian installs daemons. */
public final class Binaries {

    /** Directories searched after {@code PATH}: daemons such as {@code mariadbd} live there and are often not on it. */
    public static final List<Path> SBIN_DIRECTORIES =
            List.of(Path.of("/usr/sbin"), Path.of("/usr/local/sbin"), Path.of("/sbin"));

    private Binaries() {}

    /**
     * Returns the entries of the {@code PATH} environment variable followed by {@link #SBIN_DIRECTORIES}, without
     * duplicates.
     *
     * @return the directories to search, in order
     */
    public static List<Path> defaultSearchPath() {
        Set<Path> directories = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    try {
                        directories.add(Path.of(entry));
                    } catch (InvalidPathException e) {
                        // A malformed PATH entry cannot hold a binary; skip it.
                    }
                }
            }
        }
        directories.addAll(SBIN_DIRECTORIES);
        return List.copyOf(new ArrayList<>(directories));
    }

    /**
     * Finds the first executable among {@code names}: every directory is searched for the first name before the
     * next name is tried, so preferred names win over directory order.
     *
     * @param searchPath the directories to search
     * @param names the file names, most preferred first
     * @return the executable found, or empty
     */
    public static Optional<Path> find(List<Path> searchPath, List<String> names) {
        for (String name : names) {
            for (Path directory : searchPath) {
                Path candidate = directory.resolve(name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
