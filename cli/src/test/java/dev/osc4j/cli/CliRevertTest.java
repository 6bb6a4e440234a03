package dev.osc4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code revert} and {@code close-window} against the embedded default's H2 file, with a controller whose fake engine
 * can revert (the testkit's {@code FakeEngine.builder(topology).revert(true)}), driven by the deterministic simulation
 * between commands: the round trip from REVERTIBLE to REVERTED with the links shown both ways, a second revert refused
 * with its reason, {@code --output json}, {@code watch} stopping at REVERTIBLE with 0 and at REVERTED with 7, and
 * {@code close-window} ending the window.
 */
class CliRevertTest {
    /**
     * Long: the simulation's clock starts on 2026-01-01 while the command line checks the window on the system clock,
     * as an operator's would.
     */
    private static final Duration WINDOW = Duration.ofDays(365 * 100);

    private static final ObjectMapper JSON = new ObjectMapper();

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
                .engine(FakeEngine.builder(topology).revert(true).build())
                .clock(clock)
                .build();
        sim = Simulation.of(osc, clock);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private MigrationId revertible(String table) {
        MigrationId id = osc.submit(MigrationRequest.builder()
                .idempotencyKey("forward-" + table)
                .keyspace("commerce")
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(MigrationPolicy.builder().revertWindow(WINDOW).build())
                .build());
        sim.runUntil(id, MigrationState.REVERTIBLE, Duration.ofHours(1));
        return id;
    }

    private Cli cli() {
        Cli c = new Cli();
        c.env.put("OSC4J_STORE", "h2:" + database);
        c.env.put("USER", "alice");
        return c;
    }

    @Test
    @DisplayName("revert prints the revert's id; the revert runs and the forward ends REVERTED; show, list and watch"
            + " tell the window and the links; a second revert is refused (4) with its reason, in JSON too")
    void revertRoundTrip() throws Exception {
        MigrationId forward = revertible("orders");
        Cli.Run show = cli().run("show", forward.value());
        assertThat(show.code()).as(show.toString()).isZero();
        assertThat(show.out()).contains("REVERTIBLE", "revertible until ", "left)");
        Cli.Run watch = cli().run("watch", forward.value());
        assertThat(watch.code()).as("the swap is done: success").isZero();
        assertThat(watch.out()).contains("REVERTIBLE", "revertible until ");
        Cli.Run listed = cli().run("list", "--output", "json");
        JsonNode row = JSON.readTree(listed.out()).get(0);
        assertThat(row.path("state").asText()).isEqualTo("REVERTIBLE");
        assertThat(row.path("revertibleUntil").asText()).isNotEmpty();
        assertThat(row.path("revertSecondsLeft").asLong())
                .isBetween(WINDOW.minusDays(365 * 10).toSeconds(), WINDOW.toSeconds());

        Cli.Run revert = cli().run("revert", forward.value(), "--directive-id", "CHG-7");
        assertThat(revert.code()).as(revert.toString()).isZero();
        MigrationId revertId = MigrationId.of(revert.out().trim());
        assertThat(revert.err()).contains("revert of " + forward.value(), "osc4j watch " + revertId.value());
        assertThat(osc.get(forward).controls().revertedBy()).isEqualTo(revertId);
        assertThat(Objects.requireNonNull(osc.get(revertId).spec().revertOf()).migration())
                .isEqualTo(forward);
        assertThat(osc.get(revertId).requestedBy()).isEqualTo("alice");
        Cli.Run again = cli().run("revert", forward.value(), "--directive-id", "CHG-7", "--output", "json");
        assertThat(again.code())
                .as("the same directive id again: the same revert")
                .isZero();
        assertThat(JSON.readTree(again.out()).path("revert").asText()).isEqualTo(revertId.value());
        Cli.Run list = cli().run("list");
        assertThat(list.out()).contains("reverted by " + revertId.value(), "reverts " + forward.value());

        Cli.Run second = cli().run("revert", forward.value(), "--directive-id", "CHG-8");
        assertThat(second.code()).as(second.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(second.err()).startsWith("osc4j: ").contains("ALREADY_REVERTING", revertId.value());
        assertThat(second.out()).isEmpty();

        sim.runUntil(revertId, MigrationState.COMPLETED, Duration.ofHours(1));
        MigrationRecord done = sim.runUntil(forward, MigrationState.REVERTED, Duration.ofMinutes(5));
        assertThat(done.shards()).allSatisfy(s -> assertThat(s.state()).isEqualTo(MigrationState.REVERTED));
        Cli.Run shown = cli().run("show", forward.value());
        assertThat(shown.out()).contains("REVERTED", "reverted by " + revertId.value());
        assertThat(shown.out()).doesNotContain("revertible until");
        assertThat(cli().run("show", revertId.value()).out()).contains("reverts " + forward.value());
        Cli.Run watchReverted = cli().run("watch", forward.value());
        assertThat(watchReverted.code()).as("the old schema is live again").isEqualTo(ExitCodes.NOT_COMPLETED);
        assertThat(cli().run("watch", revertId.value()).code()).isZero();

        Cli.Run refused = cli().run("revert", forward.value(), "--output", "json");
        assertThat(refused.code()).isEqualTo(ExitCodes.REFUSED);
        JsonNode refusal = JSON.readTree(refused.out());
        assertThat(refusal.path("refused").asBoolean()).isTrue();
        assertThat(refusal.path("reason").asText()).isEqualTo("ALREADY_REVERTING");
        assertThat(refusal.path("state").asText()).isEqualTo("REVERTED");
    }

    @Test
    @DisplayName("revert --shards reverts one shard, --output json names it; an unknown shard is refused as BAD_SHARDS")
    void revertOneShardAsJson() throws Exception {
        MigrationId forward = revertible("orders");
        String first = osc.get(forward).shards().get(0).shard();
        long version = osc.get(forward).version();
        Cli.Run bad = cli().run("revert", forward.value(), "--shards", "nope");
        assertThat(bad.code()).as(bad.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(bad.err()).contains("BAD_SHARDS", "'nope'");
        assertThat(osc.get(forward).version()).as("nothing changed").isEqualTo(version);
        Cli.Run one = cli().run("revert", forward.value(), "--shards", first, "--output", "json");
        assertThat(one.code()).as(one.toString()).isZero();
        JsonNode n = JSON.readTree(one.out());
        assertThat(n.path("reverts").asText()).isEqualTo(forward.value());
        assertThat(n.path("state").asText()).isEqualTo("QUEUED");
        assertThat(n.path("actor").asText()).isEqualTo("alice");
        assertThat(n.path("shards").size()).isEqualTo(1);
        assertThat(n.path("shards").get(0).asText()).isEqualTo(first);
        MigrationId revertId = MigrationId.of(n.path("revert").asText());
        assertThat(osc.get(revertId).shards()).hasSize(1);
    }

    @Test
    @DisplayName("close-window ends the window: the migration ends COMPLETED, and a revert is then refused as"
            + " WINDOW_CLOSED; close-window of a migration without a window is refused (4)")
    void closeWindow() throws Exception {
        MigrationId forward = revertible("payments");
        Cli.Run close = cli().run("close-window", forward.value(), "--directive-id", "CHG-9", "--output", "json");
        assertThat(close.code()).as(close.toString()).isZero();
        assertThat(JSON.readTree(close.out()).path("kind").asText()).isEqualTo("CLOSE_REVERT_WINDOW");
        assertThat(cli().run("show", forward.value()).out()).contains("revert window closing");
        sim.runUntil(forward, MigrationState.COMPLETED, Duration.ofMinutes(5));
        Cli.Run late = cli().run("revert", forward.value());
        assertThat(late.code()).as(late.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(late.err()).contains("WINDOW_CLOSED");
        Cli.Run again = cli().run("close-window", forward.value());
        assertThat(again.code()).as(again.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(cli().run("watch", forward.value()).code()).isZero();
    }

    @Test
    @DisplayName("list and show name both ends of a supersede link, in text and JSON")
    void supersedeLinks() throws Exception {
        MigrationPolicy held = MigrationPolicy.builder()
                .revertWindow(Duration.ZERO)
                .requireStartApproval(true)
                .build();
        MigrationId first = osc.submit(MigrationRequest.builder()
                .idempotencyKey("first")
                .keyspace("commerce")
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(held)
                .build());
        MigrationId second = osc.submit(MigrationRequest.builder()
                .idempotencyKey("second")
                .keyspace("commerce")
                .table("orders")
                .ddl("ADD COLUMN note BIGINT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(held)
                .supersedes(first)
                .build());
        sim.runUntil(first, MigrationState.ABORTED, Duration.ofMinutes(1));
        assertThat(cli().run("show", first.value()).out()).contains("ABORTED", "superseded by " + second.value());
        assertThat(cli().run("show", second.value()).out()).contains("supersedes " + first.value());
        JsonNode rows = JSON.readTree(cli().run("list", "--output", "json").out());
        JsonNode shown = JSON.readTree(
                cli().run("show", first.value(), "--output", "json").out());
        assertThat(String.valueOf(shown.findValue("supersededBy"))).contains(second.value());
        assertThat(rows.findValuesAsText("supersedes")).contains(first.value());
    }
}
