package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.AuditEntry;
import dev.osc4j.FencedException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Durable storage of migration records, their audit trails and the leases that say which controller owns which
 * migration. Every method is atomic. The orchestrator keeps no state that is not here.
 *
 * <p>Implementations must pass the testkit's {@code StateStoreContract}. I/O failures are thrown as {@link
 * StoreException} with the cause; an operation whose outcome is unknown (connection lost after sending) is resolved
 * by the store re-reading, never by applying it again blindly.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public interface StateStore extends AutoCloseable {

    /** The record, with its current version, or empty when there is none. */
    Optional<MigrationRecord> read(MigrationId id);

    /**
     * The record's current version, or -1 when there is none; lets a controller skip reading a record that has not
     * changed since it last saw it. The default reads the whole record; stores override it with a cheap lookup.
     */
    default long currentVersion(MigrationId id) {
        return read(id).map(MigrationRecord::version).orElse(-1L);
    }

    /**
     * Creates the record if none exists with its id, together with the audit entries. Returns the stored record
     * either way; {@link CreateResult#created()} tells which.
     *
     * @throws dev.osc4j.InvalidRequestException if the entries are not the trail's first ones, numbered from 1 without
     *     gaps up to the record's {@code auditSeq} (nothing written)
     */
    CreateResult create(MigrationRecord record, List<AuditEntry> audit);

    /**
     * Replaces the record if its stored version is still {@code expectedVersion} and, when {@code fence} is given,
     * the fence is the migration's current unexpired lease; appends the audit entries in the same atomic write.
     *
     * @return the record as stored, with its new version
     * @throws VersionConflictException if the version changed (nothing written)
     * @throws FencedException if the fence is stale or expired (nothing written)
     * @throws dev.osc4j.InvalidRequestException if the entries do not continue the stored trail without gaps up to the
     *     record's {@code auditSeq} (nothing written)
     */
    MigrationRecord compareAndSet(
            MigrationRecord next, long expectedVersion, @Nullable Lease fence, List<AuditEntry> audit);

    /** Summaries of the migrations the filter selects, ordered by id, at most {@code filter.limit()}. */
    List<MigrationSummary> list(MigrationFilter filter);

    /** Audit entries of a migration with {@code seq > afterSeq}, in order, at most {@code limit}. */
    List<AuditEntry> audit(MigrationId id, long afterSeq, int limit);

    /**
     * Grants the migration's lease to {@code owner} if it is free or expired, or returns the owner's current lease if
     * it already holds it. Empty when another owner holds an unexpired lease.
     */
    Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl);

    /**
     * Who holds a live lease now, by migration, judged as {@link #tryAcquire} judges it at this moment (by the store's
     * clock): a controller looking for free migrations skips the others instead of asking for each of their leases, a
     * locking transaction apiece on a database. A hint, not a grant: a lease may expire or be released right after,
     * and the next look sees it. Empty when the store cannot tell in one read: the default, and a controller then
     * asks for every lease, as before this method existed.
     */
    default Optional<Map<MigrationId, String>> leaseHolders() {
        return Optional.empty();
    }

    /** Extends every unexpired lease of {@code owner} by {@code ttl}; returns those still held (others are lost). */
    List<Lease> renew(String owner, Duration ttl);

    /** Gives a lease up (no-op if it is no longer held). */
    void release(Lease lease);

    /**
     * Calls {@code listener} (on a thread of the store's, promptly) when a record may have changed, so a controller
     * can react to directives without waiting for its next poll. The default does nothing: polling still works.
     *
     * @return closes the subscription
     */
    default AutoCloseable watch(Consumer<MigrationId> listener) {
        return () -> {};
    }

    /** Releases connections and threads. Idempotent. */
    @Override
    void close();
}
