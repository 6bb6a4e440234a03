package dev.osc4j.testkit.servers;

import org.jspecify.annotations.Nullable;

/**
 * A local server could not be started: its data directory could not be initialised, it exited during start-up,
 * or it did not become ready in time. The message carries the end of the server's log and names the Debian
 * package that provides the server, since a broken or partial installation is the usual cause.
 */
public class ServerLaunchException extends RuntimeException {

    /** The Debian package that provides the server. */
    private final String debianPackage;

    /**
     * Creates the exception.
     *
     * @param message what failed, with the log lines that explain it; never a secret
     * @param debianPackage the Debian package that provides the server, for example {@code mariadb-server}
     * @param cause the underlying failure, if any
     */
    public ServerLaunchException(String message, String debianPackage, @Nullable Throwable cause) {
        super(message, cause);
        this.debianPackage = debianPackage;
    }

    /**
     * Returns the Debian package that provides the server.
     *
     * @return the package name, for example {@code etcd-server}
     */
    public String debianPackage() {
        return debianPackage;
    }
}
