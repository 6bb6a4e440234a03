package dev.osc4j.samples.quickstart;

import dev.osc4j.KeyspaceProgress;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardSnapshot;
import dev.osc4j.TransitionEvent;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Prints every transition as it happens and renders the latest progress as one bar per shard plus the keyspace. */
final class ConsoleProgress implements ProgressSink {
    private static final int BAR = 30;
    private final PrintStream out;
    private volatile @Nullable ProgressSnapshot latest;

    ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onProgress(ProgressSnapshot snapshot) {
        latest = snapshot;
    }

    @Override
    public void onTransition(TransitionEvent e) {
        synchronized (out) {
            out.printf(
                    Locale.ROOT,
                    "  %-12s %-20s -> %-20s %s%n",
                    e.shard() == null ? "[migration]" : "[" + e.shard() + "]",
                    e.from(),
                    e.to(),
                    e.detail());
        }
    }

    /** Prints the latest snapshot as a block of lines. */
    void render() {
        ProgressSnapshot s = latest;
        if (s == null) {
            return;
        }
        synchronized (out) {
            out.println();
            for (ShardSnapshot shard : s.shards()) {
                ShardProgress p = shard.progress();
                out.printf(
                        Locale.ROOT,
                        "  %-6s %s %5.1f%%  %,9d/%,-9d eta %-7s %-20s %s%n",
                        shard.shard(),
                        bar(p.percent()),
                        p.percent(),
                        p.rowsCopied(),
                        Math.max(0, p.rowsTotal()),
                        eta(p.eta()),
                        shard.state(),
                        status(p, shard.waitReason()));
            }
            KeyspaceProgress a = s.aggregate();
            out.printf(
                    Locale.ROOT,
                    "  %-6s %s %5.1f%%  %,9d/%,-9d eta %-7s %-20s %d throttled%n%n",
                    s.keyspace(),
                    bar(a.percent()),
                    a.percent(),
                    a.rowsCopied(),
                    Math.max(0, a.rowsTotal()),
                    eta(a.eta()),
                    s.state(),
                    a.throttledShards());
        }
    }

    private static String bar(double percent) {
        int filled = (int) Math.round(percent / 100 * BAR);
        return "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "]";
    }

    private static String eta(@Nullable Duration d) {
        if (d == null) {
            return "?";
        }
        long s = d.toSeconds();
        return s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
    }

    private static String status(ShardProgress p, @Nullable String waitReason) {
        if (p.throttled()) {
            return "THROTTLED: " + p.throttleReason();
        }
        if (p.stalled()) {
            return "STALLED";
        }
        return waitReason == null ? "" : waitReason;
    }
}
