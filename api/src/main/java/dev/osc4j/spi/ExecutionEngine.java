package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.Artifact;
import dev.osc4j.EngineException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import java.util.List;
import java.util.Optional;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Runs the copy for one shard: Vitess Online DDL, gh-ost, pt-online-schema-change, or a fake in tests. The
 * orchestrator drives it; the engine does the copying and reports what it sees.
 *
 * <p>Every operation is idempotent: {@link #start} with a key that already has a run returns that run; {@link
 * #releaseCutover}, {@link #throttle}, {@link #cancel} and {@link #cleanup} may be called again after a crash. Errors
 * are thrown as {@link EngineException}, with {@link EngineException#retryable()} telling whether to try again.
 * Credentials are the engine's own configuration and never appear in handles, observations or messages.
 *
 * <p>Implementations must pass the testkit's {@code ExecutionEngineContract}.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public interface ExecutionEngine extends AutoCloseable {

    /** The name requests use to choose this engine, such as {@code pt-osc}. */
    String name();

    /** What this engine can do. */
    EngineCapabilities capabilities();

    /**
     * Checks engine options and anything else that can be checked without side effects, before the migration is
     * accepted. The default accepts everything.
     *
     * @throws InvalidRequestException naming the wrong option
     */
    default void validate(MigrationSpec spec) {}

    /**
     * Starts the run for {@code key} on {@code target}, or returns the run that already has that key. With {@link
     * MigrationSpec#revertible()} the run keeps the original table at the swap, in sync with the new one, until {@link
     * #retire}. With {@link MigrationSpec#revertOf()} the run is a revert: it swaps back the tables of the forward run
     * {@code spec.revertOf().forwardKey(target.shard())}, through the same phases (it holds before the swap until
     * released), and leaves the forward run's kept artifacts to the artifact lifecycle once it swapped.
     */
    EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key);

    /**
     * The tables and triggers the run with {@code key} will create on the server (its shadow and changelog tables,
     * triggers, placeholder and kept tables of a revertible run or a revert), with the names it will give them. The
     * controller registers them in the shard's record ({@link dev.osc4j.ShardRecord#artifacts()}) in the same store
     * write as the start intent, before {@link #start} can create them, so that nothing a run creates is left
     * unrecorded when a controller dies; {@link #cleanup(ShardTarget, MigrationSpec, EngineKey, List)} is then told
     * them. Declare every name the run may create, even one it creates only on some paths: a declared artifact that
     * never existed costs nothing. May read the server (names that depend on what exists there); throws {@link
     * EngineException} (retryable: the controller waits and asks again) when it cannot tell. The default declares
     * nothing, for engines that own their artifacts' lifecycle (Vitess).
     */
    default List<Artifact> plannedArtifacts(ShardTarget target, MigrationSpec spec, EngineKey key) {
        return List.of();
    }

    /** What the run is doing now. A run the engine cannot find is {@link EnginePhase#NOT_FOUND}, not an exception. */
    EngineObservation observe(EngineHandle handle);

    /** Lets a run that holds before the swap proceed. */
    void releaseCutover(EngineHandle handle);

    /**
     * Starts comparing the original table with the run's copy before the swap, for engines whose {@link
     * EngineCapabilities#checksum()} is true, and returns at once; {@link #observe} reports how it goes in {@link
     * EngineObservation#checksum()}. Called while the run holds before the swap. Idempotent: a comparison that runs or
     * ended is left as it is; one interrupted by a controller's restart is started again.
     *
     * @throws EngineException when the engine cannot compare (the default: not supported, permanent)
     */
    default void verify(EngineHandle handle) {
        throw EngineException.permanent(
                dev.osc4j.FailureReason.ENGINE_CONFIGURATION, "engine " + name() + " cannot compare the tables");
    }

    /**
     * Starts a replicated {@code ANALYZE TABLE} of the run's new table, for engines whose {@link
     * EngineCapabilities#analyze()} is true, and returns at once; {@link #observe} reports it in {@link
     * EngineObservation#analyze()}. Called while the run holds before the swap, after the checksum. Idempotent: an
     * ANALYZE that runs or ended is left as it is; one that failed or was interrupted by a restart is started again.
     *
     * @throws EngineException when the engine cannot (the default: not supported, permanent)
     */
    default void analyze(EngineHandle handle) {
        throw EngineException.permanent(
                dev.osc4j.FailureReason.ENGINE_CONFIGURATION, "engine " + name() + " cannot analyze the new table");
    }

    /**
     * Starts warming the run's new table: reads of the original table's hot key ranges, paced and under the budget of
     * {@code policy}, for engines whose {@link EngineCapabilities#warm()} is true; returns at once, and {@link #observe}
     * reports it in {@link EngineObservation#warm()}. Idempotent like {@link #analyze}.
     *
     * @throws EngineException when the engine cannot (the default: not supported, permanent)
     */
    default void warm(EngineHandle handle, dev.osc4j.PreSwapPolicy policy) {
        throw EngineException.permanent(
                dev.osc4j.FailureReason.ENGINE_CONFIGURATION, "engine " + name() + " cannot warm the new table");
    }

    /** Sets the throttle ratio: 0 runs freely, 1 pauses the copy. */
    void throttle(EngineHandle handle, double ratio);

    /**
     * Stops the run and returns once it is stopped (within a bounded time the engine documents): the next {@link
     * #observe} says {@link EnginePhase#CANCELLED}, or the phase the run had already ended in. Idempotent: cancelling a
     * run that already ended, was cancelled, or does not exist is a no-op that succeeds. Artifacts stay until {@link
     * #cleanup}.
     */
    void cancel(EngineHandle handle);

    /**
     * Drops what the run with {@code key} created (shadow tables, triggers, sockets, files) and nothing else. Safe to
     * call when there is nothing left.
     */
    CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key);

    /**
     * {@link #cleanup(ShardTarget, MigrationSpec, EngineKey)}, told the artifacts the shard's record registers for the
     * run ({@link #plannedArtifacts}), which it must drop (or hand to the artifact lifecycle) when they exist, besides
     * what it finds by its own naming rules. Once it returns, the controller removes them from the registry. The
     * default ignores the list and finds the run's artifacts by name.
     */
    default CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key, List<Artifact> registered) {
        return cleanup(target, spec, key);
    }

    /**
     * Ends the revert window of the completed run with {@code key}: stops keeping the original table in sync (drops
     * what writes to it first) and hands the kept table to the artifact lifecycle. Idempotent; safe when there is
     * nothing to retire. The default has nothing to retire.
     */
    default CleanupReport retire(ShardTarget target, MigrationSpec spec, EngineKey key) {
        return CleanupReport.nothing();
    }

    /**
     * Finds the run for {@code key} again after a controller restart, from the recorded handle if there is one. Empty
     * when the engine has no such run.
     */
    Optional<EngineHandle> reattach(
            ShardTarget target, MigrationSpec spec, EngineKey key, @Nullable EngineHandle recorded);

    /**
     * Asks to be told when a run of this engine shows something new (a hook fired, the run holds before the swap, the
     * run ended), so that the controller looks at once instead of at its next poll. The listener returns quickly and
     * may be called from any thread, and spuriously; the controller observes the runs to find out what changed. The
     * default never calls it, and the controller then sees changes at its next poll.
     *
     * @param listener called on a change
     * @return closing it stops the calls
     */
    default AutoCloseable watch(Runnable listener) {
        return () -> {};
    }

    /** Releases the engine's threads and connections; runs in progress continue. Idempotent. */
    @Override
    default void close() {}
}
