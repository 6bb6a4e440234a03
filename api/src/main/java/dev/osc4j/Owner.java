package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Instant;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Which controller drives a migration, under which lease epoch, and since when. Written by the controller in the
 * same fenced write as the audit entry that records the change of owner; {@code releasedAt} is set when the controller
 * gave the migration up cleanly (on close), so the next owner's entry says whether it took over after a clean
 * hand-over or after the lease expired.
 *
 * @param controllerId the owning controller's id ({@link MigrationOrchestrator#controllerId()})
 * @param epoch the lease's fencing token: it grows with every change of owner
 * @param since when this controller took the migration
 * @param releasedAt when it gave the migration up cleanly, or null while it holds it (or if it died holding it)
 */
@API(status = MAINTAINED, since = "0.2")
public record Owner(
        String controllerId,
        long epoch,
        Instant since,
        @Nullable Instant releasedAt) {

    /** This owner, released at {@code at}. */
    public Owner released(Instant at) {
        return new Owner(controllerId, epoch, since, at);
    }
}
