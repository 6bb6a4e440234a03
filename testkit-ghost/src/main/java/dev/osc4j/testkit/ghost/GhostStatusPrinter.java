package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.FakeGhostRun.sleep;
import static dev.osc4j.testkit.ghost.GoMySql.q;

import dev.osc4j.testkit.ghost.FakeGhostRun.Fatal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The fake's status output, as gh-ost's {@code Migrator} prints it ({@code go/logic/migrator.go}: {@code initiateStatus},
 * {@code printStatus}, {@code printMigrationStatusHint}): the hint block and the {@code Copy: ...} line, on stdout once
 * a "second" while the copy runs (thinned out by the same heuristic), and on demand for the socket's {@code status} and
 * {@code sup}; every {@code --hooks-status-interval} the status hook.
 */
final class GhostStatusPrinter {
    private static final DateTimeFormatter RUBY_DATE = DateTimeFormatter.ofPattern(
                    "EEE MMM dd HH:mm:ss Z yyyy", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private final FakeGhostRun run;

    GhostStatusPrinter(FakeGhostRun run) {
        this.run = run;
    }

    enum Rule {
        HEURISTIC,
        FORCE,
        FORCE_ONLY,
        FORCE_WITH_HINT
    }

    void startStatus() {
        printStatus(Rule.FORCE_WITH_HINT, null);
        run.background("status", () -> {
            long tick = 1;
            while (!run.finished) {
                long due = run.copyStartNanos + tick * run.behavior.second().toNanos();
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    sleep(Duration.ofNanos(wait));
                }
                tick++;
                if (!run.finished) {
                    printStatus(Rule.HEURISTIC, null);
                }
            }
        });
    }

    /** Prints the status (and the hint block when due) to stdout and to {@code also} if given; the status line. */
    @Nullable
    String printStatus(Rule rule, @Nullable StringBuilder also) {
        long elapsedNanos = System.nanoTime() - run.startNanos;
        long elapsedSeconds = elapsedNanos / run.behavior.second().toNanos();
        long total = run.copied.get();
        long estimate = run.rowCopyComplete ? total : run.rowsEstimate;
        double pct = estimate == 0 ? 100.0 : 100.0 * total / estimate;
        StringBuilder text = new StringBuilder();
        if (rule == Rule.FORCE_WITH_HINT || (rule != Rule.FORCE_ONLY && elapsedSeconds % 600 == 0)) {
            text.append(hint());
        }
        long etaSeconds = Long.MAX_VALUE;
        String eta = "N/A";
        if (pct >= 100.0) {
            eta = "due";
            etaSeconds = 0;
        } else if (pct >= 0.1) {
            long rate = run.etaRowsPerSecond;
            double secs;
            if (rate > 0) {
                secs = (estimate - total) / (double) rate;
            } else {
                double copySecs = (System.nanoTime() - run.copyStartNanos)
                        / (double) run.behavior.second().toNanos();
                secs = copySecs * estimate / Math.max(1, total) - copySecs;
            }
            etaSeconds = secs >= 0 ? (long) secs : 0;
            eta = etaSeconds == 0 ? "due" : goDuration(Duration.ofSeconds(etaSeconds));
        }
        // SetETADuration on every call; GetETASeconds gives ETAUnknown (math.MinInt64) while the ETA is unknown
        run.etaSecondsForHooks = etaSeconds == Long.MAX_VALUE ? Long.MIN_VALUE : etaSeconds;
        String state = "migrating";
        String reason = run.throttleReason;
        if (run.countingRows) {
            state = "counting rows";
        } else if (run.postponing) {
            eta = "due";
            state = "postponing cut-over";
        } else if (reason != null) {
            state = "throttled, " + reason;
        }
        boolean print = true;
        if (rule == Rule.HEURISTIC) {
            if (elapsedSeconds <= 60 || etaSeconds <= 60) {
                print = true;
            } else if (etaSeconds <= 180 || elapsedSeconds <= 180) {
                print = elapsedSeconds % 5 == 0;
            } else {
                print = elapsedSeconds % 30 == 0;
            }
        }
        if (!print) {
            if (text.length() > 0) {
                emit(text.toString(), also);
            }
            return null;
        }
        GhostDmlApplier dml = run.dml;
        long copyNanos = run.copyStartNanos == 0
                ? 0
                : (run.rowCopyComplete ? run.copyEndNanos : System.nanoTime()) - run.copyStartNanos;
        String status = String.format(
                Locale.ROOT,
                "Copy: %d/%d %.1f%%; Applied: %d; Backlog: %d/%d; Time: %s(total), %s(copy); streamer: %s; Lag: %.2fs,"
                        + " HeartbeatLag: %.2fs, State: %s; ETA: %s",
                total,
                estimate,
                pct,
                dml == null ? run.revertApplied.get() : dml.applied(),
                dml == null ? 0 : dml.backlog(),
                GhostDmlApplier.QUEUE_CAPACITY,
                goDuration(Duration.ofNanos(elapsedNanos)),
                goDuration(Duration.ofNanos(copyNanos)),
                run.streamer,
                run.inspectorLagNanos / 1e9,
                (System.nanoTime() - run.lastHeartbeatNanos) / 1e9,
                state,
                eta);
        text.append(status).append('\n');
        emit(text.toString(), also);
        long interval = run.flags.integer("hooks-status-interval", 60);
        if (rule == Rule.HEURISTIC && interval > 0 && elapsedSeconds % interval == 0) {
            try {
                run.hooks.executeHooks("status", "GH_OST_STATUS='" + status + "'");
            } catch (Fatal e) {
                run.log("ERROR", String.valueOf(e.getMessage()));
            }
        }
        return status;
    }

    private void emit(String text, @Nullable StringBuilder also) {
        if (also != null) {
            also.append(text);
        }
        synchronized (run.outputLock) {
            run.out.print(text);
            run.out.flush();
        }
    }

    private String hint() {
        StringBuilder b = new StringBuilder();
        b.append("# Migrating ")
                .append(q(run.database))
                .append('.')
                .append(q(run.table))
                .append("; Ghost table is ")
                .append(q(run.database))
                .append('.')
                .append(q(run.ghost))
                .append('\n');
        b.append("# Migrating ")
                .append(run.applierKey)
                .append("; inspecting ")
                .append(run.inspectorKey)
                .append("; executing on ")
                .append(run.hostname)
                .append('\n');
        b.append("# Migration started at ")
                .append(RUBY_DATE.format(run.startTime))
                .append('\n');
        b.append(String.format(
                Locale.ROOT,
                "# chunk-size: %d; max-lag-millis: %dms; dml-batch-size: %d; max-load: %s; critical-load: %s;"
                        + " nice-ratio: %f\n",
                run.chunkSize,
                run.maxLagMillis,
                run.dmlBatchSize,
                run.maxLoad,
                run.criticalLoad,
                run.niceRatio));
        for (String flag : List.of("throttle-flag-file", "throttle-additional-flag-file")) {
            String f =
                    run.flags.string(flag, flag.equals("throttle-additional-flag-file") ? "/tmp/gh-ost.throttle" : "");
            if (!f.isEmpty()) {
                b.append("# ")
                        .append(flag)
                        .append(": ")
                        .append(f)
                        .append(' ')
                        .append(Files.exists(Path.of(f)) ? "[set]" : "")
                        .append('\n');
            }
        }
        if (!run.throttleQuery.isEmpty()) {
            b.append("# throttle-query: ").append(run.throttleQuery).append('\n');
        }
        if (!run.controlReplicas.isEmpty()) {
            b.append("# throttle-control-replicas count: ")
                    .append(run.controlReplicas.size())
                    .append('\n');
        }
        String postpone = run.flags.string("postpone-cut-over-flag-file", "");
        if (!postpone.isEmpty()) {
            b.append("# postpone-cut-over-flag-file: ")
                    .append(postpone)
                    .append(' ')
                    .append(Files.exists(Path.of(postpone)) ? "[set]" : "")
                    .append('\n');
        }
        String panic = run.flags.string("panic-flag-file", "");
        if (!panic.isEmpty()) {
            b.append("# panic-flag-file: ").append(panic).append('\n');
        }
        b.append("# Serving on unix socket: ")
                .append(run.flags.string(
                        "serve-socket-file", "/tmp/gh-ost." + run.database + "." + run.table + ".sock"))
                .append('\n');
        return b.toString();
    }

    /** A duration as gh-ost prints it ({@code PrettifyDurationOutput}): whole seconds, {@code 0s} under a second. */
    static String goDuration(Duration d) {
        long s = d.toSeconds();
        if (s <= 0) {
            return "0s";
        }
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        if (h > 0) {
            return h + "h" + m + "m" + sec + "s";
        }
        if (m > 0) {
            return m + "m" + sec + "s";
        }
        return sec + "s";
    }
}
