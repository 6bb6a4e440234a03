package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/** Machine-readable category of an {@link Osc4jException}. */
@API(status = MAINTAINED, since = "0.1")
public enum ErrorCode {
    /** A request, option or argument is invalid; nothing was changed. */
    INVALID_REQUEST,
    /** The idempotency key or directive id was already used for something different. */
    IDEMPOTENCY_CONFLICT,
    /** The directive makes no sense in the migration's current state; nothing was changed. */
    ILLEGAL_DIRECTIVE,
    /** No migration has that id. */
    NOT_FOUND,
    /** A compare-and-set lost: the record changed since it was read. */
    VERSION_CONFLICT,
    /** The writer's lease is gone or its fencing token is stale; it must stop acting. */
    FENCED,
    /** The state store could not be reached or failed; the cause says why. */
    STORE_UNAVAILABLE,
    /** The state store's schema is missing, or newer than this code understands. */
    STORE_SCHEMA,
    /** A stored record cannot be read (corrupt JSON or a record schema newer than this code). */
    CORRUPT_RECORD,
    /** The execution engine failed or refused an operation. */
    ENGINE_ERROR,
    /** The orchestrator or one of its parts is misconfigured. */
    CONFIGURATION
}
