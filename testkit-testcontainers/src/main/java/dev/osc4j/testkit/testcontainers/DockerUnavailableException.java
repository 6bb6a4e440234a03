package dev.osc4j.testkit.testcontainers;

import dev.osc4j.testkit.servers.ServerLaunchException;

/**
 * {@link ContainerMySql} cannot start because Testcontainers finds no working Docker environment. Tests never skip
 * themselves for this: they fail with this message, which says that Docker is required and what to do instead.
 */
public final class DockerUnavailableException extends ServerLaunchException {

    /** The Debian package that provides the Docker engine. */
    public static final String DEBIAN_PACKAGE = "docker.io";

    /**
     * Creates the exception.
     *
     * @param cause what Testcontainers reported when it looked for Docker
     */
    public DockerUnavailableException(Throwable cause) {
        super(
                "Docker is required: ContainerMySql runs MySQL in Docker containers through Testcontainers, but"
                        + " Testcontainers found no working Docker environment (" + cause.getMessage() + ")."
                        + " Install and start Docker (Debian package " + DEBIAN_PACKAGE + ") and let this user reach"
                        + " its socket, or test against LocalMariaDb from osc4j-testkit-servers, which needs no"
                        + " Docker.",
                DEBIAN_PACKAGE,
                cause);
    }
}
