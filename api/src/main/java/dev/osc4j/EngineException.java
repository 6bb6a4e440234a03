package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * An execution engine failed or refused an operation. {@link #reason()} classifies the failure; {@link #retryable()}
 * says whether the same call may succeed later (a lost connection) or not (an ALTER that does not parse).
 */
@API(status = MAINTAINED, since = "0.1")
public class EngineException extends Osc4jException {
    private static final long serialVersionUID = 1L;

    private final FailureReason reason;
    private final boolean retryable;

    /** Creates the exception. */
    public EngineException(
            FailureReason reason,
            boolean retryable,
            String message,
            @Nullable MigrationId migrationId,
            @Nullable String shard,
            @Nullable Throwable cause) {
        super(ErrorCode.ENGINE_ERROR, message, migrationId, shard, cause);
        this.reason = reason;
        this.retryable = retryable;
    }

    /** A failure that will not go away by calling again. */
    public static EngineException permanent(FailureReason reason, String message) {
        return new EngineException(reason, false, message, null, null, null);
    }

    /** A failure that may go away by calling again (connection lost, timeout). */
    public static EngineException transientFailure(String message, @Nullable Throwable cause) {
        return new EngineException(FailureReason.CONNECTION, true, message, null, null, cause);
    }

    /** Classification of the failure. */
    public FailureReason reason() {
        return reason;
    }

    /** Whether calling again may succeed. */
    public boolean retryable() {
        return retryable;
    }
}
