package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationState;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two migrations copying on one primary (shard -40 of the fake topology: one primary for both) with the closed loop on.
 * Each simulated second the replica's lag follows the summed copy rate: 3 s (over the 1 s target) when the two copy at
 * more than half of full speed together, else 300 ms (where the law adds 5 % a step).
 */
@DisplayName("The closed loop's budget per server")
class ServerBudgetTest {
    private static final String SHARD = "-40";
    private static final double CAPACITY = 0.5;
    private static final double EPS = 1e-9;
    private static final MigrationPolicy POLICY = MigrationPolicy.builder()
            .targetReplicaLag(Duration.ofSeconds(1))
            .maxReplicaLag(Duration.ofSeconds(10))
            .build();

    private static MigrationId submit(MigrationOrchestrator osc, String key, String table) {
        return osc.submit(World.request(key)
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(64)")
                .policy(POLICY)
                .build());
    }

    private static double rate(World w, MigrationId id) {
        return 1 - w.osc.get(id).shard(SHARD).orElseThrow().appliedThrottleRatio();
    }

    private static MigrationState state(World w, MigrationId id) {
        return w.osc.get(id).shard(SHARD).orElseThrow().state();
    }

    private static boolean copying(World w, MigrationId id) {
        return state(w, id) == MigrationState.COPYING_ROWS;
    }

    /** Runs {@code seconds} simulated seconds of five passes of each controller; the rates of a and b after each. */
    private static List<double[]> run(World w, MigrationId a, MigrationId b, int seconds, MigrationOrchestrator... cs) {
        List<double[]> out = new ArrayList<>();
        for (int second = 0; second < seconds; second++) {
            double sum = rate(w, a) + rate(w, b);
            w.topology.setReplicaLag(
                    World.KS, SHARD, sum > CAPACITY + EPS ? Duration.ofSeconds(3) : Duration.ofMillis(300));
            for (int pass = 0; pass < 5; pass++) {
                for (MigrationOrchestrator c : cs) {
                    Simulation.pass(c);
                }
            }
            w.clock.advance(Duration.ofSeconds(1));
            out.add(new double[] {rate(w, a), rate(w, b)});
        }
        return out;
    }

    private static String show(List<double[]> rates) {
        return rates.stream()
                .map(r -> String.format(java.util.Locale.ROOT, "%.2f+%.2f", r[0], r[1]))
                .toList()
                .toString();
    }

    @Test
    @DisplayName("one controller: the law steps the summed rate (5 % a step, halved over the target), split equally;"
            + " every change a THROTTLE intent in the audit")
    void oneController() {
        World w = new World();
        MigrationId a = submit(w.osc, "budget-a", "orders");
        MigrationId b = submit(w.osc, "budget-b", "customers");
        w.runUntil(a, r -> copying(w, a) && copying(w, b));
        List<double[]> rates = run(w, a, b, 16, w.osc);
        System.out.println("one controller, rates a+b by second: " + show(rates));
        assertThat(copying(w, a) && copying(w, b)).as("both still copying").isTrue();
        boolean halved = false;
        for (int i = 1; i < rates.size(); i++) {
            double[] r = rates.get(i);
            double before = rates.get(i - 1)[0] + rates.get(i - 1)[1];
            double sum = r[0] + r[1];
            assertThat(Math.abs(r[0] - r[1]))
                    .as("equal shares, to a step, second " + i)
                    .isLessThanOrEqualTo(0.05 + EPS);
            assertThat(sum - before)
                    .as("the sum grows by one step at most, second " + i)
                    .isLessThanOrEqualTo(0.05 + EPS);
            assertThat(sum).as("over the capacity by one step at most").isLessThanOrEqualTo(CAPACITY + 0.05 + EPS);
            halved |= before > CAPACITY + EPS && sum <= before / 2 + 0.05 + EPS;
        }
        assertThat(halved).as("a sum over the capacity was halved").isTrue();
        AuditTrails.assertSound(w.osc.audit(a));
        AuditTrails.assertSound(w.osc.audit(b));
        assertThat(w.osc.audit(a).stream()
                        .filter(e -> e.detail().startsWith("THROTTLE"))
                        .count())
                .isGreaterThan(5);
    }

    @Test
    @DisplayName("two controllers, one migration each: two loops on the same lag; the sum grows by two steps, and"
            + " unequal rates converge to equal shares (AIMD, Chiu & Jain 1989)")
    void twoControllers() {
        World w = new World();
        MigrationOrchestrator second = w.controller(c -> c.controllerName("second"));
        MigrationId a = submit(w.osc, "budget-a", "orders");
        w.runUntil(a, r -> copying(w, a));
        w.topology.setReplicaLag(World.KS, SHARD, Duration.ofMillis(100)); // a ramps up (by half) alone
        for (int s = 0; s < 3; s++) {
            for (int pass = 0; pass < 5; pass++) {
                Simulation.pass(w.osc);
            }
            w.clock.advance(Duration.ofSeconds(1));
        }
        MigrationId b = submit(second, "budget-b", "customers");
        while (!copying(w, b)) {
            Simulation.pass(second);
            Simulation.pass(w.osc);
            w.clock.advance(Duration.ofMillis(500));
        }
        double gap0 = rate(w, a) - rate(w, b);
        List<double[]> rates = run(w, a, b, 20, w.osc, second);
        System.out.println("two controllers, first gap " + gap0 + ", rates a+b by second: " + show(rates) + ", "
                + w.osc.get(a).shard(SHARD).orElseThrow().state() + " "
                + w.osc.get(b).shard(SHARD).orElseThrow().state());
        assertThat(List.of(state(w, a), state(w, b)))
                .as("both still under the throttle")
                .allMatch(st -> st == MigrationState.COPYING_ROWS || st == MigrationState.WAITING_FOR_CATCHUP);
        assertThat(gap0).as("a started earlier, faster").isGreaterThanOrEqualTo(0.2);
        boolean twoSteps = false;
        for (int i = 1; i < rates.size(); i++) {
            double before = rates.get(i - 1)[0] + rates.get(i - 1)[1];
            double sum = rates.get(i)[0] + rates.get(i)[1];
            twoSteps |= sum - before > 0.1 - EPS;
        }
        assertThat(twoSteps)
                .as("each loop adds its own step: the sum grows by two")
                .isTrue();
        double[] last = rates.get(rates.size() - 1);
        // Within two steps: at 5 % granularity a halving of 0.35 and 0.25 rounds to 0.2 and 0.1.
        assertThat(Math.abs(last[0] - last[1]))
                .as("converged to about equal shares")
                .isLessThanOrEqualTo(0.1 + EPS)
                .isLessThan(gap0 / 2);
    }
}
