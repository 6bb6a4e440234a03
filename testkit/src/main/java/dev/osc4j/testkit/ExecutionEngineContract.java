package dev.osc4j.testkit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ExecutionEngine;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The behaviour every {@link ExecutionEngine} must show, as a JUnit 5 suite: what the orchestrator relies on when it
 * starts, adopts, steers, stops and cleans up runs. An engine module's test extends it and supplies the engine, a shard
 * to run on, a way to create a small table there and a way to list the engine's artifacts of a table:
 *
 * <pre>{@code
 * class MyEngineContractIT extends ExecutionEngineContract {
 *     protected ExecutionEngine createEngine() { return MyEngine.builder()...workDirectory(work).build(); }
 *     protected ShardTarget target() { return new ShardTarget("ks", "s1", "app", primaryEndpoint); }
 *     protected void createTable(String table, int rows) throws Exception { ... }
 *     protected Set<String> artifacts(String table) throws Exception { ... shadow tables, triggers ... }
 *     protected void letTimePass() throws InterruptedException { Thread.sleep(100); }
 * }
 * }</pre>
 *
 * <p>Each test uses a table of its own ({@code contract_<case>}) and keys of its own, so the tests of one class may
 * share a server and a work directory. Tables have {@link #rows()} rows (300 by default): the suite checks behaviour,
 * not speed. Waiting is polling: {@link #letTimePass()} between observations, at most {@link #maxWaits()} times, so an
 * engine on a settable clock runs the suite without sleeping.
 */
public abstract class ExecutionEngineContract {
    private static final Set<EnginePhase> TERMINAL =
            EnumSet.of(EnginePhase.COMPLETED, EnginePhase.FAILED, EnginePhase.CANCELLED);
    private static final Set<EnginePhase> HELD_OR_BEFORE = EnumSet.of(
            EnginePhase.STARTING, EnginePhase.COPYING, EnginePhase.CATCHING_UP, EnginePhase.READY_FOR_CUTOVER);

    private final List<ExecutionEngine> engines = new ArrayList<>();
    private ExecutionEngine engine;

    /**
     * A new engine instance. Called before each test, and again where a test plays a controller restart: every
     * instance must see the same runs (the same work directory, the same servers).
     */
    protected abstract ExecutionEngine createEngine() throws Exception;

    /** The shard the tests run on (its primary, schema and keyspace). */
    protected abstract ShardTarget target() throws Exception;

    /** Creates {@code table} on the target shard with {@code rows} rows and a primary key, replacing any earlier one. */
    protected abstract void createTable(String table, int rows) throws Exception;

    /**
     * The engine's artifacts of {@code table} on the target shard as they exist now: shadow and old tables, triggers,
     * migration rows not yet cleaned up; each named so that the same artifact gets the same name every time.
     */
    protected abstract Set<String> artifacts(String table) throws Exception;

    /** Lets a little time pass between two observations: a real engine sleeps, a fake one advances its clock. */
    protected abstract void letTimePass() throws Exception;

    /**
     * Makes a run on {@code table} fail. The default does nothing, so the run is on a table that was never created:
     * a real engine fails on a missing table. A fake without tables injects a failure instead.
     */
    protected void prepareFailingRun(String table) throws Exception {}

    /**
     * A handle of this engine's form for {@code key} that names no run. The default carries no attributes; engines
     * whose handles need some (a migration uuid) override it.
     */
    protected EngineHandle handleOfMissingRun(EngineKey key) throws Exception {
        return new EngineHandle(engine().name(), key, Map.of());
    }

    /** Engine options of the tests' migrations (for instance, options that let runs on one shard run side by side). */
    protected Map<String, String> engineOptions() {
        return Map.of();
    }

    /** Rows of the tests' tables. */
    protected int rows() {
        return 300;
    }

    /** How many times a test lets time pass while it waits for a run to reach a phase, before it fails. */
    protected int maxWaits() {
        return 600;
    }

    /** The engine under test, created before each test. */
    protected final ExecutionEngine engine() {
        return engine;
    }

    @BeforeEach
    final void setUpEngine() throws Exception {
        engine = newEngine();
    }

    @AfterEach
    final void closeEngines() {
        engines.forEach(ExecutionEngine::close);
        engines.clear();
    }

    /** A further engine instance, as a restarted controller builds; closed after the test. */
    protected final ExecutionEngine newEngine() throws Exception {
        ExecutionEngine e = createEngine();
        engines.add(e);
        return e;
    }

    /** The spec of a migration that adds a nullable column to {@code table}. */
    protected MigrationSpec spec(String table) throws Exception {
        return new MigrationSpec(
                target().keyspace(),
                table,
                "ADD COLUMN osc4j_contract VARCHAR(16) NULL",
                engine().name(),
                engineOptions(),
                List.of());
    }

    /** A key no earlier test used. */
    protected EngineKey newKey() throws Exception {
        return new EngineKey(MigrationId.forIdempotencyKey("contract-" + UUID.randomUUID()), 1, target().shard());
    }

    /** Observes until {@code condition} holds; fails with the last observation after {@link #maxWaits()} waits. */
    protected final EngineObservation awaitObservation(
            ExecutionEngine on, EngineHandle handle, String what, Predicate<EngineObservation> condition)
            throws Exception {
        EngineObservation last = on.observe(handle);
        for (int i = 0; !condition.test(last); i++) {
            if (i >= maxWaits()) {
                return fail("run " + handle.key() + " did not get " + what + " after " + maxWaits()
                        + " waits; last observation: " + last);
            }
            letTimePass();
            last = on.observe(handle);
        }
        return last;
    }

    /** Observes until the run reaches {@code phase}; fails if it reaches another terminal phase first. */
    protected final EngineObservation awaitPhase(ExecutionEngine on, EngineHandle handle, EnginePhase phase)
            throws Exception {
        EngineObservation o =
                awaitObservation(on, handle, "to " + phase, x -> x.phase() == phase || TERMINAL.contains(x.phase()));
        assertEquals(phase, o.phase(), () -> "run " + handle.key() + " ended before " + phase + ": " + o);
        return o;
    }

    private EngineHandle startOn(String table) throws Exception {
        createTable(table, rows());
        return engine().start(target(), spec(table), newKey());
    }

    @Test
    @DisplayName("start is idempotent on a key: a second start with the same key, on this engine or on a new one,"
            + " returns the same run and never starts a second")
    void startIsIdempotentOnAKey() throws Exception {
        String table = "contract_idempotent";
        createTable(table, rows());
        EngineKey key = newKey();
        EngineHandle first = engine().start(target(), spec(table), key);
        EngineHandle again = engine().start(target(), spec(table), key);
        EngineHandle fromAnotherController = newEngine().start(target(), spec(table), key);

        assertEquals(key, first.key());
        assertEquals(first, again);
        assertEquals(first, fromAnotherController);
        awaitPhase(engine(), first, EnginePhase.READY_FOR_CUTOVER);
        engine().releaseCutover(first);
        // A second run of the same ALTER would fail (the column exists) or hold: the one run completes.
        awaitPhase(engine(), first, EnginePhase.COMPLETED);
    }

    @Test
    @DisplayName("reattach finds a started run from a new engine instance (a restarted controller), with or without"
            + " the recorded handle, and finds nothing for a key that never started")
    void reattachFindsAStartedRunAfterARestart() throws Exception {
        String table = "contract_reattach";
        createTable(table, rows());
        EngineKey key = newKey();
        EngineHandle started = engine().start(target(), spec(table), key);
        awaitPhase(engine(), started, EnginePhase.READY_FOR_CUTOVER);

        ExecutionEngine restarted = newEngine();
        Optional<EngineHandle> byKey = restarted.reattach(target(), spec(table), key, null);
        Optional<EngineHandle> byHandle = restarted.reattach(target(), spec(table), key, started);

        assertEquals(Optional.of(started), byKey);
        assertEquals(Optional.of(started), byHandle);
        EngineObservation seen = restarted.observe(byKey.orElseThrow());
        assertTrue(isHeld(seen), () -> "the restarted controller sees " + seen);
        assertEquals(Optional.empty(), restarted.reattach(target(), spec(table), newKey(), null));
        restarted.releaseCutover(byKey.orElseThrow());
        awaitPhase(restarted, started, EnginePhase.COMPLETED);
    }

    @Test
    @DisplayName("a run holds at the cut-over until released, and completes only after the release")
    void aRunHoldsAtTheCutoverUntilReleased() throws Exception {
        EngineHandle run = startOn("contract_hold");
        awaitObservation(engine(), run, "to READY_FOR_CUTOVER without completing", o -> {
            assertNotEquals(EnginePhase.COMPLETED, o.phase(), "completed before the release: " + o);
            return o.phase() == EnginePhase.READY_FOR_CUTOVER || TERMINAL.contains(o.phase());
        });
        for (int i = 0; i < 5; i++) {
            letTimePass();
            EngineObservation held = engine().observe(run);
            assertTrue(isHeld(held), () -> "not held before the release: " + held);
        }

        engine().releaseCutover(run);

        awaitPhase(engine(), run, EnginePhase.COMPLETED);
        assertDoesNotThrow(() -> engine().releaseCutover(run), "a second release is not an error");
    }

    @Test
    @DisplayName("cleanup drops this run's artifacts and nothing else: another migration's run on the same shard keeps"
            + " its artifacts and goes on")
    void cleanupDropsOnlyItsOwnArtifacts() throws Exception {
        String mine = "contract_cleanup_mine";
        String other = "contract_cleanup_other";
        createTable(mine, rows());
        createTable(other, rows());
        EngineKey myKey = newKey();
        EngineKey otherKey = newKey();
        EngineHandle myRun = engine().start(target(), spec(mine), myKey);
        EngineHandle otherRun = engine().start(target(), spec(other), otherKey);
        awaitPhase(engine(), myRun, EnginePhase.READY_FOR_CUTOVER);
        awaitPhase(engine(), otherRun, EnginePhase.READY_FOR_CUTOVER);
        Set<String> othersBefore = artifacts(other);
        assertFalse(artifacts(mine).isEmpty(), "a run held at the cut-over has artifacts (a shadow table at least)");
        assertFalse(othersBefore.isEmpty(), "a run held at the cut-over has artifacts (a shadow table at least)");

        CleanupReport report = engine().cleanup(target(), spec(mine), myKey);

        assertNotNull(report);
        assertEquals(Set.of(), artifacts(mine), "this run's artifacts after its cleanup");
        assertEquals(othersBefore, artifacts(other), "the other migration's artifacts after this run's cleanup");
        EngineObservation others = engine().observe(otherRun);
        assertTrue(isHeld(others), () -> "the other migration's run after this run's cleanup: " + others);
        assertDoesNotThrow(() -> engine().cleanup(target(), spec(mine), myKey), "a second cleanup is not an error");
        engine().cleanup(target(), spec(other), otherKey);
        assertEquals(Set.of(), artifacts(other));
    }

    @Test
    @DisplayName("a run that cannot succeed fails typed: an EngineException from start that is not retryable, or a"
            + " FAILED observation with a failure reason and a message")
    void failuresAreTyped() throws Exception {
        String table = "contract_missing";
        prepareFailingRun(table);
        EngineKey key = newKey();
        EngineHandle run;
        try {
            run = engine().start(target(), spec(table), key);
        } catch (EngineException e) {
            assertFalse(e.retryable(), () -> "the run cannot succeed, yet the error is retryable: " + e);
            assertNotNull(e.reason());
            return;
        }
        EngineObservation failed = awaitObservation(engine(), run, "to FAILED", o -> TERMINAL.contains(o.phase()));
        assertEquals(EnginePhase.FAILED, failed.phase(), () -> "the run did not fail: " + failed);
        assertNotNull(failed.failureReason(), () -> "a failed observation without a reason: " + failed);
        assertNotNull(failed.message(), () -> "a failed observation without a message: " + failed);
    }

    @Test
    @DisplayName(
            "a run that does not exist is observed as NOT_FOUND or as a lost run, and steering it fails, if at all,"
                    + " with an EngineException")
    void aMissingRunIsReportedNotThrown() throws Exception {
        EngineHandle missing = handleOfMissingRun(newKey());

        EngineObservation seen = engine().observe(missing);

        assertTrue(
                seen.phase() == EnginePhase.NOT_FOUND
                        || (seen.phase() == EnginePhase.FAILED && seen.failureReason() == FailureReason.RUN_LOST),
                () -> "a missing run observed as " + seen);
        assertOnlyEngineExceptions(() -> engine().releaseCutover(missing));
        assertOnlyEngineExceptions(() -> engine().throttle(missing, 1));
    }

    private static void assertOnlyEngineExceptions(Executable call) {
        try {
            call.execute();
        } catch (EngineException e) {
            // typed: the orchestrator reads reason() and retryable()
        } catch (Throwable t) {
            fail("not an EngineException: " + t, t);
        }
    }

    @Test
    @DisplayName("throttle is reported honestly: after throttle(1) the observation says throttled and the copy does not"
            + " finish; after throttle(0) it says not throttled and the copy finishes")
    void throttleIsReportedHonestly() throws Exception {
        EngineHandle run = startOn("contract_throttle");
        engine().throttle(run, 1);

        EngineObservation throttled = awaitObservation(engine(), run, "throttled", o -> {
            assertTrue(HELD_OR_BEFORE.contains(o.phase()), "the run ended while throttled: " + o);
            return o.throttled();
        });
        assertTrue(
                EnumSet.of(EnginePhase.STARTING, EnginePhase.COPYING).contains(throttled.phase()),
                () -> "the copy finished though throttled from the start: " + throttled);
        for (int i = 0; i < 5; i++) {
            letTimePass();
            EngineObservation still = engine().observe(run);
            assertTrue(still.throttled(), () -> "no longer throttled though throttle(0) was not called: " + still);
            assertTrue(
                    EnumSet.of(EnginePhase.STARTING, EnginePhase.COPYING).contains(still.phase()),
                    () -> "the copy went on while throttled: " + still);
        }

        engine().throttle(run, 0);

        awaitObservation(engine(), run, "not throttled", o -> !o.throttled());
        awaitPhase(engine(), run, EnginePhase.READY_FOR_CUTOVER);
        engine().cancel(run);
    }

    @Test
    @DisplayName("cancel returns once the run is stopped: the next observation is CANCELLED, and the run never"
            + " completes")
    void cancelReturnsOnceTheRunIsStopped() throws Exception {
        EngineHandle run = startOn("contract_cancel");
        awaitPhase(engine(), run, EnginePhase.READY_FOR_CUTOVER);

        engine().cancel(run);

        EngineObservation stopped = engine().observe(run);
        assertTrue(isCancelled(stopped), () -> "still running after cancel returned: " + stopped);
        try {
            engine().releaseCutover(run);
        } catch (EngineException e) {
            // refusing to release a cancelled run is as good as ignoring the release
        }
        for (int i = 0; i < 3; i++) {
            letTimePass();
            EngineObservation later = engine().observe(run);
            assertTrue(isCancelled(later), () -> "a cancelled run came back: " + later);
        }
    }

    @Test
    @DisplayName("cancel is idempotent: cancelling a run twice, a run that finished, or a run that does not exist is a"
            + " no-op that succeeds")
    void cancelIsIdempotent() throws Exception {
        EngineHandle run = startOn("contract_cancel_twice");
        awaitPhase(engine(), run, EnginePhase.READY_FOR_CUTOVER);
        engine().cancel(run);
        assertDoesNotThrow(() -> engine().cancel(run));

        EngineHandle finished = startOn("contract_cancel_finished");
        awaitPhase(engine(), finished, EnginePhase.READY_FOR_CUTOVER);
        engine().releaseCutover(finished);
        awaitPhase(engine(), finished, EnginePhase.COMPLETED);
        assertDoesNotThrow(() -> engine().cancel(finished));
        assertEquals(EnginePhase.COMPLETED, engine().observe(finished).phase());

        EngineHandle missing = handleOfMissingRun(newKey());
        assertDoesNotThrow(() -> engine().cancel(missing));
        assertDoesNotThrow(() -> newEngine().cancel(missing));
    }

    /**
     * Held before the swap. Ready for the cut-over, or catching up again: an engine that keeps streaming the binlog
     * while it holds (gh-ost) may fall back to catching up for a moment, but never swaps before the release.
     */
    private static boolean isHeld(EngineObservation o) {
        return o.phase() == EnginePhase.READY_FOR_CUTOVER || o.phase() == EnginePhase.CATCHING_UP;
    }

    private static boolean isCancelled(EngineObservation o) {
        return o.phase() == EnginePhase.CANCELLED
                || (o.phase() == EnginePhase.FAILED && o.failureReason() == FailureReason.CANCELLED);
    }
}
