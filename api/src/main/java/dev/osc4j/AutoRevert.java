package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Duration;
import java.util.List;
import org.apiguardian.api.API;

/**
 * Reverting on health signals: for {@code bakeTime} after its swap, a revertible migration is watched by the {@link
 * dev.osc4j.spi.HealthSignal}s named here, each asked every {@code interval}; when {@code failureLimit} checks said
 * unhealthy, or one signal could not tell {@code errorLimit} times in a row, osc4j reverts the migration itself. Such a
 * revert is approved by the policy that armed it: it waits for no approval, release or window (it is an emergency),
 * only for the gates that keep it safe (replica lag, topology, the barrier). As in Argo Rollouts' analysis (failure
 * limit, consecutive error limit) and Flagger's threshold; the counts are kept by the controller that owns the
 * migration and start again after a takeover. The same signals can also watch the copy ({@code whileCopying}): a
 * breach before the swap pauses or aborts the migration. Every evaluation is recorded in the audit trail with what each
 * signal measured.
 *
 * @param signals the names of the signals to ask (registered on the controllers), at least one
 * @param bakeTime how long after the swap the signals are watched; at most the policy's revert window
 * @param interval time between two checks of a signal, at least 1 s
 * @param failureLimit unhealthy verdicts (in total, over the bake time) that revert the migration, at least 1
 * @param errorLimit unknown verdicts in a row, from one signal, that revert it (a signal that goes blind counts as a
 *     failure, as Flagger treats missing metrics), at least 1
 * @param whileCopying what a breach does before the swap, counted the same way (the counts start again at the swap)
 */
@API(status = MAINTAINED, since = "0.3")
public record AutoRevert(
        List<String> signals,
        Duration bakeTime,
        Duration interval,
        int failureLimit,
        int errorLimit,
        BreachAction whileCopying) {

    /** What a breach of the signals does before the swap. */
    public enum BreachAction {
        /** Nothing: the signals watch only the bake after the swap. */
        NONE,
        /** Pause the migration (nothing new starts, copies fully throttled) until an operator resumes it. */
        PAUSE,
        /** Abort it: the fallback chain stops the runs and removes what they created. */
        ABORT
    }

    /** Watches only the bake after the swap. */
    public AutoRevert(List<String> signals, Duration bakeTime, Duration interval, int failureLimit, int errorLimit) {
        this(signals, bakeTime, interval, failureLimit, errorLimit, BreachAction.NONE);
    }

    /** Validates and copies. */
    public AutoRevert {
        signals = List.copyOf(signals);
        if (signals.isEmpty()) {
            throw new InvalidRequestException("autoRevert needs at least one health signal", null);
        }
        for (String s : signals) {
            dev.osc4j.spi.UserInput.requirePrintable("health signal name", s, 64);
        }
        if (bakeTime.isNegative() || bakeTime.isZero()) {
            throw new InvalidRequestException("autoRevert bakeTime must be positive, got " + bakeTime, null);
        }
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new InvalidRequestException("autoRevert interval must be at least 1 s, got " + interval, null);
        }
        if (failureLimit < 1 || errorLimit < 1) {
            throw new InvalidRequestException(
                    "autoRevert failureLimit and errorLimit must be at least 1, got " + failureLimit + " and "
                            + errorLimit,
                    null);
        }
    }

    /**
     * Watches {@code signals} for {@code bakeTime}, every 10 s, reverting at the first unhealthy verdict or after 4
     * unknown ones in a row (Argo Rollouts' defaults: failure limit 0, consecutive error limit 4).
     */
    public static AutoRevert on(Duration bakeTime, String... signals) {
        return new AutoRevert(List.of(signals), bakeTime, Duration.ofSeconds(10), 1, 4);
    }

    /** These settings, with {@code action} taken on a breach before the swap. */
    public AutoRevert onBreachWhileCopying(BreachAction action) {
        return new AutoRevert(signals, bakeTime, interval, failureLimit, errorLimit, action);
    }
}
