package dev.osc4j.internal;

import dev.osc4j.MigrationPolicy;
import dev.osc4j.WindowSchedule;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Passes when the policy has no copy schedule or it is open: a shard starts its copy only inside it. */
final class CopyWindowGate implements Gate {
    @Override
    public String name() {
        return "copy_window";
    }

    @Override
    public GateResult evaluate(GateContext context) {
        WindowSchedule schedule = context.migration().policy().copySchedule();
        Instant now = context.now();
        if (schedule == null || schedule.isOpen(now)) {
            return GateResult.pass();
        }
        Optional<Instant> next = schedule.nextOpening(now, Duration.ZERO, MigrationPolicy.SCHEDULE_HORIZON);
        return GateResult.waitFor(WindowGate.opensIn("copy", schedule, now, next));
    }
}
