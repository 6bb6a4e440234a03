package dev.osc4j.store.jdbc;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardRecord;
import dev.osc4j.StoreException;
import dev.osc4j.spi.RecordCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The shards of each record, one row per shard (schema version 4), next to the record's head in the migrations table.
 * A write rewrites only the shards that changed: the store remembers, for each migration it recently read or wrote,
 * the shard objects stored at that version, and a write based on that version compares its shards with them (the
 * same object, or an equal one, is unchanged). Every write moves the record's row to a new version in the same
 * transaction, and only after that row is locked and its version checked, so the shard rows of a version are exactly
 * those written with it; what this store remembers is therefore true of that version for as long as it is the stored
 * one. When it remembers nothing of the version a write is based on, the write compares with the stored rows.
 *
 * <p>A record of one shard is kept whole in its row, without shard rows: its shard changes with nearly every write, so
 * a row of its own would only add a statement to each.
 */
final class ShardRows {
    /** How many migrations' shards are remembered; the objects are the caller's own, so this costs little memory. */
    private static final int REMEMBERED = 10_000;

    private static final int ROWS_PER_INSERT = 100;

    private final Sql sql;

    /** Per migration: the version last read or written, and its shards. Access order, so the coldest goes first. */
    private final Map<MigrationId, Known> known = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<MigrationId, Known> eldest) {
            return size() > REMEMBERED;
        }
    };

    private record Known(long version, List<ShardRecord> shards) {}

    /**
     * The shards a write changes: when {@code whole} is set, every shard (the base is not known, so the stored rows
     * decide what to rewrite); otherwise those at {@code indexes}, each with its JSON.
     */
    record Plan(List<ShardRecord> shards, List<Integer> indexes, List<String> json, boolean whole) {
        boolean unchanged() {
            return !whole && indexes.isEmpty();
        }
    }

    ShardRows(Sql sql) {
        this.sql = sql;
    }

    /** Whether a record with these shards keeps them in its own row (one shard) rather than in rows apart. */
    static boolean inline(List<ShardRecord> shards) {
        return shards.size() == 1;
    }

    /** The JSON of the record's row: the whole record if its shards are {@link #inline}, else its head. */
    static String head(MigrationRecord record) {
        return inline(record.shards()) ? RecordCodec.encode(record) : RecordCodec.encodeHead(record);
    }

    /** Reads a record from its row and its shard rows: without shard rows, the row holds the whole record. */
    static MigrationRecord decode(MigrationId id, String head, List<String> shards, long version) {
        return shards.isEmpty() ? RecordCodec.decode(id, head, version) : RecordCodec.decode(id, head, shards, version);
    }

    /** What a write of {@code next}, based on {@code expectedVersion}, changes in the shard rows. */
    @SuppressWarnings("ReferenceEquality") // the same object is the common case and saves the deep comparison
    Plan plan(MigrationRecord next, long expectedVersion) {
        List<ShardRecord> shards = next.shards();
        if (inline(shards)) {
            return new Plan(shards, List.of(), List.of(), false);
        }
        Known base;
        synchronized (known) {
            base = known.get(next.id());
        }
        if (base == null || base.version() != expectedVersion || base.shards().size() != shards.size()) {
            return whole(shards);
        }
        List<Integer> indexes = new ArrayList<>();
        List<String> json = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            ShardRecord shard = shards.get(i);
            ShardRecord before = base.shards().get(i);
            if (shard != before && !shard.equals(before)) {
                indexes.add(i);
                json.add(RecordCodec.encodeShard(shard));
            }
        }
        return new Plan(shards, indexes, json, false);
    }

    /** Every shard of a record, to write in full (none if they are {@link #inline}). */
    static Plan whole(List<ShardRecord> shards) {
        if (inline(shards)) {
            return new Plan(shards, List.of(), List.of(), true);
        }
        List<Integer> indexes = new ArrayList<>(shards.size());
        List<String> json = new ArrayList<>(shards.size());
        for (int i = 0; i < shards.size(); i++) {
            indexes.add(i);
            json.add(RecordCodec.encodeShard(shards.get(i)));
        }
        return new Plan(shards, indexes, json, true);
    }

    /** Inserts the shard rows of a new record (the plan is {@link #whole}). */
    void insert(Connection c, MigrationId id, Plan plan) throws SQLException {
        insert(c, id, 0, plan.json());
    }

    /**
     * Applies a plan, in the transaction that has just moved the record's row to its new version. A plan built on a
     * remembered version whose rows are not all there (changed by hand) falls back to comparing with the stored rows.
     */
    void write(Connection c, MigrationId id, Plan plan) throws SQLException {
        if (!plan.whole()) {
            if (plan.unchanged() || update(c, id, plan.indexes(), plan.json())) {
                return;
            }
            plan = whole(plan.shards());
        }
        List<String> stored = stored(c, id);
        List<String> json = plan.json();
        List<Integer> differing = new ArrayList<>();
        List<String> differingJson = new ArrayList<>();
        for (int i = 0; i < Math.min(stored.size(), json.size()); i++) {
            if (!stored.get(i).equals(json.get(i))) {
                differing.add(i);
                differingJson.add(json.get(i));
            }
        }
        update(c, id, differing, differingJson);
        if (json.size() > stored.size()) {
            insert(c, id, stored.size(), json.subList(stored.size(), json.size()));
        } else if (json.size() < stored.size()) {
            try (PreparedStatement delete = c.prepareStatement(sql.deleteShardsFrom())) {
                delete.setString(1, id.value());
                delete.setInt(2, json.size());
                delete.executeUpdate();
            }
        }
    }

    /**
     * Rewrites the shard rows at {@code indexes}, up to {@value #ROWS_PER_INSERT} in one statement (every shard's
     * progress changes with each progress write, once a second by default: one round trip per shard would be 64 per
     * write of a 64-shard record); whether every row was there.
     */
    private boolean update(Connection c, MigrationId id, List<Integer> indexes, List<String> json) throws SQLException {
        boolean all = true;
        for (int from = 0; from < indexes.size(); from += ROWS_PER_INSERT) {
            int to = Math.min(indexes.size(), from + ROWS_PER_INSERT);
            try (PreparedStatement update = c.prepareStatement(sql.updateShards(to - from))) {
                int p = 1;
                for (int k = from; k < to; k++) {
                    update.setInt(p++, indexes.get(k));
                    update.setString(p++, json.get(k));
                }
                update.setString(p++, id.value());
                for (int k = from; k < to; k++) {
                    update.setInt(p++, indexes.get(k));
                }
                all &= update.executeUpdate() == to - from;
            }
        }
        return all;
    }

    /** Whether the stored rows hold what the plan writes (for telling whether a write of unknown outcome landed). */
    boolean holds(Connection c, MigrationId id, Plan plan) throws SQLException {
        List<String> stored = stored(c, id);
        if (plan.whole() && stored.size() != plan.json().size()) {
            return false;
        }
        for (int k = 0; k < plan.indexes().size(); k++) {
            int i = plan.indexes().get(k);
            if (i >= stored.size() || !stored.get(i).equals(plan.json().get(k))) {
                return false;
            }
        }
        return true;
    }

    /** The stored shard rows of a record, in order, locked. */
    List<String> stored(Connection c, MigrationId id) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement(sql.selectShardsLocked())) {
            select.setString(1, id.value());
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    add(id, out, row.getInt(1), row.getString(2));
                }
            }
        }
        return out;
    }

    /** Adds the row of shard {@code index} to those read so far, which must be every shard before it. */
    static void add(MigrationId id, List<String> shards, int index, String json) {
        if (index != shards.size()) {
            throw StoreException.corrupt(
                    "record of migration " + id + " has no stored shard " + shards.size() + " (found shard " + index
                            + " after it)",
                    id,
                    null);
        }
        shards.add(json);
    }

    /** Remembers the shards stored at {@code version} of a migration, read or just written. */
    void remember(MigrationId id, long version, List<ShardRecord> shards) {
        synchronized (known) {
            known.put(id, new Known(version, shards));
        }
    }

    private void insert(Connection c, MigrationId id, int first, List<String> json) throws SQLException {
        for (int from = 0; from < json.size(); from += ROWS_PER_INSERT) {
            int to = Math.min(json.size(), from + ROWS_PER_INSERT);
            try (PreparedStatement insert = c.prepareStatement(sql.insertShards(to - from))) {
                int p = 1;
                for (int i = from; i < to; i++) {
                    insert.setString(p++, id.value());
                    insert.setInt(p++, first + i);
                    insert.setString(p++, json.get(i));
                }
                insert.executeUpdate();
            }
        }
    }

    /**
     * The stored JSON of a record kept whole (before schema version 4) as a head and its shards, or null if it is
     * unreadable or keeps its shard {@link #inline}.
     */
    static @Nullable Split split(MigrationId id, String json, long version) {
        MigrationRecord record;
        try {
            record = RecordCodec.decode(id, json, version);
        } catch (StoreException | IllegalArgumentException e) {
            return null;
        }
        if (inline(record.shards())) {
            return null;
        }
        return new Split(RecordCodec.encodeHead(record), whole(record.shards()));
    }

    /** A whole record's JSON split into its head and its shards. */
    record Split(String head, Plan shards) {}
}
