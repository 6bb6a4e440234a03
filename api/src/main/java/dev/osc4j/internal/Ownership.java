package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationRecord;
import dev.osc4j.Owner;
import dev.osc4j.spi.Lease;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Makes a change of owner visible: the record's {@link Owner} and an {@link AuditEntry.Kind#OWNER} entry naming both
 * controllers and the lease epochs, written together in one fenced write. Pure: the reconciler writes what it returns.
 */
final class Ownership {
    private Ownership() {}

    /** Whether the record already names this lease's holder as its owner. */
    static boolean recorded(MigrationRecord rec, Lease lease) {
        Owner owner = rec.owner();
        return owner != null
                && owner.releasedAt() == null
                && owner.controllerId().equals(lease.owner())
                && owner.epoch() == lease.fencingToken();
    }

    /** The change that records {@code lease}'s holder as the owner from {@code now}, or null when it already is. */
    static Outcomes.@Nullable Result take(MigrationRecord rec, Lease lease, Instant now) {
        if (recorded(rec, lease)) {
            return null;
        }
        Owner previous = rec.owner();
        String me = lease.owner() + " (epoch " + lease.fencingToken() + ")";
        String detail;
        if (previous == null) {
            detail = "taken by " + me;
        } else {
            String them = previous.controllerId() + " (epoch " + previous.epoch() + ")";
            detail = previous.releasedAt() != null
                    ? "handed over from " + them + ", which released it at " + previous.releasedAt() + ", to " + me
                    : "taken over from " + them + ", whose lease expired, by " + me;
        }
        return change(rec, new Owner(lease.owner(), lease.fencingToken(), now, null), lease, now, detail);
    }

    /** The change that records a clean release by {@code lease}'s holder, or null when the record names another. */
    static Outcomes.@Nullable Result release(MigrationRecord rec, Lease lease, Instant now) {
        if (!recorded(rec, lease)) {
            return null;
        }
        Owner owner = rec.owner();
        if (owner == null) {
            return null;
        }
        return change(
                rec,
                owner.released(now),
                lease,
                now,
                "released by " + lease.owner() + " (epoch " + lease.fencingToken() + ")");
    }

    private static Outcomes.Result change(MigrationRecord rec, Owner owner, Lease lease, Instant now, String detail) {
        long seq = rec.auditSeq() + 1;
        AuditEntry entry = new AuditEntry(
                rec.id(),
                seq,
                now,
                lease.owner(),
                AuditEntry.Kind.OWNER,
                null,
                null,
                null,
                null,
                "owner:" + lease.fencingToken() + (owner.releasedAt() == null ? ":take" : ":release"),
                detail);
        MigrationRecord next = rec.with(
                        rec.state(),
                        rec.attempt(),
                        rec.shards(),
                        rec.controls(),
                        rec.directives(),
                        seq,
                        rec.progressPersistedAt(),
                        now)
                .withOwner(owner, now);
        return new Outcomes.Result(next, List.of(entry));
    }
}
