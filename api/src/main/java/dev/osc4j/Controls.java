package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.util.List;
import org.apiguardian.api.API;

/**
 * The operator's standing instructions for a migration, as set by directives.
 *
 * @param approvals approvals given so far
 * @param cutoverReleased whether the cut-over was released (needed with {@link CutoverMode#MANUAL})
 * @param paused whether the migration is paused
 * @param throttleRatio the operator's throttle ratio, 0 (none) to 1 (fully throttled)
 * @param abortRequested whether an abort was requested
 */
@API(status = MAINTAINED, since = "0.1")
public record Controls(
        List<Approval> approvals,
        boolean cutoverReleased,
        boolean paused,
        double throttleRatio,
        boolean abortRequested) {

    /** No approvals, nothing paused, throttled or aborted. */
    public static final Controls NONE = new Controls(List.of(), false, false, 0, false);

    /** Validates and copies. */
    public Controls {
        approvals = List.copyOf(approvals);
        if (!(throttleRatio >= 0 && throttleRatio <= 1)) {
            throw new IllegalArgumentException("throttleRatio must be 0-1, got " + throttleRatio);
        }
    }

    /** Whether {@code stage} has been approved. */
    public boolean approved(ApprovalStage stage) {
        return approvals.stream().anyMatch(a -> a.stage() == stage);
    }
}
