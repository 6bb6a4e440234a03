package dev.osc4j.engine.ghost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.FailureReason;
import dev.osc4j.engine.ghost.GhostOutputParser.Status;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Reconciling what is seen of a gh-ost run")
class RunObservationTest {

    private static Status status(
            long copied, long estimate, String state, long backlog, String heartbeatLag, String eta) {
        return GhostOutputParser.parseStatus(String.format(
                "Copy: %d/%d %.1f%%; Applied: 0; Backlog: %d/1000; Time: 10s(total), 9s(copy); streamer:"
                        + " mysql-bin.000001:400; Lag: 0.01s, HeartbeatLag: %ss, State: %s; ETA: %s",
                copied,
                estimate,
                estimate <= 0 ? 100.0 : 100.0 * copied / estimate,
                backlog,
                heartbeatLag,
                state,
                eta));
    }

    private static HookEvents.Recorded events(String... hooks) {
        Set<String> seen = new LinkedHashSet<>(List.of(hooks));
        HookEvents.Event failure =
                seen.contains("failure") ? new HookEvents.Event("failure", Map.of("GH_OST_COPIED_ROWS", "7")) : null;
        HookEvents.Event latest = hooks.length == 0
                ? null
                : new HookEvents.Event(
                        hooks[hooks.length - 1], Map.of("GH_OST_COPIED_ROWS", "7", "GH_OST_ESTIMATED_ROWS", "9"));
        return new HookEvents.Recorded(seen, latest, failure);
    }

    private static EngineObservation alive(@Nullable Status s, HookEvents.Recorded e, boolean released) {
        return new RunObservation(true, true, null, false, s, e, released, false, "", Duration.ofMillis(1500))
                .observe();
    }

    private static EngineObservation exited(
            @Nullable Integer code, boolean done, String errors, boolean cancelled, HookEvents.Recorded e) {
        return new RunObservation(true, false, code, done, null, e, false, cancelled, errors, Duration.ofMillis(1500))
                .observe();
    }

    @Test
    @DisplayName("a run never started is NOT_FOUND")
    void notLaunched() {
        EngineObservation o = new RunObservation(
                        false,
                        false,
                        null,
                        false,
                        null,
                        HookEvents.Recorded.NONE,
                        false,
                        false,
                        "",
                        Duration.ofSeconds(1))
                .observe();
        assertThat(o.phase()).isEqualTo(EnginePhase.NOT_FOUND);
    }

    @Test
    @DisplayName("start-up, validation and row counting are STARTING")
    void starting() {
        assertThat(alive(null, events("startup", "validated"), false).phase()).isEqualTo(EnginePhase.STARTING);
        assertThat(alive(status(0, 100, "counting rows", 0, "0.01", "N/A"), events("validated"), false)
                        .phase())
                .isEqualTo(EnginePhase.STARTING);
        EngineObservation beforeCount = alive(status(0, 0, "migrating", 0, "0.01", "due"), events("validated"), false);
        assertThat(beforeCount.phase()).isEqualTo(EnginePhase.STARTING);
        assertThat(beforeCount.rowsTotal())
                .as("'Copy: 0/0 100.0%' before counting means unknown")
                .isEqualTo(-1);
        assertThat(beforeCount.engineEta()).isNull();
    }

    @Test
    @DisplayName("before the first row is copied, a known estimate is kept ('Copy: 0/752865 0.0% ... ETA: N/A')")
    void knownEstimateBeforeTheCopy() {
        EngineObservation o = alive(status(0, 752865, "migrating", 0, "0.01", "N/A"), events("validated"), false);
        assertThat(o.phase()).isEqualTo(EnginePhase.STARTING);
        assertThat(o.rowsCopied()).isZero();
        assertThat(o.rowsTotal()).isEqualTo(752865);
    }

    @Test
    @DisplayName("a negative estimate (gh-ost prints 'Copy: 0/-3 100.0%') is never reported as a negative total")
    void negativeEstimate() {
        EngineObservation before = alive(status(0, -3, "migrating", 0, "0.01", "due"), events("validated"), false);
        assertThat(before.rowsTotal()).as("nothing known yet").isEqualTo(-1);
        EngineObservation during =
                alive(status(7, -3, "migrating", 0, "0.01", "due"), events("before-row-copy"), false);
        assertThat(during.phase()).isEqualTo(EnginePhase.COPYING);
        assertThat(during.rowsCopied()).isEqualTo(7);
        assertThat(during.rowsTotal())
                .as("gh-ost counts the copy as 100%% done: the rows copied are the total")
                .isEqualTo(7);
    }

    @Test
    @DisplayName("copying shows rows, estimate and gh-ost's ETA")
    void copying() {
        EngineObservation o =
                alive(status(1000, 5000, "migrating", 0, "0.01", "40s"), events("validated", "before-row-copy"), false);
        assertThat(o.phase()).isEqualTo(EnginePhase.COPYING);
        assertThat(o.rowsCopied()).isEqualTo(1000);
        assertThat(o.rowsTotal()).isEqualTo(5000);
        assertThat(o.engineEta()).isEqualTo(Duration.ofSeconds(40));
        assertThat(o.throttled()).isFalse();
        assertThat(o.replicaLag()).isEqualTo(Duration.ofMillis(10));
        assertThat(o.message()).contains("migrating").contains("mysql-bin.000001:400");
    }

    @Test
    @DisplayName("a throttled copy is COPYING, throttled, with gh-ost's reason")
    void throttled() {
        EngineObservation o = alive(
                status(1000, 5000, "throttled, commanded by user", 0, "0.01", "N/A"), events("before-row-copy"), false);
        assertThat(o.phase()).isEqualTo(EnginePhase.COPYING);
        assertThat(o.throttled()).isTrue();
        assertThat(o.throttleReason()).isEqualTo("commanded by user");
        assertThat(o.engineEta()).isNull();
    }

    @Test
    @DisplayName("without a status line, progress comes from the hooks' environment")
    void progressFromHooks() {
        EngineObservation o = alive(null, events("before-row-copy", "status"), false);
        assertThat(o.phase()).isEqualTo(EnginePhase.COPYING);
        assertThat(o.rowsCopied()).isEqualTo(7);
        assertThat(o.rowsTotal()).isEqualTo(9);
    }

    @Test
    @DisplayName(
            "a negative GH_OST_ESTIMATED_ROWS (hooks.go: RowsEstimate + RowsDeltaEstimate) is never a negative total")
    void negativeEstimateFromHooks() {
        HookEvents.Event status =
                new HookEvents.Event("status", Map.of("GH_OST_COPIED_ROWS", "5", "GH_OST_ESTIMATED_ROWS", "-3"));
        EngineObservation o = alive(
                null,
                new HookEvents.Recorded(new LinkedHashSet<>(List.of("before-row-copy", "status")), status, null),
                false);
        assertThat(o.rowsCopied()).isEqualTo(5);
        assertThat(o.rowsTotal()).isEqualTo(5);
    }

    @Test
    @DisplayName("after the row copy, a backlog or a heartbeat lag over --max-lag-millis is CATCHING_UP")
    void catchingUp() {
        assertThat(alive(status(10, 10, "migrating", 5, "0.01", "due"), events("row-copy-complete"), false)
                        .phase())
                .isEqualTo(EnginePhase.CATCHING_UP);
        assertThat(alive(status(10, 10, "postponing cut-over", 3, "0.01", "due"), events("row-copy-complete"), false)
                        .phase())
                .isEqualTo(EnginePhase.CATCHING_UP);
        EngineObservation lagging =
                alive(status(10, 10, "postponing cut-over", 0, "2.00", "due"), events("begin-postponed"), false);
        assertThat(lagging.phase()).isEqualTo(EnginePhase.CATCHING_UP);
        assertThat(lagging.message()).contains("heartbeat lag 2000 ms (max 1500 ms)");
    }

    @Test
    @DisplayName("postponing with an empty backlog and a small heartbeat lag is READY_FOR_CUTOVER")
    void ready() {
        EngineObservation o = alive(
                status(10, 10, "postponing cut-over", 0, "0.05", "due"),
                events("row-copy-complete", "begin-postponed"),
                false);
        assertThat(o.phase()).isEqualTo(EnginePhase.READY_FOR_CUTOVER);
        assertThat(o.engineEta()).isEqualTo(Duration.ZERO);
    }

    @Test
    @DisplayName("once released, a run past its copy is CUTTING_OVER until it exits")
    void cuttingOver() {
        assertThat(alive(status(10, 10, "postponing cut-over", 0, "0.05", "due"), events("begin-postponed"), true)
                        .phase())
                .isEqualTo(EnginePhase.CUTTING_OVER);
        assertThat(alive(status(10, 10, "migrating", 0, "0.05", "due"), events("success"), false)
                        .phase())
                .isEqualTo(EnginePhase.CUTTING_OVER);
        // a release before the copy ends changes nothing until the copy ends
        assertThat(alive(status(5, 10, "migrating", 0, "0.05", "5s"), events("before-row-copy"), true)
                        .phase())
                .isEqualTo(EnginePhase.COPYING);
    }

    @Test
    @DisplayName("exit 0 after '# Done' is COMPLETED, also when the exit code was not recorded")
    void completed() {
        assertThat(exited(0, true, "", false, events("success")).phase()).isEqualTo(EnginePhase.COMPLETED);
        assertThat(exited(null, true, "", false, events("success")).phase()).isEqualTo(EnginePhase.COMPLETED);
    }

    @Test
    @DisplayName("exit 0 without '# Done' is a failure")
    void zeroWithoutDone() {
        EngineObservation o = exited(0, false, "", false, events());
        assertThat(o.phase()).isEqualTo(EnginePhase.FAILED);
        assertThat(o.message()).contains("without printing '# Done'");
    }

    @Test
    @DisplayName("an exit after cancel is CANCELLED")
    void cancelled() {
        EngineObservation o = exited(1, false, "User commanded 'panic'", true, events("before-row-copy"));
        assertThat(o.phase()).isEqualTo(EnginePhase.CANCELLED);
        assertThat(o.message()).contains("panic");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "1|Error 1064 (42000): You have an error in your SQL syntax|INVALID_DDL",
                "1|Unable to ALTER ghost table, see further error details. Bailing out; Error 4161 (HY000): Unknown data type: 'X'|INVALID_DDL",
                "1|Cannot find table `d`.`t`!|TABLE_NOT_FOUND",
                "1|Error 1146 (42S02): Table 'd.t' doesn't exist|TABLE_NOT_FOUND",
                "1|No PRIMARY nor UNIQUE key found in table! Bailing out|NO_UNIQUE_KEY",
                "1|Error 1045 (28000): Access denied for user 'u'@'h'|CONNECTION",
                "1|dial tcp 127.0.0.1:1: connect: connection refused|CONNECTION",
                "1|Found 2 foreign keys on `d`.`t`. Foreign keys are not supported. Bailing out|FOREIGN_KEYS",
                "1|Table `_t_gho` already exists. Panicking.|ENGINE_FAILED",
                "2|flag provided but not defined: -nope|ENGINE_CONFIGURATION",
                "137||ENGINE_FAILED"
            })
    @DisplayName("any other exit is FAILED, classified from the exit code and the error lines, which it quotes")
    void failed(int code, @Nullable String errors, FailureReason reason) {
        String e = errors == null ? "" : errors;
        EngineObservation o = exited(code, false, e, false, events("failure"));
        assertThat(o.phase()).isEqualTo(EnginePhase.FAILED);
        assertThat(o.failureReason()).isEqualTo(reason);
        assertThat(o.message())
                .contains("exited with code " + code)
                .contains("failure hook")
                .contains(e);
    }

    @Test
    @DisplayName("a run that vanished without an exit code or '# Done' is FAILED, and says so")
    void vanished() {
        EngineObservation o = exited(null, false, "", false, events("before-row-copy"));
        assertThat(o.phase()).isEqualTo(EnginePhase.FAILED);
        assertThat(o.message()).contains("exit code not recorded");
    }

    @Test
    @DisplayName("a failure after the release of the cut-over is CUTOVER_FAILED")
    void cutoverFailed() {
        EngineObservation o = new RunObservation(
                        true,
                        false,
                        1,
                        false,
                        null,
                        events("row-copy-complete"),
                        true,
                        false,
                        "Timeout while waiting for events up to lock",
                        Duration.ofMillis(1500))
                .observe();
        assertThat(o.failureReason()).isEqualTo(FailureReason.CUTOVER_FAILED);
    }
}
