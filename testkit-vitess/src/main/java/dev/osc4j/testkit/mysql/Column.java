package dev.osc4j.testkit.mysql;

/**
 * A column of a {@link QueryResult.Rows}: the name the client reads it by and its type.
 *
 * @param name the column label, not empty
 * @param type the type reported in the column definition
 */
public record Column(String name, ColumnType type) {

    /**
     * Validates the column.
     *
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public Column {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("column name must not be empty");
        }
    }

    /**
     * Creates a column.
     *
     * @param name the column label
     * @param type the column type
     * @return the column
     */
    public static Column of(String name, ColumnType type) {
        return new Column(name, type);
    }
}
