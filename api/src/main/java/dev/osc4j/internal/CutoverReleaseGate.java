package dev.osc4j.internal;

import dev.osc4j.CutoverMode;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;

/** With a manual cut-over, passes once an operator released it. */
final class CutoverReleaseGate implements Gate {
    @Override
    public String name() {
        return "cutover_release";
    }

    @Override
    public GateResult evaluate(GateContext context) {
        if (context.migration().policy().cutoverMode() == CutoverMode.AUTOMATIC
                || context.migration().controls().cutoverReleased()) {
            return GateResult.pass();
        }
        return GateResult.waitFor("waiting for the cut-over to be released");
    }
}
