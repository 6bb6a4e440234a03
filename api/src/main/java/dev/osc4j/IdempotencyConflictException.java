package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/**
 * An idempotency key (of a request) or a directive id was used before for something different. The first use stands;
 * nothing was changed by this call.
 */
@API(status = MAINTAINED, since = "0.1")
public class IdempotencyConflictException extends Osc4jException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public IdempotencyConflictException(String message, MigrationId migrationId) {
        super(ErrorCode.IDEMPOTENCY_CONFLICT, message, migrationId, null, null);
    }
}
