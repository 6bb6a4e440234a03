package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The state store failed: unreachable ({@link ErrorCode#STORE_UNAVAILABLE}), a schema it cannot use ({@link
 * ErrorCode#STORE_SCHEMA}), or a record it cannot read ({@link ErrorCode#CORRUPT_RECORD}).
 */
@API(status = MAINTAINED, since = "0.1")
public class StoreException extends Osc4jException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception; {@code code} must be one of the store codes. */
    public StoreException(
            ErrorCode code, String message, @Nullable MigrationId migrationId, @Nullable Throwable cause) {
        super(code, message, migrationId, null, cause);
        if (code != ErrorCode.STORE_UNAVAILABLE && code != ErrorCode.STORE_SCHEMA && code != ErrorCode.CORRUPT_RECORD) {
            throw new IllegalArgumentException("not a store error code: " + code);
        }
    }

    /** The store could not be reached or failed to answer. */
    public static StoreException unavailable(String message, @Nullable MigrationId id, @Nullable Throwable cause) {
        return new StoreException(ErrorCode.STORE_UNAVAILABLE, message, id, cause);
    }

    /** The store's schema is missing or newer than this code. */
    public static StoreException schema(String message, @Nullable Throwable cause) {
        return new StoreException(ErrorCode.STORE_SCHEMA, message, null, cause);
    }

    /** A stored record cannot be decoded. */
    public static StoreException corrupt(String message, @Nullable MigrationId id, @Nullable Throwable cause) {
        return new StoreException(ErrorCode.CORRUPT_RECORD, message, id, cause);
    }
}
