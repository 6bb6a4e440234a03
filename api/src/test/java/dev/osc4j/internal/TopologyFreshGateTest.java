package dev.osc4j.internal;

import static dev.osc4j.TestRecords.KEYSPACE;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.TestRecords.primaryOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.GateResult;
import dev.osc4j.spi.ShardHealth;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("TopologyFreshGate")
class TopologyFreshGateTest {
    private final TopologyFreshGate gate = new TopologyFreshGate();
    private final MigrationRecord rec =
            migration("a").in(MigrationState.CUTOVER_PENDING).build();

    private GateResult evaluate(String primary, Instant readAt) {
        ShardHealth health = new ShardHealth(KEYSPACE, "a", primary, 1, null, List.of(), readAt);
        return gate.evaluate(GateContexts.of(rec, GateContexts.CUTOVER, null, health, T0));
    }

    @Test
    @DisplayName("passes when the topology is at most maxTopologyAge old and the primary is the recorded one")
    void passes() {
        assertThat(gate.name()).isEqualTo("topology_fresh");
        assertThat(evaluate(primaryOf("a"), T0.minusSeconds(30)).passed()).isTrue();
        assertThat(evaluate(primaryOf("a"), T0).passed()).isTrue();
    }

    @Test
    @DisplayName("waits when the topology is older than maxTopologyAge")
    void stale() {
        assertThat(evaluate(primaryOf("a"), T0.minusMillis(30_001)))
                .isEqualTo(GateResult.waitFor("topology read 30s ago, older than 30s"));
        assertThat(evaluate(primaryOf("a"), T0.minusSeconds(125)))
                .isEqualTo(GateResult.waitFor("topology read 2m05s ago, older than 30s"));
    }

    @Test
    @DisplayName("waits when the primary is not the one recorded")
    void reparented() {
        assertThat(evaluate("other", T0))
                .isEqualTo(GateResult.waitFor("primary is other, recorded " + primaryOf("a") + ": re-validating"));
    }

    @Test
    @DisplayName("waits while the topology has not been read")
    void notRead() {
        assertThat(gate.evaluate(GateContexts.of(rec, GateContexts.CUTOVER, null)))
                .isEqualTo(GateResult.waitFor("topology not read"));
    }
}
