package dev.osc4j.testkit.mysql;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link QueryHandler} answers: a result set ({@link Rows}), an OK ({@link Ok}), or a fault injected for tests
 * ({@link DropConnection}, {@link Delayed}).
 *
 * <p>Errors are not results: the handler throws a {@link MySqlError}.
 */
public sealed interface QueryResult
        permits QueryResult.Rows, QueryResult.Ok, QueryResult.DropConnection, QueryResult.Delayed {

    /**
     * An OK with no affected rows, as for a {@code SET} or a DDL.
     *
     * @return the OK
     */
    static Ok ok() {
        return new Ok(0, 0, 0, "");
    }

    /**
     * An OK reporting affected rows, which {@code Statement.executeUpdate} returns.
     *
     * @param affectedRows the number of rows changed, at least 0
     * @return the OK
     */
    static Ok ok(long affectedRows) {
        return new Ok(affectedRows, 0, 0, "");
    }

    /**
     * An OK reporting affected rows and the last generated auto-increment id.
     *
     * @param affectedRows the number of rows changed, at least 0
     * @param lastInsertId the generated id, at least 0 (0 means none)
     * @return the OK
     */
    static Ok ok(long affectedRows, long lastInsertId) {
        return new Ok(affectedRows, lastInsertId, 0, "");
    }

    /**
     * Starts a result set.
     *
     * @return a new builder
     */
    static RowsBuilder resultSet() {
        return new RowsBuilder();
    }

    /**
     * Closes the connection without answering, as a crashed or partitioned server would. The client sees a
     * communications failure on this statement; the server and other connections carry on.
     *
     * @return the fault
     */
    static DropConnection dropConnection() {
        return new DropConnection();
    }

    /**
     * Answers {@code then} after {@code delay}. The wait ends early, with error 1317, when the statement is killed
     * ({@code KILL QUERY}, which is how mysql-connector-j enforces {@code setQueryTimeout}).
     *
     * @param delay how long to wait, not negative
     * @param then the answer to give afterwards
     * @return the delayed answer
     */
    static Delayed delayed(Duration delay, QueryResult then) {
        return new Delayed(delay, then);
    }

    /**
     * A result set: columns and rows of values in column order.
     *
     * @param columns the columns, at least one, names unique ignoring case
     * @param rows the rows; each has one value per column, {@code null} for SQL NULL
     */
    record Rows(List<Column> columns, List<List<@Nullable Object>> rows) implements QueryResult {

        /**
         * Validates the shape and that every value can be encoded as its column's type, and copies both lists.
         *
         * @throws IllegalArgumentException naming the row and column of the first problem
         */
        public Rows {
            if (columns.isEmpty()) {
                throw new IllegalArgumentException("a result set needs at least one column");
            }
            columns = List.copyOf(columns);
            Set<String> names = new HashSet<>();
            for (Column column : columns) {
                if (!names.add(column.name().toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("duplicate column name '" + column.name() + "'");
                }
            }
            List<List<@Nullable Object>> copied = new ArrayList<>(rows.size());
            for (int r = 0; r < rows.size(); r++) {
                List<@Nullable Object> row = rows.get(r);
                if (row.size() != columns.size()) {
                    throw new IllegalArgumentException("row " + r + " has " + row.size() + " values but the result has "
                            + columns.size() + " columns " + names(columns));
                }
                for (int c = 0; c < row.size(); c++) {
                    Object value = row.get(c);
                    Column column = columns.get(c);
                    if (value != null && !column.type().accepts(value)) {
                        throw new IllegalArgumentException("row " + r + ", column '" + column.name() + "' ("
                                + column.type() + "): cannot send a "
                                + value.getClass().getName() + "; expected "
                                + column.type().acceptedDescription() + ", String or byte[]");
                    }
                }
                copied.add(Collections.unmodifiableList(new ArrayList<>(row)));
            }
            rows = Collections.unmodifiableList(copied);
        }

        private static List<String> names(List<Column> columns) {
            List<String> names = new ArrayList<>();
            for (Column column : columns) {
                names.add(column.name());
            }
            return names;
        }
    }

    /**
     * Builds a {@link Rows}: declare the columns, then add rows.
     *
     * <pre>{@code
     * QueryResult.resultSet()
     *     .column("id", ColumnType.LONGLONG)
     *     .column("name", ColumnType.VARCHAR)
     *     .row(1L, "a")
     *     .row(2L, null)
     *     .build();
     * }</pre>
     */
    final class RowsBuilder {
        private final List<Column> columns = new ArrayList<>();
        private final List<List<@Nullable Object>> rows = new ArrayList<>();

        private RowsBuilder() {}

        /**
         * Adds a column; columns must all be declared before the first row.
         *
         * @param name the column label
         * @param type the column type
         * @return this builder
         * @throws IllegalStateException if a row was already added
         */
        public RowsBuilder column(String name, ColumnType type) {
            if (!rows.isEmpty()) {
                throw new IllegalStateException("declare column '" + name + "' before adding rows");
            }
            columns.add(Column.of(name, type));
            return this;
        }

        /**
         * Adds a row.
         *
         * @param values one value per column, in column order; {@code null} for SQL NULL
         * @return this builder
         * @throws IllegalArgumentException if the number of values differs from the number of columns
         */
        public RowsBuilder row(@Nullable Object... values) {
            return row(Arrays.asList(values));
        }

        /**
         * Adds a row.
         *
         * @param values one value per column, in column order; {@code null} for SQL NULL
         * @return this builder
         * @throws IllegalArgumentException if the number of values differs from the number of columns
         */
        public RowsBuilder row(List<? extends @Nullable Object> values) {
            if (values.size() != columns.size()) {
                throw new IllegalArgumentException("row " + rows.size() + " has " + values.size() + " values but "
                        + columns.size() + " columns are declared");
            }
            rows.add(new ArrayList<@Nullable Object>(values));
            return this;
        }

        /**
         * Builds the result set.
         *
         * @return the result set
         * @throws IllegalArgumentException if there is no column or a value does not fit its column type
         */
        public Rows build() {
            return new Rows(columns, rows);
        }
    }

    /**
     * An OK packet.
     *
     * @param affectedRows the number of rows changed, at least 0
     * @param lastInsertId the last generated auto-increment id, at least 0
     * @param warnings the warning count, 0 to 65535
     * @param info the human-readable info text, usually empty
     */
    record Ok(long affectedRows, long lastInsertId, int warnings, String info) implements QueryResult {

        /**
         * Validates the counters.
         *
         * @throws IllegalArgumentException if a counter is out of range
         */
        public Ok {
            if (affectedRows < 0) {
                throw new IllegalArgumentException("affectedRows must not be negative but was " + affectedRows);
            }
            if (lastInsertId < 0) {
                throw new IllegalArgumentException("lastInsertId must not be negative but was " + lastInsertId);
            }
            if (warnings < 0 || warnings > 0xFFFF) {
                throw new IllegalArgumentException("warnings must be between 0 and 65535 but was " + warnings);
            }
        }
    }

    /** Closes the connection without answering; see {@link QueryResult#dropConnection()}. */
    record DropConnection() implements QueryResult {}

    /**
     * Answers {@code then} after {@code delay}; see {@link QueryResult#delayed(Duration, QueryResult)}.
     *
     * @param delay how long to wait, not negative
     * @param then the answer afterwards
     */
    record Delayed(Duration delay, QueryResult then) implements QueryResult {

        /**
         * Validates the delay.
         *
         * @throws IllegalArgumentException if {@code delay} is negative
         */
        public Delayed {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative but was " + delay);
            }
        }
    }
}
