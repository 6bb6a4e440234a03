package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The closed-loop throttle through the orchestrator")
class ClosedLoopThrottleTest {

    private static List<AuditEntry> throttles(World w, MigrationId id) {
        return w.osc.audit(id).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.INTENT && e.detail().startsWith("THROTTLE"))
                .filter(e -> "-40".equals(e.shard()))
                .toList();
    }

    @Test
    @DisplayName("a lag over the target halves the copy rate at most once a second, however often the loop runs, and a"
            + " lag back under half the target gives it back in 5 % steps; each change is an intent in the audit")
    void stepsAtMostOnceASecond() {
        World w = new World();
        MigrationId id = w.submit(
                "closed-loop",
                MigrationPolicy.builder()
                        .targetReplicaLag(Duration.ofSeconds(1))
                        .maxReplicaLag(Duration.ofSeconds(10))
                        .build());
        w.runUntil(id, r -> r.shard("-40").orElseThrow().state() == MigrationState.COPYING_ROWS);
        w.topology.setReplicaLag(World.KS, "-40", Duration.ofSeconds(3));
        for (int second = 0; second < 4; second++) {
            for (int pass = 0; pass < 5; pass++) {
                Simulation.pass(w.osc); // five passes in the same second: one step at most
            }
            w.clock.advance(Duration.ofSeconds(1));
        }
        List<AuditEntry> over = throttles(w, id);
        System.out.println(
                "closed-loop steps: " + over.stream().map(AuditEntry::stepId).toList());
        assertThat(over)
                .extracting(e -> e.stepId().substring(e.stepId().lastIndexOf(':') + 1))
                .as("the copy rate halved at each step: ratios")
                .startsWith("0.5", "0.75", "0.9");
        assertThat(over.stream().map(AuditEntry::at).distinct().count())
                .as("one step per simulated second")
                .isEqualTo(over.size());
        MigrationRecord slowed = w.osc.get(id);
        assertThat(slowed.shard("-40").orElseThrow().appliedThrottleRatio()).isGreaterThanOrEqualTo(0.9);
        assertThat(slowed.shard("-40").orElseThrow().progress().throttleReason())
                .startsWith("replica lag 3s, target 1s, limit 10s: copy at ");

        w.topology.setReplicaLag(World.KS, "-40", Duration.ZERO);
        Instant from = w.clock.instant();
        for (int second = 0; second < 3; second++) {
            Simulation.pass(w.osc);
            w.clock.advance(Duration.ofSeconds(1));
        }
        double after = w.osc.get(id).shard("-40").orElseThrow().appliedThrottleRatio();
        assertThat(after)
                .as("three steps of 5 % back")
                .isCloseTo(
                        slowed.shard("-40").orElseThrow().appliedThrottleRatio() - 0.15,
                        org.assertj.core.data.Offset.offset(1e-9));
        assertThat(throttles(w, id).stream().filter(e -> !e.at().isBefore(from)))
                .hasSize(3);
        AuditTrails.assertSound(w.osc.audit(id));
    }
}
