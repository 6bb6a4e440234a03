package dev.osc4j.internal;

import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.approved;
import static dev.osc4j.TestRecords.migration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.Approval;
import dev.osc4j.ApprovalStage;
import dev.osc4j.Controls;
import dev.osc4j.MigrationRecord;
import dev.osc4j.spi.GateResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ApprovalGate")
class ApprovalGateTest {
    private final ApprovalGate start = new ApprovalGate(ApprovalStage.START);
    private final ApprovalGate cutover = new ApprovalGate(ApprovalStage.CUTOVER);

    private static GateResult evaluate(ApprovalGate gate, MigrationRecord rec) {
        return gate.evaluate(GateContexts.of(rec, GateContexts.START, null));
    }

    @Test
    @DisplayName("is named after its stage")
    void names() {
        assertThat(start.name()).isEqualTo("start_approval");
        assertThat(cutover.name()).isEqualTo("cutover_approval");
    }

    @Test
    @DisplayName("passes when the policy does not require the approval")
    void notRequired() {
        assertThat(evaluate(start, migration("a").build()).passed()).isTrue();
        assertThat(evaluate(cutover, migration("a").build()).passed()).isTrue();
    }

    @Test
    @DisplayName("waits for a required approval, naming the stage")
    void waitsForApproval() {
        MigrationRecord rec = migration("a")
                .policy(p -> p.requireStartApproval(true).requireCutoverApproval(true))
                .build();
        assertThat(evaluate(start, rec)).isEqualTo(GateResult.waitFor("waiting for start approval"));
        assertThat(evaluate(cutover, rec)).isEqualTo(GateResult.waitFor("waiting for cutover approval"));
    }

    @Test
    @DisplayName("passes once the approval of its own stage is recorded, not another stage's")
    void passesWithApproval() {
        MigrationRecord rec = migration("a")
                .policy(p -> p.requireStartApproval(true).requireCutoverApproval(true))
                .controls(approved(ApprovalStage.START))
                .build();
        assertThat(evaluate(start, rec).passed()).isTrue();
        assertThat(evaluate(cutover, rec).verdict()).isEqualTo(GateResult.Verdict.WAIT);
    }

    private static Controls approvals(Approval... given) {
        return new Controls(List.of(given), false, false, 0, false);
    }

    @Test
    @DisplayName("with N approvers required, waits until N distinct people approved, naming who did")
    void distinctApprovers() {
        MigrationRecord one = migration("a")
                .policy(p -> p.requireCutoverApproval(true).requiredApprovers(2))
                .controls(approvals(
                        new Approval(ApprovalStage.CUTOVER, "bob", "a1", T0, "fingerprint"),
                        new Approval(ApprovalStage.CUTOVER, "bob", "a2", T0, "fingerprint")))
                .build();
        assertThat(evaluate(cutover, one)).isEqualTo(GateResult.waitFor("waiting for cutover approval: 1 of 2 (bob)"));
        MigrationRecord two = migration("a")
                .policy(p -> p.requireCutoverApproval(true).requiredApprovers(2))
                .controls(approvals(
                        new Approval(ApprovalStage.CUTOVER, "bob", "a1", T0, "fingerprint"),
                        new Approval(ApprovalStage.CUTOVER, "carol", "a2", T0, "fingerprint")))
                .build();
        assertThat(evaluate(cutover, two).passed()).isTrue();
    }

    @Test
    @DisplayName("an approval counts only for the exact request it was given for, and only within its validity")
    void boundAndExpiring() {
        MigrationRecord otherRequest = migration("a")
                .policy(p -> p.requireStartApproval(true))
                .controls(approvals(new Approval(ApprovalStage.START, "bob", "a1", T0, "another-request")))
                .build();
        assertThat(evaluate(start, otherRequest).verdict()).isEqualTo(GateResult.Verdict.WAIT);
        MigrationRecord valid = migration("a")
                .policy(p -> p.requireStartApproval(true).approvalValidity(Duration.ofHours(1)))
                .controls(approvals(new Approval(ApprovalStage.START, "bob", "a1", T0, "fingerprint")))
                .build();
        assertThat(start.evaluate(GateContexts.of(valid, GateContexts.START, null, null, T0.plusSeconds(3_600)))
                        .passed())
                .isTrue();
        assertThat(start.evaluate(GateContexts.of(valid, GateContexts.START, null, null, T0.plusSeconds(3_601)))
                        .verdict())
                .as("expired")
                .isEqualTo(GateResult.Verdict.WAIT);
    }
}
