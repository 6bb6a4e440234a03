package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.Endpoint;
import org.apiguardian.api.API;

/**
 * Supplies the account for a MySQL or MariaDB server. Engines and topology probes ask it on every connection they
 * open and every tool run they start, never caching the answer, so a rotated secret is picked up by the next
 * connection. Implementations read wherever the caller keeps secrets (a vault, a file, the environment).
 *
 * <p>Implementations must never log the password, nor put it in an exception message. osc4j itself never logs it,
 * never puts it on a command line or in the environment of a process, and never stores it in a migration record.
 *
 * <pre>{@code
 * CredentialsProvider credentials = server -> vault.mysqlCredentials(server);
 * CredentialsProvider same = CredentialsProvider.of("osc", secretFromVault);
 * }</pre>
 */
@FunctionalInterface
@API(status = EXPERIMENTAL, since = "0.1")
public interface CredentialsProvider {

    /**
     * The account for {@code endpoint}: a shard's primary, or a replica a topology probe reads. An engine that runs a
     * tool asks with the shard's primary; the tool uses the same account on the replicas it checks.
     *
     * @param endpoint the server about to be connected to
     * @return the account
     */
    DatabaseCredentials credentialsFor(Endpoint endpoint);

    /**
     * The same account for every server.
     *
     * @param user the user name
     * @param password the password
     * @return a provider that always returns that account
     * @throws dev.osc4j.InvalidRequestException when the user or password is invalid (see {@link DatabaseCredentials})
     */
    static CredentialsProvider of(String user, String password) {
        return of(new DatabaseCredentials(user, password));
    }

    /**
     * The same account for every server.
     *
     * @param credentials the account
     * @return a provider that always returns it
     */
    static CredentialsProvider of(DatabaseCredentials credentials) {
        return endpoint -> credentials;
    }
}
