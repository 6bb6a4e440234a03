package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/**
 * A revert that cannot be done, with the reason as a value a program can act on. Nothing was changed.
 *
 * <pre>{@code
 * try {
 *     client.revert(id, "revert-" + ticket, "alice");
 * } catch (RevertRefusedException e) {
 *     if (e.reason() == RevertRefusedException.Reason.WINDOW_CLOSED) { ... }
 * }
 * }</pre>
 */
@API(status = MAINTAINED, since = "0.3")
public final class RevertRefusedException extends IllegalDirectiveException {
    private static final long serialVersionUID = 1L;

    /** Why a revert is refused. */
    public enum Reason {
        /** The migration has not swapped its tables yet: abort it instead. */
        NOT_SWITCHED,
        /** The migration was not made revertible (policy, engine or DDL); the message gives the notes. */
        NOT_REVERTIBLE,
        /** The revert window ended: the kept table is gone or out of sync. */
        WINDOW_CLOSED,
        /** Another migration of the same table completed later: reverting this one would undo that one too. */
        SUPERSEDED,
        /** A revert of this migration runs or completed already. */
        ALREADY_REVERTING,
        /** The revert names shards the migration does not have, or shards already reverted. */
        BAD_SHARDS
    }

    private final Reason reason;

    /** Creates the exception. */
    public RevertRefusedException(MigrationId migrationId, MigrationState state, Reason reason, String why) {
        super(migrationId, DirectiveKind.REVERT, state, why);
        this.reason = reason;
    }

    /** Why the revert was refused. */
    public Reason reason() {
        return reason;
    }
}
