package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import java.time.Instant;
import java.util.List;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * The durable state of one shard of a migration.
 *
 * @param shard the shard name
 * @param target where the engine runs
 * @param state the shard's state
 * @param stateSince when it entered that state
 * @param primary the primary's identity recorded at start (and again after a re-validation); a different primary at
 *     cut-over time means a reparent happened
 * @param handle the current attempt's engine run, once started
 * @param intent a side effect recorded but not yet confirmed done
 * @param leftovers runs of earlier attempts whose artifacts must be cleaned up before the next start
 * @param appliedThrottleRatio the throttle ratio last applied to the engine
 * @param progress the latest persisted progress
 * @param waitReason why the shard is not advancing, when a gate holds it
 * @param failure why it failed, when {@link MigrationState#FAILED}
 * @param routeHeld whether the {@link dev.osc4j.spi.TrafficSwitch} holds traffic for this shard's swap, so that the
 *     swap's end or the fallback chain must restore it
 * @param artifacts the registry: the tables and triggers engine runs of this shard create or may have created, written
 *     before the run can create them (with the start intent) and removed only once a cleanup dropped them; empty for
 *     engines that own their artifacts' lifecycle (Vitess), and in records written before the registry existed
 */
@API(status = MAINTAINED, since = "0.1")
public record ShardRecord(
        String shard,
        ShardTarget target,
        MigrationState state,
        Instant stateSince,
        @Nullable String primary,
        @Nullable EngineHandle handle,
        @Nullable Intent intent,
        List<EngineKey> leftovers,
        double appliedThrottleRatio,
        ShardProgress progress,
        @Nullable String waitReason,
        @Nullable Failure failure,
        boolean routeHeld,
        List<Artifact> artifacts) {

    /** Copies the lists; a registry missing from an older record's JSON is empty. */
    @SuppressWarnings("NullAway") // Jackson passes null for a field that records of an older version do not have
    public ShardRecord {
        leftovers = List.copyOf(leftovers);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
    }

    /** With traffic held ({@code true}) or restored. */
    public ShardRecord withRouteHeld(boolean value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                primary,
                handle,
                intent,
                leftovers,
                appliedThrottleRatio,
                progress,
                waitReason,
                failure,
                value,
                artifacts);
    }

    /** A new shard in {@link MigrationState#QUEUED}. */
    public static ShardRecord queued(ShardTarget target, Instant now) {
        return new ShardRecord(
                target.shard(),
                target,
                MigrationState.QUEUED,
                now,
                null,
                null,
                null,
                List.of(),
                0,
                ShardProgress.NONE,
                null,
                null,
                false,
                List.of());
    }

    /** This shard in {@code next} state since {@code now}; the wait reason is cleared. */
    public ShardRecord withState(MigrationState next, Instant now) {
        return new ShardRecord(
                shard,
                target,
                next,
                now,
                primary,
                handle,
                intent,
                leftovers,
                appliedThrottleRatio,
                progress,
                null,
                failure,
                routeHeld,
                artifacts);
    }

    /** With a different primary baseline. */
    public ShardRecord withPrimary(@Nullable String value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                value,
                handle,
                intent,
                leftovers,
                appliedThrottleRatio,
                progress,
                waitReason,
                failure,
                routeHeld,
                artifacts);
    }

    /** With a different engine handle. */
    public ShardRecord withHandle(@Nullable EngineHandle value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                primary,
                value,
                intent,
                leftovers,
                appliedThrottleRatio,
                progress,
                waitReason,
                failure,
                routeHeld,
                artifacts);
    }

    /** With a different pending intent. */
    public ShardRecord withIntent(@Nullable Intent value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                primary,
                handle,
                value,
                leftovers,
                appliedThrottleRatio,
                progress,
                waitReason,
                failure,
                routeHeld,
                artifacts);
    }

    /** With different leftovers. */
    public ShardRecord withLeftovers(List<EngineKey> value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                primary,
                handle,
                intent,
                value,
                appliedThrottleRatio,
                progress,
                waitReason,
                failure,
                routeHeld,
                artifacts);
    }

    /** With a different applied throttle ratio. */
    public ShardRecord withAppliedThrottleRatio(double value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                primary,
                handle,
                intent,
                leftovers,
                value,
                progress,
                waitReason,
                failure,
                routeHeld,
                artifacts);
    }

    /** With different progress. */
    public ShardRecord withProgress(ShardProgress value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                primary,
                handle,
                intent,
                leftovers,
                appliedThrottleRatio,
                value,
                waitReason,
                failure,
                routeHeld,
                artifacts);
    }

    /** With a different wait reason. */
    public ShardRecord withWaitReason(@Nullable String value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                primary,
                handle,
                intent,
                leftovers,
                appliedThrottleRatio,
                progress,
                value,
                failure,
                routeHeld,
                artifacts);
    }

    /** With a different failure. */
    public ShardRecord withFailure(@Nullable Failure value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                primary,
                handle,
                intent,
                leftovers,
                appliedThrottleRatio,
                progress,
                waitReason,
                value,
                routeHeld,
                artifacts);
    }

    /** With a different artifact registry. */
    public ShardRecord withArtifacts(List<Artifact> value) {
        return new ShardRecord(
                shard,
                target,
                state,
                stateSince,
                primary,
                handle,
                intent,
                leftovers,
                appliedThrottleRatio,
                progress,
                waitReason,
                failure,
                routeHeld,
                value);
    }

    /** The registered artifacts of the run with {@code key}. */
    public List<Artifact> artifactsOf(EngineKey key) {
        return artifacts.stream().filter(a -> a.key().equals(key)).toList();
    }
}
