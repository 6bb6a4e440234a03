package dev.osc4j.internal;

import dev.osc4j.ApprovalStage;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.util.List;
import java.util.Locale;

/**
 * Passes when the policy does not ask for an approval of the stage, or enough distinct people approved this exact
 * request within the approval's validity.
 */
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
        MigrationRecord rec = context.migration();
        MigrationPolicy policy = rec.policy();
        if (!policy.requiresApproval(stage)) {
            return GateResult.pass();
        }
        List<String> approvers =
                rec.controls().approvers(stage, rec.fingerprint(), context.now(), policy.approvalValidity());
        int needed = policy.approversRequired();
        if (approvers.size() >= needed) {
            return GateResult.pass();
        }
        String what = "waiting for " + stage.name().toLowerCase(Locale.ROOT) + " approval";
        return GateResult.waitFor(
                needed == 1 && approvers.isEmpty()
                        ? what
                        : what + ": " + approvers.size() + " of " + needed
                                + (approvers.isEmpty() ? "" : " (" + String.join(", ", approvers) + ")"));
    }
}
