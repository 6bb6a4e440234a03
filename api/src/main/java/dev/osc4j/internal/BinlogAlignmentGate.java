package dev.osc4j.internal;

import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;

/**
 * Passes when the engine has applied up to the catch-up target (for engines that report a position) and every replica
 * has caught up to it. The target is the health's primary position, which the controller fixes once the engine is
 * first seen ready (read just after that observation; see {@code Reconciler#withAlignmentTarget}), so under steady
 * writes the gate waits for a fixed point rather than for a primary that keeps moving away. Without positions from the
 * probe, replicas with zero lag count as caught up.
 */
final class BinlogAlignmentGate implements Gate {
    @Override
    public String name() {
        return "binlog_alignment";
    }

    @Override
    public GateResult evaluate(GateContext context) {
        ShardHealth health = context.health();
        if (health == null) {
            return GateResult.waitFor("alignment unknown: topology not read");
        }
        ReplicationPosition primary = health.primaryPosition();
        if (primary == null) {
            for (ReplicaHealth r : health.replicas()) {
                Duration lag = r.lag();
                if (lag == null || !lag.isZero()) {
                    return GateResult.waitFor("replica " + r.replica() + " not caught up (lag "
                            + (lag == null ? "unknown" : lag.toMillis() + "ms") + ")");
                }
            }
            return GateResult.pass();
        }
        EngineObservation obs = context.observation();
        ReplicationPosition applied = obs == null ? null : obs.appliedPosition();
        if (applied != null) {
            if (!applied.comparableWith(primary)) {
                return GateResult.waitFor(
                        "engine position " + applied + " cannot be compared with primary position " + primary);
            }
            if (!applied.covers(primary)) {
                return GateResult.waitFor("engine applied " + applied + ", primary at " + primary);
            }
        }
        for (ReplicaHealth r : health.replicas()) {
            ReplicationPosition pos = r.position();
            if (pos == null) {
                Duration lag = r.lag();
                if (lag == null || !lag.isZero()) {
                    return GateResult.waitFor("replica " + r.replica() + " position unknown and lag not zero");
                }
            } else if (!pos.covers(primary)) {
                return GateResult.waitFor("replica " + r.replica() + " at " + pos + ", primary at " + primary);
            }
        }
        return GateResult.pass();
    }
}
