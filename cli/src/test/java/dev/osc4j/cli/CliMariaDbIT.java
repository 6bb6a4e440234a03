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

    @Test
    @DisplayName("a revert round trip: watch stops at REVERTIBLE with 0; revert prints the revert's id, the controller"
            + " swaps back and the forward ends REVERTED (watch 7); a second revert is refused (4) with its reason;"
            + " close-window ends another's window")
    void revertRoundTrip() throws Exception {
        MigrationId id = fleet.submitRevertible("cli-revert", "invoices");
        MigrationId other = fleet.submitRevertible("cli-close", "refunds"); // copies alongside, for close-window
        Cli.Run watch = fleet.cli().run("watch", id.value(), "--interval", "200");
        assertThat(watch.code()).as(watch.toString()).isZero();
        assertThat(watch.out()).contains("REVERTIBLE", "revertible until ", "left)");
        Cli.Run revert = fleet.cli().run("revert", id.value(), "--directive-id", "ops-revert-1");
        assertThat(revert.code()).as(revert.toString()).isZero();
        MigrationId revertId = MigrationId.of(revert.out().trim());
        Cli.Run second = fleet.cli().run("revert", id.value(), "--directive-id", "ops-revert-2", "--output", "json");
        assertThat(second.code()).as(second.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(new ObjectMapper().readTree(second.out()).path("reason").asText())
                .isEqualTo("ALREADY_REVERTING");
        Cli.Run watchRevert = fleet.cli().run("watch", revertId.value(), "--interval", "200");
        assertThat(watchRevert.code()).as(watchRevert.toString()).isZero();
        assertThat(watchRevert.out()).contains("COMPLETED", "reverts " + id.value());
        await(
                "the forward to end REVERTED",
                () -> fleet.store.read(id).orElseThrow().state() == MigrationState.REVERTED);
        Cli.Run watchForward = fleet.cli().run("watch", id.value(), "--interval", "200");
        assertThat(watchForward.code()).as(watchForward.toString()).isEqualTo(ExitCodes.NOT_COMPLETED);
        assertThat(watchForward.out()).contains("REVERTED", "reverted by " + revertId.value());

        await("REVERTIBLE", () -> fleet.store.read(other).orElseThrow().state() == MigrationState.REVERTIBLE);
        Cli.Run close = fleet.cli().run("close-window", other.value(), "--directive-id", "ops-close-1");
        assertThat(close.code()).as(close.toString()).isZero();
        await("the window to close", () -> fleet.store.read(other).orElseThrow().state() == MigrationState.COMPLETED);
    }
}
