package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/** Why a shard failed, in terms an operator (or a retry policy) can act on. */
@API(status = MAINTAINED, since = "0.1")
public enum FailureReason {
    /** The DDL does not parse, or the engine rejected the ALTER. */
    INVALID_DDL,
    /** The table does not exist on the shard. */
    TABLE_NOT_FOUND,
    /** The table has neither a primary key nor a usable unique key, which online copying needs. */
    NO_UNIQUE_KEY,
    /** Foreign keys prevent the change as requested. */
    FOREIGN_KEYS,
    /** The engine could not connect to the server, or lost its connection. */
    CONNECTION,
    /** The engine's options are invalid for this engine or server. */
    ENGINE_CONFIGURATION,
    /** The engine run exited or reported failure during the copy or catch-up. */
    ENGINE_FAILED,
    /** The table swap failed. */
    CUTOVER_FAILED,
    /** The engine has no run for this migration any more (process gone, migration not found). */
    RUN_LOST,
    /** The run was cancelled, by the engine or by an abort. */
    CANCELLED,
    /** A gate refused the transition for good. */
    GATE_FAILED,
    /** No progress for longer than the policy's stall timeout, with fail-on-stall set. */
    STALLED,
    /** The copy still differed from the original after the copies again allowed: it was not swapped in. */
    CHECKSUM_MISMATCH,
    /** Anything else; the message has the details. */
    UNKNOWN
}
