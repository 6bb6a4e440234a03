package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.GoMySql.q;

import dev.osc4j.testkit.ghost.FakeGhostRun.Fatal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The binlog events gh-ost applies to the table it writes: in {@code --revert} mode ({@code Revert},
 * {@code initiateStreaming}, {@code addDMLEventsListener} and {@code executeDMLWriteFuncs} in
 * {@code go/logic/migrator.go}) from the cut-over coordinates of the checkpoint on, read and applied in one step
 * ({@link #catchUp}); in a forward run from where the streamer started, read by {@link GhostDmlApplier}'s streamer and
 * applied by its applier after a delay ({@link #readBatch}, {@link #apply}). Each row event on the original table is
 * applied for the columns both tables have, with the statements of {@code buildDMLEventQuery} in
 * {@code go/logic/applier.go}: an insert as {@code REPLACE}, a delete as {@code DELETE} by the unique key, an update as
 * {@code UPDATE} by the unique key (a delete and a replace when it changes the key). Applying an event twice is
 * harmless, as in gh-ost.
 *
 * <p>Unlike gh-ost, which connects as a replica and decodes the events itself, the fake reads the binary log with
 * MariaDB's {@code mariadb-binlog --read-from-remote-server -v --base64-output=DECODE-ROWS} (from the
 * {@code mariadb-client} package; {@code mysqlbinlog} when that is missing), in batches from the last applied position
 * to the end of the log, and parses its pseudo-SQL. Values are read as that tool prints them: enough for numbers and
 * plain text, not for binary data or text containing a quote. Row events are mapped to column names with the
 * table's columns as they are when the revert starts (the new table's, in ordinal order; a table with generated
 * columns is not supported).
 */
final class GhostBinlogReplay {
    private static final Pattern AT = Pattern.compile("^# at (\\d+)");
    private static final Pattern END_POS = Pattern.compile("end_log_pos (\\d+)");
    private static final Pattern ROTATE = Pattern.compile("Rotate to (\\S+)\\s+pos: (\\d+)");
    private static final Pattern ROW_START =
            Pattern.compile("^### (INSERT INTO|UPDATE|DELETE FROM) `([^`]*)`\\.`([^`]*)`");
    private static final Pattern VALUE = Pattern.compile("^###\\s+@(\\d+)=(.*)$");

    private final FakeGhostRun run;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private String file;
    private long position;
    private final List<String> sourceColumns;
    private final List<String> shared;
    private final List<String> key;
    private long applied;

    /** A row change read from the log. */
    record Change(
            String kind,
            @Nullable Map<String, Object> before,
            @Nullable Map<String, Object> after) {}

    GhostBinlogReplay(
            FakeGhostRun run,
            String user,
            String password,
            String file,
            long position,
            List<String> sourceColumns,
            List<String> shared,
            List<String> key) {
        this.run = run;
        this.host = run.applierHost;
        this.port = run.applierPort;
        this.user = user;
        this.password = password;
        this.file = file;
        this.position = position;
        this.sourceColumns = List.copyOf(sourceColumns);
        this.shared = List.copyOf(shared);
        this.key = List.copyOf(key);
    }

    /** Where the replay has applied up to, as {@code file:pos}. */
    synchronized String coordinates() {
        return file + ":" + position;
    }

    /** How many row events were applied. */
    synchronized long applied() {
        return applied;
    }

    /** Whether everything up to {@code targetFile:targetPosition} is applied. */
    synchronized boolean reached(String targetFile, long targetPosition) {
        int cmp = file.compareTo(targetFile);
        return cmp > 0 || (cmp == 0 && position >= targetPosition);
    }

    /** Reads the log from the last applied position to its end and applies what it finds; returns the events applied. */
    synchronized int catchUp(Connection c) throws Fatal {
        Batch batch = readBatch();
        try {
            apply(c, batch.changes());
        } catch (SQLException e) {
            throw new Fatal(GoMySql.goError(e, run.applierKey));
        }
        advance(batch);
        applied += batch.changes().size();
        return batch.changes().size();
    }

    /** The row changes on the table read from the log, and the coordinates the log was read up to. */
    record Batch(List<Change> changes, String file, long position) {}

    /** Moves the read position past {@code batch}, once its changes are applied or queued. */
    synchronized void advance(Batch batch) {
        file = batch.file();
        position = batch.position();
    }

    /**
     * Reads the log from the last position to its end (the streamer's part, {@code go/binlog/gomysql_reader.go}),
     * without applying or moving the position.
     */
    synchronized Batch readBatch() throws Fatal {
        List<String> lines = read();
        List<Change> changes = new ArrayList<>();
        String currentFile = file;
        long lastEnd = position;
        String kind = null;
        boolean ours = false;
        Map<String, Object> before = null;
        Map<String, Object> after = null;
        Map<String, Object> filling = null;
        for (String line : lines) {
            Matcher rotate = ROTATE.matcher(line);
            if (rotate.find()) {
                currentFile = rotate.group(1);
                lastEnd = Long.parseLong(rotate.group(2));
                continue;
            }
            if (line.startsWith("#") && !line.startsWith("###")) {
                Matcher end = END_POS.matcher(line);
                if (end.find() && !line.contains("Rotate")) {
                    long e = Long.parseLong(end.group(1));
                    if (e > lastEnd) { // never backwards: the format description event comes first with its own
                        lastEnd = e;
                    }
                }
                if (AT.matcher(line).find() || line.startsWith("# Number of rows")) {
                    if (kind != null && ours) {
                        changes.add(new Change(kind, before, after));
                    }
                    kind = null;
                }
                continue;
            }
            Matcher start = ROW_START.matcher(line);
            if (start.find()) {
                if (kind != null && ours) {
                    changes.add(new Change(kind, before, after));
                }
                kind = start.group(1);
                ours = start.group(2).equals(run.database) && start.group(3).equals(run.table);
                before = null;
                after = null;
                filling = null;
                if (kind.equals("INSERT INTO")) {
                    after = new TreeMap<>();
                    filling = after;
                }
                continue;
            }
            if (kind == null) {
                continue;
            }
            if (line.equals("### WHERE")) {
                before = new TreeMap<>();
                filling = before;
            } else if (line.equals("### SET")) {
                if (after == null) {
                    after = new TreeMap<>();
                }
                filling = after;
            } else {
                Matcher v = VALUE.matcher(line);
                if (v.find() && filling != null) {
                    int ordinal = Integer.parseInt(v.group(1));
                    if (ordinal >= 1 && ordinal <= sourceColumns.size()) {
                        filling.put(sourceColumns.get(ordinal - 1), value(v.group(2)));
                    }
                }
            }
        }
        if (kind != null && ours) {
            changes.add(new Change(kind, before, after));
        }
        return new Batch(changes, currentFile, lastEnd);
    }

    /**
     * Applies changes in one transaction, as {@code ApplyDMLEventQueries} does a batch: {@code buildDMLEventQuery}
     * makes an insert a {@code REPLACE}, a delete a {@code DELETE} by the unique key, and an update an {@code UPDATE}
     * by the unique key, or a delete and a replace when the update changes the key.
     */
    void apply(Connection c, List<Change> changes) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (Change ch : changes) {
                Map<String, Object> before = ch.before();
                Map<String, Object> after = ch.after();
                if (before != null && after != null && sameKey(before, after)) {
                    update(c, before, after);
                    continue;
                }
                if (before != null) {
                    delete(c, before);
                }
                if (after != null) {
                    replace(c, after);
                }
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private boolean sameKey(Map<String, Object> before, Map<String, Object> after) {
        for (String k : key) {
            if (!java.util.Objects.equals(before.get(k), after.get(k))) {
                return false;
            }
        }
        return true;
    }

    private void update(Connection c, Map<String, Object> before, Map<String, Object> after) throws SQLException {
        String set = String.join(", ", shared.stream().map(s -> q(s) + "=?").toList());
        String where =
                String.join(" and ", key.stream().map(k -> "(" + q(k) + " = ?)").toList());
        try (PreparedStatement ps = c.prepareStatement(
                "update /* gh-ost */ " + run.mysql.qq(run.ghost) + " set " + set + " where " + where)) {
            int i = 1;
            for (String s : shared) {
                ps.setObject(i++, after.get(s));
            }
            for (String k : key) {
                ps.setObject(i++, before.get(k));
            }
            ps.executeUpdate();
        }
    }

    private void delete(Connection c, Map<String, Object> row) throws SQLException {
        StringBuilder where = new StringBuilder();
        for (String k : key) {
            where.append(where.length() == 0 ? "" : " AND ").append(q(k)).append(" <=> ?");
        }
        try (PreparedStatement ps =
                c.prepareStatement("delete /* gh-ost */ from " + run.mysql.qq(run.ghost) + " where " + where)) {
            int i = 1;
            for (String k : key) {
                ps.setObject(i++, row.get(k));
            }
            ps.executeUpdate();
        }
    }

    private void replace(Connection c, Map<String, Object> row) throws SQLException {
        String cols = String.join(", ", shared.stream().map(GoMySql::q).toList());
        String marks = String.join(", ", shared.stream().map(s -> "?").toList());
        try (PreparedStatement ps = c.prepareStatement(
                "replace /* gh-ost */ into " + run.mysql.qq(run.ghost) + " (" + cols + ") values (" + marks + ")")) {
            int i = 1;
            for (String s : shared) {
                ps.setObject(i++, row.get(s));
            }
            ps.executeUpdate();
        }
    }

    /** A value as {@code mariadb-binlog -v} prints it: {@code NULL}, {@code 'text'} (bytes under 0x20 as {@code \xNN}) or a number. */
    static @Nullable Object value(String printed) {
        String p = printed.strip();
        if (p.equals("NULL")) {
            return null;
        }
        if (p.startsWith("'")) {
            int end = p.lastIndexOf('\'');
            String body = end > 0 ? p.substring(1, end) : p.substring(1);
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < body.length(); i++) {
                char ch = body.charAt(i);
                if (ch == '\\' && i + 3 < body.length() && body.charAt(i + 1) == 'x') {
                    out.append((char) Integer.parseInt(body.substring(i + 2, i + 4), 16));
                    i += 3;
                } else if (ch == '\\' && i + 1 < body.length()) {
                    out.append(body.charAt(++i));
                } else {
                    out.append(ch);
                }
            }
            return out.toString();
        }
        int space = p.indexOf(' ');
        return space < 0 ? p : p.substring(0, space);
    }

    private List<String> read() throws Fatal {
        Path defaults = null;
        Path output = null;
        try {
            defaults = Files.createTempFile("fake-gh-ost-binlog-", ".cnf");
            Files.setPosixFilePermissions(defaults, PosixFilePermissions.fromString("rw-------"));
            // the password goes by MYSQL_PWD: an option file would need it quoted and escaped by rules of its own
            Files.writeString(defaults, "[client]\nuser=" + user + "\n");
            output = Files.createTempFile("fake-gh-ost-binlog-", ".out");
            List<String> command = List.of(
                    tool(),
                    "--defaults-extra-file=" + defaults,
                    "--read-from-remote-server",
                    "--host=" + host,
                    "--port=" + port,
                    "--protocol=TCP",
                    "--base64-output=DECODE-ROWS",
                    "--verbose",
                    "--to-last-log",
                    "--start-position=" + position,
                    file);
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put("MYSQL_PWD", password);
            Process p = builder.redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new Fatal("fake gh-ost: reading the binary log timed out");
            }
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new Fatal("fake gh-ost: cannot read the binary log from " + file + ":" + position + ": "
                        + String.join(" ", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
            }
            return lines;
        } catch (IOException e) {
            throw new Fatal("fake gh-ost: cannot read the binary log: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Fatal("fake gh-ost: interrupted reading the binary log");
        } finally {
            deleteQuietly(defaults);
            deleteQuietly(output);
        }
    }

    private static String tool() {
        for (String candidate : List.of("/usr/bin/mariadb-binlog", "/usr/bin/mysqlbinlog")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "mariadb-binlog";
    }

    private static void deleteQuietly(@Nullable Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
