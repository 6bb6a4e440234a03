package dev.osc4j.testkit.testcontainers;

import org.testcontainers.containers.Network;

/**
 * The Docker network a primary and its replicas share, removed when the last of them is closed: Docker refuses to
 * remove a network a container is still attached to.
 */
final class SharedNetwork {

    private final Network network;
    private int users;

    private SharedNetwork(Network network) {
        this.network = network;
    }

    /** A new network with one user. */
    static SharedNetwork create() {
        SharedNetwork shared = new SharedNetwork(Network.newNetwork());
        shared.users = 1;
        return shared;
    }

    synchronized Network network() {
        return network;
    }

    /** One more server uses the network. */
    synchronized SharedNetwork retain() {
        if (users == 0) {
            throw new IllegalStateException("The network has been removed");
        }
        users++;
        return this;
    }

    /** One server less; the last one removes the network. */
    synchronized void release() {
        if (users > 0 && --users == 0) {
            network.close();
        }
    }
}
