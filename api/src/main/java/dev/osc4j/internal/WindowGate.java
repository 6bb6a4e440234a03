package dev.osc4j.internal;

import dev.osc4j.MigrationWindow;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;

/** Passes when the policy has no cut-over window or the window is open. */
final class WindowGate implements Gate {
    @Override
    public String name() {
        return "window";
    }

    @Override
    public GateResult evaluate(GateContext context) {
        MigrationWindow window = context.migration().policy().cutoverWindow();
        if (window == null || window.isOpen(context.now())) {
            return GateResult.pass();
        }
        return GateResult.waitFor("cut-over window closed (opens " + window.days() + " " + window.start() + "-"
                + window.end() + " " + window.zone() + ")");
    }
}
