package dev.osc4j.internal;

import dev.osc4j.AutoRevert;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.HealthVerdict;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Watches a migration that bakes after its swap with the health signals its policy names ({@link AutoRevert}), and says
 * when it must be reverted. Kept in memory by the controller that owns the migration: a controller that takes over
 * starts counting again, which can only delay a revert, never cause one.
 */
final class HealthWatch {
    private @Nullable Instant lastCheck;
    private int failures;
    private final Map<String, Integer> unknownInARow = new HashMap<>();

    /**
     * Asks the signals if a check is due, and returns why the migration must be reverted now, or null. Only for a
     * migration in its revert window, not being reverted, within its bake time.
     */
    @Nullable
    String check(MigrationRecord rec, Map<String, HealthSignal> signals, String controllerId, Instant now) {
        AutoRevert auto = rec.policy().autoRevert();
        if (auto == null
                || rec.state() != MigrationState.REVERTIBLE
                || rec.controls().revertedBy() != null) {
            return null;
        }
        Optional<Instant> swapped = rec.shards().stream()
                .filter(s -> s.state() == MigrationState.REVERTIBLE)
                .map(ShardRecord::stateSince)
                .min(Instant::compareTo);
        if (swapped.isEmpty() || !now.isBefore(swapped.get().plus(auto.bakeTime()))) {
            return null;
        }
        if (lastCheck != null && now.isBefore(lastCheck.plus(auto.interval()))) {
            return null;
        }
        lastCheck = now;
        for (String name : auto.signals()) {
            HealthVerdict verdict = verdict(rec, signals.get(name), name, controllerId);
            switch (verdict.status()) {
                case HEALTHY -> unknownInARow.put(name, 0);
                case UNHEALTHY -> {
                    unknownInARow.put(name, 0);
                    failures++;
                    if (failures >= auto.failureLimit()) {
                        return "health signal " + name + " unhealthy: " + verdict.detail() + " (" + failures + " of "
                                + auto.failureLimit() + " failed checks allowed)";
                    }
                }
                case UNKNOWN -> {
                    int inARow = unknownInARow.merge(name, 1, Integer::sum);
                    if (inARow >= auto.errorLimit()) {
                        return "health signal " + name + " could not tell " + inARow + " times in a row: "
                                + verdict.detail();
                    }
                }
            }
        }
        return null;
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
