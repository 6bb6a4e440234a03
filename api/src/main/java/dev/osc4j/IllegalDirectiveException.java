package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/**
 * A directive makes no sense in the migration's current state (a retry of a running migration, an abort of a
 * completed one). Nothing was changed.
 */
@API(status = MAINTAINED, since = "0.1")
public class IllegalDirectiveException extends Osc4jException {
    private static final long serialVersionUID = 1L;

    private final DirectiveKind directive;
    private final MigrationState state;

    /** Creates the exception. */
    public IllegalDirectiveException(
            MigrationId migrationId, DirectiveKind directive, MigrationState state, String why) {
        super(
                ErrorCode.ILLEGAL_DIRECTIVE,
                directive.name().toLowerCase(java.util.Locale.ROOT) + " refused for migration " + migrationId.value()
                        + " in state " + state + ": " + why,
                migrationId,
                null,
                null);
        this.directive = directive;
        this.state = state;
    }

    /** The directive that was refused. */
    public DirectiveKind directive() {
        return directive;
    }

    /** The migration's state when the directive was refused. */
    public MigrationState state() {
        return state;
    }
}
