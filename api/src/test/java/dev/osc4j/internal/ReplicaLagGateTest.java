package dev.osc4j.internal;

import static dev.osc4j.TestRecords.KEYSPACE;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.migration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.spi.GateResult;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ReplicaLagGate")
class ReplicaLagGateTest {
    private final ReplicaLagGate gate = new ReplicaLagGate();

    private GateResult evaluate(@Nullable ShardHealth health) {
        return gate.evaluate(GateContexts.of(
                migration("a")
                        .policy(p -> p.maxReplicaLag(Duration.ofSeconds(5)))
                        .build(),
                GateContexts.START,
                health));
    }

    private static ShardHealth replicas(ReplicaHealth... r) {
        return new ShardHealth(KEYSPACE, "a", "p", 1, null, List.of(r), T0);
    }

    @Test
    @DisplayName("passes when every replica lags at most the policy's threshold, or there are no replicas")
    void passes() {
        assertThat(gate.name()).isEqualTo("replica_lag");
        assertThat(evaluate(replicas(
                                new ReplicaHealth("r1", Duration.ofSeconds(5), null),
                                new ReplicaHealth("r2", Duration.ZERO, null)))
                        .passed())
                .isTrue();
        assertThat(evaluate(replicas()).passed()).isTrue();
    }

    @Test
    @DisplayName("waits for the most lagging replica above the threshold")
    void waitsForLag() {
        assertThat(evaluate(replicas(
                        new ReplicaHealth("r1", Duration.ofMillis(5001), null),
                        new ReplicaHealth("r2", Duration.ofSeconds(90), null))))
                .isEqualTo(GateResult.waitFor("replica lag 1m30s > 5s"));
    }

    @Test
    @DisplayName("waits when a replica's lag is unknown, even if another's is known")
    void waitsForUnknown() {
        assertThat(evaluate(
                        replicas(new ReplicaHealth("r1", Duration.ZERO, null), new ReplicaHealth("r2", null, null))))
                .isEqualTo(GateResult.waitFor("replica r2 lag unknown (replication stopped?)"));
    }

    @Test
    @DisplayName("waits while the topology has not been read")
    void waitsForTopology() {
        assertThat(evaluate(null)).isEqualTo(GateResult.waitFor("replica lag unknown: topology not read"));
    }
}
