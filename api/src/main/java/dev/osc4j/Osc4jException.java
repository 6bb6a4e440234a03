package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The root of every exception osc4j throws. Unchecked; carries an {@link ErrorCode} and, where known, the migration and
 * shard it concerns. Messages never contain credentials.
 */
@API(status = MAINTAINED, since = "0.1")
public class Osc4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final @Nullable MigrationId migrationId;
    private final @Nullable String shard;

    /** Creates an exception with a code and a message a user can act on. */
    public Osc4jException(ErrorCode code, String message) {
        this(code, message, null, null, null);
    }

    /** Creates an exception with full context. */
    public Osc4jException(
            ErrorCode code,
            String message,
            @Nullable MigrationId migrationId,
            @Nullable String shard,
            @Nullable Throwable cause) {
        super(message, cause);
        this.code = code;
        this.migrationId = migrationId;
        this.shard = shard;
    }

    /** The category of the failure. */
    public ErrorCode code() {
        return code;
    }

    /** The migration concerned, if any. */
    public @Nullable MigrationId migrationId() {
        return migrationId;
    }

    /** The shard concerned, if any. */
    public @Nullable String shard() {
        return shard;
    }
}
