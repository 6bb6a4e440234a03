package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationId;
import java.time.Instant;
import org.apiguardian.api.API;

/**
 * Ownership of a migration by one controller, with a fencing token. Tokens only grow: every new grant for a migration
 * has a token greater than every earlier grant's, and the store refuses a write that carries a token other than the
 * current unexpired one.
 *
 * @param migrationId the migration owned
 * @param owner the owner's identity, unique per process
 * @param fencingToken the token this grant carries
 * @param expiresAt expiry by the store's clock, unless renewed
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record Lease(MigrationId migrationId, String owner, long fencingToken, Instant expiresAt) {}
