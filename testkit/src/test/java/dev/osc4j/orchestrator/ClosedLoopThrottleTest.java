package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
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

    private static List<Double> ratios(List<AuditEntry> steps) {
        return steps.stream()
                .map(e -> Double.parseDouble(e.stepId().substring(e.stepId().lastIndexOf(':') + 1)))
                .toList();
    }

    @Test
    @DisplayName("the copy starts slowly and speeds up while the lag stays low, a lag over the target halves the rate,"
            + " at most one step a second however often the loop runs; each change is an intent in the audit")
    void stepsAtMostOnceASecond() {
        World w = new World();
        MigrationId id = w.submit(
                "closed-loop",
                MigrationPolicy.builder()
                        .targetReplicaLag(Duration.ofSeconds(1))
                        .maxReplicaLag(Duration.ofSeconds(10))
                        .build());
        w.runUntil(id, r -> r.shard("-40").orElseThrow().state() == MigrationState.COPYING_ROWS);
        w.topology.setReplicaLag(World.KS, "-40", Duration.ZERO);
        for (int second = 0; second < 5; second++) {
            for (int pass = 0; pass < 5; pass++) {
                Simulation.pass(w.osc); // five passes in the same second: one step at most
            }
            w.clock.advance(Duration.ofSeconds(1));
        }
        List<Double> up = ratios(throttles(w, id));
        System.out.println("closed-loop steps, lag 0: " + up);
        assertThat(up).as("slow start at 5 %, then faster").startsWith(0.95, 0.9, 0.85);
        for (int i = 1; i < up.size(); i++) {
            assertThat(up.get(i)).isLessThan(up.get(i - 1));
        }
        List<AuditEntry> all = throttles(w, id);
        assertThat(all.stream().map(AuditEntry::at).distinct().count())
                .as("one step per simulated second")
                .isEqualTo(all.size());

        double fast = w.osc.get(id).shard("-40").orElseThrow().appliedThrottleRatio();
        w.topology.setReplicaLag(World.KS, "-40", Duration.ofSeconds(3));
        Instant from = w.clock.instant();
        for (int second = 0; second < 2; second++) {
            for (int pass = 0; pass < 5; pass++) {
                Simulation.pass(w.osc);
            }
            w.clock.advance(Duration.ofSeconds(1));
        }
        List<Double> down = ratios(
                throttles(w, id).stream().filter(e -> !e.at().isBefore(from)).toList());
        System.out.println("closed-loop steps, lag 3 s: " + down);
        assertThat(down).hasSize(2);
        assertThat(1 - down.get(0))
                .as("the rate halved")
                .isCloseTo((1 - fast) / 2, org.assertj.core.data.Offset.offset(STEP));
        assertThat(down.get(1)).isGreaterThan(down.get(0));
        assertThat(w.osc.get(id).shard("-40").orElseThrow().progress().throttleReason())
                .startsWith("replica lag 3s, target 1s, limit 10s: copy at ");
        AuditTrails.assertSound(w.osc.audit(id));
    }

    /** The law's granularity (LagController.STEP, package-private in another package). */
    private static final double STEP = 0.05;
}
