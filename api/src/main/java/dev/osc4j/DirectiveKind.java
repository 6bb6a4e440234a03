package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/** The operator directives a migration accepts. */
@API(status = MAINTAINED, since = "0.1")
public enum DirectiveKind {
    /** Record an approval for a stage the policy guards. */
    APPROVE,
    /** Allow the cut-over (with {@link CutoverMode#MANUAL}). */
    RELEASE_CUTOVER,
    /** Run a failed migration again: failed shards go back to {@link MigrationState#QUEUED}. */
    RETRY,
    /** Stop the migration, clean up what it created, and end in {@link MigrationState#ABORTED}. */
    ABORT,
    /** Hold the migration: nothing new starts, running copies are fully throttled. */
    PAUSE,
    /** Undo a pause. */
    RESUME,
    /** Set the throttle ratio of the running copies. */
    THROTTLE,
    /** Withdraw the actor's own approval of a stage, before that stage has passed. */
    REVOKE_APPROVAL,
    /** Start a revert of a migration in its revert window: a new migration that swaps the tables back. */
    REVERT,
    /** End a migration's revert window now: it becomes {@link MigrationState#COMPLETED} and can no longer be reverted. */
    CLOSE_REVERT_WINDOW,
    /**
     * Abort a migration that has not started because an amended request (the argument, its id) replaces it; sent by
     * the submit of a request with {@link MigrationRequest.Builder#supersedes}, refused once the migration started.
     */
    SUPERSEDE,
    /**
     * Acknowledge the alert of a migration in {@link MigrationState#ALERTED} (a health signal breached after a swap
     * that cannot be reverted): its alerted shards end {@link MigrationState#COMPLETED}.
     */
    ACKNOWLEDGE
}
