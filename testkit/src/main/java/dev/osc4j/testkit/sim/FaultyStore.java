package dev.osc4j.testkit.sim;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.ForwardingStateStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The store as one controller (or the operator) sees it: during an outage every operation fails; a fault armed for
 * the controller hits its next compare-and-set; every committed write counts towards the controller's pending crash.
 */
final class FaultyStore extends ForwardingStateStore {
    private final SimRun run;
    private final @Nullable Slot slot;
    final Deque<Fault> armed = new ArrayDeque<>();

    FaultyStore(StateStore delegate, SimRun run, @Nullable Slot slot) {
        super(delegate);
        this.run = run;
        this.slot = slot;
    }

    private void available(@Nullable MigrationId id) {
        if (run.outage()) {
            throw StoreException.unavailable("simulated store outage", id, null);
        }
    }

    @Override
    public Optional<MigrationRecord> read(MigrationId id) {
        available(id);
        return super.read(id);
    }

    @Override
    public long currentVersion(MigrationId id) {
        available(id);
        return super.currentVersion(id);
    }

    @Override
    public CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
        available(record.id());
        return super.create(record, audit);
    }

    @Override
    public MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit) {
        available(next.id());
        Fault fault = armed.poll();
        if (fault instanceof Fault.StoreConflict) {
            throw new VersionConflictException(next.id(), expectedVersion, super.currentVersion(next.id()));
        }
        if (fault instanceof Fault.StoreTimeout) {
            throw StoreException.unavailable("simulated timeout before the commit", next.id(), null);
        }
        MigrationRecord stored = super.compareAndSet(next, expectedVersion, fence, audit);
        if (fault instanceof Fault.UnknownOutcome) {
            throw StoreException.unavailable("simulated timeout after the commit", next.id(), null);
        }
        if (slot != null) {
            slot.acted();
        }
        return stored;
    }

    @Override
    public List<MigrationSummary> list(MigrationFilter filter) {
        available(null);
        return super.list(filter);
    }

    @Override
    public List<AuditEntry> audit(MigrationId id, long afterSeq, int limit) {
        available(id);
        return super.audit(id, afterSeq, limit);
    }

    @Override
    public Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
        available(id);
        return super.tryAcquire(id, owner, ttl);
    }

    @Override
    public Optional<Map<MigrationId, String>> leaseHolders() {
        available(null);
        return super.leaseHolders();
    }

    @Override
    public List<Lease> renew(String owner, Duration ttl) {
        available(null);
        return super.renew(owner, ttl);
    }

    @Override
    public void release(Lease lease) {
        available(lease.migrationId());
        super.release(lease);
    }
}
