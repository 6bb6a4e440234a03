package dev.osc4j.engine.ghost;

import dev.osc4j.Endpoint;
import dev.osc4j.engine.ghost.GhostOutputParser.Status;
import dev.osc4j.mysql.MySqlConnections;
import dev.osc4j.mysql.MySqlNames;
import dev.osc4j.mysql.TableChecksum;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot gh-ost's tables are compared in: one in which the ghost table has every change made to the original,
 * although gh-ost applies them asynchronously from the binary log. On a connection of its own, in this order:
 *
 * <ol>
 *   <li>{@code SET SESSION lock_wait_timeout} to the hold limit, then {@code LOCK TABLES <t> READ}: writes to the
 *       original wait from here on, and the lock is granted only once every transaction that wrote to it has ended, so
 *       every change to it is in the binary log before the position read next;
 *   <li>{@code SHOW MASTER STATUS}: the position P every change to the original is before;
 *   <li>gh-ost's socket {@code sup}, every 50 ms, until its status line says the streamer has read up to P or past it
 *       ({@code streamer: file:pos}), its queue is empty ({@code Backlog: 0/...}) and the count of applied events
 *       ({@code Applied: n}) has not moved for {@link #SETTLE}: gh-ost moves the streamer's coordinates before it
 *       queues an event, and takes an event off the queue before it applies it, so an empty queue alone is not enough
 *       ({@code go/logic/migrator.go}: {@code printStatus}, {@code onApplyEventStruct};
 *       {@code go/binlog/gomysql_reader.go}: {@code StreamEvents});
 *   <li>{@code START TRANSACTION WITH CONSISTENT SNAPSHOT} on the checksum's connection;
 *   <li>{@code UNLOCK TABLES}: writes go on. The chunks are hashed afterwards, in the snapshot, never under the lock.
 * </ol>
 *
 * <p>Writes are held for at most about the hold limit: waiting for the lock and for gh-ost count against it, and
 * when it runs out the lock is released and {@link #open} fails with an {@link SQLTransientException}, which makes the
 * comparison start again later. Should gh-ost apply an event after the snapshot despite the settle time, the chunk
 * differs and is copied again from the original, which gh-ost's later events cannot undo (they are applied in order).
 *
 * <p>Needs gh-ost to stream the binary log of the server it applies to (the modes other than {@code replica}) and file
 * coordinates (not GTID); otherwise {@link #open} says the tables cannot be compared this way.
 */
final class DrainedSnapshot implements TableChecksum.Snapshot {
    private static final Logger LOG = LoggerFactory.getLogger(DrainedSnapshot.class);
    /** How long the applied count must stay still, once the queue is empty, before the snapshot opens. */
    static final Duration SETTLE = Duration.ofMillis(150);

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Pattern FILE_POS = Pattern.compile("^(.+):(\\d+)$");

    private final RunDirectory run;
    private final MySqlConnections connections;
    private final Endpoint server;
    private final String schema;
    private final String table;
    private final Duration holdLimit;
    private final Duration socketTimeout;

    DrainedSnapshot(
            RunDirectory run,
            MySqlConnections connections,
            Endpoint server,
            String schema,
            String table,
            Duration holdLimit,
            Duration socketTimeout) {
        this.run = run;
        this.connections = connections;
        this.server = server;
        this.schema = schema;
        this.table = table;
        this.holdLimit = holdLimit;
        this.socketTimeout = socketTimeout;
    }

    @Override
    public void open(Connection snapshot) throws SQLException {
        long started = System.nanoTime();
        long deadline = started + holdLimit.toNanos();
        try (Connection lock = connections.open(server);
                Statement st = lock.createStatement()) {
            st.execute("SET SESSION lock_wait_timeout = " + Math.max(1, (holdLimit.toMillis() + 999) / 1000));
            st.execute("LOCK TABLES " + MySqlNames.qualified(schema, table) + " READ");
            try {
                Coordinates target = masterStatus(st);
                awaitApplied(target, deadline);
                try (Statement s = snapshot.createStatement()) {
                    s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
                }
            } finally {
                st.execute("UNLOCK TABLES");
            }
        }
        LOG.info(
                "gh-ost run {}: writes to {}.{} held {} ms for a drained snapshot",
                run,
                schema,
                table,
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    private static Coordinates masterStatus(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SHOW MASTER STATUS")) {
            if (!rs.next()) {
                throw new SQLException("SHOW MASTER STATUS is empty: the server writes no binary log");
            }
            return new Coordinates(rs.getString(1), rs.getLong(2));
        }
    }

    private void awaitApplied(Coordinates target, long deadline) throws SQLException {
        long lastApplied = -1;
        long stillSince = 0;
        String seen = "no status from gh-ost";
        while (true) {
            Status s = status();
            long now = System.nanoTime();
            if (s != null) {
                Coordinates streamer = Coordinates.parse(s.streamer());
                if (streamer == null) {
                    throw new dev.osc4j.InvalidRequestException(
                            "gh-ost's streamer coordinates '" + s.streamer()
                                    + "' are not file:position, so osc4j cannot tell when its backlog is drained",
                            null);
                }
                seen = "streamer " + s.streamer() + ", backlog " + s.backlog() + ", applied " + s.applied();
                if (streamer.compareTo(target) >= 0 && s.backlog() == 0) {
                    if (s.applied() != lastApplied) {
                        lastApplied = s.applied();
                        stillSince = now;
                    } else if (now - stillSince >= SETTLE.toNanos()) {
                        return;
                    }
                } else {
                    lastApplied = -1;
                }
            }
            if (now > deadline) {
                throw new SQLTransientException("gh-ost did not apply the binary log up to " + target + " within "
                        + holdLimit.toMillis() + " ms of holding writes (" + seen + "); writes released, to try again");
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLTransientException("interrupted waiting for gh-ost's backlog", e);
            }
        }
    }

    private @Nullable Status status() {
        try {
            String reply = SocketClient.send(run.socket(), "sup", socketTimeout);
            return GhostOutputParser.lastStatus(List.of(reply.split("\n")));
        } catch (IOException e) {
            LOG.debug("gh-ost socket {} did not answer 'sup': {}", run.socket(), e.toString());
            return null;
        }
    }

    /** Binlog file coordinates, ordered as the server writes them. */
    record Coordinates(String file, long position) implements Comparable<Coordinates> {
        static @Nullable Coordinates parse(String text) {
            Matcher m = FILE_POS.matcher(text.strip());
            return m.matches() ? new Coordinates(m.group(1), Long.parseLong(m.group(2))) : null;
        }

        @Override
        public int compareTo(Coordinates o) {
            int c = file.compareTo(o.file);
            return c != 0 ? c : Long.compare(position, o.position);
        }

        @Override
        public String toString() {
            return file + ":" + position;
        }
    }
}
