package dev.osc4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AutoRevert;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.HealthSignals;
import dev.osc4j.spi.HealthVerdict;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A health alert from the command line, against the embedded default's H2 file: a migration that cannot be reverted
 * (no revert window) bakes with a signal that breaches; {@code show} tells the alert, {@code watch} stops at it with
 * exit code 9, and {@code acknowledge} ends it COMPLETED (a second one is refused with 4).
 */
class CliAlertTest {
    @TempDir
    Path dir;

    Path database;
    JdbcStateStore store;
    SettableClock clock;
    MigrationOrchestrator osc;
    Simulation sim;

    @BeforeEach
    void controller() {
        database = dir.resolve("osc4j");
        store = JdbcStateStore.h2File(database);
        clock = SettableClock.startingAtEpoch2026();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", 2, 1_000);
        osc = MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(FakeEngine.builder(topology).build())
                .clock(clock)
                .healthSignal(HealthSignals.of("orders-p99", m -> HealthVerdict.unhealthy("p99 412 ms > 250 ms")))
                .build();
        sim = Simulation.of(osc, clock);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Cli cli() {
        Cli c = new Cli();
        c.env.put("OSC4J_STORE", "h2:" + database);
        c.env.put("USER", "alice");
        return c;
    }

    @Test
    @DisplayName("show tells the alert, watch exits 9 at ALERTED, acknowledge ends it COMPLETED and is refused again")
    void acknowledgeFromTheCommandLine() {
        MigrationId id = osc.submit(MigrationRequest.builder()
                .idempotencyKey("alerting")
                .keyspace("commerce")
                .table("orders")
                .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(MigrationPolicy.builder()
                        .revertWindow(Duration.ZERO)
                        .autoRevert(AutoRevert.on(Duration.ofMinutes(15), "orders-p99"))
                        .build())
                .build());
        sim.runUntil(id, MigrationState.ALERTED, Duration.ofHours(1));

        Cli.Run show = cli().run("show", id.value());
        assertThat(show.code()).as(show.toString()).isZero();
        assertThat(show.out())
                .contains("ALERTED", "health alert: look, then osc4j acknowledge " + id.value())
                .contains("waiting: health alert (it cannot");
        Cli.Run watch = cli().run("watch", id.value());
        assertThat(watch.code()).as(watch.toString()).isEqualTo(ExitCodes.ALERTED);

        Cli.Run ack = cli().run("acknowledge", id.value(), "--directive-id", "INC-42");
        assertThat(ack.code()).as(ack.toString()).isZero();
        assertThat(osc.get(id).state()).isEqualTo(MigrationState.COMPLETED);
        assertThat(osc.audit(id)).anySatisfy(e -> assertThat(e.detail()).isEqualTo("alert acknowledged by alice"));
        assertThat(cli().run("watch", id.value()).code()).isZero();
        Cli.Run again = cli().run("acknowledge", id.value());
        assertThat(again.code()).as(again.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(again.err()).contains("there is no health alert to acknowledge");
    }
}
