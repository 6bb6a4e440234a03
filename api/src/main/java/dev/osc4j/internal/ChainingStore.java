package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.spi.AuditChain;
import dev.osc4j.spi.AuditCheckpoints;
import dev.osc4j.spi.AuditKeys;
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
 * The store as the orchestrator and the client write to it: every write's audit entries are sealed into the hash chain
 * ({@link AuditChain}) from the head of the record they replace, and the new head goes into the record, so every
 * writer chains the trail in one place and the stores keep it as JSON.
 */
final class ChainingStore implements StateStore {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChainingStore.class);

    private final StateStore delegate;
    private final @Nullable AuditKeys keys;
    private final @Nullable AuditCheckpoints checkpoints;

    private ChainingStore(StateStore delegate, @Nullable AuditKeys keys, @Nullable AuditCheckpoints checkpoints) {
        this.delegate = delegate;
        this.keys = keys;
        this.checkpoints = checkpoints;
    }

    /** {@code store}, chaining with plain hashes; a chaining store as it is. */
    static StateStore of(StateStore store) {
        return of(store, null, null);
    }

    /**
     * {@code store}, chaining with HMACs under {@code keys} (plain hashes without), and telling {@code checkpoints}
     * each new head; a chaining store as it is.
     */
    static StateStore of(StateStore store, @Nullable AuditKeys keys, @Nullable AuditCheckpoints checkpoints) {
        return store instanceof ChainingStore ? store : new ChainingStore(store, keys, checkpoints);
    }

    private void checkpoint(MigrationRecord written) {
        String head = written.auditHead();
        if (checkpoints == null || head == null) {
            return;
        }
        try {
            checkpoints.checkpoint(written.id(), written.auditSeq(), head);
        } catch (RuntimeException e) {
            LOG.warn("migration {}: could not checkpoint its audit head: {}", written.id(), e.toString());
        }
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
        List<AuditEntry> sealed = AuditChain.seal(null, audit, keys);
        CreateResult r = delegate.create(record.withAuditHead(AuditChain.head(null, sealed)), sealed);
        if (r.created()) {
            checkpoint(r.record());
        }
        return r;
    }

    @Override
    public MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
        // next was built from the record it replaces, whose head it still carries.
        String previous = next.auditHead();
        List<AuditEntry> sealed = AuditChain.seal(previous, audit, keys);
        MigrationRecord written = delegate.compareAndSet(
                next.withAuditHead(AuditChain.head(previous, sealed)), expectedVersion, fence, sealed);
        if (!sealed.isEmpty()) {
            checkpoint(written);
        }
        return written;
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
        return delegate.toString();
    }
}
