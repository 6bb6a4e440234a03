package dev.osc4j.internal;

import dev.osc4j.MigrationState;
import dev.osc4j.Rollout;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.time.Duration;
import java.time.Instant;
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
        List<ShardRecord> all = context.migration().shards();
        Rollout rollout = context.migration().policy().rollout();
        if (rollout == null) {
            return allReady(all, all.size(), "");
        }
        int index = indexOf(all, context.shard().shard());
        int wave = rollout.waveOf(index);
        String which = "wave " + (wave + 1) + " of " + rollout.waves(all.size()) + ": ";
        List<String> notSwitched = new ArrayList<>();
        Instant lastSwitch = null;
        List<ShardRecord> mine = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            ShardRecord s = all.get(i);
            int w = rollout.waveOf(i);
            if (w == wave) {
                mine.add(s);
            } else if (w < wave) {
                if (!s.state().isSwitched()) {
                    notSwitched.add(s.shard() + " " + s.state());
                } else if (lastSwitch == null || s.stateSince().isAfter(lastSwitch)) {
                    lastSwitch = s.stateSince();
                }
            }
        }
        if (!notSwitched.isEmpty()) {
            return GateResult.waitFor(which + "the waves before it have not all swapped; waiting for "
                    + String.join(", ", notSwitched.subList(0, Math.min(4, notSwitched.size())))
                    + (notSwitched.size() > 4 ? ", ..." : ""));
        }
        if (lastSwitch != null && context.now().isBefore(lastSwitch.plus(rollout.bakeTime()))) {
            return GateResult.waitFor(which + "the wave before it bakes for "
                    + Durations.format(Duration.between(context.now(), lastSwitch.plus(rollout.bakeTime())))
                    + " more");
        }
        return allReady(mine, mine.size(), which);
    }

    /** Passes when every shard of {@code shards} is ready to cut over or past it. */
    private GateResult allReady(List<ShardRecord> shards, int total, String which) {
        List<String> waiting = new ArrayList<>();
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
        return GateResult.waitFor(which + (total - waiting.size()) + "/" + total + " shards ready; waiting for "
                + String.join(", ", waiting.subList(0, Math.min(4, waiting.size())))
                + (waiting.size() > 4 ? ", ..." : ""));
    }

    private static int indexOf(List<ShardRecord> shards, String name) {
        for (int i = 0; i < shards.size(); i++) {
            if (shards.get(i).shard().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no shard " + name);
    }
}
