package dev.osc4j.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.Osc4jException;
import dev.osc4j.ShardRecord;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The MariaDB server under the store is stopped and restarted in the middle of a migration that a real orchestrator
 * drives in real time (the fake engine and topology on the system clock, leases on the database's). The outage is
 * longer than the lease, so the controller must also notice it lost its lease and take it again with a new token.
 */
class ServerRestartIT {
    private static final List<String> SHARD_PATH = List.of(
            "QUEUED>INITIALIZING",
            "INITIALIZING>COPYING_ROWS",
            "COPYING_ROWS>WAITING_FOR_CATCHUP",
            "WAITING_FOR_CATCHUP>CUTOVER_PENDING",
            "CUTOVER_PENDING>SWITCHING_TRAFFIC",
            "SWITCHING_TRAFFIC>COMPLETED");

    @Test
    @DisplayName("a migration survives its store's server being stopped and restarted mid-copy: it completes, with one"
            + " engine run per shard and no lost or duplicated transition")
    void serverStoppedAndRestartedMidMigration() throws Exception {
        Clock clock = Clock.systemUTC();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", 4, 40_000);
        FakeEngine engine = FakeEngine.builder(topology).rowsPerSecond(4_000).build();
        try (LocalMariaDb server = LocalMariaDb.start();
                HikariDataSource pool = TestDatabases.mariaDbPool(server, 4);
                JdbcStateStore store = JdbcStateStore.builder(pool).build();
                MigrationOrchestrator osc = MigrationOrchestrator.builder()
                        .store(store)
                        .topology(topology)
                        .engine(engine)
                        .clock(clock)
                        .leaseTtl(Duration.ofSeconds(3))
                        .pollInterval(Duration.ofMillis(200))
                        .progressWriteInterval(Duration.ofSeconds(1))
                        .build()) {
            osc.start();
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("restart-1")
                    .keyspace("commerce")
                    .table("orders")
                    .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(64)")
                    .engine("fake")
                    .requestedBy("test")
                    .build());

            MigrationRecord beforeStop = await(
                    osc,
                    id,
                    r -> r.shards().stream().anyMatch(s -> s.progress().percent() >= 10),
                    Duration.ofSeconds(60));
            assertThat(beforeStop.state()).isEqualTo(MigrationState.COPYING_ROWS);

            server.stop();
            Thread.sleep(5_000); // longer than the 3 s lease: it expires by the database clock meanwhile
            server.restart();
            Instant restarted = clock.instant();

            MigrationRecord done = await(osc, id, r -> r.state() == MigrationState.COMPLETED, Duration.ofMinutes(2));

            List<AuditEntry> trail = osc.audit(id);
            AuditTrails.assertSound(trail);
            for (ShardRecord s : done.shards()) {
                assertThat(AuditTrails.path(trail, s.shard()))
                        .as("transitions of shard %s", s.shard())
                        .isEqualTo(SHARD_PATH);
            }
            Set<String> steps = new HashSet<>();
            for (AuditEntry e : trail) {
                assertThat(steps.add(e.kind() + "/" + e.shard() + "/" + e.stepId()))
                        .as("step %s recorded once", e.stepId())
                        .isTrue();
            }
            assertThat(trail.stream().filter(e -> e.at().isAfter(restarted)))
                    .as("the migration went on after the restart")
                    .isNotEmpty();
            assertThat(engine.runsStarted()).as("one engine run per shard").isEqualTo(4);
            for (ShardRecord s : done.shards()) {
                assertThat(topology.appliedDdl("commerce", s.shard()))
                        .containsExactly(done.spec().ddl());
            }
        }
    }

    /** Polls the record until it matches, riding out the store's errors while the server is down. */
    private static MigrationRecord await(
            MigrationOrchestrator osc, MigrationId id, Predicate<MigrationRecord> condition, Duration limit)
            throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        @Nullable MigrationRecord last = null;
        while (System.nanoTime() < end) {
            try {
                last = osc.get(id);
                if (condition.test(last)) {
                    return last;
                }
            } catch (Osc4jException e) {
                // the store is unreachable for a while: keep waiting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not reached within " + limit + "; last record: "
                + (last == null
                        ? "none"
                        : last.state() + " "
                                + last.shards().stream()
                                        .map(s -> s.shard() + "=" + s.state() + "@"
                                                + s.progress().percent())
                                        .toList()));
    }
}
