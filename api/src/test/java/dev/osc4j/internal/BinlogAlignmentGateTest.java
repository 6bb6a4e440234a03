package dev.osc4j.internal;

import static dev.osc4j.TestRecords.KEYSPACE;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.migration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationState;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.GateResult;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("BinlogAlignmentGate")
class BinlogAlignmentGateTest {
    private static final String GTID_UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private final BinlogAlignmentGate gate = new BinlogAlignmentGate();

    private static ReplicationPosition pos(String value) {
        return ReplicationPosition.of(value);
    }

    private static ShardHealth health(@Nullable ReplicationPosition primary, ReplicaHealth... replicas) {
        return new ShardHealth(KEYSPACE, "a", "p", 1, primary, List.of(replicas), T0);
    }

    private GateResult evaluate(@Nullable ReplicationPosition applied, @Nullable ShardHealth health) {
        EngineObservation obs =
                EngineObservation.of(EnginePhase.READY_FOR_CUTOVER).withReplication(null, applied);
        return gate.evaluate(GateContexts.of(
                migration("a").in(MigrationState.WAITING_FOR_CATCHUP).build(),
                GateContexts.CAUGHT_UP,
                obs,
                health,
                T0));
    }

    @Test
    @DisplayName("waits while the topology has not been read")
    void noHealth() {
        assertThat(gate.name()).isEqualTo("binlog_alignment");
        assertThat(evaluate(null, null)).isEqualTo(GateResult.waitFor("alignment unknown: topology not read"));
    }

    @Test
    @DisplayName("without a primary position, passes when every replica's lag is zero")
    void lagOnlyPasses() {
        assertThat(evaluate(null, health(null, new ReplicaHealth("r1", Duration.ZERO, null)))
                        .passed())
                .isTrue();
        assertThat(evaluate(null, health(null)).passed()).as("no replicas").isTrue();
    }

    @Test
    @DisplayName("without a primary position, waits for a replica with lag or unknown lag")
    void lagOnlyWaits() {
        assertThat(evaluate(
                        null,
                        health(
                                null,
                                new ReplicaHealth("r1", Duration.ZERO, null),
                                new ReplicaHealth("r2", Duration.ofMillis(1500), null))))
                .isEqualTo(GateResult.waitFor("replica r2 not caught up (lag 1500ms)"));
        assertThat(evaluate(null, health(null, new ReplicaHealth("r1", null, null))))
                .isEqualTo(GateResult.waitFor("replica r1 not caught up (lag unknown)"));
    }

    @Test
    @DisplayName("waits while the engine's applied position is behind the primary's")
    void engineBehind() {
        assertThat(evaluate(
                        pos("binlog.000003:100"),
                        health(pos("binlog.000003:200"), new ReplicaHealth("r1", Duration.ZERO, null))))
                .isEqualTo(GateResult.waitFor("engine applied binlog.000003:100, primary at binlog.000003:200"));
    }

    @Test
    @DisplayName("waits when the engine's position cannot be compared with the primary's")
    void incomparable() {
        assertThat(evaluate(
                                pos(GTID_UUID + ":1-10"),
                                health(pos("binlog.000003:200"), new ReplicaHealth("r1", Duration.ZERO, null)))
                        .reason())
                .startsWith("engine position " + GTID_UUID + ":1-10 cannot be compared");
    }

    @Test
    @DisplayName("waits for a replica whose position is behind the primary's, whatever its lag says")
    void replicaBehind() {
        assertThat(evaluate(
                        pos(GTID_UUID + ":1-20"),
                        health(
                                pos(GTID_UUID + ":1-20"),
                                new ReplicaHealth("r1", Duration.ZERO, pos(GTID_UUID + ":1-19")))))
                .isEqualTo(
                        GateResult.waitFor("replica r1 at " + GTID_UUID + ":1-19, primary at " + GTID_UUID + ":1-20"));
    }

    @Test
    @DisplayName("waits for a replica with no position whose lag is not zero")
    void replicaWithoutPosition() {
        assertThat(evaluate(
                        pos("binlog.000003:200"),
                        health(pos("binlog.000003:200"), new ReplicaHealth("r1", Duration.ofSeconds(1), null))))
                .isEqualTo(GateResult.waitFor("replica r1 position unknown and lag not zero"));
    }

    @Test
    @DisplayName("passes when engine and replicas cover the primary's position")
    void aligned() {
        assertThat(evaluate(
                                pos("binlog.000004:4"),
                                health(
                                        pos("binlog.000003:200"),
                                        new ReplicaHealth("r1", Duration.ofSeconds(3), pos("binlog.000003:200")),
                                        new ReplicaHealth("r2", Duration.ZERO, null)))
                        .passed())
                .isTrue();
    }

    @Test
    @DisplayName("does not hold an engine that reports no applied position; the replicas still must align")
    void engineWithoutPosition() {
        assertThat(evaluate(
                                null,
                                health(
                                        pos("binlog.000003:200"),
                                        new ReplicaHealth("r1", Duration.ZERO, pos("binlog.000003:200"))))
                        .passed())
                .isTrue();
    }
}
