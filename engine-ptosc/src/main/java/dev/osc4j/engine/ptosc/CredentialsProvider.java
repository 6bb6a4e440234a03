package dev.osc4j.engine.ptosc;

import dev.osc4j.Endpoint;

/**
 * Supplies the credentials for a server, asked afresh for every run, cleanup and probe connection (so rotated secrets
 * are picked up). Implementations read them from wherever the caller keeps secrets; osc4j never logs them, never puts
 * them on a command line and never stores them in a migration record.
 */
@FunctionalInterface
public interface CredentialsProvider {

    /**
     * The credentials for {@code server}. For a pt-online-schema-change run this is the shard's primary; the tool uses
     * the same user and password on the replicas it checks.
     */
    MySqlCredentials credentialsFor(Endpoint server);

    /** The same user and password for every server. */
    static CredentialsProvider of(String user, String password) {
        MySqlCredentials credentials = new MySqlCredentials(user, password);
        return server -> credentials;
    }
}
