package dev.osc4j.testkit;

import dev.osc4j.Artifact;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.ExecutionEngine;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An {@link ExecutionEngine} that hands every call to another engine, for wrappers that intercept a few calls (count
 * them, refuse them, crash around them, journal them) and leave the rest alone, as Guava's {@code Forwarding*} classes
 * do. Every method of the interface, default methods included, is forwarded, so a wrapper never silently falls back to
 * a default where the delegate has its own behaviour. Subclass it and override what you intercept:
 *
 * <pre>{@code
 * class RefusingCleanup extends ForwardingExecutionEngine {
 *     RefusingCleanup(ExecutionEngine delegate) { super(delegate); }
 *
 *     @Override
 *     public CleanupReport cleanup(
 *             ShardTarget target, MigrationSpec spec, EngineKey key, List<Artifact> registered) {
 *         throw EngineException.permanent(FailureReason.UNKNOWN, "DROP TABLE command denied");
 *     }
 * }
 * }</pre>
 */
public abstract class ForwardingExecutionEngine implements ExecutionEngine {
    private final ExecutionEngine delegate;

    /** Forwards to {@code delegate}. */
    protected ForwardingExecutionEngine(ExecutionEngine delegate) {
        this.delegate = delegate;
    }

    /** The engine calls are forwarded to. */
    protected ExecutionEngine delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public EngineCapabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public void validate(MigrationSpec spec) {
        delegate.validate(spec);
    }

    @Override
    public EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key) {
        return delegate.start(target, spec, key);
    }

    @Override
    public EngineObservation observe(EngineHandle handle) {
        return delegate.observe(handle);
    }

    @Override
    public void releaseCutover(EngineHandle handle) {
        delegate.releaseCutover(handle);
    }

    @Override
    public void throttle(EngineHandle handle, double ratio) {
        delegate.throttle(handle, ratio);
    }

    @Override
    public void cancel(EngineHandle handle) {
        delegate.cancel(handle);
    }

    @Override
    public CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key) {
        return delegate.cleanup(target, spec, key);
    }

    @Override
    public CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key, List<Artifact> registered) {
        return delegate.cleanup(target, spec, key, registered);
    }

    @Override
    public List<Artifact> plannedArtifacts(ShardTarget target, MigrationSpec spec, EngineKey key) {
        return delegate.plannedArtifacts(target, spec, key);
    }

    @Override
    public CleanupReport retire(ShardTarget target, MigrationSpec spec, EngineKey key) {
        return delegate.retire(target, spec, key);
    }

    @Override
    public Optional<EngineHandle> reattach(
            ShardTarget target, MigrationSpec spec, EngineKey key, @Nullable EngineHandle recorded) {
        return delegate.reattach(target, spec, key, recorded);
    }

    @Override
    public void verify(EngineHandle handle) {
        delegate.verify(handle);
    }

    @Override
    public void analyze(EngineHandle handle) {
        delegate.analyze(handle);
    }

    @Override
    public void warm(EngineHandle handle, dev.osc4j.PreSwapPolicy policy) {
        delegate.warm(handle, policy);
    }

    @Override
    public AutoCloseable watch(Runnable listener) {
        return delegate.watch(listener);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
