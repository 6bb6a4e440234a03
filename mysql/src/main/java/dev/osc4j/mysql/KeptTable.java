package dev.osc4j.mysql;

import static dev.osc4j.mysql.MySqlNames.qualified;
import static dev.osc4j.mysql.MySqlNames.quote;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Keeps a table's original at the swap of a trigger-based online schema change (pt-online-schema-change), in sync with
 * the new table, so that the swap can be undone without losing a write: the reverse triggers, the rotation of names
 * that swaps, the swap back, and the end of the window.
 *
 * <p>Names: the table {@code t}, the trigger-based copy {@code n} ({@link #newTableName}, with pt-osc's forward triggers
 * on {@code t} writing into {@code n}), and the kept table {@code k} ({@link #keptName}). The reverse triggers
 * ({@link #reverseTriggerNames}) are AFTER INSERT, UPDATE and DELETE triggers on the new-schema table writing into
 * {@code k} for the columns both tables have, with pt-osc's own semantics: {@code REPLACE} for an insert, {@code DELETE
 * IGNORE} of the old key then {@code REPLACE} for an update, {@code DELETE IGNORE} for a delete. A {@code REPLACE}
 * deletes every row of {@code k} that conflicts on any unique key, as pt-osc's triggers do into the copy: with a DDL
 * that keeps the unique keys (the orchestrator refuses one that drops them) a conflict on another unique key would
 * have failed the application's write first.
 *
 * <p>Why this order (MariaDB 10.11): a statement opens every table its triggers name, recursively, before it runs, so a
 * trigger naming a table that does not exist fails every application write (error 1146). Therefore {@link #rotate}:
 *
 * <ol>
 *   <li>creates {@code k} as an empty placeholder ({@code CREATE TABLE k LIKE t}) so the reverse triggers can name it;
 *   <li>creates the reverse triggers on {@code n} (writes to {@code t} now go {@code t -> n -> k});
 *   <li>rotates the three names in one atomic {@code RENAME TABLE k TO s, t TO k, n TO t, s TO n}: the new-schema table
 *       becomes {@code t} (its reverse triggers move with it), the original becomes {@code k} (pt-osc's forward triggers
 *       move with it and still name {@code n}), and the placeholder takes the name {@code n}, so every name a trigger
 *       uses exists at every instant;
 *   <li>drops the forward triggers, then the placeholder (a trigger always before the table it writes to).
 * </ol>
 *
 * <p>Why {@code n} and {@code k} are named after {@code t} ({@link #newTableName}, {@link #keptName}: {@code
 * <t>_osc4j_new}, {@code <t>_osc4j_old}): a RENAME takes its exclusive metadata locks in name order. With pt-osc's own
 * names ({@code _t_new}, {@code _t_old}, which sort before {@code t} when its name starts with a lower-case letter) it holds {@code n} and {@code k} while it waits
 * for {@code t}; an application write that already holds {@code t} then waits for {@code n} or {@code k} (tables its
 * triggers write into), the server resolves that deadlock by making the write back off and open its tables again after
 * the RENAME, and in that retry the write runs in prelocked mode without the table the new {@code t}'s triggers name:
 * MariaDB reports error 1146 for a table that exists ({@code open_table} in {@code sql/sql_base.cc}: "In case of
 * pre-locked mode ... we may only end up here if the table did not exist when locked tables list was created").
 * Measured on MariaDB 10.11.19 with three writers (docs/revert.md): 18 of 366,847 writes failed with the old names, none
 * of 328,945 with names that sort after {@code t}; a trigger target that is never renamed failed the same way, so the
 * order of locks is the cause, not the rotation. With {@code n} and {@code k} after {@code t}, the RENAME waits for
 * {@code t} before it holds anything a write needs.
 *
 * <p>Every step is idempotent and the state is read from the server, so a rotation interrupted by a crash is finished
 * by calling {@link #rotate} again, or undone by {@link #abandon} when it has not renamed yet.
 */
public final class KeptTable {
    /** How long a RENAME or DROP TRIGGER waits for the metadata lock before it is tried again. */
    static final int LOCK_WAIT_SECONDS = 2;

    private static final int LOCK_TRIES = 15;
    private static final int ER_LOCK_WAIT_TIMEOUT = 1205;

    private final String schema;
    private final String table;
    private final String kept;

    private KeptTable(String schema, String table, String kept) {
        this.schema = schema;
        this.table = table;
        this.kept = kept;
    }

    /**
     * The kept table {@code kept} of {@code schema.table}.
     *
     * @param schema the schema
     * @param table the application's table
     * @param kept the kept table's name (the original after the swap)
     */
    public static KeptTable of(String schema, String table, String kept) {
        return new KeptTable(schema, table, kept);
    }

    /** The kept table's name. */
    public String kept() {
        return kept;
    }

    /**
     * The names of the reverse triggers of {@code schema.table}, insert, update, delete: {@code osc4j_rev_<schema>_
     * <table>} with non-word characters replaced by {@code _}, cut at 56 characters, then {@code _ins}, {@code _upd},
     * {@code _del}.
     */
    public static List<String> reverseTriggerNames(String schema, String table) {
        String prefix = ("osc4j_rev_" + schema + "_" + table).replaceAll("\\W", "_");
        if (prefix.length() > 56) {
            prefix = prefix.substring(0, 56);
        }
        return List.of(prefix + "_ins", prefix + "_upd", prefix + "_del");
    }

    /** This table's reverse triggers that exist, by name, with the table each is on. */
    public Map<String, String> reverseTriggers(Connection c) throws SQLException {
        return triggersOn(c, reverseTriggerNames(schema, table));
    }

    /**
     * Whether the window is open: the kept table exists and all three reverse triggers are on {@code t}, so every write
     * since the swap reached the kept table.
     */
    public boolean inSync(Connection c) throws SQLException {
        Map<String, String> on = reverseTriggers(c);
        return exists(c, kept) && on.size() == 3 && on.values().stream().allMatch(table::equals);
    }

    /**
     * What keeps the kept table from taking every write of the new table, or an empty list: the original must have a
     * primary key whose columns the new table has, and every column of the original that the new table lacks must take
     * a default (the reverse triggers cannot set it).
     *
     * @param newTable the new-schema table
     */
    public List<String> problems(Connection c, String newTable) throws SQLException {
        List<String> out = new ArrayList<>();
        Map<String, Column> original = columns(c, table);
        Map<String, Column> copy = columns(c, newTable);
        List<String> key = primaryKey(c, table);
        if (key.isEmpty()) {
            out.add(schema + "." + table + " has no primary key: the reverse triggers need one to find a row");
        }
        for (String k : key) {
            if (!copy.containsKey(k.toLowerCase(Locale.ROOT))) {
                out.add("the new table lacks primary key column " + k + " of the original");
            }
        }
        for (Column col : original.values()) {
            if (!copy.containsKey(col.lowerName()) && !col.generated() && !col.takesDefault()) {
                out.add("column " + col.name() + " of the original is NOT NULL without a default and the new table"
                        + " lacks it: a write through the reverse triggers would fail");
            }
        }
        return out;
    }

    /**
     * The forward part: placeholder, reverse triggers, the rotation of names, then the forward triggers and the
     * placeholder dropped. Idempotent: each step is skipped when the server shows it done.
     *
     * @param newTable the new-schema table before the rotation ({@code n})
     * @param swapName a name free in the schema, used only inside the RENAME statement
     * @param forwardTriggers the forward triggers on {@code t} that write into {@code n}
     * @return what was done, in order, for the log
     * @throws SQLException when the server refuses (a lock wait is tried again {@value #LOCK_TRIES} times first)
     * @throws IllegalStateException when {@link #problems} finds something, before anything is created
     */
    public List<String> rotate(Connection c, String newTable, String swapName, List<String> forwardTriggers)
            throws SQLException {
        List<String> done = new ArrayList<>();
        if (!renamed(c)) {
            if (!exists(c, kept)) {
                List<String> problems = problems(c, newTable);
                if (!problems.isEmpty()) {
                    throw new IllegalStateException("cannot keep " + schema + "." + table + " in sync: " + problems);
                }
                execute(c, "CREATE TABLE " + qualified(schema, kept) + " LIKE " + qualified(schema, table));
                done.add("created placeholder " + kept);
            }
            Map<String, String> existing = reverseTriggers(c);
            List<String> names = reverseTriggerNames(schema, table);
            List<String> sql = reverseTriggerSql(c, newTable);
            for (int i = 0; i < names.size(); i++) {
                if (!existing.containsKey(names.get(i))) {
                    withLockRetries(c, sql.get(i));
                    done.add("created trigger " + names.get(i) + " on " + newTable);
                }
            }
            withLockRetries(
                    c,
                    "RENAME TABLE " + qualified(schema, kept) + " TO " + qualified(schema, swapName) + ", "
                            + qualified(schema, table) + " TO " + qualified(schema, kept) + ", "
                            + qualified(schema, newTable) + " TO " + qualified(schema, table) + ", "
                            + qualified(schema, swapName) + " TO " + qualified(schema, newTable));
            done.add("rotated " + table + " -> " + kept + ", " + newTable + " -> " + table + ", placeholder -> "
                    + newTable);
        }
        done.addAll(dropTriggers(c, forwardTriggers));
        if (exists(c, newTable) && triggersOn(c, forwardTriggers).isEmpty()) {
            execute(c, "DROP TABLE IF EXISTS " + qualified(schema, newTable));
            done.add("dropped placeholder " + newTable);
        }
        return done;
    }

    /**
     * Whether the rotation's RENAME happened: the reverse triggers are on {@code t}.
     */
    public boolean renamed(Connection c) throws SQLException {
        Map<String, String> on = reverseTriggers(c);
        return !on.isEmpty() && on.values().stream().allMatch(table::equals);
    }

    /**
     * Undoes a rotation that has not renamed yet (a run that failed or was cancelled before its swap): drops the
     * reverse triggers (they write into the placeholder), then the placeholder. Does nothing after the RENAME.
     *
     * @return what was dropped
     */
    public List<String> abandon(Connection c) throws SQLException {
        if (renamed(c)) {
            return List.of();
        }
        List<String> done = new ArrayList<>(dropTriggers(c, reverseTriggerNames(schema, table)));
        if (exists(c, kept)) {
            execute(c, "DROP TABLE IF EXISTS " + qualified(schema, kept));
            done.add("table " + schema + "." + kept);
        }
        return done;
    }

    /**
     * The revert's swap: a placeholder created like {@code k}, then {@code RENAME TABLE t TO aside, k TO t, placeholder
     * TO k} in one statement (the original, in sync, takes the name back), then the reverse triggers, now on {@code
     * aside}, dropped, then the placeholder. The placeholder keeps the name {@code k} existing after the swap back for
     * a statement that listed it from {@code t}'s triggers before the RENAME; it is a precaution by the same rule as
     * the forward rotation, not a measured necessity (the failures measured were at the forward RENAME, see
     * docs/revert.md). Idempotent: once {@code aside} exists the RENAME is not repeated.
     *
     * @param aside a name free in the schema for the new-schema table
     * @param placeholder a name free in the schema for the placeholder
     * @return what was done
     * @throws IllegalStateException when the window is not open ({@link #inSync}) and the swap has not happened
     */
    public List<String> swapBack(Connection c, String aside, String placeholder) throws SQLException {
        List<String> done = new ArrayList<>();
        if (!exists(c, aside)) {
            if (!inSync(c)) {
                throw new IllegalStateException("the kept table " + schema + "." + kept + " is not kept in sync with "
                        + schema + "." + table + " (reverse triggers " + reverseTriggers(c) + ")");
            }
            if (!exists(c, placeholder)) {
                execute(c, "CREATE TABLE " + qualified(schema, placeholder) + " LIKE " + qualified(schema, kept));
                done.add("created placeholder " + placeholder);
            }
            withLockRetries(
                    c,
                    "RENAME TABLE " + qualified(schema, table) + " TO " + qualified(schema, aside) + ", "
                            + qualified(schema, kept) + " TO " + qualified(schema, table) + ", "
                            + qualified(schema, placeholder) + " TO " + qualified(schema, kept));
            done.add("swapped back: " + table + " -> " + aside + ", " + kept + " -> " + table + ", placeholder -> "
                    + kept);
        }
        done.addAll(dropTriggers(c, reverseTriggerNames(schema, table)));
        if (exists(c, kept)) {
            execute(c, "DROP TABLE IF EXISTS " + qualified(schema, kept));
            done.add("dropped placeholder " + kept);
        }
        return done;
    }

    /**
     * Drops the placeholder of a swap back that did not happen (a revert cancelled after {@link #swapBack} created
     * it, before its RENAME). Nothing names the placeholder then.
     */
    public List<String> abandonSwapBack(Connection c, String aside, String placeholder) throws SQLException {
        if (exists(c, aside) || !exists(c, placeholder)) {
            return List.of();
        }
        execute(c, "DROP TABLE IF EXISTS " + qualified(schema, placeholder));
        return List.of("table " + schema + "." + placeholder);
    }

    /** The kept table's name for {@code table}: {@code <table>_osc4j_old}, sorting after the table (see above). */
    public static String keptName(String table) {
        return after(table, "osc4j_old");
    }

    /**
     * The name of the trigger-based copy of a revertible run for {@code table}: {@code <table>_osc4j_new}, sorting after
     * the table (see above; pt-osc takes it as {@code --new-table-name}).
     */
    public static String newTableName(String table) {
        return after(table, "osc4j_new");
    }

    /**
     * A name that the server's metadata-lock order puts after {@code table}: {@code <table>_<role>} when that fits in 64
     * characters (a name that starts with another sorts after it), else the table's name cut short and {@code ~<role>}
     * ({@code ~} sorts after every ASCII letter, digit, {@code _} and {@code $}).
     *
     * @throws IllegalArgumentException when the table's name is too long and has a character at the cut that sorts
     *     after {@code ~}
     */
    static String after(String table, String role) {
        if (table.length() + 1 + role.length() <= 64) {
            return table + "_" + role;
        }
        int cut = 64 - 1 - role.length();
        if (table.charAt(cut) >= '~') {
            throw new IllegalArgumentException("cannot name a table after " + table + " in lock order: its character"
                    + " at position " + cut + " sorts after '~'; use a shorter name to make it revertible");
        }
        return table.substring(0, cut) + "~" + role;
    }

    /**
     * A name for a placeholder of the table's swap back, unique to the table and under 64 characters.
     */
    public static String placeholderName(String table) {
        return "_osc4j_kph_" + digest(table);
    }

    /**
     * Ends the window: drops the reverse triggers (they write into the kept table) so the kept table can be retired.
     *
     * @return the triggers dropped
     */
    public List<String> stopSync(Connection c) throws SQLException {
        return dropTriggers(c, reverseTriggerNames(schema, table));
    }

    /** Whether {@code name} is a table of the schema. */
    public boolean exists(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * A name for the RENAME's intermediate step, unique to the table and under 64 characters; it exists only inside
     * one RENAME statement.
     */
    public static String swapName(String table) {
        return "_osc4j_swp_" + digest(table);
    }

    private static String digest(String table) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(table.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private List<String> dropTriggers(Connection c, List<String> names) throws SQLException {
        List<String> dropped = new ArrayList<>();
        for (String name : triggersOn(c, names).keySet()) {
            withLockRetries(c, "DROP TRIGGER IF EXISTS " + qualified(schema, name));
            dropped.add("trigger " + schema + "." + name);
        }
        return dropped;
    }

    private List<String> reverseTriggerSql(Connection c, String newTable) throws SQLException {
        Map<String, Column> copy = columns(c, newTable);
        List<String> common = columns(c, table).values().stream()
                .filter(col -> !col.generated() && copy.containsKey(col.lowerName()))
                .map(Column::name)
                .toList();
        List<String> key = primaryKey(c, table);
        String into = qualified(schema, kept);
        String cols = common.stream().map(MySqlNames::quote).collect(Collectors.joining(", "));
        String values = common.stream().map(n -> "NEW." + quote(n)).collect(Collectors.joining(", "));
        String keyIsOld = key.stream()
                .map(k -> into + "." + quote(k) + " <=> OLD." + quote(k))
                .collect(Collectors.joining(" AND "));
        String keyChanged = key.stream()
                .map(k -> "OLD." + quote(k) + " <=> NEW." + quote(k))
                .collect(Collectors.joining(" AND "));
        String on = qualified(schema, newTable);
        List<String> names = reverseTriggerNames(schema, table);
        String replace = "REPLACE INTO " + into + " (" + cols + ") VALUES (" + values + ")";
        return List.of(
                "CREATE TRIGGER " + qualified(schema, names.get(0)) + " AFTER INSERT ON " + on + " FOR EACH ROW "
                        + replace,
                "CREATE TRIGGER " + qualified(schema, names.get(1)) + " AFTER UPDATE ON " + on + " FOR EACH ROW BEGIN "
                        + "DELETE IGNORE FROM " + into + " WHERE !(" + keyChanged + ") AND " + keyIsOld + "; "
                        + replace + "; END",
                "CREATE TRIGGER " + qualified(schema, names.get(2)) + " AFTER DELETE ON " + on + " FOR EACH ROW "
                        + "DELETE IGNORE FROM " + into + " WHERE " + keyIsOld);
    }

    private Map<String, String> triggersOn(Connection c, List<String> names) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        if (names.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?"
                        + " AND TRIGGER_NAME IN (" + String.join(", ", java.util.Collections.nCopies(names.size(), "?"))
                        + ")")) {
            ps.setString(1, schema);
            for (int i = 0; i < names.size(); i++) {
                ps.setString(i + 2, names.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    private record Column(String name, boolean generated, boolean takesDefault) {
        String lowerName() {
            return name.toLowerCase(Locale.ROOT);
        }
    }

    private Map<String, Column> columns(Connection c, String of) throws SQLException {
        Map<String, Column> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,"
                + " IS_GENERATED FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
                + " ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, schema);
            ps.setString(2, of);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    String extra = String.valueOf(rs.getString(4)).toLowerCase(Locale.ROOT);
                    boolean generated = "ALWAYS".equalsIgnoreCase(rs.getString(5));
                    boolean takesDefault = "YES".equals(rs.getString(2))
                            || rs.getString(3) != null
                            || extra.contains("auto_increment");
                    out.put(name.toLowerCase(Locale.ROOT), new Column(name, generated, takesDefault));
                }
            }
        }
        return out;
    }

    private List<String> primaryKey(Connection c, String of) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME FROM information_schema.STATISTICS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX")) {
            ps.setString(1, schema);
            ps.setString(2, of);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /**
     * Runs a DDL statement with a short metadata lock wait, so the application's writes queued behind it wait at most
     * that long, and tries again on a lock wait timeout.
     */
    private static void withLockRetries(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET SESSION lock_wait_timeout = " + LOCK_WAIT_SECONDS);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                execute(c, sql);
                return;
            } catch (SQLException e) {
                if (e.getErrorCode() != ER_LOCK_WAIT_TIMEOUT || attempt >= LOCK_TRIES) {
                    throw e;
                }
                sleep(Duration.ofMillis(200L * attempt));
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry a metadata lock", e);
        }
    }

    @Override
    public String toString() {
        return "KeptTable{" + schema + "." + table + " kept as " + kept + "}";
    }
}
