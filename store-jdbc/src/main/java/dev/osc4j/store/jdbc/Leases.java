package dev.osc4j.store.jdbc;

import dev.osc4j.FencedException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.spi.Lease;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The lease table: grants, renewals and releases of migration leases, and the fencing check a fenced write makes
 * inside its own transaction. One row per migration keeps its fencing token across releases and expiries, so tokens
 * are never reused; whether a lease is live is judged by the database's clock in UTC, never a controller's.
 */
final class Leases {
    /** The longest owner identity a lease row holds. */
    static final int MAX_OWNER_LENGTH = 191;

    private final Database db;
    private final Sql sql;

    Leases(Database db) {
        this.db = db;
        this.sql = db.sql();
    }

    /** A lease row as it is now; {@code live} is judged by the database clock. */
    record FenceRow(
            @Nullable String owner,
            long token,
            boolean live,
            @Nullable Instant expiresAt) {}

    Optional<Lease> tryAcquire(MigrationId id, String owner, Duration ttl) {
        requireOwner(owner);
        long micros = ttlMicros(ttl);
        // Idempotent by construction: after an unknown outcome, a grant that landed is found as the owner's own lease.
        return db.write("acquire lease", id, (c, attempt) -> {
            String holder;
            boolean live;
            try (PreparedStatement select = c.prepareStatement(sql.selectLeaseForUpdate())) {
                select.setString(1, id.value());
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.of(firstGrant(c, id, owner, micros));
                    }
                    holder = row.getString(1);
                    live = row.getInt(3) == 1;
                    if (live && owner.equals(holder)) {
                        return Optional.of(new Lease(id, owner, row.getLong(2), Rows.instant(row, 4)));
                    }
                }
            }
            if (live) {
                return Optional.empty();
            }
            try (PreparedStatement grant = c.prepareStatement(sql.grantLease())) {
                grant.setString(1, owner);
                grant.setLong(2, micros);
                grant.setString(3, id.value());
                grant.executeUpdate();
            }
            return Optional.of(readLease(c, id, owner));
        });
    }

    private Lease firstGrant(Connection c, MigrationId id, String owner, long micros) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(sql.insertLease())) {
            insert.setString(1, id.value());
            insert.setString(2, owner);
            insert.setLong(3, micros);
            insert.executeUpdate();
        } catch (SQLException e) {
            if (sql.isDuplicateKey(e)) {
                throw new SQLTransientException("the lease of migration " + id + " was first granted concurrently", e);
            }
            throw e;
        }
        return readLease(c, id, owner);
    }

    private Lease readLease(Connection c, MigrationId id, String owner) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(sql.selectLease())) {
            select.setString(1, id.value());
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new SQLTransientException("the lease row of migration " + id + " vanished");
                }
                return new Lease(id, owner, row.getLong(1), Rows.instant(row, 2));
            }
        }
    }

    List<Lease> renew(String owner, Duration ttl) {
        requireOwner(owner);
        long micros = ttlMicros(ttl);
        return db.write("renew leases", null, (c, attempt) -> {
            try (PreparedStatement update = c.prepareStatement(sql.renewLeases())) {
                update.setLong(1, micros);
                update.setString(2, owner);
                update.executeUpdate();
            }
            List<Lease> held = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(sql.selectLiveLeases())) {
                select.setString(1, owner);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        held.add(new Lease(
                                MigrationId.of(row.getString(1)), owner, row.getLong(2), Rows.instant(row, 3)));
                    }
                }
            }
            return held;
        });
    }

    /** Who holds a live lease now, by migration, by the database clock: one read. */
    Map<MigrationId, String> holders() {
        return db.read("read lease holders", null, (c, attempt) -> {
            Map<MigrationId, String> out = new HashMap<>();
            try (PreparedStatement select = c.prepareStatement(sql.selectLeaseHolders());
                    ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    out.put(MigrationId.of(row.getString(1)), row.getString(2));
                }
            }
            return out;
        });
    }

    void release(Lease lease) {
        db.read("release lease", lease.migrationId(), (c, attempt) -> {
            try (PreparedStatement update = c.prepareStatement(sql.releaseLease())) {
                update.setString(1, lease.migrationId().value());
                update.setString(2, lease.owner());
                update.setLong(3, lease.fencingToken());
                return update.executeUpdate();
            }
        });
    }

    /** The lease row of a migration, locked against grants until the transaction ends; null if never leased. */
    @Nullable
    FenceRow fenceRow(Connection c, MigrationId id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(sql.selectFence())) {
            select.setString(1, id.value());
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                LocalDateTime expiry = row.getObject(4, LocalDateTime.class);
                return new FenceRow(
                        row.getString(1),
                        row.getLong(2),
                        row.getInt(3) == 1,
                        expiry == null ? null : expiry.toInstant(ZoneOffset.UTC));
            }
        }
    }

    /** Throws {@link FencedException} unless {@code fence} is the live grant that {@code row} holds. */
    static void checkFence(@Nullable FenceRow row, Lease fence) {
        MigrationId id = fence.migrationId();
        if (row == null) {
            throw new FencedException(
                    "migration " + id + " has never been leased, so token " + fence.fencingToken() + " of "
                            + fence.owner() + " is not its lease",
                    id);
        }
        String owner = row.owner();
        if (row.token() != fence.fencingToken() || !fence.owner().equals(owner)) {
            throw new FencedException(
                    "lease token " + fence.fencingToken() + " of " + fence.owner() + " on migration " + id
                            + " is stale: the current grant is token " + row.token()
                            + (owner == null ? ", released" : " of " + owner),
                    id);
        }
        if (!row.live()) {
            Instant expiry = row.expiresAt();
            throw new FencedException(
                    "lease token " + row.token() + " of " + owner + " on migration " + id + " expired"
                            + (expiry == null ? " (released)" : " at " + expiry + " by the database clock"),
                    id);
        }
    }

    private static void requireOwner(String owner) {
        if (owner.isBlank() || owner.length() > MAX_OWNER_LENGTH) {
            throw new InvalidRequestException(
                    "owner must be 1-" + MAX_OWNER_LENGTH + " characters and not blank, got '" + owner + "'", null);
        }
    }

    private static long ttlMicros(Duration ttl) {
        if (ttl.compareTo(Duration.ofMillis(1)) < 0 || ttl.compareTo(Duration.ofDays(1)) > 0) {
            throw new InvalidRequestException("ttl must be between 1 ms and 1 day, got " + ttl, null);
        }
        return ttl.toNanos() / 1000;
    }
}
