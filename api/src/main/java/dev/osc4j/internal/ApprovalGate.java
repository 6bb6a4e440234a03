package dev.osc4j.internal;

import dev.osc4j.ApprovalStage;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.util.Locale;

/** Passes when the policy does not ask for an approval of the stage, or one was given. */
final class ApprovalGate implements Gate {
    private final ApprovalStage stage;

    /** A gate for {@code stage}. */
    public ApprovalGate(ApprovalStage stage) {
        this.stage = stage;
    }

    @Override
    public String name() {
        return stage.name().toLowerCase(Locale.ROOT) + "_approval";
    }

    @Override
    public GateResult evaluate(GateContext context) {
        if (!context.migration().policy().requiresApproval(stage)
                || context.migration().controls().approved(stage)) {
            return GateResult.pass();
        }
        return GateResult.waitFor("waiting for " + stage.name().toLowerCase(Locale.ROOT) + " approval");
    }
}
