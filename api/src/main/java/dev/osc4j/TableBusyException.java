package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/**
 * A migration of a table that another migration is still changing was refused, because one of them is revertible: a
 * revertible migration shares its table with no other, so that two never keep the original table at once and a revert
 * never undoes a change it does not know of. Wait for the other to end (or abort it). Nothing was written.
 */
@API(status = MAINTAINED, since = "0.3")
public class TableBusyException extends InvalidRequestException {
    private static final long serialVersionUID = 1L;

    private final MigrationId busyWith;

    /** Creates the exception. */
    public TableBusyException(MigrationId busyWith, String message) {
        super(message, null);
        this.busyWith = busyWith;
    }

    /** The migration that holds the table. */
    public MigrationId busyWith() {
        return busyWith;
    }
}
