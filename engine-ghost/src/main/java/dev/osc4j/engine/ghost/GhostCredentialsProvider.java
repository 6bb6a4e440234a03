package dev.osc4j.engine.ghost;

import dev.osc4j.ShardTarget;

/**
 * Supplies the account gh-ost uses on a shard, asked each time a run starts or is cleaned up, so rotated secrets are
 * picked up. Implementations read a vault, a file or the environment; they must not log the password.
 */
@FunctionalInterface
public interface GhostCredentialsProvider {

    /**
     * The account for {@code target}.
     *
     * @param target the shard whose primary gh-ost connects to
     * @return the credentials
     */
    GhostCredentials credentials(ShardTarget target);

    /**
     * The same account for every shard.
     *
     * @param credentials the account
     * @return a provider that always returns it
     */
    static GhostCredentialsProvider of(GhostCredentials credentials) {
        return target -> credentials;
    }
}
