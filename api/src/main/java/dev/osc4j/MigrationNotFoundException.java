package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/** No migration has the given id. */
@API(status = MAINTAINED, since = "0.1")
public class MigrationNotFoundException extends Osc4jException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public MigrationNotFoundException(String message, @Nullable MigrationId migrationId) {
        this(message, migrationId, null);
    }

    /** Creates the exception with its cause. */
    public MigrationNotFoundException(String message, @Nullable MigrationId migrationId, @Nullable Throwable cause) {
        super(ErrorCode.NOT_FOUND, message, migrationId, null, cause);
    }
}
