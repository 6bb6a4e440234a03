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
        seconds(w, 5); // five passes in each second: one step at most
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
        List<Double> down = stepsDuring(w, id, 2);
        System.out.println("closed-loop steps, lag 3 s: " + down);
        assertHalvedThenHeld(down, fast);
        assertThat(w.osc.get(id).shard("-40").orElseThrow().progress().throttleReason())
                .startsWith("replica lag 3s, target 1s, limit 10s: copy at ");
        AuditTrails.assertSound(w.osc.audit(id));
    }

    @Test
    @DisplayName("a load ceiling: threads running over it halves the rate though the lag is low, the reason names"
            + " the threads; threads running unknown stops the copy; back under it, the copy starts again")
    void loadCeiling() {
        World w = new World();
        MigrationId id = w.submit(
                "load-ceiling",
                MigrationPolicy.builder()
                        .targetReplicaLag(Duration.ofSeconds(1))
                        .maxReplicaLag(Duration.ofSeconds(10))
                        .maxThreadsRunning(40)
                        .build());
        w.runUntil(id, r -> r.shard("-40").orElseThrow().state() == MigrationState.COPYING_ROWS);
        w.topology.setReplicaLag(World.KS, "-40", Duration.ZERO).setThreadsRunning(World.KS, "-40", 10);
        seconds(w, 4);
        double fast = w.osc.get(id).shard("-40").orElseThrow().appliedThrottleRatio();
        assertThat(fast).as("sped up under the ceiling").isLessThan(0.8);

        w.topology.setThreadsRunning(World.KS, "-40", 57);
        List<Double> down = stepsDuring(w, id, 2);
        System.out.println("closed-loop steps, threads running 57 > 40: " + down);
        assertHalvedThenHeld(down, fast);
        assertThat(w.osc.get(id).shard("-40").orElseThrow().progress().throttleReason())
                .startsWith("threads running 57 > ceiling 40: copy at ");

        w.topology.setThreadsRunning(World.KS, "-40", null);
        seconds(w, 1);
        assertThat(w.osc.get(id).shard("-40").orElseThrow().appliedThrottleRatio())
                .as("unknown load with a ceiling: stopped (fail closed)")
                .isEqualTo(1.0);
        assertThat(w.osc.get(id).shard("-40").orElseThrow().progress().throttleReason())
                .isEqualTo("primary threads running unknown (ceiling 40): copy stopped");

        w.topology.setThreadsRunning(World.KS, "-40", 10);
        seconds(w, 1);
        assertThat(w.osc.get(id).shard("-40").orElseThrow().state()).isEqualTo(MigrationState.COPYING_ROWS);
        assertThat(w.osc.get(id).shard("-40").orElseThrow().appliedThrottleRatio())
                .as("copying again, from the slowest rate")
                .isEqualTo(1 - STEP);
        AuditTrails.assertSound(w.osc.audit(id));
    }

    /** The ratios of the steps taken during the next {@code n} simulated seconds. */
    private static List<Double> stepsDuring(World w, MigrationId id, int n) {
        Instant from = w.clock.instant();
        seconds(w, n);
        return ratios(
                throttles(w, id).stream().filter(e -> !e.at().isBefore(from)).toList());
    }

    /** Two steps after a signal over its limit: the rate halved from {@code fast}, then halved again (or held). */
    private static void assertHalvedThenHeld(List<Double> down, double fast) {
        assertThat(down).hasSize(2);
        assertThat(1 - down.get(0))
                .as("the rate halved")
                .isCloseTo((1 - fast) / 2, org.assertj.core.data.Offset.offset(STEP));
        assertThat(down.get(1)).isGreaterThan(down.get(0));
    }

    /** Runs {@code n} simulated seconds of five passes each. */
    private static void seconds(World w, int n) {
        for (int second = 0; second < n; second++) {
            for (int pass = 0; pass < 5; pass++) {
                Simulation.pass(w.osc);
            }
            w.clock.advance(Duration.ofSeconds(1));
        }
    }

    /** The law's granularity (LagController.STEP, package-private in another package). */
    private static final double STEP = 0.05;
}
