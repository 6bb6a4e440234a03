package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.Trigger;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Records the outcome of a performed intent: the second half of the write-ahead pattern. Pure. */
final class Outcomes {
    private Outcomes() {}

    /** What performing an intent produced. */
    public sealed interface Outcome {}

    /**
     * The effect happened.
     *
     * @param handle the run's handle, for {@link Intent.IntentKind#START}
     * @param cleanup what was dropped, for {@link Intent.IntentKind#CLEANUP}
     */
    public record Done(
            @Nullable EngineHandle handle, @Nullable CleanupReport cleanup) implements Outcome {}

    /**
     * The effect failed.
     *
     * @param error the engine's error
     */
    public record Failed(EngineException error) implements Outcome {}

    /**
     * The record after the outcome of {@code intent} on {@code shard}; unchanged (null) when the intent is no longer
     * pending (another controller recorded it first).
     */
    public static @Nullable Result apply(
            MigrationRecord rec, String shard, Intent intent, Outcome outcome, String actor, Instant now) {
        ShardRecord current = rec.shard(shard).orElseThrow();
        if (!intent.equals(current.intent())) {
            return null;
        }
        RecordChange change = new RecordChange(rec, actor, now);
        int i = change.indexOf(shard);
        if (outcome instanceof Failed failed) {
            EngineException e = failed.error();
            String message = java.util.Objects.requireNonNullElse(e.getMessage(), e.toString());
            if (e.retryable()) {
                // Keep the intent: the next pass performs it again with the same key.
                change.setShard(i, current.withWaitReason(intent.kind() + " failed, will retry: " + message));
                return new Result(change.build(false), change.audit());
            }
            switch (intent.kind()) {
                case START -> {
                    change.effectDone(i, "refused: " + message);
                    change.fail(i, e.reason(), message);
                }
                case VERIFY -> {
                    change.effectDone(i, "refused: " + message);
                    change.fail(i, e.reason(), "the checksum before the swap could not start: " + message);
                }
                case RELEASE_CUTOVER -> {
                    change.effectDone(i, "refused: " + message);
                    change.fail(
                            i,
                            e.reason() == FailureReason.UNKNOWN ? FailureReason.CUTOVER_FAILED : e.reason(),
                            message);
                }
                case THROTTLE -> {
                    // The engine cannot throttle as asked; record that and stop asking for this ratio.
                    change.effectDone(i, "refused: " + message);
                    change.setShard(i, change.shard(i).withAppliedThrottleRatio(ratio(intent)));
                }
                case CANCEL -> {
                    change.effectDone(i, "refused: " + message);
                    if (change.shard(i).state() != MigrationState.FAILED) {
                        change.fail(i, FailureReason.CANCELLED, "aborted; cancel refused: " + message);
                    }
                }
                case CLEANUP, RETIRE, ROUTE_HOLD, ROUTE_RESTORE, ANALYZE, WARM ->
                    // Kept pending and tried again with a backoff: what these undo or protect must not be skipped.
                    change.setShard(
                            i,
                            current.withWaitReason(
                                    intent.kind().name().toLowerCase(java.util.Locale.ROOT) + " failed: " + message));
            }
            return new Result(change.build(false), change.audit());
        }
        Done done = (Done) outcome;
        switch (intent.kind()) {
            case START -> {
                EngineHandle handle = done.handle();
                if (handle == null) {
                    throw new IllegalArgumentException("a START outcome needs a handle");
                }
                change.setShard(i, current.withHandle(handle).withAppliedThrottleRatio(0));
                change.effectDone(i, "run " + handle.attributes());
            }
            case VERIFY -> change.effectDone(i, "checksum started");
            case ANALYZE -> change.effectDone(i, "ANALYZE started");
            case WARM -> change.effectDone(i, "warming started");
            case RELEASE_CUTOVER -> change.effectDone(i, "");
            case THROTTLE -> {
                change.setShard(i, current.withAppliedThrottleRatio(ratio(intent)));
                change.effectDone(i, "ratio " + ratio(intent));
            }
            case CANCEL -> {
                change.effectDone(i, "");
                if (change.shard(i).state() != MigrationState.FAILED) {
                    change.fail(i, FailureReason.CANCELLED, "aborted by operator");
                }
            }
            case CLEANUP -> {
                EngineKey key = intent.key();
                ShardRecord s = current;
                EngineHandle handle = s.handle();
                if (handle != null && handle.key().equals(key)) {
                    s = s.withHandle(null);
                }
                List<EngineKey> leftovers = new ArrayList<>(s.leftovers());
                leftovers.remove(key);
                List<dev.osc4j.Artifact> artifacts = new ArrayList<>(s.artifacts());
                artifacts.removeIf(a -> a.key().equals(key)); // dropped, or never existed
                change.setShard(
                        i, s.withLeftovers(leftovers).withArtifacts(artifacts).withWaitReason(null));
                change.effectDone(i, describe(done.cleanup()));
            }
            case RETIRE -> {
                change.effectDone(i, describe(done.cleanup()));
                change.transition(
                        i,
                        MigrationState.COMPLETED,
                        Trigger.WINDOW_CLOSED,
                        rec.controls().closeRevertWindow()
                                ? "revert window closed by an operator"
                                : "revert window of "
                                        + Durations.format(rec.policy().revertWindowOrDefault()) + " ended");
            }
            case ROUTE_HOLD -> {
                change.setShard(i, current.withRouteHeld(true));
                change.effectDone(i, "traffic held");
                // The swap follows in the same write: the hold is done and the release is recorded before it happens.
                change.intent(i, IntentKind.RELEASE_CUTOVER, intent.key(), null, "");
            }
            case ROUTE_RESTORE -> {
                change.setShard(i, current.withRouteHeld(false));
                change.effectDone(i, "traffic restored");
            }
        }
        return new Result(change.build(false), change.audit());
    }

    private static String describe(@Nullable CleanupReport report) {
        return report == null
                ? ""
                : "dropped " + report.dropped() + (report.notes().isEmpty() ? "" : "; " + report.notes());
    }

    /** The record after a controller found a recorded run again under a refreshed handle. */
    public static Result reattached(MigrationRecord rec, String shard, EngineHandle handle, String actor, Instant now) {
        RecordChange change = new RecordChange(rec, actor, now);
        int i = change.indexOf(shard);
        change.setShard(i, change.shard(i).withHandle(handle));
        change.note(shard, "reattach", "reattached to run " + handle.attributes());
        return new Result(change.build(false), change.audit());
    }

    private static double ratio(Intent intent) {
        Double r = intent.ratio();
        return r == null ? 0 : r;
    }

    /**
     * A record and the audit entries to write with it.
     *
     * @param record the new record
     * @param audit the entries
     */
    public record Result(MigrationRecord record, List<AuditEntry> audit) {}
}
