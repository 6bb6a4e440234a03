package dev.osc4j.testkit;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link StateStore} that hands every call to another store, for wrappers that intercept a few calls (count writes,
 * crash after one, inject a fault) and leave the rest alone, as Guava's {@code Forwarding*} classes do. Every method of
 * the interface, default methods included ({@link #currentVersion}, {@link #watch}), is forwarded, so a wrapper keeps
 * the delegate's cheap version lookup and its watch. Subclass it and override what you intercept:
 *
 * <pre>{@code
 * class CountingStore extends ForwardingStateStore {
 *     final AtomicInteger writes = new AtomicInteger();
 *
 *     CountingStore(StateStore delegate) { super(delegate); }
 *
 *     @Override
 *     public MigrationRecord compareAndSet(MigrationRecord next, long expected, Lease fence, List<AuditEntry> audit) {
 *         writes.incrementAndGet();
 *         return super.compareAndSet(next, expected, fence, audit);
 *     }
 * }
 * }</pre>
 */
public abstract class ForwardingStateStore implements StateStore {
    private final StateStore delegate;

    /** Forwards to {@code delegate}. */
    protected ForwardingStateStore(StateStore delegate) {
        this.delegate = delegate;
    }

    /** The store calls are forwarded to. */
    protected StateStore delegate() {
        return delegate;
    }

    @Override
    public Optional<MigrationRecord> read(MigrationId id) {
        return delegate.read(id);
    }

    @Override
    public long currentVersion(MigrationId id) {
        return delegate.currentVersion(id);
    }

    @Override
    public CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
        return delegate.create(record, audit);
    }

    @Override
    public MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
        return delegate.compareAndSet(next, expectedVersion, fence, audit);
    }

    @Override
    public List<MigrationSummary> list(MigrationFilter filter) {
        return delegate.list(filter);
    }

    @Override
    public List<AuditEntry> audit(MigrationId id, long afterSeq, int limit) {
        return delegate.audit(id, afterSeq, limit);
    }

    @Override
    public Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
        return delegate.tryAcquire(id, owner, ttl);
    }

    @Override
    public Optional<Map<MigrationId, String>> leaseHolders() {
        return delegate.leaseHolders();
    }

    @Override
    public List<Lease> renew(String owner, Duration ttl) {
        return delegate.renew(owner, ttl);
    }

    @Override
    public void release(Lease lease) {
        delegate.release(lease);
    }

    @Override
    public AutoCloseable watch(Consumer<MigrationId> listener) {
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
