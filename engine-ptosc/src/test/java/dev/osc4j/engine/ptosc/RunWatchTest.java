package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.FailureReason;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The mapping of a run's output and plugin events onto engine phases")
class RunWatchTest {
    private final OutputParser out = new OutputParser();
    private final PluginEvents ev = new PluginEvents();
    private static final RunWatch.Status LIVE = new RunWatch.Status(null, false, false, false);

    private void event(String name, String extra) {
        ev.accept("{\"event\":\"" + name + "\",\"ts\":1000,\"pid\":4242" + extra + "}");
    }

    private EngineObservation live() {
        return RunWatch.map(out, ev, LIVE);
    }

    @Test
    @DisplayName("STARTING, COPYING with rows from the estimate and percent, CATCHING_UP, READY_FOR_CUTOVER while"
            + " held, CUTTING_OVER once released, COMPLETED on exit 0")
    void happyPath() {
        event("plugin_loaded", "");
        event("init", ",\"db\":\"app\",\"table\":\"t\",\"replicas\":\"vm -> 127.0.0.1:3307\"");
        assertThat(live().phase()).isEqualTo(EnginePhase.STARTING);
        event("after_create_new_table", ",\"db\":\"app\",\"table\":\"_t_new\"");
        event("before_copy_rows", "");
        assertThat(live().phase()).isEqualTo(EnginePhase.COPYING);
        assertThat(live().rowsTotal()).isEqualTo(-1);
        out.accept("2026-11-24T17:27:11 Copying approximately 200000 rows...");
        out.accept("Copying `app`.`t`:  25% 00:30 remain");
        EngineObservation copying = live();
        assertThat(copying.rowsTotal()).isEqualTo(200_000);
        assertThat(copying.rowsCopied()).isEqualTo(50_000);
        assertThat(copying.engineEta()).isEqualTo(Duration.ofSeconds(30));
        assertThat(copying.throttled()).isFalse();
        event("after_copy_rows", "");
        assertThat(live().phase()).isEqualTo(EnginePhase.CATCHING_UP);
        assertThat(live().rowsCopied()).isEqualTo(200_000);
        event("hold", "");
        assertThat(live().phase()).isEqualTo(EnginePhase.READY_FOR_CUTOVER);
        assertThat(RunWatch.map(out, ev, new RunWatch.Status(null, false, true, false))
                        .phase())
                .as("release file written, plugin not yet woken")
                .isEqualTo(EnginePhase.CUTTING_OVER);
        event("released", ",\"held_ms\":1234");
        assertThat(live().phase()).isEqualTo(EnginePhase.CUTTING_OVER);
        out.accept("Successfully altered `app`.`t`.");
        assertThat(live().phase()).as("until the process exits").isEqualTo(EnginePhase.CUTTING_OVER);
        EngineObservation done = RunWatch.map(out, ev, new RunWatch.Status(0, false, true, false));
        assertThat(done.phase()).isEqualTo(EnginePhase.COMPLETED);
        assertThat(done.rowsCopied()).isEqualTo(200_000);
        assertThat(ev.ptOscPid()).isEqualTo(4242);
        assertThat(ev.newTable()).isEqualTo("_t_new");
    }

    @Test
    @DisplayName("throttled by pt-osc's own lag check, named with the replica's address, and by the pause file")
    void throttle() {
        event("init", ",\"lag_checked_on\":\"vm -> 127.0.0.1:3307\"");
        event("before_copy_rows", "");
        out.accept("Copying approximately 1000 rows...");
        out.accept("(2) Replica 'vm' is stopped.  Waiting.");
        EngineObservation o = live();
        assertThat(o.throttled()).isTrue();
        assertThat(o.throttleReason()).isEqualTo("replica vm (127.0.0.1:3307) is stopped (replication not running)");
        EngineObservation both = RunWatch.map(out, ev, new RunWatch.Status(null, true, false, false));
        assertThat(both.throttleReason()).endsWith("; paused by osc4j (pause file)");
        out.accept("Copying `app`.`t`:  50% 00:01 remain");
        assertThat(live().throttled()).isFalse();
        EngineObservation paused = RunWatch.map(out, ev, new RunWatch.Status(null, true, false, false));
        assertThat(paused.throttled()).isTrue();
        assertThat(paused.throttleReason()).isEqualTo("paused by osc4j (pause file)");
        EngineObservation slowed = RunWatch.map(out, ev, new RunWatch.Status(null, false, false, false, 0.5));
        assertThat(slowed.throttled()).isTrue();
        assertThat(slowed.throttleReason())
                .isEqualTo("slowed by osc4j to about 50% of full speed (throttle ratio 0.5: a pause after each chunk)");
        out.accept("Replica lag is 7 seconds on vm.  Waiting.");
        assertThat(live().replicaLag()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    @DisplayName("a failed run carries the classification; a run osc4j cancelled is CANCELLED")
    void endings() {
        out.accept("The original table `app`.`x` does not exist.");
        EngineObservation failed = RunWatch.map(out, ev, new RunWatch.Status(11, false, false, false));
        assertThat(failed.phase()).isEqualTo(EnginePhase.FAILED);
        assertThat(failed.failureReason()).isEqualTo(FailureReason.TABLE_NOT_FOUND);
        EngineObservation cancelled = RunWatch.map(out, ev, new RunWatch.Status(1, false, false, true));
        assertThat(cancelled.phase()).isEqualTo(EnginePhase.CANCELLED);
        assertThat(cancelled.failureReason()).isEqualTo(FailureReason.CANCELLED);
        EngineObservation silentZero =
                RunWatch.map(new OutputParser(), ev, new RunWatch.Status(0, false, false, false));
        assertThat(silentZero.phase()).as("exit 0 without the success line").isEqualTo(EnginePhase.FAILED);
    }

    @Test
    @DisplayName("a failure after the swap says that the new schema is live")
    void failureAfterSwap() {
        event("after_swap_tables", ",\"db\":\"app\",\"table\":\"_t_old\"");
        out.accept("Error dropping the old table: lock wait timeout");
        EngineObservation o = RunWatch.map(out, ev, new RunWatch.Status(16, false, true, false));
        assertThat(o.phase()).isEqualTo(EnginePhase.FAILED);
        assertThat(o.message()).contains("the new schema is live");
        assertThat(ev.oldTable()).isEqualTo("_t_old");
    }

    @Test
    @DisplayName("events that are not JSON objects are counted and skipped")
    void tornEvents() {
        ev.accept("{\"event\":\"hold\",\"ts\":1");
        ev.accept("[1,2]");
        ev.accept("");
        assertThat(ev.unreadable()).isEqualTo(2);
        assertThat(ev.saw("hold")).isFalse();
    }
}
