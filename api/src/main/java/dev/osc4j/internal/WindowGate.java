package dev.osc4j.internal;

import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationWindow;
import dev.osc4j.WindowSchedule;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Passes when the policy's cut-over window (if any) is open and its cut-over schedule (if any) is open and stays open
 * for at least the expected cut-over time, so a swap never runs into the schedule's end.
 */
final class WindowGate implements Gate {
    @Override
    public String name() {
        return "window";
    }

    @Override
    public GateResult evaluate(GateContext context) {
        MigrationPolicy policy = context.migration().policy();
        Instant now = context.now();
        MigrationWindow window = policy.cutoverWindow();
        if (window != null && !window.isOpen(now)) {
            return GateResult.waitFor("cut-over window closed (opens " + window + ")");
        }
        WindowSchedule schedule = policy.cutoverScheduleOf(context.shard().shard());
        Duration needed = policy.expectedCutoverTimeOrDefault();
        if (schedule == null || schedule.isOpenFor(now, needed)) {
            return GateResult.pass();
        }
        Optional<Instant> next = schedule.nextOpening(now, needed, MigrationPolicy.SCHEDULE_HORIZON);
        String prefix = schedule.isOpen(now)
                ? "cut-over window closes in less than the expected cut-over time (" + Durations.format(needed) + "); "
                : "";
        return GateResult.waitFor(prefix + opensIn("cut-over", schedule, now, next));
    }

    /** "cut-over window opens in 3h12m (2026-12-04T02:00+01:00[Europe/Berlin])", or that it does not within 30 days. */
    static String opensIn(String what, WindowSchedule schedule, Instant now, Optional<Instant> next) {
        if (next.isEmpty()) {
            return what + " window does not open within " + Durations.format(MigrationPolicy.SCHEDULE_HORIZON) + " ("
                    + schedule + ")";
        }
        return what + " window opens in " + Durations.format(Duration.between(now, next.get())) + " ("
                + schedule.describe(next.get()) + ")";
    }
}
