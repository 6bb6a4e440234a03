package dev.osc4j.internal;

import static dev.osc4j.TestRecords.approved;
import static dev.osc4j.TestRecords.migration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.ApprovalStage;
import dev.osc4j.MigrationRecord;
import dev.osc4j.spi.GateResult;
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
}
