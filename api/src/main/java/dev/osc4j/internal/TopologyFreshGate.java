package dev.osc4j.internal;

import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.util.Objects;

/** Passes when the topology was read recently and the primary is the one recorded at start (or re-validation). */
final class TopologyFreshGate implements Gate {
    @Override
    public String name() {
        return "topology_fresh";
    }

    @Override
    public GateResult evaluate(GateContext context) {
        ShardHealth health = context.health();
        if (health == null) {
            return GateResult.waitFor("topology not read");
        }
        Duration age = Duration.between(health.readAt(), context.now());
        Duration max = context.migration().policy().maxTopologyAge();
        if (age.compareTo(max) > 0) {
            return GateResult.waitFor(
                    "topology read " + Durations.format(age) + " ago, older than " + Durations.format(max));
        }
        String recorded = context.shard().primary();
        if (!Objects.equals(recorded, health.primary())) {
            return GateResult.waitFor("primary is " + health.primary() + ", recorded " + recorded + ": re-validating");
        }
        return GateResult.pass();
    }
}
