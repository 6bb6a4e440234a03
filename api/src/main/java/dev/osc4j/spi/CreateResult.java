package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationRecord;
import org.apiguardian.api.API;

/**
 * The outcome of {@link StateStore#create}.
 *
 * @param record the record now stored: the new one, or the one that already existed
 * @param created whether this call created it
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record CreateResult(MigrationRecord record, boolean created) {}
