package dev.osc4j.engine.vitess;

import static dev.osc4j.engine.vitess.VitessFixture.KS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The closed loop on the fake Vitess, whose throttle is keyspace-wide: one controller state for the keyspace (one
 * interval, one lag history) stepping on the worst of its shards, the same ratio for every shard. Vitess reports lag in
 * whole seconds, hence a 3 s target.
 */
@DisplayName("The closed loop per keyspace on Vitess")
class VitessClosedLoopTest {
    private static final List<String> SHARDS = List.of("-40", "40-80", "80-c0", "c0-");

    private static void seconds(MigrationOrchestrator osc, VitessFixture f, int n) {
        for (int s = 0; s < n; s++) {
            for (int pass = 0; pass < 5; pass++) {
                Simulation.pass(osc);
            }
            f.clock.advance(Duration.ofSeconds(1));
        }
    }

    private static List<AuditEntry> throttles(MigrationOrchestrator osc, MigrationId id, Instant from) {
        return osc.audit(id).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.INTENT && e.detail().startsWith("THROTTLE"))
                .filter(e -> "-40".equals(e.shard()))
                .filter(e -> !e.at().isBefore(from))
                .toList();
    }

    private static void lags(VitessFixture f, long minus40, long from40to80) {
        f.topology.setReplicaLag(KS, "-40", Duration.ofMillis(minus40));
        f.topology.setReplicaLag(KS, "40-80", Duration.ofMillis(from40to80));
    }

    @Test
    @DisplayName("two shards whose lags swap each second (the keyspace's worst steady at 2 s): one lag history holds"
            + " the ratio, where a history per shard would see a rising lag each second; every shard at one ratio")
    void oneStatePerKeyspace() throws Exception {
        Map<String, Long> rows = VitessFixture.smallShards();
        rows.replaceAll((shard, n) -> n * 10); // long enough copies for the seconds below
        try (VitessFixture f = new VitessFixture(rows)) {
            MigrationPolicy policy = MigrationPolicy.builder()
                    .targetReplicaLag(Duration.ofSeconds(3))
                    .maxReplicaLag(Duration.ofSeconds(10))
                    .build();
            MigrationOrchestrator osc = f.orchestrator(policy);
            MigrationId id = osc.submit(VitessFixture.request("ks-closed-loop"));
            Simulation.of(osc, f.clock)
                    .runUntil(
                            id,
                            r -> r.shards().stream().allMatch(s -> s.state() == MigrationState.COPYING_ROWS),
                            Duration.ofMinutes(5));
            lags(f, 0, 0);
            seconds(osc, f, 3);
            double ramped = osc.get(id).shard("-40").orElseThrow().appliedThrottleRatio();
            assertThat(ramped).as("sped up from the slow start").isLessThan(0.9);

            Instant from = f.clock.instant();
            for (int s = 0; s < 6; s++) {
                if (s % 2 == 0) {
                    lags(f, 2000, 1000);
                } else {
                    lags(f, 1000, 2000);
                }
                seconds(osc, f, 1);
                MigrationRecord r = osc.get(id);
                assertThat(r.shards().stream()
                                .filter(x -> SHARDS.contains(x.shard()) && x.state() == MigrationState.COPYING_ROWS)
                                .map(ShardRecord::appliedThrottleRatio)
                                .distinct())
                        .as("one ratio for the keyspace, second " + s)
                        .hasSize(1);
            }
            List<Double> steps = throttles(osc, id, from).stream()
                    .map(e -> Double.parseDouble(e.stepId().substring(e.stepId().lastIndexOf(':') + 1)))
                    .toList();
            System.out.println("keyspace steps from " + ramped + " with the lags swapping: " + steps);
            assertThat(steps)
                    .as(
                            "the keyspace's lag rose once (0 to 2 s, inside the dead band of a 3 s target: a fifth off), then held")
                    .containsExactly(LagControllerRatios.cutByAFifth(ramped));
            assertThat(osc.get(id).shard("-40").orElseThrow().progress().throttleReason())
                    .as("the reason names the worst shard, whose lag the keyspace's step used")
                    .startsWith("replica lag 2s, target 3s, limit 10s: copy at 30% (closed loop) (shard 40-80;")
                    .contains("the throttle is keyspace-wide");
            AuditTrails.assertSound(osc.audit(id));
        }
    }

    /** The law's cut inside the dead band (LagController is package-private in another package). */
    private static final class LagControllerRatios {
        static double cutByAFifth(double ratio) {
            double rate = 1 - ratio;
            double next = Math.max(0.05, Math.min(rate - 0.05, rate * 0.8));
            return Math.round((1 - next) / 0.05) * 0.05 * 100 / 100.0;
        }
    }
}
