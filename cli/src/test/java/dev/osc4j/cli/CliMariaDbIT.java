package dev.osc4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line against a real MariaDB store that a running controller drives. */
class CliMariaDbIT {
    @TempDir
    static Path dir;

    static MariaDbFleet fleet;

    @BeforeAll
    static void start() throws Exception {
        fleet = new MariaDbFleet(dir, 20_000, 4_000);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    @DisplayName("list and show read what the controller writes; pause and resume reach it through the store")
    void readAndDirect() throws Exception {
        MigrationId id = fleet.submit("cli-pause", "orders");
        await("copying", () -> fleet.store.read(id).orElseThrow().state() == MigrationState.COPYING_ROWS);
        Cli.Run list = fleet.cli().run("list", "--output", "json");
        assertThat(list.code()).as(list.toString()).isZero();
        assertThat(new ObjectMapper().readTree(list.out()).findValuesAsText("id"))
                .contains(id.value());
        Cli.Run paused = fleet.cli().run("pause", id.value(), "--directive-id", "ops-pause-1");
        assertThat(paused.code()).as(paused.toString()).isZero();
        await(
                "the controller to throttle every shard fully",
                () -> fleet.store.read(id).orElseThrow().shards().stream()
                        .allMatch(s -> s.appliedThrottleRatio() == 1.0));
        Cli.Run show = fleet.cli().run("show", id.value());
        assertThat(show.out()).contains("PAUSED");
        Cli.Run resumed = fleet.cli().run("resume", id.value(), "--directive-id", "ops-resume-1");
        assertThat(resumed.code()).as(resumed.toString()).isZero();
        Cli.Run watch = fleet.cli().run("watch", id.value(), "--interval", "200");
        assertThat(watch.code()).as(watch.toString()).isZero();
        assertThat(watch.out()).contains("COMPLETED");
        assertThat(watch.out().lines().filter(l -> l.startsWith(id.value())).count())
                .as("a block per visible change while it copied")
                .isGreaterThan(2);
    }

    @Test
    @DisplayName("abort from the command line; watch then exits 7 (ended, not completed)")
    void abortThenWatch() throws Exception {
        MigrationId id = fleet.submit("cli-abort", "payments");
        await("copying", () -> fleet.store.read(id).orElseThrow().state() == MigrationState.COPYING_ROWS);
        Cli.Run abort = fleet.cli().run("abort", id.value());
        assertThat(abort.code()).as(abort.toString()).isZero();
        Cli.Run watch = fleet.cli().run("watch", id.value(), "--interval", "200");
        assertThat(watch.code()).as(watch.toString()).isEqualTo(ExitCodes.NOT_COMPLETED);
        assertThat(watch.out()).contains("ABORTED");
    }
}
