package dev.osc4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationPolicy;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Closed-loop groups: one budget per server")
class ControlGroupsTest {
    private static final MigrationPolicy POLICY = MigrationPolicy.builder()
            .targetReplicaLag(Duration.ofSeconds(1))
            .maxReplicaLag(Duration.ofSeconds(10))
            .build();
    private static final Duration TARGET = Duration.ofSeconds(1);
    private static final Duration HARD = Duration.ofSeconds(10);
    private static final Instant T0 = Instant.parse("2026-12-04T00:00:00Z");
    private static final Duration LOW = Duration.ofMillis(300); // in the additive band: +5 % a step

    private final ControlGroups<String> groups = new ControlGroups<>(Duration.ofSeconds(1), Duration.ofSeconds(5));

    @Test
    @DisplayName("a group of one steps as the law does, at most once an interval")
    void one() {
        assertThat(groups.step("p", "a", 0.5, LOW, null, POLICY, T0))
                .isEqualTo(LagController.next(0.5, LOW, null, TARGET, HARD));
        assertThat(groups.step("p", "a", 0.95, LOW, null, POLICY, T0.plusMillis(500)))
                .as("not due")
                .isNull();
        assertThat(groups.step("p", "a", 0.5, LOW, null, POLICY, T0.plusSeconds(1)))
                .as("+5 %")
                .isEqualTo(0.45);
    }

    @Test
    @DisplayName("two copies on one primary: the law steps their summed rate, split equally; a stop stops both")
    void two() {
        Instant t = T0;
        groups.step("p", "a", 0.5, LOW, null, POLICY, t);
        groups.step("p", "b", 0.9, LOW, null, POLICY, t);
        t = t.plusSeconds(1);
        // Applied 0.5 and 0.9: summed rate 0.6; +5 % is 0.65, 13 units: 7 and 6.
        double a = due("p", "a", 0.5, LOW, null, POLICY, t);
        double b = due("p", "b", 0.9, LOW, null, POLICY, t);
        assertThat((1 - a) + (1 - b)).isCloseTo(0.65, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Math.abs(a - b)).as("equal shares, to a step").isLessThanOrEqualTo(0.05 + 1e-9);
        assertThat(groups.step("p", "b", b, LOW, null, POLICY, t.plusMillis(10)))
                .as("one share per step")
                .isNull();
        t = t.plusSeconds(1);
        double a2 = due("p", "a", a, Duration.ofSeconds(3), null, POLICY, t);
        double b2 = due("p", "b", b, Duration.ofSeconds(3), null, POLICY, t);
        assertThat((1 - a2) + (1 - b2))
                .as("lag over the target: the sum halved, as one copy's rate would be")
                .isCloseTo(1 - LagController.next(0.35, Duration.ofSeconds(3), LOW, TARGET, HARD), within())
                .isCloseTo(0.65 / 2, org.assertj.core.data.Offset.offset(0.05));
        t = t.plusSeconds(1);
        assertThat(groups.step("p", "b", b2, null, null, POLICY, t)).isEqualTo(1.0);
        assertThat(groups.step("p", "a", a2, null, null, POLICY, t)).isEqualTo(1.0);
    }

    @Test
    @DisplayName("each member gets at least the slowest rate; a member unseen for the stale time, or gone, leaves")
    void membership() {
        Instant t = T0;
        for (String m : new String[] {"a", "b", "c"}) {
            groups.step("p", m, 0.95, LOW, null, POLICY, t);
        }
        assertThat(groups.size("p")).isEqualTo(3);
        t = t.plusSeconds(1);
        // summed 0.15 -> 0.2: 4 units for 3 members
        double a = due("p", "a", 0.95, LOW, null, POLICY, t);
        double b = due("p", "b", 0.95, LOW, null, POLICY, t);
        double c = due("p", "c", 0.95, LOW, null, POLICY, t);
        assertThat(new double[] {a, b, c}).containsOnly(0.95, 0.9);
        assertThat((1 - a) + (1 - b) + (1 - c)).isCloseTo(0.2, within());
        groups.leave("c");
        assertThat(groups.size("p")).isEqualTo(2);
        groups.step("p", "a", a, LOW, null, POLICY, t.plusSeconds(10));
        assertThat(groups.size("p")).as("b unseen for 10 s").isEqualTo(1);
        groups.step("q", "a", a, LOW, null, POLICY, t.plusSeconds(11));
        assertThat(groups.size("p")).as("a moved to another primary").isZero();
    }

    /** A step that must be due. */
    private double due(
            String group,
            String member,
            double applied,
            Duration lag,
            @Nullable Integer threads,
            MigrationPolicy p,
            Instant t) {
        return java.util.Objects.requireNonNull(groups.step(group, member, applied, lag, threads, p, t));
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }
}
