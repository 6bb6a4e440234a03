package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.FailureReason;
import java.time.Duration;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * What an engine reports about one run at one moment.
 *
 * @param phase where the run is
 * @param rowsCopied rows copied so far
 * @param rowsTotal the engine's estimate of rows to copy, or -1 when unknown
 * @param engineEta the engine's own ETA, when it has one (osc4j computes its own and uses this as a fallback)
 * @param throttled whether the copy is throttled now
 * @param throttleReason why, when throttled; when not throttled, why a throttle osc4j asked for has no effect (the
 *     progress then shows the copy as not throttled), else null
 * @param replicaLag the lag the engine measures, when it measures one
 * @param appliedPosition the binlog position the engine has applied, for engines that report it
 * @param failureReason classification, when {@link EnginePhase#FAILED}
 * @param message details (last error lines, a status message)
 * @param checksum the comparison of the original with the copy before the swap, once {@link ExecutionEngine#verify}
 *     started it; null before that, and for engines that do not compare
 * @param analyze the replicated ANALYZE of the new table before the swap, once {@link ExecutionEngine#analyze} started
 *     it; null before that
 * @param warm the warming of the new table before the swap, once {@link ExecutionEngine#warm} started it; null before
 *     that
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record EngineObservation(
        EnginePhase phase,
        long rowsCopied,
        long rowsTotal,
        @Nullable Duration engineEta,
        boolean throttled,
        @Nullable String throttleReason,
        @Nullable Duration replicaLag,
        @Nullable ReplicationPosition appliedPosition,
        @Nullable FailureReason failureReason,
        @Nullable String message,
        @Nullable ChecksumStatus checksum,
        @Nullable PreSwapStatus analyze,
        @Nullable PreSwapStatus warm) {

    /** An observation without the statuses of the ANALYZE and the warming before the swap. */
    public EngineObservation(
            EnginePhase phase,
            long rowsCopied,
            long rowsTotal,
            @Nullable Duration engineEta,
            boolean throttled,
            @Nullable String throttleReason,
            @Nullable Duration replicaLag,
            @Nullable ReplicationPosition appliedPosition,
            @Nullable FailureReason failureReason,
            @Nullable String message,
            @Nullable ChecksumStatus checksum) {
        this(
                phase,
                rowsCopied,
                rowsTotal,
                engineEta,
                throttled,
                throttleReason,
                replicaLag,
                appliedPosition,
                failureReason,
                message,
                checksum,
                null,
                null);
    }

    /** An observation without a checksum status. */
    public EngineObservation(
            EnginePhase phase,
            long rowsCopied,
            long rowsTotal,
            @Nullable Duration engineEta,
            boolean throttled,
            @Nullable String throttleReason,
            @Nullable Duration replicaLag,
            @Nullable ReplicationPosition appliedPosition,
            @Nullable FailureReason failureReason,
            @Nullable String message) {
        this(
                phase,
                rowsCopied,
                rowsTotal,
                engineEta,
                throttled,
                throttleReason,
                replicaLag,
                appliedPosition,
                failureReason,
                message,
                null,
                null,
                null);
    }

    /** A bare observation of a phase, with nothing else known. */
    public static EngineObservation of(EnginePhase phase) {
        return new EngineObservation(phase, 0, -1, null, false, null, null, null, null, null);
    }

    /** A failed run. */
    public static EngineObservation failed(FailureReason reason, String message) {
        return new EngineObservation(EnginePhase.FAILED, 0, -1, null, false, null, null, null, reason, message);
    }

    /** A run the engine (or the controller) cannot find: {@link EnginePhase#NOT_FOUND}, {@link FailureReason#RUN_LOST}. */
    public static EngineObservation runLost(String message) {
        return new EngineObservation(
                EnginePhase.NOT_FOUND, 0, -1, null, false, null, null, null, FailureReason.RUN_LOST, message);
    }

    /** A copy of this observation with progress figures. */
    public EngineObservation withRows(long copied, long total) {
        return new EngineObservation(
                phase,
                copied,
                total,
                engineEta,
                throttled,
                throttleReason,
                replicaLag,
                appliedPosition,
                failureReason,
                message,
                checksum,
                analyze,
                warm);
    }

    /** A copy of this observation with throttle status. */
    public EngineObservation withThrottle(boolean isThrottled, @Nullable String reason) {
        return new EngineObservation(
                phase,
                rowsCopied,
                rowsTotal,
                engineEta,
                isThrottled,
                reason,
                replicaLag,
                appliedPosition,
                failureReason,
                message,
                checksum,
                analyze,
                warm);
    }

    /** A copy of this observation with the engine's ETA. */
    public EngineObservation withEngineEta(@Nullable Duration eta) {
        return new EngineObservation(
                phase,
                rowsCopied,
                rowsTotal,
                eta,
                throttled,
                throttleReason,
                replicaLag,
                appliedPosition,
                failureReason,
                message,
                checksum,
                analyze,
                warm);
    }

    /** A copy of this observation with lag and applied position. */
    public EngineObservation withReplication(@Nullable Duration lag, @Nullable ReplicationPosition applied) {
        return new EngineObservation(
                phase,
                rowsCopied,
                rowsTotal,
                engineEta,
                throttled,
                throttleReason,
                lag,
                applied,
                failureReason,
                message,
                checksum,
                analyze,
                warm);
    }

    /** A copy of this observation with the checksum's status. */
    public EngineObservation withChecksum(@Nullable ChecksumStatus status) {
        return new EngineObservation(
                phase,
                rowsCopied,
                rowsTotal,
                engineEta,
                throttled,
                throttleReason,
                replicaLag,
                appliedPosition,
                failureReason,
                message,
                status,
                analyze,
                warm);
    }

    /** A copy of this observation with the status of the ANALYZE before the swap. */
    public EngineObservation withAnalyze(@Nullable PreSwapStatus status) {
        return new EngineObservation(
                phase,
                rowsCopied,
                rowsTotal,
                engineEta,
                throttled,
                throttleReason,
                replicaLag,
                appliedPosition,
                failureReason,
                message,
                checksum,
                status,
                warm);
    }

    /** A copy of this observation with the status of the warming before the swap. */
    public EngineObservation withWarm(@Nullable PreSwapStatus status) {
        return new EngineObservation(
                phase,
                rowsCopied,
                rowsTotal,
                engineEta,
                throttled,
                throttleReason,
                replicaLag,
                appliedPosition,
                failureReason,
                message,
                checksum,
                analyze,
                status);
    }

    /** A copy of this observation with a message. */
    public EngineObservation withMessage(@Nullable String text) {
        return new EngineObservation(
                phase,
                rowsCopied,
                rowsTotal,
                engineEta,
                throttled,
                throttleReason,
                replicaLag,
                appliedPosition,
                failureReason,
                text,
                checksum,
                analyze,
                warm);
    }
}
