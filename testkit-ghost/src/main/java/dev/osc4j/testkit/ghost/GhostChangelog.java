package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.FakeGhostRun.clamp;
import static dev.osc4j.testkit.ghost.FakeGhostRun.sleep;
import static dev.osc4j.testkit.ghost.GoMySql.closeQuietly;
import static dev.osc4j.testkit.ghost.GoMySql.goError;

import dev.osc4j.testkit.ghost.FakeGhostRun.Fatal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

/**
 * The changelog table {@code _<table>_ghc}, as gh-ost's {@code Applier} keeps it ({@code go/logic/applier.go}:
 * {@code CreateChangelogTable}, {@code WriteChangelog}, {@code InitiateHeartbeat}): created before the ghost table,
 * written with the migration's state, and given a heartbeat from which the lag is measured.
 */
final class GhostChangelog {
    private final FakeGhostRun run;

    GhostChangelog(FakeGhostRun run) {
        this.run = run;
    }

    void createChangelog(Connection c) throws SQLException, Fatal {
        run.mysql.exec(c, "DROP /* gh-ost */ TABLE IF EXISTS " + run.mysql.qq(run.changelog));
        try {
            run.mysql.exec(
                    c,
                    "CREATE /* gh-ost */ TABLE " + run.mysql.qq(run.changelog) + " (id bigint unsigned auto_increment,"
                            + " last_update timestamp not null DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
                            + " hint varchar(64) charset ascii not null, value varchar(4096) charset ascii not null,"
                            + " primary key(id), unique key hint_uidx(hint)) auto_increment=256");
        } catch (SQLException e) {
            run.log(
                    "ERROR",
                    "Unable to create changelog table, see further error details. Perhaps a previous migration"
                            + " failed without dropping the table? OR is there a running migration? Bailing out");
            throw new Fatal(goError(e, run.applierKey));
        }
    }

    void writeChangelog(Connection c, String hint, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT /* gh-ost */ INTO " + run.mysql.qq(run.changelog)
                + " (id, hint, value) VALUES (NULLIF(?, 0), ?, ?) ON DUPLICATE KEY UPDATE last_update = NOW(),"
                + " value = VALUES(value)")) {
            ps.setLong(1, hint.equals("heartbeat") ? 1 : hint.equals("state") ? 2 : 0);
            ps.setString(2, hint);
            ps.setString(3, value);
            ps.executeUpdate();
        }
    }

    void writeChangelogQuietly(Connection c, String hint, String value) {
        try {
            writeChangelog(c, hint, value);
        } catch (SQLException e) {
            run.log("ERROR", goError(e, run.applierKey));
        }
    }

    /**
     * Writes the heartbeat into the changelog every {@code --heartbeat-interval-millis}. When the server cannot be
     * reached for {@code --default-retries} attempts a "second" apart, the run panics, as gh-ost does when its retries
     * run out: a fake never outlives its database for long.
     */
    void startHeartbeat() {
        long interval = clamp(run.flags.integer("heartbeat-interval-millis", 100), 100, 1000);
        long retries = Math.max(1, run.flags.integer("default-retries", 60));
        run.background("heartbeat", () -> {
            long failures = 0;
            Connection c = null;
            try {
                while (!run.finished) {
                    try {
                        if (c == null) {
                            c = run.mysql.connect(run.applierHost, run.applierPort);
                        }
                        writeChangelog(c, "heartbeat", Instant.now().toString());
                        run.lastHeartbeatNanos = System.nanoTime();
                        failures = 0;
                        sleep(Duration.ofMillis(interval));
                    } catch (SQLException e) {
                        closeQuietly(c);
                        c = null;
                        if (run.finished) {
                            return;
                        }
                        run.log("ERROR", goError(e, run.applierKey));
                        if (++failures >= retries) {
                            run.panic("heartbeat failed " + failures + " times: " + goError(e, run.applierKey));
                        }
                        sleep(run.behavior.second());
                    }
                }
            } finally {
                closeQuietly(c);
            }
        });
    }
}
