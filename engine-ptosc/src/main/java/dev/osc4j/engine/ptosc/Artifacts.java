package dev.osc4j.engine.ptosc;

import dev.osc4j.Artifact;
import dev.osc4j.mysql.KeptTable;
import dev.osc4j.mysql.MySqlNames;
import dev.osc4j.mysql.TableLifecycle;
import dev.osc4j.spi.EngineKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The tables and triggers pt-online-schema-change creates, how to recognise the ones a given run created, and the SQL
 * that finds and drops them (the engine's only SQL).
 *
 * <p>Names, from the 3.2.1 source: the new table is {@code _<table>_new} with up to 10 leading underscores (one more
 * per name already taken), cut at 64 characters; the old table after the swap is {@code _<table>_old} likewise (then
 * random prefixes); the triggers are {@code <prefix>_ins}, {@code _upd}, {@code _del} with {@code prefix =
 * pt_osc_<db>_<table>}, non-word characters replaced by {@code _}, cut at 60 characters.
 *
 * <p>A run's artifacts are those that exist, are not in its record of what existed before it started, and that the
 * run reported creating (the plugin names the new and old tables; the triggers must be on the run's table and write
 * into the run's new table). A name that only matches is reported, never dropped.
 */
final class Artifacts {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9_$]{1,64}");
    private static final int MAX_PREFIXES = 10;

    private Artifacts() {}

    /**
     * A trigger as the server lists it.
     *
     * @param name its name
     * @param table the table it is on
     * @param statement its body
     */
    record Trigger(String name, String table, String statement) {}

    /**
     * What exists on the server with a pt-osc name for the table.
     *
     * @param tables tables named like the new or old table (or named by the run)
     * @param triggers triggers named like pt-osc's for the table
     * @param reverseTriggers osc4j's reverse triggers of the table ({@link KeptTable}): a revert window is open
     */
    record Found(List<String> tables, List<Trigger> triggers, List<String> reverseTriggers) {
        Found {
            tables = List.copyOf(tables);
            triggers = List.copyOf(triggers);
            reverseTriggers = List.copyOf(reverseTriggers);
        }

        Found(List<String> tables, List<Trigger> triggers) {
            this(tables, triggers, List.of());
        }

        boolean isEmpty() {
            return tables.isEmpty() && triggers.isEmpty();
        }

        List<String> names() {
            List<String> out = new ArrayList<>();
            triggers.forEach(t -> out.add("trigger " + t.name()));
            tables.forEach(t -> out.add("table " + t));
            return out;
        }
    }

    /**
     * What cleanup drops, and what it leaves with a reason.
     *
     * @param triggers triggers to drop (first)
     * @param tables tables to drop (after the triggers)
     * @param leftAlone names that match but are not known to be this run's, with why
     */
    record Plan(List<String> triggers, List<String> tables, List<String> leftAlone) {
        Plan {
            triggers = List.copyOf(triggers);
            tables = List.copyOf(tables);
            leftAlone = List.copyOf(leftAlone);
        }

        boolean isEmpty() {
            return triggers.isEmpty() && tables.isEmpty();
        }

        List<String> describe() {
            List<String> out = new ArrayList<>();
            triggers.forEach(t -> out.add("trigger " + t));
            tables.forEach(t -> out.add("table " + t));
            return out;
        }
    }

    /**
     * What a run reported about itself, for {@link #plan}.
     *
     * @param schema the schema
     * @param table the original table
     * @param newTable the new table's name, when reported
     * @param oldTable the old table's name after the swap, when reported
     * @param creatingNewTable the run got as far as creating the new table
     * @param creatingTriggers the run got as far as creating the triggers
     * @param swapping the run was released to swap (so an old table may exist)
     * @param preexistingTables tables with pt-osc names that existed before the run
     * @param preexistingTriggers triggers with pt-osc names that existed before the run
     */
    record RunFacts(
            String schema,
            String table,
            @Nullable String newTable,
            @Nullable String oldTable,
            boolean creatingNewTable,
            boolean creatingTriggers,
            boolean swapping,
            List<String> preexistingTables,
            List<String> preexistingTriggers) {}

    /**
     * What a run of {@code schema.table} will create, given the pt-osc names that exist now ({@code before}): a forward
     * run, pt-osc's new table (the first of {@link #newTableNames} that is free) and its three triggers, and for a
     * revertible run instead the copy {@link KeptTable#newTableName} and osc4j's kept table {@link KeptTable#keptName}
     * (created as a placeholder and renamed onto at the swap) and its three reverse triggers; a revert (no process), the name the new-schema table is set
     * aside under (the first free {@link #newTableNames}) and the placeholder of the swap back.
     */
    static List<Artifact> planned(
            Found before, String schema, String table, boolean revertible, boolean revert, EngineKey key) {
        List<Artifact> out = new ArrayList<>();
        if (revertible && !revert) {
            // The names RunLauncher gives a revertible run (sorting after the table: KeptTable explains why).
            out.add(Artifact.table(schema, KeptTable.newTableName(table), key));
        } else {
            firstFree(newTableNames(table), before).ifPresent(n -> out.add(Artifact.table(schema, n, key)));
        }
        if (revert) {
            out.add(Artifact.table(schema, KeptTable.placeholderName(table), key));
            return out;
        }
        triggerNames(schema, table).forEach(n -> out.add(Artifact.trigger(schema, n, key)));
        if (revertible) {
            out.add(Artifact.table(schema, KeptTable.keptName(table), key));
            KeptTable.reverseTriggerNames(schema, table).forEach(n -> out.add(Artifact.trigger(schema, n, key)));
        }
        return out;
    }

    private static java.util.Optional<String> firstFree(List<String> names, Found before) {
        return names.stream().filter(n -> !before.tables().contains(n)).findFirst();
    }

    static String triggerPrefix(String schema, String table) {
        String prefix = ("pt_osc_" + schema + "_" + table).replaceAll("\\W", "_");
        return prefix.length() > 60 ? prefix.substring(0, 60) : prefix;
    }

    static List<String> triggerNames(String schema, String table) {
        String prefix = triggerPrefix(schema, table);
        return List.of(prefix + "_ins", prefix + "_upd", prefix + "_del");
    }

    /**
     * The names pt-osc tries for the new table, in order, then the one a revertible run gives it ({@link
     * KeptTable#newTableName}).
     */
    static List<String> newTableNames(String table) {
        return withLockOrdered(prefixed(table + "_new"), () -> KeptTable.newTableName(table));
    }

    /**
     * The names pt-osc tries first for the old table, in order (after these it uses random prefixes), then a revertible
     * run's kept table ({@link KeptTable#keptName}).
     */
    static List<String> oldTableNames(String table) {
        return withLockOrdered(prefixed(table + "_old"), () -> KeptTable.keptName(table));
    }

    private static List<String> withLockOrdered(List<String> names, Supplier<String> name) {
        List<String> out = new ArrayList<>(names);
        try {
            out.add(name.get());
        } catch (IllegalArgumentException e) {
            // A table no revertible run can have (RunLauncher refuses it): nothing of that name to look for.
        }
        return out;
    }

    private static List<String> prefixed(String base) {
        List<String> out = new ArrayList<>();
        StringBuilder name = new StringBuilder(base);
        for (int i = 0; i < MAX_PREFIXES; i++) {
            name.insert(0, '_');
            String n = name.length() > 64 ? name.substring(0, 64) : name.toString();
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Every table and trigger with a pt-osc name for {@code table}, plus the tables in {@code alsoTables}. */
    static Found find(Connection c, String schema, String table, List<String> alsoTables) throws SQLException {
        Set<String> tableNames = new LinkedHashSet<>(newTableNames(table));
        tableNames.addAll(oldTableNames(table));
        tableNames.addAll(alsoTables);
        List<String> tables = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ("
                        + placeholders(tableNames.size()) + ") ORDER BY TABLE_NAME")) {
            ps.setString(1, schema);
            int i = 2;
            for (String n : tableNames) {
                ps.setString(i++, n);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        List<String> names = triggerNames(schema, table);
        List<Trigger> triggers = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_STATEMENT FROM information_schema.TRIGGERS"
                        + " WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME IN (?, ?, ?) ORDER BY TRIGGER_NAME")) {
            ps.setString(1, schema);
            for (int i = 0; i < names.size(); i++) {
                ps.setString(i + 2, names.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    triggers.add(new Trigger(rs.getString(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        List<String> reverse = new ArrayList<>(
                KeptTable.of(schema, table, "").reverseTriggers(c).keySet());
        return new Found(tables, triggers, reverse);
    }

    /** Decides what belongs to the run. Pure. */
    static Plan plan(RunFacts run, Found found) {
        List<String> tables = new ArrayList<>();
        List<String> leftAlone = new ArrayList<>();
        String newTable = run.newTable();
        if (newTable == null && run.creatingNewTable()) {
            // Killed between CREATE TABLE and the plugin's report: a single new-table name that appeared is its.
            List<String> appeared = appeared(found.tables(), newTableNames(run.table()), run.preexistingTables());
            if (appeared.size() == 1) {
                newTable = appeared.get(0);
            } else if (appeared.size() > 1) {
                leftAlone.add("tables " + appeared + ": several new-table names appeared during the run; drop the"
                        + " one that is not another run's by hand");
            }
        }
        String oldTable = run.oldTable();
        if (oldTable == null && run.swapping()) {
            List<String> appeared = appeared(found.tables(), oldTableNames(run.table()), run.preexistingTables());
            if (appeared.size() == 1) {
                oldTable = appeared.get(0);
            } else if (appeared.size() > 1) {
                leftAlone.add("tables " + appeared + ": several old-table names appeared during the run");
            }
        }
        for (String t : found.tables()) {
            boolean mine = t.equals(newTable) || t.equals(oldTable);
            if (run.preexistingTables().contains(t)) {
                leftAlone.add("table " + t + ": it existed before this run started");
            } else if (mine && IDENTIFIER.matcher(t).matches()) {
                tables.add(t);
            } else {
                leftAlone.add("table " + t + ": not reported by this run");
            }
        }
        List<String> triggers = new ArrayList<>();
        for (Trigger t : found.triggers()) {
            if (run.preexistingTriggers().contains(t.name())) {
                leftAlone.add("trigger " + t.name() + ": it existed before this run started");
                continue;
            }
            boolean onTable = t.table().equals(run.table()) || t.table().equals(oldTable);
            boolean intoNew = newTable != null
                    ? writesInto(t.statement(), run.schema(), newTable)
                    : newTableNames(run.table()).stream().anyMatch(n -> writesInto(t.statement(), run.schema(), n));
            if (run.creatingTriggers() && onTable && intoNew) {
                triggers.add(t.name());
            } else {
                leftAlone.add("trigger " + t.name() + ": not this run's (on " + t.table() + ")");
            }
        }
        return new Plan(triggers, tables, leftAlone);
    }

    private static List<String> appeared(List<String> found, List<String> candidates, List<String> preexisting) {
        List<String> out = new ArrayList<>();
        for (String t : found) {
            if (candidates.contains(t) && !preexisting.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    private static boolean writesInto(String statement, String schema, String table) {
        String s = statement.toLowerCase(Locale.ROOT);
        String quoted = ("`" + schema + "`.`" + table + "`").toLowerCase(Locale.ROOT);
        return s.contains(quoted);
    }

    /** Drops the plan's triggers, then its tables; returns what it dropped. */
    /**
     * Drops the plan's triggers first (they write into the tables), then retires its tables through the lifecycle
     * (quarantined for the hold period, or dropped when it is zero), then sweeps the schema's quarantined tables whose
     * hold has passed, of any run.
     */
    static List<String> drop(Connection c, String schema, Plan plan, TableLifecycle lifecycle, String origin)
            throws SQLException {
        List<String> dropped = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            for (String t : plan.triggers()) {
                st.execute("DROP TRIGGER IF EXISTS " + quote(schema) + "." + quote(t));
                dropped.add("trigger " + schema + "." + t);
            }
        }
        for (String t : plan.tables()) {
            quote(t); // refuses anything but a plain identifier, as for the triggers
            String done = lifecycle.retire(c, schema, t, origin + " " + t);
            if (!done.isEmpty()) {
                dropped.add(done);
            }
        }
        dropped.addAll(lifecycle.sweep(c, schema));
        return dropped;
    }

    private static String quote(String identifier) {
        if (!IDENTIFIER.matcher(identifier).matches()) {
            throw new IllegalArgumentException("not a plain identifier: " + identifier);
        }
        return MySqlNames.quote(identifier);
    }

    private static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }
}
