package dev.osc4j.testkit.servers;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The binary of a server the tests need is not installed. Tests never skip themselves for this: they fail with
 * this message, which says which Debian package to install.
 */
public final class MissingServerException extends ServerLaunchException {

    /** The executable names looked for. */
    private final List<String> binaryNames;

    /** The directories searched, as strings: an exception must stay serializable and {@link Path} is not. */
    private final List<String> searchPath;

    /**
     * Creates the exception with a message that names the binaries, where they were looked for and what to install.
     *
     * @param server what was to be started, for example "MariaDB server"
     * @param binaryNames the executable names looked for
     * @param searchPath the directories searched
     * @param debianPackage the Debian package that provides the binary
     */
    public MissingServerException(
            String server, List<String> binaryNames, List<Path> searchPath, String debianPackage) {
        super(
                "No " + server + " binary found: looked for " + binaryNames + " in " + searchPath
                        + ". Install the Debian package " + debianPackage + " (sudo apt-get install " + debianPackage
                        + ", or run scripts/install-test-deps.sh from the osc4j repository).",
                debianPackage,
                null);
        this.binaryNames = List.copyOf(binaryNames);
        this.searchPath = searchPath.stream().map(Path::toString).collect(Collectors.toUnmodifiableList());
    }

    /**
     * Returns the executable names that were looked for.
     *
     * @return the names, most preferred first
     */
    public List<String> binaryNames() {
        return binaryNames;
    }

    /**
     * Returns the directories that were searched.
     *
     * @return the directories, in search order
     */
    public List<Path> searchPath() {
        return searchPath.stream().map(Path::of).collect(Collectors.toUnmodifiableList());
    }
}
