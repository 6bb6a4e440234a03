package dev.osc4j.spi;

import dev.osc4j.MigrationRecord;

/**
 * The outcome of {@link StateStore#create}.
 *
 * @param record the record now stored: the new one, or the one that already existed
 * @param created whether this call created it
 */
public record CreateResult(MigrationRecord record, boolean created) {}
