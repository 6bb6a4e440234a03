package dev.osc4j.testkit.servers.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Allocates free TCP ports on the loopback address {@code 127.0.0.1}. */
public final class FreePorts {

    private FreePorts() {}

    /**
     * Returns {@code count} distinct ports that were free on 127.0.0.1 a moment ago. All are held open until every
     * one is found, so they differ from each other; another process may still take one before the server binds it,
     * which the launchers handle by retrying with fresh ports.
     *
     * @param count how many ports, at least 1
     * @return the ports
     */
    public static List<Integer> allocate(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1 but was " + count);
        }
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                ports.add(socket.getLocalPort());
            }
            return List.copyOf(ports);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot allocate a free port on 127.0.0.1", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // Closing a listening socket that never accepted anything; nothing to recover.
                }
            }
        }
    }

    /**
     * Returns one port that was free on 127.0.0.1 a moment ago.
     *
     * @return the port
     */
    public static int allocate() {
        return allocate(1).get(0);
    }
}
