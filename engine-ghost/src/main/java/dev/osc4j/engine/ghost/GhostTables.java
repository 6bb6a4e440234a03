package dev.osc4j.engine.ghost;

import java.util.List;

/**
 * The tables gh-ost creates for a migrated table, named as gh-ost names them ({@code getSafeTableName} in
 * {@code go/base/context.go}): {@code _<table>_<suffix>}, with the table name cut short so the whole name fits in
 * MySQL's 64 characters.
 *
 * @param ghost {@code _<table>_gho}: the altered copy
 * @param changelog {@code _<table>_ghc}: heartbeat and state
 * @param old {@code _<table>_del}: the original table after the swap, and the sentry table during an atomic cut-over
 * @param checkpoint {@code _<table>_ghk}: checkpoints of gh-ost 1.1.8 and later
 * @param revertedOld {@code _<table>_rev_del}: the table a {@code --revert} run swaps out (the forward run's new
 *     table), gh-ost 1.1.8 and later ({@code GetOldTableName} with {@code Revert} in {@code go/base/context.go})
 */
record GhostTables(String ghost, String changelog, String old, String checkpoint, String revertedOld) {
    /** MySQL's limit on table names. */
    static final int MAX_TABLE_NAME_LENGTH = 64;

    /** The artifact names for {@code table}. */
    static GhostTables of(String table) {
        return new GhostTables(
                safe(table, "gho"), safe(table, "ghc"), safe(table, "del"), safe(table, "ghk"), safe(table, "rev_del"));
    }

    /** The four a forward run creates, in the order they are dropped. */
    List<String> all() {
        return List.of(ghost, changelog, old, checkpoint);
    }

    /** Whether {@code name} is one of the tables that hold rows (a copy, an original), not gh-ost's bookkeeping. */
    boolean holdsRows(String name) {
        return name.equals(ghost) || name.equals(old) || name.equals(revertedOld);
    }

    private static String safe(String table, String suffix) {
        String name = "_" + table + "_" + suffix;
        if (name.length() <= MAX_TABLE_NAME_LENGTH) {
            return name;
        }
        int extra = name.length() - MAX_TABLE_NAME_LENGTH;
        return "_" + table.substring(0, table.length() - extra) + "_" + suffix;
    }
}
