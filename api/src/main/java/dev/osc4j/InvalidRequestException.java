package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/** A request, option or argument is invalid. Thrown before anything is written. */
@API(status = MAINTAINED, since = "0.1")
public class InvalidRequestException extends Osc4jException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public InvalidRequestException(String message, @Nullable MigrationId migrationId) {
        this(message, migrationId, null);
    }

    /** Creates the exception with its cause. */
    public InvalidRequestException(String message, @Nullable MigrationId migrationId, @Nullable Throwable cause) {
        super(ErrorCode.INVALID_REQUEST, message, migrationId, null, cause);
    }
}
