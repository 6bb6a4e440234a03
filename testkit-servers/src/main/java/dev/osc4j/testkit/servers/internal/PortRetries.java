package dev.osc4j.testkit.servers.internal;

import dev.osc4j.testkit.servers.ServerLaunchException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Launches a server on ports that were free a moment before, again on fresh ports when another process took one in
 * between: the launch throws {@link PortTakenException}, the server is closed and a new one (with new ports) is made.
 */
public final class PortRetries {

    /** How many launches are tried before giving up. */
    public static final int ATTEMPTS = 3;

    private static final System.Logger LOG = System.getLogger(PortRetries.class.getName());

    private PortRetries() {}

    /**
     * Makes a server and launches it, up to {@link #ATTEMPTS} times while the launch reports a taken port; a server
     * whose launch fails in any way is closed.
     *
     * @param <T> the server
     * @param server what is launched, for messages (for example "etcd")
     * @param debianPackage the Debian package that provides it
     * @param create makes a server on fresh ports, not yet started
     * @param launch starts it, throwing {@link PortTakenException} when a port was taken
     * @return the launched server
     * @throws ServerLaunchException if every attempt found a port taken
     */
    public static <T extends AutoCloseable> T launch(
            String server, String debianPackage, Supplier<T> create, Consumer<T> launch) {
        for (int attempt = 1; ; attempt++) {
            T instance = create.get();
            try {
                launch.accept(instance);
                return instance;
            } catch (PortTakenException e) {
                closeQuietly(instance);
                if (attempt >= ATTEMPTS) {
                    throw new ServerLaunchException(
                            server + " could not bind its ports in " + attempt + " attempts. Logs:\n" + e.getMessage(),
                            debianPackage,
                            null);
                }
                LOG.log(System.Logger.Level.DEBUG, "A port was taken before {0} could bind it; trying others", server);
            } catch (RuntimeException e) {
                closeQuietly(instance);
                throw e;
            }
        }
    }

    private static void closeQuietly(AutoCloseable instance) {
        try {
            instance.close();
        } catch (Exception e) {
            // The launch failure is what the caller needs; a failed clean-up of the half-started server is not.
            LOG.log(System.Logger.Level.DEBUG, "Closing a server whose launch failed: {0}", e.toString());
        }
    }

    /** A server could not bind a port that was free a moment before; the launch is retried on other ports. */
    public static final class PortTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param logs the server's log lines that say so
         */
        public PortTakenException(String logs) {
            super(logs, null, false, false);
        }
    }
}
