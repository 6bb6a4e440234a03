package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.FailureReason;
import dev.osc4j.engine.ptosc.OutputParser.Stage;
import dev.osc4j.engine.ptosc.OutputParser.WaitKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Output captured from pt-online-schema-change 3.2.1 against MariaDB 10.11 (see src/test/resources/.../output). */
@DisplayName("The parser of pt-online-schema-change's output")
class OutputParserTest {

    static List<String> capture(String name) {
        try (InputStream in = OutputParserTest.class.getResourceAsStream("output/" + name)) {
            return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int exitOf(String name) {
        return Integer.parseInt(capture(name + ".exit").get(0).strip());
    }

    static OutputParser parse(List<String> lines) {
        OutputParser p = new OutputParser();
        lines.forEach(p::accept);
        return p;
    }

    @Test
    @DisplayName("a successful run: stages in order, the row estimate, the last percent, no notable line")
    void success() {
        OutputParser p = new OutputParser();
        List<String> lines = capture("success.log");
        for (String line : lines) {
            p.accept(line);
            if (line.startsWith("Copying `app`.`t`:   7%")) {
                assertThat(p.stage()).isEqualTo(Stage.COPYING);
                assertThat(p.percent()).isEqualTo(7);
                assertThat(p.remaining()).isEqualTo(Duration.ofSeconds(11));
            }
        }
        assertThat(p.stage()).isEqualTo(Stage.SUCCEEDED);
        assertThat(p.swapped()).isTrue();
        assertThat(p.notAltered()).isFalse();
        assertThat(p.rowEstimate()).isEqualTo(100_175);
        assertThat(p.percent()).isEqualTo(91);
        assertThat(p.newTable()).isEqualTo("_t_new");
        assertThat(p.notableLines()).as("every line of a normal run is known").isEmpty();
        assertThat(p.problems()).isEmpty();
        assertThat(p.lineCount()).isEqualTo(lines.size());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "invalid-ddl, INVALID_DDL, Unknown data type",
        "missing-table, TABLE_NOT_FOUND, does not exist",
        "no-unique-key, NO_UNIQUE_KEY, does not have a PRIMARY KEY",
        "foreign-keys, FOREIGN_KEYS, foreign keys that reference the table",
        "drop-primary-key, INVALID_DDL, --check-alter failed",
        "sigterm, CANCELLED, stopped by SIGTERM",
    })
    @DisplayName("a failed run is classified by its error lines, then its exit status")
    void failures(String name, FailureReason reason, String text) {
        OutputParser p = parse(capture(name + ".log"));
        OutputParser.Classification c = p.classify(exitOf(name));
        assertThat(c.reason()).isEqualTo(reason);
        assertThat(c.message())
                .startsWith("pt-online-schema-change exited with status " + exitOf(name))
                .contains(text);
        assertThat(p.stage()).isNotEqualTo(Stage.SUCCEEDED);
    }

    @Test
    @DisplayName("an interrupted run reports the signal and is not altered")
    void signal() {
        OutputParser p = parse(capture("sigterm.log"));
        assertThat(p.signal()).isEqualTo("TERM");
        assertThat(p.notAltered()).isTrue();
        assertThat(p.stage()).isEqualTo(Stage.COPYING);
    }

    @Test
    @DisplayName("a stopped replica is a wait until the next progress line; the pause file is a wait of its own kind")
    void waits() {
        OutputParser p = new OutputParser();
        boolean sawStopped = false;
        boolean sawPause = false;
        for (String line : capture("replica-stopped.log")) {
            p.accept(line);
            if (line.contains("is stopped")) {
                OutputParser.Wait w = Objects.requireNonNull(p.currentWait());
                assertThat(w.kind()).isEqualTo(WaitKind.REPLICA_STOPPED);
                assertThat(w.replica()).isEqualTo("vm");
                assertThat(w.reason()).isEqualTo("replica vm is stopped (replication not running)");
                sawStopped = true;
            } else if (line.startsWith("Sleeping")) {
                OutputParser.Wait w = Objects.requireNonNull(p.currentWait());
                assertThat(w.kind()).isEqualTo(WaitKind.PAUSE_FILE);
                assertThat(w.reason()).contains("/tmp/ptosc-scratch/pause");
                sawPause = true;
            } else if (line.startsWith("Copying `")) {
                assertThat(p.currentWait()).isNull();
            }
        }
        assertThat(sawStopped).isTrue();
        assertThat(sawPause).isTrue();
        assertThat(p.stage()).isEqualTo(Stage.SUCCEEDED);
    }

    @Test
    @DisplayName("lag and load waits carry the figures pt-osc prints")
    void lagAndLoad() {
        OutputParser p = new OutputParser();
        p.accept("Copying approximately 1000 rows...");
        p.accept("Replica lag is 12 seconds on db-replica-1.  Waiting.");
        OutputParser.Wait lag = Objects.requireNonNull(p.currentWait());
        assertThat(lag.kind()).isEqualTo(WaitKind.REPLICA_LAG);
        assertThat(lag.lag()).isEqualTo(Duration.ofSeconds(12));
        assertThat(lag.replica()).isEqualTo("db-replica-1");
        p.accept("Pausing because Threads_running=31.");
        OutputParser.Wait load = Objects.requireNonNull(p.currentWait());
        assertThat(load.kind()).isEqualTo(WaitKind.LOAD);
        assertThat(load.reason()).isEqualTo("paused: Threads_running=31");
        p.accept("Copying `app`.`t`:  50% 00:10 remain");
        assertThat(p.currentWait()).isNull();
        assertThat(p.percent()).isEqualTo(50);
    }

    @ParameterizedTest(name = "{0}{1} remain = {2} s")
    @CsvSource({",00:00,0", ",01:23,83", ",01:02:03,3723", "2+,01:00:05,176405"})
    @DisplayName("remaining time in every format pt-osc prints")
    void remaining(String days, String clock, long seconds) {
        assertThat(OutputParser.remaining(days, clock)).isEqualTo(Duration.ofSeconds(seconds));
        OutputParser p = new OutputParser();
        p.accept("Copying `db`.`tbl`:  12% " + (days == null ? "" : days) + clock + " remain");
        assertThat(p.remaining()).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {
                "Copying `db`.`tbl`:  99999999999% 01:00 remain",
                "Copying `db`.`tbl`:  12% 99999999999999999999:00 remain",
                "Copying `db`.`tbl`:  12% 999999999999999+01:00:00 remain",
                "Copying approximately 99999999999999999999 rows...",
                "Replica lag is 99999999999999999999 seconds on h=r1.  Waiting."
            })
    @DisplayName("a line whose numbers do not fit is kept as a notable line, never an escaped exception")
    void numbersOutOfRange(String line) {
        OutputParser p = new OutputParser();
        p.accept("Copying `db`.`tbl`:  12% 01:00 remain");
        p.accept(line);
        assertThat(p.percent()).as("the figures of the last good line stay").isEqualTo(12);
        assertThat(p.remaining()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.rowEstimate()).isEqualTo(-1);
        assertThat(p.currentWait()).isNull();
    }

    @ParameterizedTest(name = "exit {0} -> {1}")
    @CsvSource({
        "2, ENGINE_CONFIGURATION",
        "4, NO_UNIQUE_KEY",
        "5, ENGINE_CONFIGURATION",
        "6, FOREIGN_KEYS",
        "10, ENGINE_FAILED",
        "11, INVALID_DDL",
        "12, ENGINE_FAILED",
        "14, CUTOVER_FAILED",
        "15, FOREIGN_KEYS",
        "17, INVALID_DDL",
        "18, CONNECTION",
        "19, CONNECTION",
        "137, ENGINE_FAILED",
        "255, ENGINE_FAILED"
    })
    @DisplayName("without a telling error line, the documented exit status decides")
    void exitStatus(int status, FailureReason reason) {
        OutputParser p = new OutputParser();
        p.accept("Something unexpected happened");
        OutputParser.Classification c = p.classify(status);
        assertThat(c.reason()).isEqualTo(reason);
        assertThat(c.message()).contains("Something unexpected happened");
    }

    @Test
    @DisplayName("a run killed by a signal is reported as such even after an error line")
    void killed() {
        OutputParser p = new OutputParser();
        p.accept("Error copying rows from `a`.`b` to `a`.`_b_new`: Lost connection");
        assertThat(p.classify(137).message()).contains("killed by signal 9");
        assertThat(p.classify(137).reason()).isEqualTo(FailureReason.ENGINE_FAILED);
        assertThat(p.classify(19).reason()).isEqualTo(FailureReason.CONNECTION);
    }

    @Test
    @DisplayName("an empty table is a copy of zero rows")
    void emptyTable() {
        OutputParser p = new OutputParser();
        p.accept("`app`.`e` is empty, no rows to copy.");
        assertThat(p.stage()).isEqualTo(Stage.COPYING);
        assertThat(p.rowEstimate()).isZero();
    }

    @Test
    @DisplayName("notable lines are bounded and long lines clipped")
    void bounded() {
        OutputParser p = new OutputParser();
        for (int i = 0; i < 100; i++) {
            p.accept("odd line " + i + " " + "x".repeat(1000));
        }
        assertThat(p.notableLines()).hasSize(12);
        assertThat(p.notableLines().get(11)).startsWith("odd line 99").hasSizeLessThan(700);
    }
}
