package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/** The writer's lease expired or was taken over: its fencing token is stale, so the write was refused. The controller must stop acting on the migration. */
@API(status = MAINTAINED, since = "0.1")
public class FencedException extends Osc4jException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public FencedException(String message, @Nullable MigrationId migrationId) {
        this(message, migrationId, null);
    }

    /** Creates the exception with its cause. */
    public FencedException(String message, @Nullable MigrationId migrationId, @Nullable Throwable cause) {
        super(ErrorCode.FENCED, message, migrationId, null, cause);
    }
}
