package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.util.List;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The operator's standing instructions for a migration, as set by directives.
 *
 * @param approvals approvals given so far
 * @param cutoverReleased whether the cut-over was released (needed with {@link CutoverMode#MANUAL})
 * @param paused whether the migration is paused
 * @param throttleRatio the operator's throttle ratio, 0 (none) to 1 (fully throttled)
 * @param abortRequested whether an abort was requested
 * @param closeRevertWindow whether an operator asked to end the revert window now
 * @param revertedBy the revert migration started from this one, linked back by its {@link MigrationSpec#revertOf()}
 * @param supersededBy the amended request that replaced this one before it started ({@link
 *     MigrationSpec#supersedes()}); set with the abort that stops this one
 */
@API(status = MAINTAINED, since = "0.1")
public record Controls(
        List<Approval> approvals,
        boolean cutoverReleased,
        boolean paused,
        double throttleRatio,
        boolean abortRequested,
        boolean closeRevertWindow,
        @Nullable MigrationId revertedBy,
        @Nullable MigrationId supersededBy) {

    /** No approvals, nothing paused, throttled or aborted. */
    public static final Controls NONE = new Controls(List.of(), false, false, 0, false);

    /** Controls that no amended request superseded. */
    public Controls(
            List<Approval> approvals,
            boolean cutoverReleased,
            boolean paused,
            double throttleRatio,
            boolean abortRequested,
            boolean closeRevertWindow,
            @Nullable MigrationId revertedBy) {
        this(approvals, cutoverReleased, paused, throttleRatio, abortRequested, closeRevertWindow, revertedBy, null);
    }

    /** Controls without a revert. */
    public Controls(
            List<Approval> approvals,
            boolean cutoverReleased,
            boolean paused,
            double throttleRatio,
            boolean abortRequested) {
        this(approvals, cutoverReleased, paused, throttleRatio, abortRequested, false, null, null);
    }

    /** With other approvals. */
    public Controls withApprovals(List<Approval> value) {
        return new Controls(
                value,
                cutoverReleased,
                paused,
                throttleRatio,
                abortRequested,
                closeRevertWindow,
                revertedBy,
                supersededBy);
    }

    /** With the cut-over released or not. */
    public Controls withCutoverReleased(boolean value) {
        return new Controls(
                approvals, value, paused, throttleRatio, abortRequested, closeRevertWindow, revertedBy, supersededBy);
    }

    /** Paused or not. */
    public Controls withPaused(boolean value) {
        return new Controls(
                approvals,
                cutoverReleased,
                value,
                throttleRatio,
                abortRequested,
                closeRevertWindow,
                revertedBy,
                supersededBy);
    }

    /** With another throttle ratio. */
    public Controls withThrottleRatio(double value) {
        return new Controls(
                approvals, cutoverReleased, paused, value, abortRequested, closeRevertWindow, revertedBy, supersededBy);
    }

    /** With an abort requested or not. */
    public Controls withAbortRequested(boolean value) {
        return new Controls(
                approvals, cutoverReleased, paused, throttleRatio, value, closeRevertWindow, revertedBy, supersededBy);
    }

    /** With the revert window to be closed now, or not. */
    public Controls withCloseRevertWindow(boolean value) {
        return new Controls(
                approvals, cutoverReleased, paused, throttleRatio, abortRequested, value, revertedBy, supersededBy);
    }

    /** Linked to the revert migration {@code value}. */
    public Controls withRevertedBy(@Nullable MigrationId value) {
        return new Controls(
                approvals,
                cutoverReleased,
                paused,
                throttleRatio,
                abortRequested,
                closeRevertWindow,
                value,
                supersededBy);
    }

    /** Linked to the amended request {@code value} that supersedes this one. */
    public Controls withSupersededBy(@Nullable MigrationId value) {
        return new Controls(
                approvals,
                cutoverReleased,
                paused,
                throttleRatio,
                abortRequested,
                closeRevertWindow,
                revertedBy,
                value);
    }

    /** Validates and copies. */
    public Controls {
        approvals = List.copyOf(approvals);
        if (!(throttleRatio >= 0 && throttleRatio <= 1)) {
            throw new IllegalArgumentException("throttleRatio must be 0-1, got " + throttleRatio);
        }
    }

    /**
     * The distinct people whose approval of {@code stage} counts now: given for {@code request} (or before approvals
     * were bound to requests), and at most {@code validity} ago when the policy sets one.
     */
    public java.util.List<String> approvers(
            ApprovalStage stage, String request, java.time.Instant now, java.time.@Nullable Duration validity) {
        java.util.LinkedHashSet<String> who = new java.util.LinkedHashSet<>();
        for (Approval a : approvals) {
            boolean forThisRequest = a.request() == null || a.request().equals(request);
            boolean current = validity == null || !a.at().plus(validity).isBefore(now);
            if (a.stage() == stage && forThisRequest && current) {
                who.add(a.approver());
            }
        }
        return java.util.List.copyOf(who);
    }

    /** Whether {@code stage} has been approved. */
    public boolean approved(ApprovalStage stage) {
        return approvals.stream().anyMatch(a -> a.stage() == stage);
    }
}
