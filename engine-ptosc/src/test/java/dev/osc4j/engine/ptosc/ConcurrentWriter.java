package dev.osc4j.engine.ptosc;

import dev.osc4j.testkit.servers.LocalMariaDb;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Inserts, updates and deletes rows of a {@code (id, a, b)} table from its own thread, one autocommit statement at a
 * time, and keeps the table's expected content: the initial rows plus every statement the server confirmed. A
 * statement that fails is rolled back by the server and changes nothing in the model; one whose outcome is unknown
 * (the connection broke after sending it) makes the run unusable and is reported.
 */
final class ConcurrentWriter implements AutoCloseable {
    /**
     * A row's content.
     *
     * @param a column a
     * @param b column b
     */
    record Row(int a, String b) {}

    private final LocalMariaDb server;
    private final String table;
    private final Random random;
    private final TreeMap<Integer, Row> expected = new TreeMap<>();
    private final List<Integer> ids = new ArrayList<>();
    private final Map<Integer, Integer> positions = new HashMap<>();
    private final List<String> log = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private int nextId = 10_000_001;
    private long inserts;
    private long updates;
    private long deletes;
    private long refused;
    private final List<String> errors = new ArrayList<>();
    private @Nullable String broken;

    ConcurrentWriter(LocalMariaDb server, String table, int initialRows, long seed) {
        this.server = server;
        this.table = table;
        this.random = new Random(seed);
        for (int i = 1; i <= initialRows; i++) {
            put(i, new Row(i % 1000, "row-" + i));
        }
        this.thread = new Thread(this::run, "writer-" + table);
        this.thread.setDaemon(true);
    }

    ConcurrentWriter start() {
        thread.start();
        return this;
    }

    private void put(int id, Row row) {
        if (expected.put(id, row) == null) {
            positions.put(id, ids.size());
            ids.add(id);
        }
    }

    private void remove(int id) {
        expected.remove(id);
        int pos = positions.remove(id);
        int last = ids.remove(ids.size() - 1);
        if (last != id) {
            ids.set(pos, last);
            positions.put(last, pos);
        }
    }

    private void run() {
        try (Connection c = server.connect(Fixture.SCHEMA);
                PreparedStatement insert =
                        c.prepareStatement("INSERT INTO `" + table + "` (id, a, b) VALUES (?, ?, ?)");
                PreparedStatement update = c.prepareStatement("UPDATE `" + table + "` SET a = ?, b = ? WHERE id = ?");
                PreparedStatement delete = c.prepareStatement("DELETE FROM `" + table + "` WHERE id = ?")) {
            long op = 0;
            while (!stop) {
                op++;
                int dice = random.nextInt(10);
                try {
                    if (dice < 4 || ids.isEmpty()) {
                        int id = nextId++;
                        Row row = new Row(random.nextInt(1_000_000), "ins-" + op);
                        insert.setInt(1, id);
                        insert.setInt(2, row.a());
                        insert.setString(3, row.b());
                        int n = insert.executeUpdate();
                        note(op, "insert", id, n);
                        if (n == 1) {
                            put(id, row);
                            inserts++;
                        }
                    } else if (dice < 8) {
                        int id = ids.get(random.nextInt(ids.size()));
                        Row row = new Row(random.nextInt(1_000_000), "upd-" + op);
                        update.setInt(1, row.a());
                        update.setString(2, row.b());
                        update.setInt(3, id);
                        int n = update.executeUpdate();
                        note(op, "update", id, n);
                        if (n == 1) {
                            put(id, row);
                            updates++;
                        }
                    } else {
                        int id = ids.get(random.nextInt(ids.size()));
                        delete.setInt(1, id);
                        int n = delete.executeUpdate();
                        note(op, "delete", id, n);
                        if (n == 1) {
                            remove(id);
                            deletes++;
                        }
                    }
                } catch (SQLException e) {
                    String state = String.valueOf(e.getSQLState());
                    note(op, "error " + state + " " + e.getErrorCode() + " " + e.getMessage(), -1, -1);
                    if (state.startsWith("08")) {
                        broken = "connection broke at operation " + op + ": " + e;
                        return;
                    }
                    refused++; // rolled back by the server: the model does not change
                    synchronized (errors) {
                        errors.add("operation " + op + ": " + e.getErrorCode() + " " + e.getMessage());
                    }
                }
            }
        } catch (SQLException e) {
            broken = "cannot connect: " + e;
        }
    }

    private void note(long op, String what, int id, int affected) {
        if (log.size() < 200_000) {
            log.add(op + " " + what + " id=" + id + " affected=" + affected);
        }
    }

    /** Stops the writer and waits for its last statement. */
    @Override
    public void close() {
        stop = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the writer", e);
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("writer did not stop");
        }
    }

    /** The statements the server refused (each rolled back), with the error. */
    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    long operations() {
        return inserts + updates + deletes;
    }

    String summary() {
        return inserts + " inserts, " + updates + " updates, " + deletes + " deletes, " + refused
                + " refused by the server" + (broken == null ? "" : "; BROKEN: " + broken);
    }

    @Nullable
    String broken() {
        return broken;
    }

    List<String> log() {
        return List.copyOf(log);
    }

    /**
     * Compares the table with the expected content: every difference (missing, phantom or different rows), at most
     * {@code limit} of them.
     */
    List<String> differences(int limit) throws SQLException {
        List<String> out = new ArrayList<>();
        TreeMap<Integer, Row> remaining = new TreeMap<>(expected);
        try (Connection c = server.connect(Fixture.SCHEMA);
                PreparedStatement ps = c.prepareStatement("SELECT id, a, b FROM `" + table + "` ORDER BY id")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int id = rs.getInt(1);
                    Row actual = new Row(rs.getInt(2), rs.getString(3));
                    Row want = remaining.remove(id);
                    if (want == null) {
                        out.add("phantom row " + id + " " + actual);
                    } else if (!want.equals(actual)) {
                        out.add("row " + id + " is " + actual + ", expected " + want);
                    }
                    if (out.size() >= limit) {
                        return out;
                    }
                }
            }
        }
        for (Map.Entry<Integer, Row> e : remaining.entrySet()) {
            out.add("lost row " + e.getKey() + " " + e.getValue());
            if (out.size() >= limit) {
                break;
            }
        }
        return out;
    }

    int expectedRows() {
        return expected.size();
    }
}
