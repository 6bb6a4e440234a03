package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.FakeGhostRun.sleep;
import static dev.osc4j.testkit.ghost.GoMySql.closeQuietly;
import static dev.osc4j.testkit.ghost.GoMySql.goError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The fake's throttler, as gh-ost's {@code Throttler} collects ({@code go/logic/throttler.go}:
 * {@code collectReplicationLag}, {@code collectControlReplicasLag}, {@code collectGeneralThrottleMetrics},
 * {@code shouldThrottle}): on a background thread, every 100 ms, the panic flag file, the lag read from the changelog's
 * heartbeat, the binlog coordinates, the copy rate for the ETA, and the reason to throttle, if any.
 */
final class ThrottleCollector {
    /** Counted down after the collector's first evaluation; the copy waits for it (see {@link #startCollector}). */
    private final CountDownLatch firstThrottlingCollected = new CountDownLatch(1);

    private final FakeGhostRun run;

    ThrottleCollector(FakeGhostRun run) {
        this.run = run;
    }

    /**
     * As gh-ost's {@code Migrator.initiateThrottler} ({@code go/logic/migrator.go}) blocks on
     * {@code firstThrottlingCollected} before the row copy starts, the copy never begins before the first throttle
     * decision: a run that starts throttled copies no row.
     */
    void awaitFirstThrottlingCollected() {
        run.log("INFO", "Waiting for first throttle metrics to be collected");
        while (!run.finished) {
            try {
                if (firstThrottlingCollected.await(100, TimeUnit.MILLISECONDS)) {
                    run.log("INFO", "First throttle metrics collected");
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Every 100 ms: the panic flag file, replication lag, the binlog position, whether to throttle. */
    void startCollector() {
        run.background("collector", () -> {
            Map<String, Connection> replicas = new LinkedHashMap<>();
            long lastCoordinates = 0;
            long lastCount = 0;
            long lastCountAt = System.nanoTime();
            try (Connection inspector = run.mysql.connect(
                    run.inspectorKey.substring(0, run.inspectorKey.lastIndexOf(':')),
                    Integer.parseInt(run.inspectorKey.substring(run.inspectorKey.lastIndexOf(':') + 1)))) {
                while (!run.finished) {
                    String panicFile = run.flags.string("panic-flag-file", "");
                    if (!panicFile.isEmpty() && Files.exists(Path.of(panicFile))) {
                        run.panic("Found panic-file " + panicFile + ". Aborting without cleanup");
                    }
                    run.inspectorLagNanos = heartbeatLag(inspector);
                    if (!run.streaming && System.nanoTime() - lastCoordinates > TimeUnit.SECONDS.toNanos(1)) {
                        run.streamer = coordinates(inspector);
                        lastCoordinates = System.nanoTime();
                    }
                    if (System.nanoTime() - lastCountAt >= run.behavior.second().toNanos()) {
                        long now = run.copied.get();
                        run.etaRowsPerSecond = (long) ((now - lastCount)
                                * (1e9 / (System.nanoTime() - lastCountAt))
                                * run.behavior.second().toNanos()
                                / 1e9);
                        lastCount = now;
                        lastCountAt = System.nanoTime();
                    }
                    run.throttleReason = shouldThrottle(inspector, replicas);
                    firstThrottlingCollected.countDown();
                    sleep(Duration.ofMillis(100));
                }
            } catch (SQLException e) {
                if (!run.finished) {
                    run.log("ERROR", goError(e, run.inspectorKey));
                }
            } finally {
                firstThrottlingCollected.countDown(); // a collector that failed must not hold the copy forever
                replicas.values().forEach(GoMySql::closeQuietly);
            }
        });
    }

    private @Nullable String shouldThrottle(Connection inspector, Map<String, Connection> replicas) {
        if (run.userThrottle) {
            return "commanded by user";
        }
        for (String flag : List.of("throttle-flag-file", "throttle-additional-flag-file")) {
            String f =
                    run.flags.string(flag, flag.equals("throttle-additional-flag-file") ? "/tmp/gh-ost.throttle" : "");
            if (!f.isEmpty() && Files.exists(Path.of(f))) {
                return "flag-file";
            }
        }
        String fault = run.behavior.throttleReason();
        if (fault != null && run.faults) {
            return fault;
        }
        String load = maxLoadExceeded(inspector);
        if (load != null) {
            return load;
        }
        if (run.inspectorLagNanos > TimeUnit.MILLISECONDS.toNanos(run.maxLagMillis)) {
            return String.format(Locale.ROOT, "lag=%fs", run.inspectorLagNanos / 1e9);
        }
        for (String replica : run.controlReplicas) {
            try {
                Connection c = replicas.get(replica);
                if (c == null || c.isClosed()) {
                    int colon = replica.lastIndexOf(':');
                    c = run.mysql.connect(replica.substring(0, colon), Integer.parseInt(replica.substring(colon + 1)));
                    replicas.put(replica, c);
                }
                long lag = heartbeatLag(c);
                if (lag > TimeUnit.MILLISECONDS.toNanos(run.maxLagMillis)) {
                    return String.format(Locale.ROOT, "%s replica-lag=%fs", replica, lag / 1e9);
                }
            } catch (SQLException e) {
                closeQuietly(replicas.remove(replica));
                return replica + " " + goError(e, replica);
            }
        }
        return null;
    }

    private @Nullable String maxLoadExceeded(Connection c) {
        String spec = run.maxLoad;
        if (spec.isBlank()) {
            return null;
        }
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement("SHOW GLOBAL STATUS LIKE ?")) {
                ps.setString(1, kv[0].strip());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        long value = Long.parseLong(rs.getString(2).strip());
                        long threshold = Long.parseLong(kv[1].strip());
                        if (value >= threshold) {
                            return "max-load " + kv[0].strip() + "=" + value + " >= " + threshold;
                        }
                    }
                }
            } catch (SQLException | NumberFormatException e) {
                return kv[0].strip() + " " + e.getMessage();
            }
        }
        return null;
    }

    /** Time since the heartbeat the server {@code c} has, as gh-ost measures lag. */
    private long heartbeatLag(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT value FROM " + run.mysql.qq(run.changelog) + " WHERE hint = 'heartbeat'")) {
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return 0;
                }
                Instant beat = Instant.parse(rs.getString(1));
                return Math.max(0, Duration.between(beat, Instant.now()).toNanos());
            }
        } catch (DateTimeParseException e) {
            return 0;
        } catch (SQLException e) {
            if (e.getErrorCode() == 1146) {
                return 0; // the changelog has not reached this server yet
            }
            throw e;
        }
    }

    private static String coordinates(Connection c) {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
            if (rs.next()) {
                return rs.getString("File") + ":" + rs.getLong("Position");
            }
        } catch (SQLException e) {
            // no binary log: keep the last coordinates
        }
        return "mysql-bin.000001:4";
    }
}
