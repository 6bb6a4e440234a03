package dev.osc4j.engine.ghost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.engine.ghost.GhostOutputParser.EtaKind;
import dev.osc4j.engine.ghost.GhostOutputParser.MalformedStatusLineException;
import dev.osc4j.engine.ghost.GhostOutputParser.State;
import dev.osc4j.engine.ghost.GhostOutputParser.Status;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The gh-ost output parser")
class GhostOutputParserTest {

    private static final String V11 =
            "Copy: 1000/5000 20.0%; Applied: 12; Backlog: 3/1000; Time: 1m5s(total), 59s(copy);"
                    + " streamer: mysql-bin.000003:12345; Lag: 0.01s, HeartbeatLag: 0.12s, State: migrating; ETA: 3m56s";

    @Test
    @DisplayName("reads every field of a gh-ost 1.1.x status line")
    void parsesCurrentFormat() {
        Status s = GhostOutputParser.parseStatus(V11);
        assertThat(s.rowsCopied()).isEqualTo(1000);
        assertThat(s.rowsEstimate()).isEqualTo(5000);
        assertThat(s.percent()).isEqualTo(20.0);
        assertThat(s.applied()).isEqualTo(12);
        assertThat(s.backlog()).isEqualTo(3);
        assertThat(s.backlogCapacity()).isEqualTo(1000);
        assertThat(s.elapsedTotal()).isEqualTo(Duration.ofSeconds(65));
        assertThat(s.elapsedCopy()).isEqualTo(Duration.ofSeconds(59));
        assertThat(s.streamer()).isEqualTo("mysql-bin.000003:12345");
        assertThat(s.lag()).isEqualTo(Duration.ofMillis(10));
        assertThat(s.heartbeatLag()).isEqualTo(Duration.ofMillis(120));
        assertThat(s.state()).isEqualTo(State.MIGRATING);
        assertThat(s.throttleReason()).isNull();
        assertThat(s.etaKind()).isEqualTo(EtaKind.DURATION);
        assertThat(s.eta()).isEqualTo(Duration.ofSeconds(236));
    }

    @ParameterizedTest(name = "ETA ''{0}''")
    @CsvSource(
            delimiter = '|',
            value = {
                "N/A|UNKNOWN|",
                "due|DUE|",
                "0s|DURATION|0",
                "45s|DURATION|45",
                "2m0s|DURATION|120",
                "1h0m0s|DURATION|3600",
                "26h3m7s|DURATION|93787",
                "1.5s|DURATION|1.5"
            })
    @DisplayName("reads the ETA as N/A, due or a Go duration")
    void parsesEta(String eta, EtaKind kind, String seconds) {
        Status s = GhostOutputParser.parseStatus(V11.replace("ETA: 3m56s", "ETA: " + eta));
        assertThat(s.etaKind()).isEqualTo(kind);
        if (kind == EtaKind.DURATION) {
            assertThat(s.eta()).isEqualTo(Duration.ofMillis((long) (Double.parseDouble(seconds) * 1000)));
        } else {
            assertThat(s.eta()).isNull();
        }
    }

    @ParameterizedTest(name = "State ''{0}''")
    @CsvSource(
            delimiter = '|',
            value = {
                "migrating|MIGRATING|",
                "counting rows|COUNTING_ROWS|",
                "postponing cut-over|POSTPONING_CUTOVER|",
                "throttled, commanded by user|THROTTLED|commanded by user",
                "throttled, flag-file|THROTTLED|flag-file",
                "throttled, lag=1.734000s|THROTTLED|lag=1.734000s",
                "throttled, 127.0.0.1:3307 replica-lag=2.500000s|THROTTLED|127.0.0.1:3307 replica-lag=2.500000s",
                "throttled, max-load Threads_running=31 >= 25|THROTTLED|max-load Threads_running=31 >= 25",
                "throttled, throttle-query|THROTTLED|throttle-query",
                "throttled, http=500|THROTTLED|http=500",
                "throttled, critical-load-hibernate until 2026-01-01 10:00:00|THROTTLED|"
                        + "critical-load-hibernate until 2026-01-01 10:00:00",
                "throttled, Threads_running Error 1045; denied|THROTTLED|Threads_running Error 1045; denied",
                "replicating the future|OTHER|"
            })
    @DisplayName("reads every documented state, and the throttle reason")
    void parsesStates(String state, State kind, String reason) {
        Status s = GhostOutputParser.parseStatus(V11.replace("State: migrating", "State: " + state));
        assertThat(s.state()).isEqualTo(kind);
        assertThat(s.stateText()).isEqualTo(state);
        assertThat(s.throttleReason()).isEqualTo(reason);
        assertThat(s.etaKind()).isEqualTo(EtaKind.DURATION);
    }

    @Test
    @DisplayName("accepts lines without Lag and HeartbeatLag (gh-ost 1.0.x), or with Lag only")
    void parsesOlderFormats() {
        Status noLag = GhostOutputParser.parseStatus("Copy: 0/2915 0.0%; Applied: 0; Backlog: 0/100; Time: 41s(total),"
                + " 40s(copy); streamer: mysql-bin.000550:49942; State: throttled, flag-file; ETA: N/A");
        assertThat(noLag.lag()).isNull();
        assertThat(noLag.heartbeatLag()).isNull();
        assertThat(noLag.state()).isEqualTo(State.THROTTLED);
        assertThat(noLag.throttleReason()).isEqualTo("flag-file");
        assertThat(noLag.backlogCapacity()).isEqualTo(100);

        Status lagOnly = GhostOutputParser.parseStatus("Copy: 5/10 50.0%; Applied: 0; Backlog: 0/1000; Time: 2s(total),"
                + " 1s(copy); streamer: mysql-bin.000001:4; Lag: 0.50s, State: migrating; ETA: 1s");
        assertThat(lagOnly.lag()).isEqualTo(Duration.ofMillis(500));
        assertThat(lagOnly.heartbeatLag()).isNull();
    }

    @Test
    @DisplayName("accepts the early 'Elapsed' form of gh-ost's documentation, with the throttle state in the ETA")
    void parsesEarliestFormat() {
        Status s = GhostOutputParser.parseStatus("Copy: 0/2915 0.0%; Applied: 0; Backlog: 0/100; Elapsed: 40s(copy),"
                + " 41s(total); streamer: mysql-bin.000550:49942; ETA: throttled, commanded by user");
        assertThat(s.elapsedCopy()).isEqualTo(Duration.ofSeconds(40));
        assertThat(s.elapsedTotal()).isEqualTo(Duration.ofSeconds(41));
        assertThat(s.state()).isEqualTo(State.THROTTLED);
        assertThat(s.throttleReason()).isEqualTo("commanded by user");
        assertThat(s.etaKind()).isEqualTo(EtaKind.UNKNOWN);
    }

    @Test
    @DisplayName("tolerates a copy above 100% (the row count is an estimate) and a zero estimate")
    void copyAboveHundredPercent() {
        Status over = GhostOutputParser.parseStatus(
                V11.replace("Copy: 1000/5000 20.0%", "Copy: 5210/5000 104.2%").replace("ETA: 3m56s", "ETA: due"));
        assertThat(over.rowsCopied()).isEqualTo(5210);
        assertThat(over.percent()).isEqualTo(104.2);
        assertThat(over.etaKind()).isEqualTo(EtaKind.DUE);

        Status empty = GhostOutputParser.parseStatus(V11.replace("Copy: 1000/5000 20.0%", "Copy: 0/0 100.0%"));
        assertThat(empty.rowsEstimate()).isZero();
        assertThat(empty.percent()).isEqualTo(100.0);
    }

    @Test
    @DisplayName("reads a MySQL GTID set as the streamer position, commas and all")
    void gtidStreamer() {
        String gtid = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,4e11fa47-71ca-11e1-9e33-c80aa9429562:1-9";
        Status s = GhostOutputParser.parseStatus(V11.replace("mysql-bin.000003:12345", gtid));
        assertThat(s.streamer()).isEqualTo(gtid);
        assertThat(s.lag()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    @DisplayName("reads the postponing state with its 'due' ETA, as gh-ost prints it while holding the cut-over")
    void postponing() {
        Status s = GhostOutputParser.parseStatus("Copy: 100000/100000 100.0%; Applied: 0; Backlog: 0/1000; Time:"
                + " 1h0m12s(total), 58m1s(copy); streamer: mysql-bin.000012:88; Lag: 0.02s, HeartbeatLag: 0.05s,"
                + " State: postponing cut-over; ETA: due\n");
        assertThat(s.state()).isEqualTo(State.POSTPONING_CUTOVER);
        assertThat(s.etaKind()).isEqualTo(EtaKind.DUE);
        assertThat(s.elapsedTotal()).isEqualTo(Duration.ofSeconds(3612));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Copy: x/5000 20.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 1s",
                "Copy: 1/5000 abc%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 1s",
                "Copy: 1/5000 1.0%; Applied: -3; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 1s",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0; Time: 1s(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 1s",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: soon(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 1s",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Duration: 1s(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 1s",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; Lag: fast, State: migrating; ETA: 1s",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: tomorrow",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; State: migrating",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 9999999999999999999h",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: 9999999999999999999h(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 1s",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; Lag: 99999999999999999999.00s, State: migrating; ETA: 1s",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; State: ; ETA: 1s",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 1s; Extra: 2",
                "Copy: 1/5000 1.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4",
                "Copy: ",
                "Copy: 99999999999999999999/1 1.0%; Applied: 0; Backlog: 0/1000; Time: 1s(total), 1s(copy); streamer: f.1:4; State: migrating; ETA: 1s",
                "# Migrating `db`.`t`; Ghost table is `db`.`_t_gho`",
                ""
            })
    @DisplayName("refuses malformed lines with an error that names the field, and never crashes")
    void malformed(String line) {
        assertThatThrownBy(() -> GhostOutputParser.parseStatus(line))
                .isInstanceOf(MalformedStatusLineException.class)
                .hasMessageContaining("malformed gh-ost status line")
                .hasMessageContaining("field '");
    }

    /**
     * gh-ost's format string, the same in {@code printStatus} of {@code go/logic/migrator.go} at v1.1.6 and v1.1.10,
     * with Go's verbs written as Java's: {@code %d} for the int64s, {@code %.1f} / {@code %.2f} for the floats, and
     * the strings as they come ({@code %+v} of a string, or of coordinates with a {@code String()} method).
     */
    private static String goStatus(
            long copied,
            long estimate,
            long applied,
            String total,
            String copy,
            String streamer,
            double lag,
            double heartbeatLag,
            String state,
            String eta) {
        // getProgressPercent: 100.0 unless the estimate is above 0
        double percent = estimate > 0 ? 100.0 * copied / estimate : 100.0;
        return String.format(
                java.util.Locale.ROOT,
                "Copy: %d/%d %.1f%%; Applied: %d; Backlog: %d/%d; Time: %s(total), %s(copy); streamer: %s;"
                        + " Lag: %.2fs, HeartbeatLag: %.2fs, State: %s; ETA: %s",
                copied,
                estimate,
                percent,
                applied,
                0,
                1000,
                total,
                copy,
                streamer,
                lag,
                heartbeatLag,
                state,
                eta);
    }

    @Test
    @DisplayName("accepts every line gh-ost's format string produces: a negative estimate, an empty streamer,"
            + " negative and huge lags, the longest Go duration")
    void acceptsEveryVariantOfTheRealFormat() {
        // RowsEstimate + RowsDeltaEstimate goes below 0 when rows are deleted during the count: 100.0%, ETA due
        Status negative = GhostOutputParser.parseStatus(
                goStatus(0, -3, 0, "5s", "0s", "mysql-bin.000003:4", 0.01, 0.02, "migrating", "due"));
        assertThat(negative.rowsEstimate()).isEqualTo(-3);
        assertThat(negative.percent()).isEqualTo(100.0);
        assertThat(negative.etaKind()).isEqualTo(EtaKind.DUE);

        // v1.1.10 with --gtid: an empty GTID set's DisplayString() is ""
        Status emptyStreamer =
                GhostOutputParser.parseStatus(goStatus(10, 100, 0, "5s", "4s", "", 0.0, 0.0, "migrating", "36s"));
        assertThat(emptyStreamer.streamer()).isEmpty();
        assertThat(emptyStreamer.rowsCopied()).isEqualTo(10);

        // file coordinates before the streamer has read anything: "%s:%d" of "" and 0
        assertThat(GhostOutputParser.parseStatus(goStatus(0, 0, 0, "0s", "0s", ":0", 0.0, 0.0, "migrating", "due"))
                        .streamer())
                .isEqualTo(":0");

        // a GTID UUID set (v1.1.10 DisplayString of GTIDBinlogCoordinates with a UUIDSet)
        String uuidSet = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9";
        assertThat(GhostOutputParser.parseStatus(goStatus(1, 2, 3, "1s", "1s", uuidSet, 0.0, 0.0, "migrating", "1s"))
                        .streamer())
                .isEqualTo(uuidSet);

        // lags: a skewed clock gives a negative one; a heartbeat never seen gives time.Since's saturated maximum
        Status lags = GhostOutputParser.parseStatus(
                goStatus(1, 2, 0, "2562047h47m16s", "2562047h47m16s", "f.1:4", -0.5, 9223372036.85, "migrating", "1s"));
        assertThat(lags.lag()).isEqualTo(Duration.ofMillis(-500));
        assertThat(lags.heartbeatLag()).isEqualTo(Duration.ofMillis(9_223_372_036_850L));
        assertThat(lags.elapsedTotal()).isEqualTo(Duration.ofSeconds(9_223_372_036L));

        // the longest ETA Go can print (PrettifyDurationOutput drops the fraction), and a throttle reason left empty
        Status longest = GhostOutputParser.parseStatus(
                goStatus(1, 2, 0, "1s", "1s", "f.1:4", 0.0, 0.0, "throttled, ", "2562047h47m16s"));
        assertThat(longest.eta()).isEqualTo(Duration.ofSeconds(9_223_372_036L));
        assertThat(longest.state()).isEqualTo(State.THROTTLED);

        for (String state : List.of("migrating", "counting rows", "postponing cut-over", "throttled, flag-file")) {
            for (String eta : List.of("N/A", "due", "0s", "1s", "59m59s", "1h0m0s")) {
                for (long estimate : new long[] {-1, 0, 1, 752865}) {
                    assertThat(GhostOutputParser.parseStatus(
                                    goStatus(0, estimate, 0, "0s", "0s", "", 0.0, 0.0, state, eta)))
                            .as(state + " / " + eta + " / " + estimate)
                            .isNotNull();
                }
            }
        }
    }

    @Test
    @DisplayName("an ETA or a time beyond what Go can print is a malformed line, never another exception")
    void overflowIsMalformed() {
        String huge = V11.replace("ETA: 3m56s", "ETA: 9999999999999999999h");
        assertThatThrownBy(() -> GhostOutputParser.parseStatus(huge))
                .isInstanceOf(MalformedStatusLineException.class)
                .hasMessageContaining("field 'ETA'");
        assertThat(GhostOutputParser.lastStatus(List.of(V11, huge)))
                .as("the broken line is skipped, the one before it is used")
                .isEqualTo(GhostOutputParser.parseStatus(V11));
    }

    @Test
    @DisplayName("names the wrong field and quotes the line")
    void malformedMessageNamesField() {
        assertThatThrownBy(() -> GhostOutputParser.parseStatus(V11.replace("Backlog: 3/1000", "Backlog: three/1000")))
                .hasMessageContaining("field 'Backlog (queued)' must be a whole number, found 'three'")
                .hasMessageContaining(V11.replace("Backlog: 3/1000", "Backlog: three/1000"));
    }

    @Test
    @DisplayName("finds the last well-formed status line in a socket reply or an output tail, skipping broken ones")
    void lastStatus() {
        List<String> lines = List.of(
                "# Migrating `d`.`t`; Ghost table is `d`.`_t_gho`",
                V11,
                "2026-01-01 10:00:00 INFO something",
                V11.replace("Copy: 1000/5000 20.0%", "Copy: 2000/5000 40.0%"),
                "Copy: 3000/5000 60.0%; Applied: 0; Backl");
        Status s = Objects.requireNonNull(GhostOutputParser.lastStatus(lines));
        assertThat(s.rowsCopied()).isEqualTo(2000);
        assertThat(GhostOutputParser.lastStatus(List.of("# Done", "nothing here")))
                .isNull();
    }

    @Test
    @DisplayName("sees '# Done' and summarises FATAL and ERROR log lines without timestamps")
    void doneAndErrors() {
        assertThat(GhostOutputParser.printedDone(List.of(V11, "# Done"))).isTrue();
        assertThat(GhostOutputParser.printedDone(List.of(V11, "# Done soon"))).isFalse();
        String errors = GhostOutputParser.errorSummary(
                List.of(
                        "2026-01-01 10:00:00 INFO starting",
                        "2026-01-01 10:00:01 ERROR Unable to ALTER ghost table, see further error details. Bailing out",
                        "hook output",
                        "2026-01-01 10:00:01 FATAL Error 1064 (42000): You have an error in your SQL syntax"),
                List.of());
        assertThat(errors)
                .isEqualTo("Unable to ALTER ghost table, see further error details. Bailing out | Error 1064 (42000):"
                        + " You have an error in your SQL syntax");
        assertThat(GhostOutputParser.errorSummary(List.of(), List.of("flag provided but not defined: -nope", "Usage")))
                .isEqualTo("flag provided but not defined: -nope");
    }

    @ParameterizedTest
    @CsvSource({"0,0", "0s,0", "1h2m3s,3723000", "300ms,300", "1.5s,1500", "2m,120000", "1h0m0.5s,3600500"})
    @DisplayName("parses Go durations")
    void goDurations(String text, long millis) {
        assertThat(GhostOutputParser.parseGoDuration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "1", "1x", "h1", "1h 2m", "-", "soon"})
    @DisplayName("refuses what is not a Go duration")
    void notGoDurations(String text) {
        assertThat(GhostOutputParser.parseGoDuration(text)).isNull();
    }
}
