package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.AuditEntry;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationRecord;
import java.util.List;
import org.apiguardian.api.API;

/**
 * The rule every {@link StateStore} applies to the audit entries of a write: they continue the migration's trail
 * without a gap and end where the record says. One place, so that every store refuses the same writes with the same
 * error, which {@code StateStoreContract} checks.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class AuditContinuity {
    private AuditContinuity() {}

    /**
     * Checks that {@code entries} are entries {@code lastSeq + 1, lastSeq + 2, ...} of {@code next}'s migration and
     * that the last of them is {@code next.auditSeq()}.
     *
     * @param next the record being written
     * @param lastSeq the sequence number of the last entry already stored (0 for a new migration)
     * @param entries the entries written with it
     * @throws InvalidRequestException naming the first entry out of place; the store must then write nothing
     */
    public static void requireContinuation(MigrationRecord next, long lastSeq, List<AuditEntry> entries) {
        long expected = lastSeq + 1;
        for (AuditEntry e : entries) {
            if (e.seq() != expected || !e.migrationId().equals(next.id())) {
                throw new InvalidRequestException(
                        "audit entry " + e.seq() + " of " + e.migrationId() + " does not continue the trail of "
                                + next.id() + " at " + expected + "; nothing was written",
                        next.id());
            }
            expected++;
        }
        if (next.auditSeq() != expected - 1) {
            throw new InvalidRequestException(
                    "record " + next.id() + " says its audit trail ends at " + next.auditSeq()
                            + " but the entries end at " + (expected - 1) + "; nothing was written",
                    next.id());
        }
    }
}
