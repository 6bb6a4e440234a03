package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.spi.AuditChain;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The store as the orchestrator and the client write to it: every write's audit entries are sealed into the hash chain
 * ({@link AuditChain}) from the head of the record they replace, and the new head goes into the record, so every
 * writer chains the trail in one place and the stores keep it as JSON.
 */
final class ChainingStore implements StateStore {
    private final StateStore delegate;

    private ChainingStore(StateStore delegate) {
        this.delegate = delegate;
    }

    /** {@code store}, chaining; a chaining store as it is. */
    static StateStore of(StateStore store) {
        return store instanceof ChainingStore ? store : new ChainingStore(store);
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
        List<AuditEntry> sealed = AuditChain.seal(null, audit);
        return delegate.create(record.withAuditHead(AuditChain.head(null, sealed)), sealed);
    }

    @Override
    public MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
        // next was built from the record it replaces, whose head it still carries.
        String previous = next.auditHead();
        List<AuditEntry> sealed = AuditChain.seal(previous, audit);
        return delegate.compareAndSet(
                next.withAuditHead(AuditChain.head(previous, sealed)), expectedVersion, fence, sealed);
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
        return delegate.toString();
    }
}
