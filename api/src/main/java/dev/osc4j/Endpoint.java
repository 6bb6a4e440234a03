package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/**
 * A MySQL server's address.
 *
 * @param host host name or IP address
 * @param port TCP port, 1-65535
 */
@API(status = MAINTAINED, since = "0.1")
public record Endpoint(String host, int port) {
    /** Validates. */
    public Endpoint {
        if (host.isBlank()) {
            throw new InvalidRequestException("endpoint host must not be blank", null);
        }
        if (port < 1 || port > 65535) {
            throw new InvalidRequestException("endpoint port must be 1-65535, got " + port, null);
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
