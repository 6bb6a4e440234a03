package dev.osc4j.mysql;

import static dev.osc4j.mysql.MySqlNames.qualified;
import static dev.osc4j.mysql.MySqlNames.quote;

import dev.osc4j.InvalidRequestException;
import dev.osc4j.PreSwapPolicy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The two steps on a run's new table before the swap, for the engines that talk to MySQL/MariaDB directly: a
 * replicated {@code ANALYZE TABLE} ({@link #analyze}) and the warming ({@link #run}).
 *
 * <p>Warming finds the original table's hot key ranges from the pages of its PRIMARY index that are in the buffer pool
 * now ({@code information_schema.INNODB_BUFFER_PAGE}, which has no key values): a leaf page's number, over the
 * tablespace's page count, places it in the key order, which holds for a table written in key order (a table an online
 * schema change or {@code ALTER} rebuilt, or one filled by an auto-increment key) and only roughly for others. The key
 * space (a single-column integer primary key) is cut into {@code buckets} equal ranges; a range is hot when a resident
 * page falls in it. Then the same ranges of the new table are read through its PRIMARY index in chunks of {@link
 * PreSwapPolicy#warmChunkRows()} keys, with {@link PreSwapPolicy#warmPause()} between chunks, hottest first, until every
 * hot range is read or {@link PreSwapPolicy#warmBudget()} is spent. Reading {@code INNODB_BUFFER_PAGE} walks the
 * whole buffer pool: its cost grows with the pool (measured in docs/warming.md), once per run.
 */
public final class TableWarmer {
    /** Default number of equal key ranges the key space is cut into. */
    public static final int DEFAULT_BUCKETS = 200;

    private final String schema;
    private final String original;
    private final String copy;
    private final PreSwapPolicy policy;
    private final int buckets;

    /** How far a warming got, told after each chunk. */
    @FunctionalInterface
    public interface Progress {
        /**
         * Called after each hot range read.
         *
         * @param rangesRead hot ranges read so far
         * @param rangesHot hot ranges in all
         */
        void read(int rangesRead, int rangesHot);
    }

    /**
     * What a warming did.
     *
     * @param rangesHot hot ranges found
     * @param rangesRead hot ranges read of the new table
     * @param rowsRead rows of the new table read
     * @param residentPages the original's PRIMARY pages found in the buffer pool
     * @param findTook how long finding the hot ranges took (the read of {@code INNODB_BUFFER_PAGE})
     * @param took wall time in all
     * @param budgetSpent true when the budget ended the warming before every hot range was read
     */
    public record Result(
            int rangesHot,
            int rangesRead,
            long rowsRead,
            long residentPages,
            Duration findTook,
            Duration took,
            boolean budgetSpent) {}

    private TableWarmer(String schema, String original, String copy, PreSwapPolicy policy, int buckets) {
        this.schema = schema;
        this.original = original;
        this.copy = copy;
        this.policy = policy;
        this.buckets = buckets;
    }

    /**
     * A warming of {@code copy} from the hot ranges of {@code original}, both in {@code schema}, paced by {@code
     * policy}.
     */
    public static TableWarmer of(String schema, String original, String copy, PreSwapPolicy policy) {
        return new TableWarmer(schema, original, copy, policy, DEFAULT_BUCKETS);
    }

    /** This warming with the key space cut into {@code value} ranges (1 to 100,000). */
    public TableWarmer buckets(int value) {
        if (value < 1 || value > 100_000) {
            throw new IllegalArgumentException("buckets must be 1-100000, got " + value);
        }
        return new TableWarmer(schema, original, copy, policy, value);
    }

    /**
     * Runs {@code ANALYZE TABLE} of {@code table}, written to the binary log (not {@code LOCAL}) so replicas, and a
     * replica promoted later, have the statistics too.
     *
     * @throws SQLException when the statement fails or the server reports an error for the table
     */
    public static void analyze(Connection connection, String schema, String table) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("ANALYZE TABLE " + qualified(schema, table))) {
            while (rs.next()) {
                String type = rs.getString("Msg_type");
                if ("error".equalsIgnoreCase(type)) {
                    throw new SQLException(
                            "ANALYZE TABLE " + qualified(schema, table) + ": " + rs.getString("Msg_text"));
                }
            }
        }
    }

    /**
     * Finds the hot ranges and reads them of the new table.
     *
     * @param stop polled between chunks: true ends the warming early (a cancel, a shutdown)
     * @throws SQLException when the server fails a statement
     * @throws InvalidRequestException when the tables have no single-column integer primary key in common
     */
    public Result run(Connection connection, Progress progress, BooleanSupplier stop) throws SQLException {
        long t0 = System.nanoTime();
        long deadline = t0 + policy.warmBudget().toNanos();
        String key = integerKey(connection);
        long[] span = span(connection, key);
        List<Integer> hot = new ArrayList<>();
        long resident = 0;
        if (span != null) {
            long totalPages = Math.max(1, pages(connection));
            int[] pagesIn = new int[buckets];
            for (long page : residentPages(connection)) {
                resident++;
                pagesIn[(int) Math.min(buckets - 1, page * buckets / totalPages)]++;
            }
            for (int b = 0; b < buckets; b++) {
                if (pagesIn[b] > 0) {
                    hot.add(b);
                }
            }
            // Hottest first (most resident pages), so a budget that ends early has read what matters most.
            hot.sort((x, y) -> Integer.compare(pagesIn[y], pagesIn[x]));
        }
        Duration findTook = Duration.ofNanos(System.nanoTime() - t0);
        progress.read(0, hot.size());
        long rows = 0;
        int read = 0;
        boolean budgetSpent = false;
        if (span != null) {
            long min = span[0];
            long width = Math.max(1, (span[1] - min + buckets) / buckets);
            String sql = "SELECT COUNT(*) FROM " + qualified(schema, copy) + " FORCE INDEX (PRIMARY) WHERE " + key
                    + " >= ? AND " + key + " < ?";
            try (PreparedStatement ps = connection.prepareStatement(sql)) {
                outer:
                for (int b : hot) {
                    long end = min + (b + 1) * width;
                    for (long from = min + b * width; from < end; from += policy.warmChunkRows()) {
                        if (stop.getAsBoolean()) {
                            break outer;
                        }
                        if (System.nanoTime() > deadline) {
                            budgetSpent = true;
                            break outer;
                        }
                        ps.setLong(1, from);
                        ps.setLong(2, Math.min(end, from + policy.warmChunkRows()));
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            rows += rs.getLong(1);
                        }
                        pause();
                    }
                    read++;
                    progress.read(read, hot.size());
                }
            }
        }
        return new Result(
                hot.size(), read, rows, resident, findTook, Duration.ofNanos(System.nanoTime() - t0), budgetSpent);
    }

    private void pause() {
        long millis = policy.warmPause().toMillis();
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The quoted name of the tables' single-column integer primary key. */
    private String integerKey(Connection c) throws SQLException {
        String key = null;
        for (String table : List.of(original, copy)) {
            List<String> cols = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT s.COLUMN_NAME, c.DATA_TYPE FROM"
                    + " information_schema.STATISTICS s JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA ="
                    + " s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME WHERE"
                    + " s.TABLE_SCHEMA = ? AND s.TABLE_NAME = ? AND s.INDEX_NAME = 'PRIMARY'")) {
                ps.setString(1, schema);
                ps.setString(2, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String type = rs.getString(2).toLowerCase(java.util.Locale.ROOT);
                        if (!type.endsWith("int")) {
                            throw new InvalidRequestException(
                                    "warming needs an integer primary key; " + qualified(schema, table) + " has " + type
                                            + " (switch warming off in the policy's preSwap)",
                                    null);
                        }
                        cols.add(rs.getString(1));
                    }
                }
            }
            if (cols.size() != 1 || (key != null && !key.equals(cols.get(0)))) {
                throw new InvalidRequestException(
                        "warming needs a single-column primary key common to both tables; "
                                + qualified(schema, table) + " has " + cols
                                + " (switch warming off in the policy's preSwap)",
                        null);
            }
            key = cols.get(0);
        }
        return quote(java.util.Objects.requireNonNull(key));
    }

    private long @org.jspecify.annotations.Nullable [] span(Connection c, String key) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT MIN(" + key + "), MAX(" + key + ") FROM " + qualified(schema, original))) {
            rs.next();
            long min = rs.getLong(1);
            if (rs.wasNull() || rs.getMetaData().getColumnType(1) == Types.NULL) {
                return null;
            }
            return new long[] {min, rs.getLong(2)};
        }
    }

    /** The original's size in pages (data and primary index), from its table status. */
    private long pages(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT DATA_LENGTH / @@innodb_page_size FROM"
                + " information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, schema);
            ps.setString(2, original);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 1;
            }
        }
    }

    /** Page numbers of the original's PRIMARY index leaf pages in the buffer pool. */
    private List<Long> residentPages(Connection c) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT PAGE_NUMBER FROM information_schema.INNODB_BUFFER_PAGE"
                + " WHERE TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' AND PAGE_TYPE = 'INDEX' AND NUMBER_RECORDS > 0")) {
            ps.setString(1, quote(schema) + "." + quote(original));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }
}
