package dev.osc4j.internal;

import dev.osc4j.AutoRevert;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.HealthVerdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Watches a migration with the health signals its policy names ({@link AutoRevert}): while it bakes after its swap, and
 * (if the policy says so) while it copies. Says what each round of checks measured and what a breach calls for. Kept in
 * memory by the controller that owns the migration: a controller that takes over starts counting again, which can only
 * delay an action, never cause one.
 */
final class HealthWatch {
    /** When the signals are watched. */
    enum Phase {
        /** Before the swap, with {@link AutoRevert#whileCopying()} set. */
        COPY,
        /** After the swap, within the bake time ({@code REVERTIBLE} or {@code BAKING} shards). */
        BAKE
    }

    /**
     * One round of checks.
     *
     * @param phase when it was taken
     * @param summary what each signal said, for the audit trail
     * @param breach why the policy must act now, or null
     */
    record Round(Phase phase, String summary, @Nullable String breach) {}

    private @Nullable Phase phase;
    private @Nullable Instant lastCheck;
    private int failures;
    private final Map<String, Integer> unknownInARow = new HashMap<>();

    /** A round of checks if one is due for {@code rec} now, or null. */
    @Nullable
    Round check(MigrationRecord rec, Map<String, HealthSignal> signals, String controllerId, Instant now) {
        AutoRevert auto = rec.policy().autoRevert();
        Phase current = auto == null ? null : phase(rec, auto, now);
        if (current != phase) {
            phase = current;
            lastCheck = null;
            failures = 0;
            unknownInARow.clear();
        }
        if (auto == null || current == null || (lastCheck != null && now.isBefore(lastCheck.plus(auto.interval())))) {
            return null;
        }
        lastCheck = now;
        List<String> said = new ArrayList<>();
        String breach = null;
        for (String name : auto.signals()) {
            HealthVerdict verdict = verdict(rec, signals.get(name), name, controllerId);
            said.add(name + " " + verdict.status().name().toLowerCase(java.util.Locale.ROOT) + " (" + verdict.detail()
                    + ")");
            switch (verdict.status()) {
                case HEALTHY -> unknownInARow.put(name, 0);
                case UNHEALTHY -> {
                    unknownInARow.put(name, 0);
                    failures++;
                    if (breach == null && failures >= auto.failureLimit()) {
                        breach = "health signal " + name + " unhealthy: " + verdict.detail() + " (" + failures + " of "
                                + auto.failureLimit() + " failed checks allowed)";
                    }
                }
                case UNKNOWN -> {
                    int inARow = unknownInARow.merge(name, 1, Integer::sum);
                    if (breach == null && inARow >= auto.errorLimit()) {
                        breach = "health signal " + name + " could not tell " + inARow + " times in a row: "
                                + verdict.detail();
                    }
                }
            }
        }
        return new Round(current, String.join("; ", said), breach);
    }

    /** Whether the migration is watched now, and in which phase. */
    private static @Nullable Phase phase(MigrationRecord rec, AutoRevert auto, Instant now) {
        if (rec.controls().abortRequested()) {
            return null;
        }
        // A swap in flight finishes first: a revert started now would miss the shards still swapping.
        boolean swapping = rec.shards().stream().anyMatch(s -> s.state() == MigrationState.SWITCHING_TRAFFIC);
        boolean baking = rec.controls().revertedBy() == null
                && !swapping
                && rec.shards().stream()
                        .anyMatch(s -> (s.state() == MigrationState.REVERTIBLE || s.state() == MigrationState.BAKING)
                                && now.isBefore(s.stateSince().plus(auto.bakeTime())));
        if (baking) {
            return Phase.BAKE;
        }
        boolean copying = rec.shards().stream()
                .map(ShardRecord::state)
                .anyMatch(s -> s.isRunning() && s != MigrationState.SWITCHING_TRAFFIC);
        return copying
                        && auto.whileCopying() != AutoRevert.BreachAction.NONE
                        && !rec.controls().paused()
                ? Phase.COPY
                : null;
    }

    private static HealthVerdict verdict(
            MigrationRecord rec, @Nullable HealthSignal signal, String name, String controllerId) {
        if (signal == null) {
            return HealthVerdict.unknown("no signal '" + name + "' is registered on controller " + controllerId);
        }
        try {
            HealthVerdict v = signal.check(rec);
            return v == null ? HealthVerdict.unknown("the signal answered nothing") : v;
        } catch (RuntimeException e) {
            return HealthVerdict.unknown("the signal failed: " + e.getClass().getSimpleName());
        }
    }
}
