package dev.osc4j.internal;

import static dev.osc4j.TestRecords.RELEASED;
import static dev.osc4j.TestRecords.migration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.CutoverMode;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.GateResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("CutoverReleaseGate")
class CutoverReleaseGateTest {
    private final CutoverReleaseGate gate = new CutoverReleaseGate();

    private GateResult evaluate(MigrationRecord rec) {
        return gate.evaluate(GateContexts.of(rec, GateContexts.CUTOVER, null));
    }

    @Test
    @DisplayName("passes in AUTOMATIC mode without a release")
    void automatic() {
        assertThat(gate.name()).isEqualTo("cutover_release");
        assertThat(evaluate(migration("a").in(MigrationState.CUTOVER_PENDING).build())
                        .passed())
                .isTrue();
    }

    @Test
    @DisplayName("waits in MANUAL mode until the cut-over is released")
    void manual() {
        MigrationRecord held = migration("a")
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.cutoverMode(CutoverMode.MANUAL))
                .build();
        assertThat(evaluate(held)).isEqualTo(GateResult.waitFor("waiting for the cut-over to be released"));
        MigrationRecord released = migration("a")
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.cutoverMode(CutoverMode.MANUAL))
                .controls(RELEASED)
                .build();
        assertThat(evaluate(released).passed()).isTrue();
    }
}
