package dev.osc4j.testkit;

import dev.osc4j.Artifact;
import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import dev.osc4j.spi.TrafficSwitch;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Simulated controller crashes, for crash-point tests of a controller: wrap the store and the engine, choose the
 * n-th write or side effect, and the wrapper throws a {@link SimulatedCrash} right after that write, or right before
 * or after that side effect. {@code SimulatedCrash} is an {@link Error}, so nothing in the orchestrator catches it:
 * the pass ends as a killed process would. Start a new orchestrator on the same store and engine to play the
 * controller that takes over.
 *
 * <pre>{@code
 * CrashInjection.Point afterWrite = CrashInjection.at(7);
 * StateStore store = CrashInjection.crashAfterWrite(new InMemoryStateStore(clock), afterWrite);
 * try {
 *     simulation.runUntil(id, MigrationState.COMPLETED, limit);
 * } catch (CrashInjection.SimulatedCrash crash) {
 *     // build a new orchestrator on store and engine, let the lease expire, and carry on
 * }
 * }</pre>
 */
public final class CrashInjection {
    private CrashInjection() {}

    /** The crash: an {@link Error}, so no {@code catch (RuntimeException)} in the controller stops it. */
    public static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        /** A crash at {@code where}. */
        public SimulatedCrash(String where) {
            super("simulated crash " + where);
        }
    }

    /** Counts events and crashes once, at the chosen one. Thread-safe. */
    public static final class Point {
        private final int at;
        private int count;
        private boolean fired;

        private Point(int at) {
            this.at = at;
        }

        /** Counts an event; throws a {@link SimulatedCrash} if it is the chosen one (once). */
        public synchronized void tick(String what) {
            count++;
            if (!fired && count == at) {
                fired = true;
                throw new SimulatedCrash("at event #" + at + " (" + what + ")");
            }
        }

        /** How many events were counted. */
        public synchronized int count() {
            return count;
        }

        /** Whether the crash happened. */
        public synchronized boolean fired() {
            return fired;
        }
    }

    /** A point that crashes at the {@code n}-th event (1 is the first). */
    public static Point at(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("crash point must be >= 1, got " + n);
        }
        return new Point(n);
    }

    /** A point that only counts, for a baseline run that tells how many crash points there are. */
    public static Point never() {
        return new Point(-1);
    }

    /** {@code delegate}, crashing right after the write (create or compare-and-set) that {@code point} chooses. */
    public static StateStore crashAfterWrite(StateStore delegate, Point point) {
        return new CrashingStore(delegate, point);
    }

    /**
     * {@code delegate}, crashing right before the side effect {@code before} chooses, or right after the one {@code
     * after} chooses (the effect happened, its outcome is not yet recorded). Side effects are start, release,
     * throttle, cancel and cleanup; observing is not one.
     */
    public static ExecutionEngine crashAroundEffects(ExecutionEngine delegate, Point before, Point after) {
        return new CrashingEngine(delegate, before, after);
    }

    private static final class CrashingStore extends ForwardingStateStore {
        private final Point point;

        CrashingStore(StateStore delegate, Point point) {
            super(delegate);
            this.point = point;
        }

        @Override
        public CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
            CreateResult r = super.create(record, audit);
            if (r.created()) {
                point.tick("after create of " + record.id());
            }
            return r;
        }

        @Override
        public MigrationRecord compareAndSet(
                MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
            MigrationRecord r = super.compareAndSet(next, expectedVersion, fence, audit);
            point.tick(
                    "after write of " + audit.stream().map(AuditEntry::stepId).toList());
            return r;
        }
    }

    private static final class CrashingEngine extends ForwardingExecutionEngine {
        private final Point before;
        private final Point after;

        CrashingEngine(ExecutionEngine delegate, Point before, Point after) {
            super(delegate);
            this.before = before;
            this.after = after;
        }

        private <T> T effect(String what, Supplier<T> action) {
            before.tick("before " + what);
            T result = action.get();
            after.tick("after " + what);
            return result;
        }

        private void effect(String what, Runnable action) {
            effect(what, () -> {
                action.run();
                return what;
            });
        }

        @Override
        public EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key) {
            return effect("start " + key, () -> super.start(target, spec, key));
        }

        @Override
        public void verify(EngineHandle handle) {
            effect("verify " + handle.key(), () -> super.verify(handle));
        }

        @Override
        public void analyze(EngineHandle handle) {
            effect("analyze " + handle.key(), () -> super.analyze(handle));
        }

        @Override
        public void warm(EngineHandle handle, dev.osc4j.PreSwapPolicy policy) {
            effect("warm " + handle.key(), () -> super.warm(handle, policy));
        }

        @Override
        public void releaseCutover(EngineHandle handle) {
            effect("release " + handle.key(), () -> super.releaseCutover(handle));
        }

        @Override
        public void throttle(EngineHandle handle, double ratio) {
            effect("throttle " + handle.key(), () -> super.throttle(handle, ratio));
        }

        @Override
        public void cancel(EngineHandle handle) {
            effect("cancel " + handle.key(), () -> super.cancel(handle));
        }

        @Override
        public CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key, List<Artifact> registered) {
            return effect("cleanup " + key, () -> super.cleanup(target, spec, key, registered));
        }

        @Override
        public CleanupReport retire(ShardTarget target, MigrationSpec spec, EngineKey key) {
            return effect("retire " + key, () -> super.retire(target, spec, key));
        }
    }

    /**
     * {@code delegate}, crashing right before the hold or restore {@code before} chooses, or right after the one {@code
     * after} chooses. The points may be shared with {@link #crashAroundEffects(ExecutionEngine, Point, Point)}, so
     * that one count runs over every side effect.
     */
    public static TrafficSwitch crashAroundEffects(TrafficSwitch delegate, Point before, Point after) {
        return new TrafficSwitch() {
            @Override
            public void hold(ShardTarget target, MigrationSpec spec, EngineKey key) {
                before.tick("before hold " + key);
                delegate.hold(target, spec, key);
                after.tick("after hold " + key);
            }

            @Override
            public void restore(ShardTarget target, MigrationSpec spec, EngineKey key) {
                before.tick("before restore " + key);
                delegate.restore(target, spec, key);
                after.tick("after restore " + key);
            }

            @Override
            public String name() {
                return delegate.name();
            }
        };
    }
}
