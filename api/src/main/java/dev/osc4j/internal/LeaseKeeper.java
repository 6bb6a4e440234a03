package dev.osc4j.internal;

import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSummary;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which migrations this controller owns: renews its leases every third of their time to live, stops acting at once on
 * a migration whose lease it lost, and takes free active migrations over (every {@link #DISCOVERY_INTERVAL} or third
 * of the TTL, whichever is shorter, or at once when asked to by a submit, a directive or a store watch).
 *
 * <p>The discovery interval bounds a takeover: a dead controller's lease expires at most one TTL after its death, and
 * another controller looks at most one interval later, so a takeover takes at most TTL + 1 s (measured by the takeover
 * benchmarks in {@code bench/}). Looking every third of the TTL instead let a 15 s lease be taken over up to 20 s after
 * the death. The cost is one listing of active migrations and one read of who holds their leases
 * ({@link StateStore#leaseHolders}) per controller per second; only the migrations no other controller holds are asked
 * for (a store that cannot tell is asked for every one, a locking transaction each on a database).
 *
 * <p>Driven by the loop's thread; {@link #owns}, {@link #owned} and {@link #requestDiscovery} may be called from any.
 */
final class LeaseKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
    /** The longest time between two looks for free migrations. */
    static final Duration DISCOVERY_INTERVAL = Duration.ofSeconds(1);

    /**
     * How many migrations that never had an owner one look takes: a batch submitted at once then spreads over the
     * controllers that look in the next seconds, instead of going to whichever looked first (FleetStoreHarness: 104 of
     * 200 to one controller of four, 15 to another). Takeovers of migrations whose owner lost its lease are not
     * counted, so a takeover is not slowed.
     */
    static final int NEW_PER_DISCOVERY = 16;

    /** A migration still without an owner this long after its last write is taken whatever the count: a lone controller is only delayed. */
    static final Duration NEW_UNCAPPED_AFTER = Duration.ofSeconds(5);

    private final StateStore store;
    private final Clock clock;
    private final String controllerId;
    private final Duration ttl;
    private final int maxOwned;
    private final Map<MigrationId, OwnedMigration> owned = new ConcurrentHashMap<>();
    private @Nullable Instant lastRenew;
    private @Nullable Instant lastDiscovery;
    private volatile boolean discoveryRequested = true;

    LeaseKeeper(StateStore store, Clock clock, String controllerId, Duration ttl, int maxOwned) {
        this.store = store;
        this.clock = clock;
        this.controllerId = controllerId;
        this.ttl = ttl;
        this.maxOwned = maxOwned;
    }

    Set<MigrationId> owned() {
        return Set.copyOf(owned.keySet());
    }

    boolean owns(MigrationId id) {
        return owned.containsKey(id);
    }

    @Nullable
    OwnedMigration get(MigrationId id) {
        return owned.get(id);
    }

    void requestDiscovery() {
        discoveryRequested = true;
    }

    /** Renews all leases if a third of the TTL has passed since the last renewal; drops the ones not renewed. */
    void renewIfDue() {
        Instant now = clock.instant();
        if (lastRenew != null && Duration.between(lastRenew, now).compareTo(ttl.dividedBy(3)) < 0) {
            return;
        }
        if (owned.isEmpty()) {
            lastRenew = now;
            return;
        }
        List<Lease> held;
        try {
            held = store.renew(controllerId, ttl);
        } catch (RuntimeException e) {
            LOG.warn("controller {} could not renew its leases: {}", controllerId, e.toString());
            return;
        }
        lastRenew = now;
        Map<MigrationId, Lease> byId = new HashMap<>();
        for (Lease l : held) {
            byId.put(l.migrationId(), l);
        }
        for (Map.Entry<MigrationId, OwnedMigration> e : List.copyOf(owned.entrySet())) {
            Lease l = byId.get(e.getKey());
            if (l == null || l.fencingToken() != e.getValue().lease.fencingToken()) {
                LOG.warn(
                        "controller {} lost the lease of migration {}; it stops acting on it",
                        controllerId,
                        e.getKey());
                owned.remove(e.getKey());
            } else {
                e.getValue().lease = l;
            }
        }
    }

    private Duration discoveryInterval() {
        Duration third = ttl.dividedBy(3);
        return third.compareTo(DISCOVERY_INTERVAL) < 0 ? third : DISCOVERY_INTERVAL;
    }

    /** Takes over free active migrations, if asked to or the discovery interval has passed since the last look. */
    void discoverIfDue() {
        Instant now = clock.instant();
        if (!discoveryRequested
                && lastDiscovery != null
                && Duration.between(lastDiscovery, now).compareTo(discoveryInterval()) < 0) {
            return;
        }
        discoveryRequested = false;
        lastDiscovery = now;
        MigrationFilter filter = MigrationFilter.active();
        int fresh = 0;
        try {
            Map<MigrationId, String> holders = store.leaseHolders().orElse(null);
            while (owned.size() < maxOwned) {
                List<MigrationSummary> page = store.list(filter);
                for (MigrationSummary s : page) {
                    if (owned.size() >= maxOwned) {
                        break;
                    }
                    if (owned.containsKey(s.id())) {
                        continue;
                    }
                    String holder = holders == null ? null : holders.get(s.id());
                    if (holder != null && !holder.equals(controllerId)) {
                        continue; // another controller's live lease: asking would only be refused
                    }
                    boolean neverOwned = s.owner() == null;
                    if (neverOwned
                            && fresh >= NEW_PER_DISCOVERY
                            && Duration.between(s.updatedAt(), now).compareTo(NEW_UNCAPPED_AFTER) < 0) {
                        continue; // left for the other controllers' looks, or this one's next
                    }
                    if (acquire(s.id()) && neverOwned) {
                        fresh++;
                    }
                }
                if (page.size() < filter.limit()) {
                    break;
                }
                filter = filter.after(page.get(page.size() - 1).id());
            }
        } catch (RuntimeException e) {
            LOG.warn("controller {} could not look for migrations: {}", controllerId, e.toString());
        }
    }

    /** Whether it got the lease. */
    private boolean acquire(MigrationId id) {
        Optional<Lease> lease = store.tryAcquire(id, controllerId, ttl);
        if (lease.isPresent()) {
            LOG.info(
                    "controller {} took ownership of migration {} (token {})",
                    controllerId,
                    id,
                    lease.get().fencingToken());
            owned.put(id, new OwnedMigration(lease.get()));
            return true;
        }
        return false;
    }

    /** Stops acting on a migration whose lease was fenced off: another controller owns it now. */
    void forget(MigrationId id) {
        owned.remove(id);
    }

    /** Stops acting on a migration and releases its lease (it ended, or its record is gone). */
    void drop(MigrationId id, OwnedMigration o, String why) {
        owned.remove(id);
        release(o.lease);
        LOG.debug("controller {} released migration {}: {}", controllerId, id, why);
    }

    void releaseAll() {
        for (OwnedMigration o : owned.values()) {
            release(o.lease);
        }
        owned.clear();
    }

    private void release(Lease lease) {
        try {
            store.release(lease);
        } catch (RuntimeException e) {
            LOG.debug("releasing lease of {} failed", lease.migrationId(), e);
        }
    }
}
