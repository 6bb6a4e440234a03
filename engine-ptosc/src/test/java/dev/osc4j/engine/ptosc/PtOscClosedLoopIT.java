package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.LocalMariaDb;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The closed-loop throttle keeps a real replica's lag bounded while real pt-osc copies (issue 16), at a size that fits
 * CI: the long measurement, with the other modes side by side, is {@code LagControlBenchmark} in {@code bench/}.
 *
 * <p>The replica is made slower than the copy by the benchmark's means: {@code slave_run_triggers_for_rbr=YES} and a
 * replica-only trigger on pt-osc's {@code _slowed_new} that sleeps 1 ms every 20 rows (50 us a row: the replica
 * applies the copy at about 20,000 rows/s, a sixth or less of what pt-osc copies here at full speed). Lag is a
 * pt-heartbeat-format table written every 100 ms on the primary and read on the replica by the probe
 * ({@code MySqlTopology.heartbeatTable}) and by this test.
 *
 * <p>Lag is sampled every 100 ms from the copy's start until the replica has applied everything. Why the bounds can
 * fail: without a throttle the 100,000 rows are copied in about a second and the replica then needs about 5 s to
 * apply them (run by hand with the target switched off, load average 7: lag max 5,941 ms, p90 5,407 ms; with it, two
 * runs: max 1,078 and 1,201 ms, p90 851 and 1,085 ms). With the controller aiming at 1 s and stopping the copy at 4 s,
 * the test asserts the lag never reached the 4 s limit, stayed under 2 s for 90 % of the samples (2x the target:
 * headroom for a loaded CI machine; the benchmark measures 1.1x on a quiet one), and that the controller changed the
 * copy's rate, every change in the audit trail. An earlier version with a replica twice as slow found the copy's
 * first second at full speed before the controller's first step (lag max 4.1-4.8 s): a run now starts slowed.
 */
@DisplayName("pt-osc with the closed-loop throttle on a slowed real replica")
class PtOscClosedLoopIT {
    private static final int ROWS = 100_000;
    private static final int EVERY = 20; // one 1 ms sleep every 20 rows: 50 us a row
    private static final Duration TARGET = Duration.ofSeconds(1);
    private static final Duration LIMIT = Duration.ofSeconds(4);
    private static final String HB_NOW = "DATE_FORMAT(NOW(6), '%Y-%m-%dT%H:%i:%s.%f')";

    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    @TempDir
    Path work;

    @Test
    @DisplayName("the lag stays under the hard limit and near the target while the copy runs, and every rate change is"
            + " a throttle in the audit trail")
    void lagStaysBounded() throws Exception {
        Fixture.createTable(DB.primary(), "slowed", ROWS);
        try (Connection c = DB.primary().connect(Fixture.SCHEMA);
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS heartbeat");
            st.execute("CREATE TABLE heartbeat (ts VARCHAR(26) NOT NULL, server_id INT UNSIGNED NOT NULL PRIMARY KEY)");
            st.execute("INSERT INTO heartbeat VALUES (" + HB_NOW + ", @@server_id)");
        }
        DB.replica().waitForCatchUp(Duration.ofMinutes(1));
        try (Connection c = DB.replica().connect(Fixture.SCHEMA);
                Statement st = c.createStatement()) {
            st.execute("SET GLOBAL slave_run_triggers_for_rbr = YES");
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean copying = new AtomicBoolean();
        List<Long> lagsMs = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<@Nullable Throwable> failed = new AtomicReference<>();
        List<Thread> threads = List.of(
                loop("heartbeat", stop, failed, DB.primary(), c -> {
                    try (Statement st = c.createStatement()) {
                        st.executeUpdate("UPDATE heartbeat SET ts = " + HB_NOW);
                    }
                }),
                loop("lag", stop, failed, DB.replica(), c -> {
                    Long lag = heartbeatLagMs(c);
                    if (copying.get() && lag != null) {
                        lagsMs.add(lag);
                    }
                    slowTheReplica(c);
                }));
        threads.forEach(Thread::start);
        PtOscEngine engine = Fixture.engine(DB.primary(), work);
        Map<String, String> options = new HashMap<>(Fixture.FAST);
        options.put(PtOscEngine.OPTION_CHUNK_SIZE, "1000");
        options.put(PtOscEngine.OPTION_CHUNK_TIME, "0");
        options.put(PtOscEngine.OPTION_RECURSION_METHOD, "none"); // pt-osc's own --max-lag stays out of it
        try (MySqlTopology topology = MySqlTopology.builder()
                        .credentials(Fixture.credentials(DB.primary()))
                        .shard(Fixture.shard("s1", DB.primary(), DB.replica()))
                        .heartbeatTable("heartbeat")
                        .build();
                MigrationOrchestrator osc = Fixture.orchestrator(new InMemoryStateStore(), topology, engine)) {
            osc.start();
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("closed-loop")
                    .keyspace(Fixture.KEYSPACE)
                    .table("slowed")
                    .ddl("ADD COLUMN note VARCHAR(8)")
                    .engine(PtOscEngine.DEFAULT_NAME)
                    .requestedBy("test")
                    .options(options)
                    .policy(Fixture.policy()
                            .skipChecksum(true)
                            .targetReplicaLag(TARGET)
                            .maxReplicaLag(LIMIT)
                            .build())
                    .build());
            Fixture.await(
                    osc,
                    id,
                    Duration.ofMinutes(1),
                    "the copy under way",
                    r -> r.shards().get(0).state() == MigrationState.COPYING_ROWS);
            copying.set(true);
            MigrationRecord done = Fixture.awaitState(osc, id, MigrationState.COMPLETED, Duration.ofMinutes(2));
            // The lag a copy causes shows after it too, until the replica has applied it all.
            DB.replica().waitForCatchUp(Duration.ofMinutes(2));
            copying.set(false);
            assertThat(Fixture.count(DB.primary(), "slowed")).isEqualTo(ROWS);
            assertThat(Fixture.columns(DB.primary(), "slowed")).contains("note");

            List<Long> lags = new ArrayList<>(lagsMs);
            Collections.sort(lags);
            assertThat(lags)
                    .as("heartbeat lag samples from the copy's start to the replica's catch-up")
                    .hasSizeGreaterThan(20);
            long max = lags.get(lags.size() - 1);
            long p90 = lags.get((int) Math.ceil(0.9 * lags.size()) - 1);
            assertThat(max)
                    .as("lag max (ms) against the hard limit; p90 %d ms", p90)
                    .isLessThan(LIMIT.toMillis());
            assertThat(p90).as("lag p90 (ms), target 1 s; max %d ms", max).isLessThan(2 * TARGET.toMillis());
            List<AuditEntry> throttles = osc.audit(id).stream()
                    .filter(e -> e.stepId().contains(":throttle"))
                    .toList();
            assertThat(throttles)
                    .as("the rate changes, written ahead and recorded")
                    .hasSizeGreaterThan(2);
            assertThat(done.shards().get(0).appliedThrottleRatio()).isBetween(0.0, 1.0);
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join(5_000);
            }
        }
        assertThat(failed.get()).as("the heartbeat and lag threads").isNull();
    }

    /** The age of the heartbeat on the replica, in ms, or null before the first one arrived. */
    private static @Nullable Long heartbeatLagMs(Connection replica) throws SQLException {
        try (Statement st = replica.createStatement();
                ResultSet rs = st.executeQuery("SELECT TIMESTAMPDIFF(MICROSECOND, MAX(ts), NOW(6)) FROM heartbeat")) {
            rs.next();
            long us = rs.getLong(1);
            return rs.wasNull() ? null : Math.max(0, us) / 1000;
        }
    }

    /** Creates the slowing trigger on the replica, unlogged, once pt-osc's new table has arrived there. */
    private static void slowTheReplica(Connection replica) throws SQLException {
        try (Statement st = replica.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA ="
                    + " DATABASE() AND TABLE_NAME = '_slowed_new'")) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    return;
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE"
                    + " TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = 'slow_replica'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            st.execute("SET SESSION sql_log_bin = 0");
            st.execute("CREATE TRIGGER slow_replica BEFORE INSERT ON `_slowed_new` FOR EACH ROW IF NEW.id MOD " + EVERY
                    + " = 0 THEN SET @slow = SLEEP(0.001); END IF");
        }
    }

    private interface Body {
        void run(Connection c) throws Exception;
    }

    /** A thread running {@code body} every 100 ms on its own connection to {@code server} until {@code stop}. */
    private static Thread loop(
            String name,
            AtomicBoolean stop,
            AtomicReference<@Nullable Throwable> failed,
            LocalMariaDb server,
            Body body) {
        Thread t = new Thread(
                () -> {
                    try (Connection c = server.connect(Fixture.SCHEMA)) {
                        while (!stop.get()) {
                            body.run(c);
                            Thread.sleep(100);
                        }
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                },
                name);
        t.setDaemon(true);
        return t;
    }
}
