package dev.osc4j.cli;

import dev.osc4j.Failure;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Owner;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A migration as lines of text: a header (state, aggregate bar weighted as the keyspace aggregate is, ETA, owner, how
 * old the figures are), a line on its revert when there is something to say (until when it can be reverted and how
 * long that is from now, the revert that reverts it, the migration a revert reverts) and one line per shard (state, bar, rate, lag, throttle and wait reasons). Every line is cut to
 * the width, so a long wait reason never wraps and a redraw in place stays in place. ASCII only, so it reads the same
 * in any locale and in a log file. Used by {@code osc4j show} and {@code osc4j watch}, and by the quickstart.
 */
public final class ProgressView {
    private static final int BAR = 20;

    private ProgressView() {}

    /** The lines of {@code r} at {@code now}, each at most {@code width} characters; at most {@code maxShards} shards. */
    public static List<String> lines(MigrationRecord r, Instant now, int width, int maxShards) {
        MigrationSummary s = MigrationSummary.of(r);
        List<String> out = new ArrayList<>();
        StringBuilder h = new StringBuilder();
        h.append(r.id().value())
                .append("  ")
                .append(r.state())
                .append(r.attempt() > 1 ? " (attempt " + r.attempt() + ")" : "")
                .append(s.paused() ? " PAUSED" : "")
                .append(String.format(Locale.ROOT, "  %5.1f%% ", s.percent()))
                .append(bar(s.percent()));
        Duration eta = s.eta();
        if (eta != null && !r.state().isTerminal() && !r.state().isSwitched()) {
            h.append("  ETA ").append(duration(eta));
        }
        h.append("  ").append(r.spec().keyspace()).append('.').append(r.spec().table());
        Owner owner = r.owner();
        if (owner != null && owner.releasedAt() == null && !r.state().isTerminal()) {
            h.append("  owner ").append(owner.controllerId());
        }
        Instant persisted = r.progressPersistedAt();
        if (persisted != null && !r.state().isTerminal()) {
            h.append("  figures ")
                    .append(duration(Duration.between(persisted, now)))
                    .append(" old");
        }
        out.add(cut(h.toString(), width));
        List<String> notes = RevertNotes.of(r, now);
        if (!notes.isEmpty()) {
            out.add(cut("  " + String.join("; ", notes), width));
        }
        int shown = 0;
        int nameWidth = 4;
        for (ShardRecord sh : r.shards()) {
            nameWidth = Math.max(nameWidth, sh.shard().length());
        }
        for (ShardRecord sh : r.shards()) {
            if (shown == maxShards) {
                out.add(cut("  ... and " + (r.shards().size() - shown) + " more shards", width));
                break;
            }
            out.add(cut(shardLine(sh, nameWidth), width));
            shown++;
        }
        return out;
    }

    private static String shardLine(ShardRecord sh, int nameWidth) {
        ShardProgress p = sh.progress();
        StringBuilder b = new StringBuilder("  ");
        b.append(String.format(
                        Locale.ROOT, "%-" + nameWidth + "s  %-19s %5.1f%% ", sh.shard(), sh.state(), p.percent()))
                .append(bar(p.percent()));
        if (p.rowsTotal() > 0) {
            b.append(String.format(Locale.ROOT, "  %,d/%,d rows", p.rowsCopied(), p.rowsTotal()));
        }
        if (p.rowsPerSecond() > 0 && sh.state() == MigrationState.COPYING_ROWS) {
            b.append(String.format(Locale.ROOT, "  %,.0f rows/s", p.rowsPerSecond()));
        }
        Duration lag = p.replicaLag();
        if (lag != null && !sh.state().isTerminal()) {
            b.append("  lag ").append(duration(lag));
        }
        if (p.throttled()) {
            b.append("  throttled").append(p.throttleReason() == null ? "" : ": " + p.throttleReason());
        }
        if (p.stalled()) {
            b.append("  STALLED");
        }
        String wait = sh.waitReason();
        if (wait != null && !sh.state().isTerminal()) {
            b.append("  waiting: ").append(oneLine(wait));
        }
        Failure failure = sh.failure();
        if (failure != null && sh.state() == MigrationState.FAILED) {
            b.append("  failed (").append(failure.reason()).append("): ").append(oneLine(failure.message()));
        }
        return b.toString();
    }

    /** A bar of {@value #BAR} cells for a percentage. */
    static String bar(double percent) {
        int full = (int) Math.round(Math.max(0, Math.min(100, percent)) / 100.0 * BAR);
        return "[" + "#".repeat(full) + "-".repeat(BAR - full) + "]";
    }

    /** A duration as a person reads it: 850ms, 12s, 3m12s, 2h05m. */
    static String duration(@Nullable Duration d) {
        if (d == null) {
            return "?";
        }
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        long seconds = d.toSeconds();
        if (seconds < 1) {
            return d.toMillis() + "ms";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return (seconds / 60) + "m" + String.format(Locale.ROOT, "%02ds", seconds % 60);
        }
        return (seconds / 3600) + "h" + String.format(Locale.ROOT, "%02dm", (seconds % 3600) / 60);
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    /** {@code s} cut to {@code width} characters, with '~' marking a cut. */
    static String cut(String s, int width) {
        if (width <= 1 || s.length() <= width) {
            return s;
        }
        return s.substring(0, width - 1) + "~";
    }
}
