package dev.osc4j.engine.ptosc;

import dev.osc4j.FailureReason;
import dev.osc4j.engine.ptosc.OutputParser.Stage;
import dev.osc4j.engine.ptosc.OutputParser.Wait;
import dev.osc4j.engine.ptosc.OutputParser.WaitKind;
import dev.osc4j.process.FileTail;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What the engine knows about one run from its directory: the tool's output and the plugin's events, read
 * incrementally, and the mapping of both onto an {@link EngineObservation}. One per run directory per engine;
 * callers synchronize on it.
 */
final class RunWatch {
    final RunDirectory dir;
    final OutputParser output = new OutputParser();
    final PluginEvents events = new PluginEvents();
    private final FileTail outputTail;
    private final FileTail eventsTail;

    /** The observation of a run that has ended: it cannot change any more. */
    @Nullable
    EngineObservation ended;

    /** The last observation of a run whose process vanished, and when it was made (re-checked now and then). */
    @Nullable
    EngineObservation lost;

    @Nullable
    Instant lostAt;

    /** The last observation of the live run, reused for a short time, and when it was made. */
    @Nullable
    EngineObservation recent;

    @Nullable
    Instant recentAt;

    RunWatch(RunDirectory dir) {
        this.dir = dir;
        this.outputTail = new FileTail(dir.output());
        this.eventsTail = new FileTail(dir.events());
    }

    /** Reads what was written since the last call. */
    void refresh() {
        for (String line : outputTail.newLines()) {
            output.accept(line);
        }
        for (String line : eventsTail.newLines()) {
            events.accept(line);
        }
    }

    /** Reads everything, including an unterminated last line: the run has ended, nothing more will come. */
    void refreshFinal() {
        refresh();
        String last = outputTail.pending();
        if (!last.isEmpty()) {
            output.accept(last);
        }
        String lastEvent = eventsTail.pending();
        if (!lastEvent.isEmpty()) {
            events.accept(lastEvent);
        }
    }

    /**
     * What the directory says besides the output and events.
     *
     * @param exitStatus the tool's exit status, once it ended
     * @param pauseFile the pause file exists (osc4j throttles the copy)
     * @param ratio the partial throttle osc4j set (0 none; the plugin pauses after each chunk for ratio / (1 -
     *     ratio) of the chunk's time)
     * @param releaseFile the release file exists (osc4j released the cut-over)
     * @param cancelRequested osc4j asked the run to stop
     */
    record Status(
            @Nullable Integer exitStatus,
            boolean pauseFile,
            boolean releaseFile,
            boolean cancelRequested,
            double ratio) {
        /** A status without a partial throttle. */
        Status(@Nullable Integer exitStatus, boolean pauseFile, boolean releaseFile, boolean cancelRequested) {
            this(exitStatus, pauseFile, releaseFile, cancelRequested, 0);
        }
    }

    /**
     * The observation of a run from its output, its events and its directory. For a live run {@code exitStatus} is
     * null. Pure.
     *
     * <p>Phases: {@code STARTING} until the copy begins ({@code before_copy_rows} or {@code Copying approximately});
     * {@code COPYING} until it ends ({@code after_copy_rows} or {@code Copied rows OK.}); {@code CATCHING_UP} until
     * the plugin holds before the swap; {@code READY_FOR_CUTOVER} while it holds and the release file does not
     * exist; {@code CUTTING_OVER} once released or swapping; {@code COMPLETED} on exit status 0 after {@code
     * Successfully altered}; otherwise {@code FAILED} (or {@code CANCELLED} when osc4j asked it to stop).
     */
    static EngineObservation map(OutputParser out, PluginEvents ev, Status st) {
        long total = out.rowEstimate();
        Integer exit = st.exitStatus();
        if (exit != null) {
            boolean succeeded = exit == 0 && out.stage() == Stage.SUCCEEDED;
            if (succeeded) {
                long rows = Math.max(total, 0);
                return new EngineObservation(
                        EnginePhase.COMPLETED,
                        rows,
                        total,
                        Duration.ZERO,
                        false,
                        null,
                        null,
                        null,
                        null,
                        "pt-online-schema-change altered the table");
            }
            OutputParser.Classification c = exit == 0
                    ? new OutputParser.Classification(
                            FailureReason.ENGINE_FAILED,
                            "pt-online-schema-change exited with status 0 without reporting success")
                    : out.classify(exit);
            String message = c.message();
            if (ev.saw("after_swap_tables") || out.swapped()) {
                message += " [the tables were swapped: the new schema is live]";
            }
            if (st.cancelRequested()) {
                return new EngineObservation(
                        EnginePhase.CANCELLED,
                        0,
                        total,
                        null,
                        false,
                        null,
                        null,
                        null,
                        FailureReason.CANCELLED,
                        "cancelled by osc4j; " + message);
            }
            return EngineObservation.failed(c.reason(), message).withRows(0, total);
        }

        EnginePhase phase = EnginePhase.STARTING;
        if (ev.saw("before_copy_rows") || out.stage().compareTo(Stage.COPYING) >= 0) {
            phase = EnginePhase.COPYING;
        }
        if (ev.saw("after_copy_rows") || out.stage().compareTo(Stage.COPIED) >= 0) {
            phase = EnginePhase.CATCHING_UP;
        }
        if (ev.saw("hold")) {
            phase = st.releaseFile() ? EnginePhase.CUTTING_OVER : EnginePhase.READY_FOR_CUTOVER;
        }
        if (ev.saw("released") || out.stage().compareTo(Stage.SWAPPING) >= 0) {
            phase = EnginePhase.CUTTING_OVER;
        }

        long copied;
        if (phase == EnginePhase.STARTING) {
            copied = 0;
        } else if (phase == EnginePhase.COPYING) {
            copied = total > 0 && out.percent() >= 0 ? total * out.percent() / 100 : 0;
        } else {
            copied = Math.max(total, 0);
        }
        Duration eta = phase == EnginePhase.COPYING ? out.remaining() : null;

        boolean throttled = false;
        String reason = null;
        Duration lag = null;
        if (phase == EnginePhase.COPYING || phase == EnginePhase.STARTING) {
            Wait wait = out.currentWait();
            if (wait != null && wait.kind() != WaitKind.PAUSE_FILE) {
                // pt-osc's own check holds the copy (it may hold it while the pause file exists, too).
                throttled = true;
                reason = withAddress(wait, ev) + (st.pauseFile() ? "; paused by osc4j (pause file)" : "");
                lag = wait.lag();
            } else if (st.pauseFile()) {
                throttled = true;
                reason = "paused by osc4j (pause file)";
            } else if (st.ratio() > 0) {
                throttled = true;
                reason = String.format(
                        java.util.Locale.ROOT,
                        "slowed by osc4j to about %.0f%% of full speed (throttle ratio %s: a pause after each chunk)",
                        100 * (1 - st.ratio()),
                        st.ratio());
            }
        }
        String message =
                switch (phase) {
                    case READY_FOR_CUTOVER -> "holding before the table swap until osc4j releases the cut-over";
                    case CUTTING_OVER -> "released: swapping tables";
                    case CATCHING_UP -> "rows copied; about to hold before the swap";
                    default -> reason;
                };
        return new EngineObservation(phase, copied, total, eta, throttled, reason, lag, null, null, message);
    }

    /** pt-osc names replicas by hostname; add the address the plugin learnt, so the reason says which server. */
    private static String withAddress(Wait wait, PluginEvents ev) {
        String replica = wait.replica();
        String address = replica == null ? null : ev.replicaAddress(replica);
        if (replica == null || address == null || address.equals(replica)) {
            return wait.reason();
        }
        return wait.reason().replace(replica, replica + " (" + address + ")");
    }
}
