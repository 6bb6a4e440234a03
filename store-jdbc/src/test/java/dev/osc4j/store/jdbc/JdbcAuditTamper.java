package dev.osc4j.store.jdbc;

import dev.osc4j.MigrationId;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.AuditTamperContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** The audit tamper contract on the JDBC store: the rows of its audit table edited with SQL. */
abstract class JdbcAuditTamper extends AuditTamperContract {
    private final String prefix = TestDatabases.freshPrefix();
    private @Nullable JdbcStateStore store;

    /** The database. */
    protected abstract DataSource dataSource();

    @Override
    protected StateStore store() {
        if (store == null) {
            store = JdbcStateStore.builder(dataSource()).tablePrefix(prefix).build();
        }
        return store;
    }

    private int update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    private String json(MigrationId id, long seq) throws SQLException {
        try (Connection c = dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT entry_json FROM " + prefix + "audit WHERE migration_id = ? AND seq = ?")) {
            ps.setString(1, id.value());
            ps.setLong(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no audit row " + seq + " of " + id);
                }
                return rs.getString(1);
            }
        }
    }

    @Override
    protected void replaceInEntry(MigrationId id, long seq, String from, String to) throws SQLException {
        String json = json(id, seq);
        if (!json.contains(from)) {
            throw new AssertionError("entry " + seq + " has no " + from + ": " + json);
        }
        update(
                "UPDATE " + prefix + "audit SET entry_json = ? WHERE migration_id = ? AND seq = ?",
                json.replace(from, to),
                id.value(),
                seq);
    }

    @Override
    protected void deleteEntry(MigrationId id, long seq) throws SQLException {
        update("DELETE FROM " + prefix + "audit WHERE migration_id = ? AND seq = ?", id.value(), seq);
    }

    @Override
    protected void swapEntries(MigrationId id, long a, long b) throws SQLException {
        // The rows keep their seq; their contents (which name their own seq) change places.
        String ja = json(id, a);
        String jb = json(id, b);
        update("UPDATE " + prefix + "audit SET entry_json = ? WHERE migration_id = ? AND seq = ?", jb, id.value(), a);
        update("UPDATE " + prefix + "audit SET entry_json = ? WHERE migration_id = ? AND seq = ?", ja, id.value(), b);
    }
}
