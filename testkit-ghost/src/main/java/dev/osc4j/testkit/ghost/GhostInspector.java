package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.GoMySql.goError;
import static dev.osc4j.testkit.ghost.GoMySql.q;

import dev.osc4j.testkit.ghost.FakeGhostRun.Fatal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the fake reads about the table and the server before it migrates, as gh-ost's {@code Inspector}
 * ({@code go/logic/inspect.go}) does: whether a table exists, the master of a replica and so where the migration runs,
 * the unique key the copy walks, the columns the ghost table shares, and the row count (exact, or estimated by
 * {@code EXPLAIN}).
 */
final class GhostInspector {
    private final FakeGhostRun run;

    GhostInspector(FakeGhostRun run) {
        this.run = run;
    }

    /**
     * Connects to the server given by {@code --host} and {@code --port}, checks the table is there and settles where
     * the migration runs, as gh-ost's {@code Migrator.initiateInspector} ({@code go/logic/migrator.go}) does: on the
     * replica itself with {@code --test-on-replica} or {@code --migrate-on-replica}, on {@code --assume-master-host}
     * if given, else on the master the server replicates from, or on the server itself with {@code --allow-on-master}.
     */
    void initiateInspector() throws Fatal {
        String host = run.flags.string("host", "127.0.0.1");
        int port = (int) run.flags.integer("port", 3306);
        run.inspectorKey = host + ":" + port;
        try (Connection inspector = run.mysql.connect(host, port)) {
            if (!tableExists(inspector, run.table)) {
                throw new Fatal("Cannot find table " + q(run.database) + "." + q(run.table) + "!");
            }
            String master = masterOf(inspector);
            boolean onReplica = run.flags.bool("migrate-on-replica") || run.flags.bool("test-on-replica");
            if (onReplica) {
                if (master == null) {
                    throw new Fatal("Instructed to --test-on-replica or --migrate-on-replica, but the server we"
                            + " connect to doesn't seem to be a replica");
                }
                run.applierKey = run.inspectorKey;
            } else if (run.flags.has("assume-master-host")) {
                String m = run.flags.string("assume-master-host", "");
                run.applierKey = m.contains(":") ? m : m + ":3306";
            } else if (master != null) {
                run.applierKey = master;
            } else {
                if (!run.flags.bool("allow-on-master")) {
                    throw new Fatal("It seems like this migration attempt to run directly on master. Preferably it"
                            + " would be executed on a replica (and this reduces load from the master). To proceed"
                            + " please provide --allow-on-master. Inspector config=" + run.inspectorKey
                            + ", applier config=" + run.inspectorKey);
                }
                run.applierKey = run.inspectorKey;
            }
            run.log("INFO", "Master found to be " + run.applierKey);
        } catch (SQLException e) {
            throw new Fatal(goError(e, run.inspectorKey));
        }
        run.applierHost = run.applierKey.substring(0, run.applierKey.lastIndexOf(':'));
        run.applierPort = Integer.parseInt(run.applierKey.substring(run.applierKey.lastIndexOf(':') + 1));
    }

    boolean tableExists(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
            ps.setString(1, run.database);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** {@code host:port} of the server {@code c} replicates from, or null when it is not a replica. */
    private static @Nullable String masterOf(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                return null;
            }
            return rs.getString("Master_Host") + ":" + rs.getInt("Master_Port");
        }
    }

    /** The PRIMARY key's columns, else the first unique key on NOT NULL columns; empty when there is none. */
    List<String> uniqueKey(Connection c, String name) throws SQLException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        Set<String> nullable = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT INDEX_NAME, COLUMN_NAME, NULLABLE FROM"
                + " information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0"
                + " ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX")) {
            ps.setString(1, run.database);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(rs.getString(2));
                    if ("YES".equals(rs.getString(3))) {
                        nullable.add(rs.getString(1));
                    }
                }
            }
        }
        for (Map.Entry<String, List<String>> e : keys.entrySet()) {
            if (!nullable.contains(e.getKey()) || run.flags.bool("allow-nullable-unique-key")) {
                return e.getValue();
            }
        }
        return List.of();
    }

    List<String> columns(Connection c, String name) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, EXTRA FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")) {
            ps.setString(1, run.database);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String extra = String.valueOf(rs.getString(2)).toUpperCase(Locale.ROOT);
                    if (!extra.contains("GENERATED")) {
                        cols.add(rs.getString(1));
                    }
                }
            }
        }
        return cols;
    }

    void countRows(Connection c) throws SQLException {
        run.countingRows = run.flags.bool("exact-rowcount")
                && run.flags.has("concurrent-rowcount")
                && !run.flags.bool("concurrent-rowcount");
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + run.mysql.qq(run.table))) {
            rs.next();
            run.exactRows = rs.getLong(1);
        }
        if (run.flags.bool("exact-rowcount")) {
            // gh-ost counts before the copy only with --concurrent-rowcount=false; the count above already ran.
            run.rowsEstimate = run.exactRows;
            run.countingRows = false;
        } else {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "EXPLAIN SELECT /* gh-ost */ * FROM " + run.mysql.qq(run.table) + " WHERE 1=1")) {
                run.rowsEstimate = rs.next() ? Math.max(0, rs.getLong("rows")) : run.exactRows;
            }
        }
        run.log("INFO", "Estimated number of rows via EXPLAIN: " + run.rowsEstimate);
    }
}
