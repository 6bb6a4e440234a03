package dev.osc4j.engine.vitess;

import dev.osc4j.FailureReason;
import dev.osc4j.engine.vitess.VtgateRows.MigrationRow;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Maps one shard's {@code SHOW VITESS_MIGRATIONS} row to an {@link EngineObservation}. Pure.
 *
 * <table>
 *   <caption>migration_status and columns to engine phase</caption>
 *   <tr><th>row</th><th>phase</th></tr>
 *   <tr><td>queued or ready, is_immediate_operation=1, ready_to_complete=1, completion postponed</td>
 *       <td>READY_FOR_CUTOVER</td></tr>
 *   <tr><td>queued or ready, is_immediate_operation=1, ready_to_complete=1, COMPLETE issued</td>
 *       <td>CUTTING_OVER</td></tr>
 *   <tr><td>requested, queued, ready (otherwise)</td><td>STARTING</td></tr>
 *   <tr><td>running after a RETRY, not yet reviewed by the executor</td><td>COPYING, 0 rows copied</td></tr>
 *   <tr><td>running, copy not done</td><td>COPYING</td></tr>
 *   <tr><td>running, copy done, ready_to_complete=0, completion postponed</td><td>CATCHING_UP</td></tr>
 *   <tr><td>running, ready_to_complete=1, completion postponed</td><td>READY_FOR_CUTOVER</td></tr>
 *   <tr><td>running, copy done, completion no longer postponed (COMPLETE issued)</td><td>CUTTING_OVER</td></tr>
 *   <tr><td>complete</td><td>COMPLETED</td></tr>
 *   <tr><td>failed</td><td>FAILED</td></tr>
 *   <tr><td>cancelled</td><td>CANCELLED</td></tr>
 *   <tr><td>anything else</td><td>STARTING, with a message (a conservative phase: it never passes a gate)</td></tr>
 * </table>
 *
 * <p>Vitess does not expose the end of the row copy; it counts as done when {@code ready_to_complete=1}, when {@code
 * progress} reached 100, or when {@code rows_copied} reached {@code table_rows} (an estimate, so the copy may in fact
 * still run: reporting CATCHING_UP a little early only moves the shard to WAITING_FOR_CATCHUP, which waits for
 * READY_FOR_CUTOVER anyway).
 *
 * <p><b>Immediate operations.</b> An ALTER the executor runs directly (a special plan: a RANGE partition rotation
 * under {@code --fast-range-rotation}, an INSTANT change under {@code --prefer-instant-ddl}) never runs a copy: the
 * scheduler sets {@code ready_to_complete=1} while it is queued and, while completion is postponed, leaves it
 * {@code queued} until COMPLETE ({@code scheduleNextMigration} in go/vt/vttablet/onlineddl/executor.go). Such a row is
 * ready for the cut-over, held at the barrier like any other shard.
 *
 * <p><b>After a RETRY.</b> RETRY resets the status and the timestamps but not {@code progress}, {@code rows_copied} nor
 * {@code ready_to_complete} ({@code sqlRetryMigrationWhere} in go/vt/vttablet/onlineddl/schema.go); they keep the
 * failed run's values until the executor reviews the new run, and that review first refreshes {@code
 * liveness_timestamp} ({@code reviewRunningMigrations} in executor.go). So a retried row ({@code retries > 0}) that
 * runs but whose liveness is not later than its {@code started_timestamp} shows stale figures: it counts as COPYING
 * with nothing copied, never as ready.
 */
final class MigrationPhases {
    private MigrationPhases() {}

    static EngineObservation observe(MigrationRow row, Instant now, Duration throttleRecency) {
        return observe(row, now, throttleRecency, false);
    }

    /**
     * The observation of {@code row}; {@code throttlerDisabled} when {@code SHOW VITESS_THROTTLER STATUS} says the
     * shard's tablet throttler is off: VTGate still accepts THROTTLE and the row still shows {@code
     * user_throttle_ratio}, but nothing checks the throttler, so nothing slows down.
     */
    static EngineObservation observe(
            MigrationRow row, Instant now, Duration throttleRecency, boolean throttlerDisabled) {
        EnginePhase phase = phase(row);
        long copied = row.rowsCopied() == null || staleAfterRetry(row) ? 0 : Math.max(0, row.rowsCopied());
        Long tableRows = row.tableRows();
        long total;
        if (tableRows == null || tableRows < 0) {
            total = -1;
        } else if (tableRows == 0 && phase == EnginePhase.STARTING) {
            total = -1; // not estimated before the migration runs
        } else {
            total = Math.max(tableRows, copied);
        }
        Long eta = row.etaSeconds();
        Duration engineEta = eta == null || eta < 0 ? null : Duration.ofSeconds(eta);
        String throttle =
                row.status().equals("running") && !throttlerDisabled ? throttleReason(row, now, throttleRecency) : null;
        String message = message(row, phase);
        Double ratio = row.userThrottleRatio();
        if (throttlerDisabled && ratio != null && ratio > 0 && row.pending()) {
            // Not throttled, with a reason: the throttle osc4j asked for has no effect.
            throttle = "the tablet throttler of " + (row.keyspace() == null ? "" : row.keyspace() + "/") + row.shard()
                    + " is disabled, so throttle ratio " + ratio + " slows nothing";
        }
        FailureReason reason = null;
        if (phase == EnginePhase.FAILED) {
            String text = message == null ? "" : message.toLowerCase(Locale.ROOT);
            reason = text.contains("cut-over") || text.contains("cutover")
                    ? FailureReason.CUTOVER_FAILED
                    : FailureReason.ENGINE_FAILED;
        } else if (phase == EnginePhase.CANCELLED) {
            reason = FailureReason.CANCELLED;
        }
        boolean throttled = throttle != null && !throttlerDisabled;
        return new EngineObservation(phase, copied, total, engineEta, throttled, throttle, null, null, reason, message);
    }

    static EnginePhase phase(MigrationRow row) {
        return switch (row.status()) {
            case "requested", "queued", "ready" -> immediatePhase(row);
            case "running" -> runningPhase(row);
            case "complete" -> EnginePhase.COMPLETED;
            case "failed" -> EnginePhase.FAILED;
            case "cancelled" -> EnginePhase.CANCELLED;
            default -> EnginePhase.STARTING;
        };
    }

    /** A queued or ready row: an immediate operation is ready from the start; anything else is starting. */
    private static EnginePhase immediatePhase(MigrationRow row) {
        if (!Boolean.TRUE.equals(row.immediateOperation()) || !Boolean.TRUE.equals(row.readyToComplete())) {
            return EnginePhase.STARTING;
        }
        return Boolean.FALSE.equals(row.postponeCompletion())
                ? EnginePhase.CUTTING_OVER
                : EnginePhase.READY_FOR_CUTOVER;
    }

    /** Whether a retried row runs but still shows the failed run's figures (see the class comment). */
    static boolean staleAfterRetry(MigrationRow row) {
        Integer retries = row.retries();
        Instant started = row.started();
        Instant liveness = row.liveness();
        return row.status().equals("running")
                && retries != null
                && retries > 0
                && started != null
                && (liveness == null || !liveness.isAfter(started));
    }

    private static EnginePhase runningPhase(MigrationRow row) {
        if (staleAfterRetry(row)) {
            return EnginePhase.COPYING;
        }
        boolean ready = Boolean.TRUE.equals(row.readyToComplete());
        if (!ready && !copyDone(row)) {
            return EnginePhase.COPYING;
        }
        if (Boolean.FALSE.equals(row.postponeCompletion())) {
            return EnginePhase.CUTTING_OVER; // COMPLETE was issued: Vitess cuts over as soon as it is ready
        }
        return ready ? EnginePhase.READY_FOR_CUTOVER : EnginePhase.CATCHING_UP;
    }

    static boolean copyDone(MigrationRow row) {
        Double progress = row.progress();
        Long copied = row.rowsCopied();
        Long total = row.tableRows();
        return Boolean.TRUE.equals(row.readyToComplete())
                || (progress != null && progress >= 100)
                || (copied != null && total != null && total > 0 && copied >= total);
    }

    /** Why the migration is throttled now, or null: a recent throttle mark, or an operator's ratio. */
    static @Nullable String throttleReason(MigrationRow row, Instant now, Duration recency) {
        List<String> reasons = new ArrayList<>();
        Instant last = row.lastThrottled();
        if (last != null && Duration.between(last, now).compareTo(recency) <= 0) {
            String component = blankToNull(row.componentThrottled());
            String why = blankToNull(row.reasonThrottled());
            reasons.add("throttled by the tablet throttler" + (component == null ? "" : " (" + component + ")")
                    + (why == null ? "" : ": " + why));
        }
        Double ratio = row.userThrottleRatio();
        if (ratio != null && ratio > 0) {
            reasons.add("throttle ratio " + ratio + " on the migration");
        }
        return reasons.isEmpty() ? null : String.join("; ", reasons);
    }

    private static @Nullable String message(MigrationRow row, EnginePhase phase) {
        String message = blankToNull(row.message());
        String stage = blankToNull(row.stage());
        if (staleAfterRetry(row)) {
            return "retried: Vitess has not reviewed the new run yet, the row still shows the previous run's figures";
        }
        if (phase == EnginePhase.STARTING
                && !List.of("requested", "queued", "ready").contains(row.status())) {
            return "unknown migration_status '" + row.status() + "'" + (message == null ? "" : ": " + message);
        }
        if (message != null) {
            return message;
        }
        return stage == null ? null : "stage: " + stage;
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
