package dev.osc4j.internal;

import static dev.osc4j.TestRecords.migration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.GateResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("BarrierGate")
class BarrierGateTest {
    private final BarrierGate gate = new BarrierGate();

    private GateResult evaluate(MigrationRecord rec) {
        return gate.evaluate(GateContexts.of(rec, GateContexts.CUTOVER, null));
    }

    @Test
    @DisplayName("passes when every shard is ready to cut over")
    void allReady() {
        assertThat(gate.name()).isEqualTo("barrier");
        assertThat(evaluate(migration("a", "b")
                                .in(MigrationState.CUTOVER_PENDING)
                                .build())
                        .passed())
                .isTrue();
    }

    @Test
    @DisplayName("counts shards already past the cut-over, after a partial retry, as ready")
    void pastCountsAsReady() {
        MigrationRecord rec = migration("a", "b", "c")
                .in(MigrationState.CUTOVER_PENDING)
                .shard("b", MigrationState.COMPLETED)
                .shard("c", MigrationState.SWITCHING_TRAFFIC)
                .state(MigrationState.CUTOVER_PENDING)
                .build();
        assertThat(evaluate(rec).passed()).isTrue();
    }

    @Test
    @DisplayName("waits for shards behind, failed or aborted, naming them")
    void waitsForOthers() {
        MigrationRecord rec = migration("a", "b", "c", "d")
                .in(MigrationState.CUTOVER_PENDING)
                .shard("b", MigrationState.COPYING_ROWS)
                .shard("c", MigrationState.FAILED)
                .state(MigrationState.FAILED)
                .build();
        assertThat(evaluate(rec))
                .isEqualTo(GateResult.waitFor("2/4 shards ready; waiting for b COPYING_ROWS, c FAILED"));
    }

    @Test
    @DisplayName("names at most four waiting shards")
    void namesAtMostFour() {
        MigrationRecord rec = migration("a", "b", "c", "d", "e", "f")
                .in(MigrationState.QUEUED)
                .shard("a", MigrationState.CUTOVER_PENDING)
                .state(MigrationState.QUEUED)
                .build();
        assertThat(evaluate(rec).reason())
                .isEqualTo("1/6 shards ready; waiting for b QUEUED, c QUEUED, d QUEUED, e QUEUED, ...");
    }
}
