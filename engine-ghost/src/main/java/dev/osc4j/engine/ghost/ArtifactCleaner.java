package dev.osc4j.engine.ghost;

import dev.osc4j.mysql.MySqlNames;
import dev.osc4j.mysql.TableLifecycle;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Retires the tables a gh-ost run leaves on failure, and only those: {@code _<table>_gho}, {@code _<table>_ghc},
 * {@code _<table>_del}, {@code _<table>_ghk} (see {@link GhostTables}). The two that hold rows ({@code _gho}, the copy,
 * and {@code _del}, the original after a swap) go through the {@link TableLifecycle} (quarantined for its hold, then
 * swept); the changelog and checkpoint tables, a few rows of gh-ost's own, are dropped at once. Each cleanup then
 * sweeps the schema's quarantined tables whose hold has passed.
 *
 * <p>One case needs care: a two-step cut-over that died between its two renames leaves no table under the original
 * name, the original data in {@code _del} and the complete new copy in {@code _gho}. Dropping either would lose data,
 * so when the original table is missing, only the changelog and checkpoint tables are dropped and the report says
 * what to rename back.
 */
final class ArtifactCleaner {
    private ArtifactCleaner() {}

    /**
     * What was found and done.
     *
     * @param dropped qualified names of the tables dropped
     * @param notes what an operator should know
     */
    record Result(List<String> dropped, List<String> notes) {}

    static Result drop(Connection connection, String schema, String table, TableLifecycle lifecycle, String origin)
            throws SQLException {
        return drop(connection, schema, table, GhostTables.of(table).all(), lifecycle, origin);
    }

    /**
     * Retires {@code artifacts} (some of {@link GhostTables}' names for {@code table}) as {@link #drop(Connection,
     * String, String, TableLifecycle, String)} retires all four: the ones that hold rows through the lifecycle, the
     * others dropped; then sweeps.
     */
    static Result drop(
            Connection connection,
            String schema,
            String table,
            List<String> artifacts,
            TableLifecycle lifecycle,
            String origin)
            throws SQLException {
        GhostTables names = GhostTables.of(table);
        Set<String> present = existing(connection, schema, table, artifacts);
        java.util.ArrayList<String> dropped = new java.util.ArrayList<>();
        java.util.ArrayList<String> notes = new java.util.ArrayList<>();
        boolean originalPresent = present.contains(table);
        for (String artifact : artifacts) {
            if (!present.contains(artifact)) {
                continue;
            }
            boolean holdsData = names.holdsRows(artifact);
            if (!originalPresent && holdsData) {
                notes.add("kept " + MySqlNames.qualified(schema, artifact) + ": " + MySqlNames.qualified(schema, table)
                        + " is missing (a cut-over stopped between its renames?); rename "
                        + MySqlNames.qualified(schema, names.old()) + " back to " + MySqlNames.qualified(schema, table)
                        + " or " + MySqlNames.qualified(schema, names.ghost()) + " forward, then clean up again");
                continue;
            }
            if (holdsData && !lifecycle.hold().isZero()) {
                String done = lifecycle.retire(connection, schema, artifact, origin + " " + artifact);
                if (!done.isEmpty()) {
                    dropped.add(done);
                }
                continue;
            }
            try (Statement s = connection.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + MySqlNames.qualified(schema, artifact));
            }
            dropped.add(MySqlNames.qualified(schema, artifact));
        }
        dropped.addAll(lifecycle.sweep(connection, schema));
        return new Result(List.copyOf(dropped), List.copyOf(notes));
    }

    private static Set<String> existing(Connection connection, String schema, String table, List<String> names)
            throws SQLException {
        Set<String> found = new HashSet<>();
        String marks = String.join(", ", java.util.Collections.nCopies(names.size() + 1, "?"));
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (" + marks
                        + ")")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            int i = 3;
            for (String n : names) {
                ps.setString(i++, n);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        return found;
    }
}
