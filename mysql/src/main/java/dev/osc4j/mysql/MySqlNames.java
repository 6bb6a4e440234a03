package dev.osc4j.mysql;

/**
 * How SQL text names a schema object: the one place that quotes identifiers for every engine that talks to MySQL
 * directly (pt-osc and gh-ost drop their artifacts by name; the table-level operations to come use it too).
 */
public final class MySqlNames {
    private MySqlNames() {}

    /**
     * Quotes an identifier with backticks, doubling any backtick inside it, so that any name a server accepts reaches
     * it unchanged and nothing after it is read as SQL.
     *
     * @param identifier a schema, table, trigger or column name
     * @return the quoted identifier, for example {@code `orders`}
     */
    public static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    /**
     * Quotes a schema-qualified name.
     *
     * @param schema the schema
     * @param name the object in it
     * @return for example {@code `shop`.`orders`}
     */
    public static String qualified(String schema, String name) {
        return quote(schema) + "." + quote(name);
    }
}
