package dev.osc4j.mysql;

import static dev.osc4j.mysql.MySqlNames.qualified;
import static dev.osc4j.mysql.MySqlNames.quote;

import dev.osc4j.InvalidRequestException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Compares a table with its copy chunk by chunk before the copy replaces it, the way Spirit's checksum does: per range
 * of the primary key, a count and two hashes (the XOR and the sum of a CRC32 of every row's shared columns) computed on
 * the server, both tables read in one consistent snapshot. A chunk that differs is copied again from the original
 * (delete the range in the copy, insert it from the original, in one transaction) and compared again, up to {@link
 * Builder#maxRecopies}; a chunk that still differs makes the result a mismatch, and the copy must not be swapped in.
 *
 * <p>One snapshot per chunk is consistent only while every write to the original reaches the copy in the same
 * transaction, as pt-online-schema-change's triggers do. A tool that applies changes asynchronously (gh-ost's binlog
 * applier) needs its backlog drained and writes held first: with {@link Builder#snapshot} the caller opens one snapshot
 * in which the copy has caught up, every chunk is compared in it, and the chunks that differ are copied again and
 * compared again in a new such snapshot, up to {@link Builder#maxRecopies} times. The columns compared are those both tables have, by name
 * (the migration adds, drops or redefines the others), without generated columns; values are compared as text in
 * utf8mb4, so a change of a column's type that keeps its values keeps its checksum. Both tables need the same primary
 * key.
 *
 * <p>Between chunks it waits while the server is busy ({@code Threads_running} above {@link Builder#loadCeiling}), and
 * it stops early, with a result that says so, when told to ({@link #run}'s {@code stop}). Not thread-safe: one run at a
 * time per instance.
 */
public final class TableChecksum {
    /** Default rows per chunk. */
    public static final int DEFAULT_CHUNK_ROWS = 5_000;
    /** Default copies again of one differing chunk before the result is a mismatch. */
    public static final int DEFAULT_MAX_RECOPIES = 3;
    /** Default {@code Threads_running} above which it waits between chunks. */
    public static final int DEFAULT_LOAD_CEILING = 50;

    private static final Duration LOAD_WAIT = Duration.ofMillis(100);
    /** The longest it waits for load to fall before it goes on with the next chunk anyway. */
    private static final int LOAD_WAITS = 50;

    /**
     * Opens, on the run's connection (manual commit, repeatable read), a consistent snapshot in which the copy has
     * every change made to the original before it, and leaves its transaction open: for instance, hold writes to the
     * original, wait until the tool has applied everything up to the primary's current binlog position, {@code START
     * TRANSACTION WITH CONSISTENT SNAPSHOT}, release the writes.
     */
    @FunctionalInterface
    public interface Snapshot {
        /**
         * Opens the snapshot.
         *
         * @param connection the run's connection, on which the transaction must be left open
         * @throws SQLException when the server fails a statement, or the copy does not catch up in time
         */
        void open(Connection connection) throws SQLException;
    }

    /** How far a run got, told after every chunk. */
    @FunctionalInterface
    public interface Progress {
        /**
         * Called after each chunk.
         *
         * @param rowsChecked rows of the original compared so far
         * @param rowsEstimate the original's row count as the server estimates it (0 when unknown)
         */
        void checked(long rowsChecked, long rowsEstimate);
    }

    /**
     * What a run found.
     *
     * @param chunks chunks compared
     * @param rows rows of the original compared
     * @param recopied chunks that differed and were copied again (and then matched, unless listed in {@code
     *     mismatches})
     * @param mismatches the chunks that still differ, described by their key range and counts
     * @param stopped true when the run stopped early because it was told to; nothing is known of the rest
     * @param took wall time of the run
     */
    public record Result(
            long chunks, long rows, int recopied, List<String> mismatches, boolean stopped, Duration took) {
        /** Copies the list. */
        public Result {
            mismatches = List.copyOf(mismatches);
        }

        /** True when every chunk matched (after copies again) and the run was not stopped. */
        public boolean matches() {
            return mismatches.isEmpty() && !stopped;
        }
    }

    private final String schema;
    private final String original;
    private final String copy;
    private final int chunkRows;
    private final int maxRecopies;
    private final int loadCeiling;
    private final @Nullable Snapshot snapshot;
    /** True while the run compares in one snapshot: nothing may commit until it ends. */
    private boolean holding;

    private TableChecksum(Builder b) {
        this.schema = b.schema;
        this.original = b.original;
        this.copy = b.copy;
        this.chunkRows = b.chunkRows;
        this.maxRecopies = b.maxRecopies;
        this.loadCeiling = b.loadCeiling;
        this.snapshot = b.snapshot;
    }

    /**
     * Starts configuring a comparison of {@code original} with {@code copy}, both in {@code schema}.
     *
     * @throws InvalidRequestException when a name is empty or the two tables are the same
     */
    public static Builder of(String schema, String original, String copy) {
        return new Builder(schema, original, copy);
    }

    /**
     * Compares the tables on {@code connection} (a connection to the server that holds both, which the run switches
     * to manual commit and repeatable read and leaves so), copying differing chunks again.
     *
     * @param connection the connection; not closed
     * @param progress told after each chunk
     * @param stop asked before each chunk; true stops the run with {@link Result#stopped()}
     * @return what it found
     * @throws SQLException when the server fails a statement
     * @throws InvalidRequestException when a table is missing, or the tables lack a primary key or have different
     *     ones, or share no column
     */
    public Result run(Connection connection, Progress progress, BooleanSupplier stop) throws SQLException {
        long started = System.nanoTime();
        List<String> key = primaryKey(connection, original);
        List<String> copyKey = primaryKey(connection, copy);
        if (key.isEmpty() || !key.equals(copyKey)) {
            throw new InvalidRequestException(
                    "a checksum needs the same primary key in both tables; " + qualified(schema, original) + " has "
                            + key + ", " + qualified(schema, copy) + " has " + copyKey,
                    null);
        }
        List<String> shared = sharedColumns(connection);
        if (shared.isEmpty()) {
            throw new InvalidRequestException(
                    qualified(schema, original) + " and " + qualified(schema, copy) + " share no column", null);
        }
        long estimate = rowEstimate(connection);
        String hashed = shared.stream()
                .map(c -> "ISNULL(" + quote(c) + "), CONVERT(" + quote(c) + " USING utf8mb4)")
                .collect(Collectors.joining(", "));
        String row = "CRC32(CONCAT_WS('#', " + hashed + "))";
        String columns = shared.stream().map(MySqlNames::quote).collect(Collectors.joining(", "));
        Chunks chunks = new Chunks(key);

        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        Snapshot held = snapshot;
        if (held != null) {
            try {
                return inSnapshots(connection, held, progress, stop, started, estimate, row, columns, chunks);
            } finally {
                holding = false;
                connection.rollback();
                connection.setAutoCommit(autoCommit);
            }
        }
        long rows = 0;
        long count = 0;
        int recopied = 0;
        List<String> mismatches = new ArrayList<>();
        try {
            List<Object> lower = null;
            boolean last = false;
            while (!last) {
                if (stop.getAsBoolean()) {
                    return new Result(count, rows, recopied, mismatches, true, since(started));
                }
                awaitLoad(connection);
                List<Object> upper = chunks.upperBound(connection, lower);
                last = upper == null;
                Range range = new Range(chunks, lower, upper);
                Sums[] sums = compare(connection, range, row);
                for (int attempt = 0; !sums[0].equals(sums[1]) && attempt < maxRecopies; attempt++) {
                    copyAgain(connection, range, columns);
                    if (attempt == 0) {
                        recopied++;
                    }
                    sums = compare(connection, range, row);
                }
                if (!sums[0].equals(sums[1])) {
                    mismatches.add("rows " + range + ": " + original + " " + sums[0] + ", " + copy + " " + sums[1]);
                }
                rows += sums[0].rows();
                count++;
                progress.checked(rows, estimate);
                lower = upper;
            }
            return new Result(count, rows, recopied, mismatches, false, since(started));
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
    }

    /** Every chunk in one snapshot; then the chunks that differ copied again and compared in a new one, and so on. */
    private Result inSnapshots(
            Connection c,
            Snapshot held,
            Progress progress,
            BooleanSupplier stop,
            long started,
            long estimate,
            String row,
            String columns,
            Chunks chunks)
            throws SQLException {
        long rows = 0;
        long count = 0;
        Map<Range, Sums[]> differ = new LinkedHashMap<>();
        held.open(c);
        holding = true;
        List<Object> lower = null;
        boolean last = false;
        while (!last) {
            if (stop.getAsBoolean()) {
                return new Result(count, rows, 0, List.of(), true, since(started));
            }
            awaitLoad(c);
            List<Object> upper = chunks.upperBound(c, lower);
            last = upper == null;
            Range range = new Range(chunks, lower, upper);
            Sums[] sums = {sums(c, original, range, row), sums(c, copy, range, row)};
            if (!sums[0].equals(sums[1])) {
                differ.put(range, sums);
            }
            rows += sums[0].rows();
            count++;
            progress.checked(rows, estimate);
            lower = upper;
        }
        holding = false;
        c.commit();
        int recopied = differ.size();
        for (int attempt = 0; !differ.isEmpty() && attempt < maxRecopies; attempt++) {
            if (stop.getAsBoolean()) {
                return new Result(count, rows, recopied, List.of(), true, since(started));
            }
            for (Range range : differ.keySet()) {
                copyAgain(c, range, columns);
            }
            held.open(c);
            Map<Range, Sums[]> still = new LinkedHashMap<>();
            for (Range range : differ.keySet()) {
                Sums[] sums = {sums(c, original, range, row), sums(c, copy, range, row)};
                if (!sums[0].equals(sums[1])) {
                    still.put(range, sums);
                }
            }
            c.commit();
            differ = still;
        }
        List<String> mismatches = new ArrayList<>();
        differ.forEach((range, sums) ->
                mismatches.add("rows " + range + ": " + original + " " + sums[0] + ", " + copy + " " + sums[1]));
        return new Result(count, rows, recopied, mismatches, false, since(started));
    }

    /** A chunk's count and hashes. */
    private record Sums(long rows, long xor, long sum) {
        @Override
        public String toString() {
            return rows + " rows, hash " + Long.toHexString(xor) + "/" + Long.toHexString(sum);
        }
    }

    private Sums[] compare(Connection c, Range range, String row) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
        }
        try {
            return new Sums[] {sums(c, original, range, row), sums(c, copy, range, row)};
        } finally {
            c.commit();
        }
    }

    private Sums sums(Connection c, String table, Range range, String row) throws SQLException {
        String sql = "SELECT COUNT(*), COALESCE(BIT_XOR(" + row + "), 0), COALESCE(SUM(" + row + "), 0) FROM "
                + qualified(schema, table) + " WHERE " + range.condition();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            range.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Sums(
                        rs.getLong(1), rs.getLong(2), rs.getBigDecimal(3).longValue());
            }
        }
    }

    /** Replaces the range in the copy with the original's rows, in one transaction. */
    private void copyAgain(Connection c, Range range, String columns) throws SQLException {
        try (PreparedStatement delete =
                        c.prepareStatement("DELETE FROM " + qualified(schema, copy) + " WHERE " + range.condition());
                PreparedStatement insert = c.prepareStatement("INSERT INTO " + qualified(schema, copy) + " ("
                        + columns + ") SELECT " + columns + " FROM " + qualified(schema, original) + " WHERE "
                        + range.condition() + " LOCK IN SHARE MODE")) {
            range.bind(delete, 1);
            delete.executeUpdate();
            range.bind(insert, 1);
            insert.executeUpdate();
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    private void awaitLoad(Connection c) throws SQLException {
        for (int i = 0; i < LOAD_WAITS && threadsRunning(c) > loadCeiling; i++) {
            try {
                Thread.sleep(LOAD_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private long threadsRunning(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Threads_running'")) {
            long value = rs.next() ? rs.getLong(2) : 0;
            if (!holding) {
                c.commit();
            }
            return value;
        }
    }

    private List<String> primaryKey(Connection c, String table) throws SQLException {
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE"
                + " TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        if (key.isEmpty() && columns(c, table).isEmpty()) {
            throw new InvalidRequestException("no table " + qualified(schema, table) + " to checksum", null);
        }
        return key;
    }

    /** Column name to whether it is generated, in the table's order. */
    private Map<String, Boolean> columns(Connection c, String table) throws SQLException {
        Map<String, Boolean> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, EXTRA FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String extra =
                            Objects.requireNonNullElse(rs.getString(2), "").toUpperCase(java.util.Locale.ROOT);
                    out.put(
                            rs.getString(1),
                            extra.contains("GENERATED") || extra.contains("VIRTUAL") || extra.contains("PERSISTENT"));
                }
            }
        }
        return out;
    }

    private List<String> sharedColumns(Connection c) throws SQLException {
        Map<String, Boolean> mine = columns(c, original);
        Map<String, Boolean> theirs = columns(c, copy);
        List<String> shared = new ArrayList<>();
        mine.forEach((name, generated) -> {
            if (!generated && Boolean.FALSE.equals(theirs.get(name))) {
                shared.add(name);
            }
        });
        return shared;
    }

    private long rowEstimate(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, schema);
            ps.setString(2, original);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Math.max(0, rs.getLong(1)) : 0;
            }
        }
    }

    private static Duration since(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** Walks the original's primary key in chunks of {@code chunkRows}. */
    private final class Chunks {
        final List<String> key;
        final String keyList;

        Chunks(List<String> key) {
            this.key = key;
            this.keyList = key.stream().map(MySqlNames::quote).collect(Collectors.joining(", "));
        }

        /** The last key of the chunk after {@code lower}, or null when the rest of the table is one chunk. */
        @Nullable
        List<Object> upperBound(Connection c, @Nullable List<Object> lower) throws SQLException {
            String sql = "SELECT " + keyList + " FROM " + qualified(schema, original)
                    + (lower == null ? "" : " WHERE " + after()) + " ORDER BY " + keyList + " LIMIT 1 OFFSET "
                    + (chunkRows - 1);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (lower != null) {
                    bind(ps, 1, lower);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    List<Object> upper = null;
                    if (rs.next()) {
                        upper = new ArrayList<>();
                        for (int i = 1; i <= key.size(); i++) {
                            upper.add(rs.getObject(i));
                        }
                    }
                    if (!holding) {
                        c.commit();
                    }
                    return upper;
                }
            }
        }

        /** Rows after a bound: {@code (k1, k2) > (?, ?)}. */
        String after() {
            return "(" + keyList + ") > (" + marks() + ")";
        }

        /** Rows up to a bound: {@code (k1, k2) <= (?, ?)}. */
        String upTo() {
            return "(" + keyList + ") <= (" + marks() + ")";
        }

        private String marks() {
            return key.stream().map(k -> "?").collect(Collectors.joining(", "));
        }

        int bind(PreparedStatement ps, int from, List<Object> values) throws SQLException {
            int i = from;
            for (Object v : values) {
                ps.setObject(i++, v);
            }
            return i;
        }
    }

    /** One chunk: after {@code lower} (or from the start) up to {@code upper} (or to the end). */
    private static final class Range {
        final Chunks chunks;
        final @Nullable List<Object> lower;
        final @Nullable List<Object> upper;

        Range(Chunks chunks, @Nullable List<Object> lower, @Nullable List<Object> upper) {
            this.chunks = chunks;
            this.lower = lower;
            this.upper = upper;
        }

        String condition() {
            if (lower == null && upper == null) {
                return "TRUE";
            }
            if (lower == null) {
                return chunks.upTo();
            }
            if (upper == null) {
                return chunks.after();
            }
            return chunks.after() + " AND " + chunks.upTo();
        }

        void bind(PreparedStatement ps, int from) throws SQLException {
            int i = from;
            if (lower != null) {
                i = chunks.bind(ps, i, lower);
            }
            if (upper != null) {
                chunks.bind(ps, i, upper);
            }
        }

        @Override
        public String toString() {
            return (lower == null ? "from the first key" : "after key " + lower) + " "
                    + (upper == null ? "to the last key" : "up to key " + upper);
        }
    }

    /** Configures a {@link TableChecksum}. */
    public static final class Builder {
        private final String schema;
        private final String original;
        private final String copy;
        private int chunkRows = DEFAULT_CHUNK_ROWS;
        private int maxRecopies = DEFAULT_MAX_RECOPIES;
        private int loadCeiling = DEFAULT_LOAD_CEILING;
        private @Nullable Snapshot snapshot;

        private Builder(String schema, String original, String copy) {
            require("schema", schema);
            require("original", original);
            require("copy", copy);
            if (original.equals(copy)) {
                throw new InvalidRequestException("a table cannot be compared with itself: " + original, null);
            }
            this.schema = schema;
            this.original = original;
            this.copy = copy;
        }

        private static void require(String what, String name) {
            if (name.isBlank()) {
                throw new InvalidRequestException(what + " must not be empty", null);
            }
        }

        /**
         * Rows per chunk.
         *
         * @param value 1 to 1,000,000; default {@value #DEFAULT_CHUNK_ROWS}
         * @return this builder
         */
        public Builder chunkRows(int value) {
            if (value < 1 || value > 1_000_000) {
                throw new InvalidRequestException("chunkRows must be 1-1000000, got " + value, null);
            }
            this.chunkRows = value;
            return this;
        }

        /**
         * Copies again of one differing chunk before the result is a mismatch.
         *
         * @param value 0 (report, never repair) to 100; default {@value #DEFAULT_MAX_RECOPIES}
         * @return this builder
         */
        public Builder maxRecopies(int value) {
            if (value < 0 || value > 100) {
                throw new InvalidRequestException("maxRecopies must be 0-100, got " + value, null);
            }
            this.maxRecopies = value;
            return this;
        }

        /**
         * {@code Threads_running} above which the run waits (up to 5 s) before its next chunk.
         *
         * @param value at least 1; default {@value #DEFAULT_LOAD_CEILING}
         * @return this builder
         */
        public Builder loadCeiling(int value) {
            if (value < 1) {
                throw new InvalidRequestException("loadCeiling must be at least 1, got " + value, null);
            }
            this.loadCeiling = value;
            return this;
        }

        /**
         * Compares every chunk in one snapshot that {@code value} opens (for a copy that catches up asynchronously),
         * rather than each chunk in a snapshot of its own (for a copy kept in step by triggers, the default).
         *
         * @param value opens the snapshot; called again before each round of copies again
         * @return this builder
         */
        public Builder snapshot(Snapshot value) {
            this.snapshot = value;
            return this;
        }

        /** The configured checksum. */
        public TableChecksum build() {
            return new TableChecksum(this);
        }
    }
}
