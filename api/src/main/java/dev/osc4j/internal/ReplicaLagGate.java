package dev.osc4j.internal;

import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;

/** Passes when every replica of the shard lags less than the policy's threshold. Unknown lag waits. */
final class ReplicaLagGate implements Gate {
    @Override
    public String name() {
        return "replica_lag";
    }

    @Override
    public GateResult evaluate(GateContext context) {
        ShardHealth health = context.health();
        if (health == null) {
            return GateResult.waitFor("replica lag unknown: topology not read");
        }
        String unknown = health.replicaWithUnknownLag();
        if (unknown != null) {
            return GateResult.waitFor("replica " + unknown + " lag unknown (replication stopped?)");
        }
        Duration max = context.migration().policy().maxReplicaLag();
        Duration lag = health.maxKnownLag();
        if (lag.compareTo(max) > 0) {
            return GateResult.waitFor("replica lag " + Durations.format(lag) + " > " + Durations.format(max));
        }
        return GateResult.pass();
    }
}
