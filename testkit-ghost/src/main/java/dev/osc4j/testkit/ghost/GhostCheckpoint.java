package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.GoMySql.q;

import dev.osc4j.testkit.ghost.FakeGhostRun.Fatal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The checkpoint table {@code _<table>_ghk} of gh-ost 1.1.8 and later ({@code --checkpoint}), as its {@code Applier}
 * keeps it ({@code CreateCheckpointTable}, {@code WriteCheckpoint}, {@code ReadLastCheckpoint} in
 * {@code go/logic/applier.go}; the insert in {@code NewCheckpointQueryBuilder}, {@code go/sql/builder.go}): the same
 * columns, types and names ({@code <key column>_min}/{@code _max} typed like the unique key), and the cut-over
 * checkpoint ({@code gh_ost_is_cutover=1}) written after the swap with the binlog coordinates of the cut-over
 * ({@code CheckpointAfterCutOver} in {@code go/logic/migrator.go}) as {@code file:pos}, as
 * {@code FileBinlogCoordinates.String} prints them without {@code --gtid}.
 *
 * <p>Not done: the periodic checkpoints during the copy ({@code checkpointLoop}, every {@code --checkpoint-seconds},
 * 300 by default) and so {@code --resume}; the fake writes only the cut-over checkpoint a revert needs.
 */
final class GhostCheckpoint {
    /** A checkpoint as {@code ReadLastCheckpoint} returns what {@code --revert} uses of it. */
    record Checkpoint(long id, String coords, boolean cutover, long rowsCopied) {
        /** The binlog file of {@code file:pos}. */
        String file() {
            return coords.substring(0, coords.lastIndexOf(':'));
        }

        /** The position of {@code file:pos}. */
        long position() {
            return Long.parseLong(coords.substring(coords.lastIndexOf(':') + 1));
        }
    }

    private final FakeGhostRun run;

    GhostCheckpoint(FakeGhostRun run) {
        this.run = run;
    }

    /** {@code CreateCheckpointTable}: drops any previous one, then creates it. */
    void create(Connection c, List<String> key) throws SQLException {
        run.mysql.exec(c, "DROP /* gh-ost */ TABLE IF EXISTS " + run.mysql.qq(run.checkpointTable));
        List<String> defs = new ArrayList<>(List.of(
                "`gh_ost_chk_id` bigint auto_increment primary key",
                "`gh_ost_chk_timestamp` bigint",
                "`gh_ost_chk_coords` text charset ascii",
                "`gh_ost_chk_iteration` bigint",
                "`gh_ost_rows_copied` bigint",
                "`gh_ost_dml_applied` bigint",
                "`gh_ost_is_cutover` tinyint(1) DEFAULT '0'"));
        List<String> types = columnTypes(c, key);
        for (int i = 0; i < key.size(); i++) {
            defs.add(q(truncate(key.get(i)) + "_min") + " " + types.get(i));
        }
        for (int i = 0; i < key.size(); i++) {
            defs.add(q(truncate(key.get(i)) + "_max") + " " + types.get(i));
        }
        run.mysql.exec(
                c,
                "create /* gh-ost */ table " + run.mysql.qq(run.checkpointTable) + " (\n " + String.join(",\n ", defs)
                        + "\n)");
        run.log("INFO", "Created checkpoint table");
    }

    /** {@code CheckpointAfterCutOver}: the cut-over's coordinates, {@code gh_ost_is_cutover=1}. */
    void writeCutover(Connection c, List<String> key, String coords, long rowsCopied) throws SQLException {
        StringBuilder cols = new StringBuilder();
        StringBuilder nulls = new StringBuilder();
        for (String suffix : List.of("_min", "_max")) {
            for (String k : key) {
                cols.append(", ").append(q(truncate(k) + suffix));
                nulls.append(", NULL");
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert /* gh-ost */ into " + run.mysql.qq(run.checkpointTable)
                + " (gh_ost_chk_timestamp, gh_ost_chk_coords, gh_ost_chk_iteration, gh_ost_rows_copied,"
                + " gh_ost_dml_applied, gh_ost_is_cutover" + cols + ") values (unix_timestamp(now()), ?, 0, ?, 0, 1"
                + nulls + ")")) {
            ps.setString(1, coords);
            ps.setLong(2, rowsCopied);
            ps.executeUpdate();
        }
        run.log("INFO", "checkpoint success after cutover at coords=" + coords);
    }

    /**
     * {@code ReadLastCheckpoint}, with {@code Revert}'s checks ({@code go/logic/migrator.go}): the last checkpoint
     * must exist and be the cut-over's; the errors are gh-ost's.
     */
    Checkpoint readCutover(Connection c) throws Fatal {
        Checkpoint chk;
        try (PreparedStatement ps = c.prepareStatement(
                        "select /* gh-ost */ gh_ost_chk_id, gh_ost_chk_coords, gh_ost_is_cutover, gh_ost_rows_copied,"
                                + " gh_ost_chk_timestamp from " + run.mysql.qq(run.checkpointTable)
                                + " order by gh_ost_chk_id desc limit 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new Fatal("no checkpoint found, unable to revert: no checkpoint found in _ghk table");
            }
            chk = new Checkpoint(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getLong(4));
            if (!chk.cutover()) {
                throw new Fatal("last checkpoint is not after cutover, unable to revert: coords=" + chk.coords()
                        + " time=" + rs.getLong(5));
            }
        } catch (SQLException e) {
            throw new Fatal("no checkpoint found, unable to revert: " + GoMySql.goError(e, run.applierKey));
        }
        return chk;
    }

    private List<String> columnTypes(Connection c, List<String> key) throws SQLException {
        List<String> types = new ArrayList<>();
        for (String k : key) {
            try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE"
                    + " TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
                ps.setString(1, run.database);
                ps.setString(2, run.table);
                ps.setString(3, k);
                try (ResultSet rs = ps.executeQuery()) {
                    types.add(rs.next() ? rs.getString(1) : "varchar(255)");
                }
            }
        }
        return types;
    }

    /** {@code sql.TruncateColumnName(name, MaxColumnNameLength-4)}: 60 characters. */
    private static String truncate(String name) {
        return name.length() <= 60 ? name : name.substring(0, 60);
    }
}
