package dev.osc4j.internal;

import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The global barrier: passes when every shard of the migration is ready to cut over (or already past it, after a
 * partial retry).
 */
final class BarrierGate implements Gate {
    private final boolean ignoreLastShard;

    BarrierGate() {
        this(false);
    }

    private BarrierGate(boolean ignoreLastShard) {
        this.ignoreLastShard = ignoreLastShard;
    }

    /** A deliberately broken barrier that does not wait for the last shard (the simulator's mutation check). */
    static BarrierGate ignoringLastShard() {
        return new BarrierGate(true);
    }

    @Override
    public String name() {
        return "barrier";
    }

    @Override
    public GateResult evaluate(GateContext context) {
        List<String> waiting = new ArrayList<>();
        List<ShardRecord> shards = context.migration().shards();
        if (ignoreLastShard && shards.size() > 1) {
            shards = shards.subList(0, shards.size() - 1);
        }
        for (ShardRecord s : shards) {
            if (s.state().pathIndex() < MigrationState.CUTOVER_PENDING.pathIndex()) {
                waiting.add(s.shard() + " " + s.state());
            }
        }
        if (waiting.isEmpty()) {
            return GateResult.pass();
        }
        int total = context.migration().shards().size();
        return GateResult.waitFor((total - waiting.size()) + "/" + total + " shards ready; waiting for "
                + String.join(", ", waiting.subList(0, Math.min(4, waiting.size())))
                + (waiting.size() > 4 ? ", ..." : ""));
    }
}
