package dev.osc4j.internal;

import dev.osc4j.ApprovalStage;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.spi.ApproverGroups;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Passes when the policy does not ask for an approval of the stage, or enough distinct people approved this exact
 * request within the approval's validity.
 */
final class ApprovalGate implements Gate {
    private final ApprovalStage stage;
    private final @Nullable ApproverGroups groups;

    /** A gate for {@code stage}, without an approver directory. */
    public ApprovalGate(ApprovalStage stage) {
        this(stage, null);
    }

    /** A gate for {@code stage} that asks {@code groups} whether an approver is in the policy's groups. */
    public ApprovalGate(ApprovalStage stage, @Nullable ApproverGroups groups) {
        this.stage = stage;
        this.groups = groups;
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
        List<String> given =
                rec.controls().approvers(stage, rec.fingerprint(), context.now(), policy.approvalValidity());
        List<String> required = policy.approverGroups() == null ? List.of() : policy.approverGroups();
        List<String> approvers = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        for (String person : given) {
            (required.isEmpty() || inAnyGroup(person, required) ? approvers : outside).add(person);
        }
        int needed = policy.approversRequired();
        if (approvers.size() >= needed) {
            return GateResult.pass();
        }
        String what = "waiting for " + stage.name().toLowerCase(Locale.ROOT) + " approval";
        String counted = needed == 1 && approvers.isEmpty()
                ? what
                : what + ": " + approvers.size() + " of " + needed
                        + (approvers.isEmpty() ? "" : " (" + String.join(", ", approvers) + ")");
        return GateResult.waitFor(counted
                + (required.isEmpty() ? "" : " from " + required)
                + (outside.isEmpty()
                        ? ""
                        : "; not counted, in none of the groups"
                                + (groups == null ? " (no ApproverGroups on this controller)" : "") + ": "
                                + String.join(", ", outside)));
    }

    private boolean inAnyGroup(String person, List<String> required) {
        if (groups == null) {
            return false;
        }
        for (String group : required) {
            try {
                if (groups.isMember(person, group)) {
                    return true;
                }
            } catch (RuntimeException e) {
                // The directory could not tell: the approval does not count until it can.
            }
        }
        return false;
    }
}
