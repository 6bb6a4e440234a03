package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/**
 * A migration of a table whose earlier migration is still in its revert window was refused: the kept original table
 * and what keeps it in sync (pt-osc's triggers, gh-ost's checkpoint) would make the new migration fail or make the
 * revert undo it. Close the window first ({@link MigrationClient#closeRevertWindow}) or revert. Nothing was written.
 */
@API(status = MAINTAINED, since = "0.3")
public final class RevertWindowOpenException extends TableBusyException {
    private static final long serialVersionUID = 1L;

    private final MigrationId revertible;

    /** Creates the exception. */
    public RevertWindowOpenException(MigrationId revertible, String table, String until) {
        super(
                revertible,
                "table " + table + " is in the revert window of migration " + revertible.value() + " until " + until
                        + "; close that window (closeRevertWindow, or `osc4j close-window " + revertible.value()
                        + "`) or revert it before migrating the table again");
        this.revertible = revertible;
    }

    /** The migration whose revert window is open. */
    public MigrationId revertible() {
        return revertible;
    }
}
