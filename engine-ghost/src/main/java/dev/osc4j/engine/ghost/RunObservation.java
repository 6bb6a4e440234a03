package dev.osc4j.engine.ghost;

import dev.osc4j.FailureReason;
import dev.osc4j.engine.ghost.GhostOutputParser.State;
import dev.osc4j.engine.ghost.GhostOutputParser.Status;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Reconciles what can be seen of one run into an {@link EngineObservation}, as a pure function so every case can be
 * tested: the process (alive, or its exit code), the latest status line (from the socket, else from the output), the
 * hooks' events, the flag files, and the error lines of the log.
 *
 * <p>Phases: no status yet, or {@code counting rows} → {@link EnginePhase#STARTING}; rows being copied →
 * {@link EnginePhase#COPYING}; row copy complete (its hook ran) but backlog or heartbeat lag left →
 * {@link EnginePhase#CATCHING_UP}; {@code postponing cut-over} with an empty backlog and a heartbeat lag within
 * {@code --max-lag-millis} → {@link EnginePhase#READY_FOR_CUTOVER}; released (the postpone flag file is gone) after
 * the copy → {@link EnginePhase#CUTTING_OVER}; exit 0 after {@code # Done} → {@link EnginePhase#COMPLETED}; exit after
 * {@code cancel} → {@link EnginePhase#CANCELLED}; any other exit → {@link EnginePhase#FAILED} with the last error lines.
 *
 * @param launched whether the wrapper started gh-ost
 * @param alive whether gh-ost runs now
 * @param exitCode its exit code, when it exited and the wrapper recorded it
 * @param printedDone whether it printed {@code # Done}
 * @param status the latest status line, if any
 * @param events what the hooks recorded
 * @param released whether the cut-over was released (the postpone flag file is gone)
 * @param cancelRequested whether {@code cancel} was called
 * @param errors the last error lines of the log
 * @param maxLag the run's {@code --max-lag-millis}: the heartbeat lag under which a postponed run counts as ready
 */
record RunObservation(
        boolean launched,
        boolean alive,
        @Nullable Integer exitCode,
        boolean printedDone,
        @Nullable Status status,
        HookEvents.Recorded events,
        boolean released,
        boolean cancelRequested,
        String errors,
        Duration maxLag) {

    /** The observation. */
    EngineObservation observe() {
        if (!launched) {
            return EngineObservation.of(EnginePhase.NOT_FOUND).withMessage("gh-ost was never started for this run");
        }
        if (!alive) {
            return ended();
        }
        EnginePhase phase = phase();
        EngineObservation obs =
                progress(new EngineObservation(phase, 0, -1, null, false, null, null, null, null, null));
        if (phase == EnginePhase.STARTING && obs.rowsCopied() == 0 && obs.rowsTotal() <= 0) {
            // Before gh-ost counts, its status says "Copy: 0/0 100.0%; ... ETA: due": nothing is known yet. A known
            // estimate ("Copy: 0/752865 0.0%; ... ETA: N/A") is kept.
            obs = new EngineObservation(phase, 0, -1, null, false, null, obs.replicaLag(), null, null, null);
        }
        return obs.withMessage(describe(phase));
    }

    private EnginePhase phase() {
        boolean copyComplete = events.saw("row-copy-complete") || events.saw("begin-postponed");
        Status s = status;
        if (events.saw("success") || (released && (copyComplete || postponing()))) {
            return EnginePhase.CUTTING_OVER;
        }
        if (s != null && s.state() == State.POSTPONING_CUTOVER) {
            return caughtUp(s) ? EnginePhase.READY_FOR_CUTOVER : EnginePhase.CATCHING_UP;
        }
        if (copyComplete) {
            return EnginePhase.CATCHING_UP;
        }
        if (s != null && s.state() == State.COUNTING_ROWS) {
            return EnginePhase.STARTING;
        }
        if (events.saw("before-row-copy") || (s != null && s.rowsCopied() > 0)) {
            return EnginePhase.COPYING;
        }
        return EnginePhase.STARTING;
    }

    private boolean postponing() {
        return status != null && status.state() == State.POSTPONING_CUTOVER;
    }

    private boolean caughtUp(Status s) {
        Duration hb = s.heartbeatLag();
        return s.backlog() == 0 && (hb == null || hb.compareTo(maxLag) <= 0);
    }

    private EngineObservation progress(EngineObservation base) {
        EngineObservation obs = base;
        Status s = status;
        if (s != null) {
            // A negative estimate (gh-ost: 100%) means the rows copied are all there is.
            obs = obs.withRows(s.rowsCopied(), s.rowsEstimate() < 0 ? s.rowsCopied() : s.rowsEstimate());
            obs = switch (s.etaKind()) {
                case DUE -> obs.withEngineEta(Duration.ZERO);
                case DURATION -> obs.withEngineEta(s.eta());
                case UNKNOWN -> obs;
            };
            if (s.state() == State.THROTTLED) {
                obs = obs.withThrottle(true, s.throttleReason());
            }
            obs = obs.withReplication(s.lag(), null);
        } else {
            HookEvents.Event e = events.latest();
            if (e != null) {
                long copied = number(e.get("GH_OST_COPIED_ROWS"), 0);
                long estimate = number(e.get("GH_OST_ESTIMATED_ROWS"), -1);
                // negative: unknown (-1), or below zero as in the status line; then the rows copied are the total
                obs = obs.withRows(copied, estimate < 0 ? (copied > 0 ? copied : -1) : estimate);
            }
        }
        return obs;
    }

    private static long number(@Nullable String s, long otherwise) {
        if (s == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private String describe(EnginePhase phase) {
        Status s = status;
        if (s == null) {
            return "gh-ost "
                    + (phase == EnginePhase.STARTING ? "starting" : phase.name().toLowerCase(Locale.ROOT));
        }
        StringBuilder b = new StringBuilder("gh-ost: ").append(s.stateText());
        if (phase == EnginePhase.CATCHING_UP || phase == EnginePhase.READY_FOR_CUTOVER) {
            b.append("; backlog ").append(s.backlog()).append('/').append(s.backlogCapacity());
            Duration hb = s.heartbeatLag();
            if (hb != null) {
                b.append("; heartbeat lag ")
                        .append(hb.toMillis())
                        .append(" ms (max ")
                        .append(maxLag.toMillis())
                        .append(" ms)");
            }
        }
        if (!s.streamer().isEmpty()) {
            b.append("; streamer ").append(s.streamer());
        }
        return b.toString();
    }

    private EngineObservation ended() {
        Integer code = exitCode;
        boolean success = code != null ? code == 0 && printedDone : printedDone;
        if (success) {
            EngineObservation done = progress(EngineObservation.of(EnginePhase.COMPLETED));
            return done.withThrottle(false, null).withEngineEta(Duration.ZERO).withMessage("gh-ost printed '# Done'");
        }
        String exit = code == null ? "gh-ost exited (exit code not recorded)" : "gh-ost exited with code " + code;
        String detail = errors.isEmpty() ? "" : ": " + errors;
        if (cancelRequested) {
            return progress(EngineObservation.of(EnginePhase.CANCELLED))
                    .withThrottle(false, null)
                    .withMessage("cancelled (panic); " + exit + detail);
        }
        String failureHook = events.failure() != null ? " (the failure hook ran)" : "";
        if (code != null && code == 0) {
            detail = ": it exited 0 without printing '# Done'" + detail;
        }
        EngineObservation failed = progress(new EngineObservation(
                        EnginePhase.FAILED, 0, -1, null, false, null, null, null, classify(code), null))
                .withThrottle(false, null);
        return failed.withMessage(exit + failureHook + detail);
    }

    /** What the failure means, from the exit code and the error lines. */
    private FailureReason classify(@Nullable Integer code) {
        if (code != null && code == 2) {
            return FailureReason.ENGINE_CONFIGURATION; // the flag parser refused the command line
        }
        String e = errors.toLowerCase(Locale.ROOT);
        if (e.contains("unable to alter ghost table") // gh-ost's own words when the server refused the ALTER
                || e.contains("you have an error in your sql syntax")
                || e.contains("error 1064")
                || e.contains("alter statement seems to rename the table")) {
            return FailureReason.INVALID_DDL;
        }
        if (e.contains("no primary nor unique key") || e.contains("no shared unique key")) {
            return FailureReason.NO_UNIQUE_KEY;
        }
        if (e.contains("foreign key")) {
            return FailureReason.FOREIGN_KEYS;
        }
        if ((e.contains("table") && (e.contains("doesn't exist") || e.contains("does not exist")))
                || e.contains("cannot find table")) {
            return FailureReason.TABLE_NOT_FOUND;
        }
        if (e.contains("access denied")
                || e.contains("connection refused")
                || e.contains("dial tcp")
                || e.contains("bad connection")
                || e.contains("invalid connection")
                || e.contains("can't connect")) {
            return FailureReason.CONNECTION;
        }
        if (released && (events.saw("row-copy-complete") || events.saw("begin-postponed"))) {
            return FailureReason.CUTOVER_FAILED;
        }
        return FailureReason.ENGINE_FAILED;
    }
}
