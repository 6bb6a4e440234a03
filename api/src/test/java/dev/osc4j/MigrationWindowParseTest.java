package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("MigrationWindow's string form")
class MigrationWindowParseTest {

    @Test
    @DisplayName("parses days, times and zone")
    void parses() {
        assertThat(MigrationWindow.parse("Mon-Fri 02:00-05:00 Europe/Berlin"))
                .isEqualTo(new MigrationWindow(
                        EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                        LocalTime.of(2, 0),
                        LocalTime.of(5, 0),
                        ZoneId.of("Europe/Berlin")));
        assertThat(MigrationWindow.parse("daily 22:30-01:15 America/New_York"))
                .isEqualTo(MigrationWindow.daily(
                        LocalTime.of(22, 30), LocalTime.of(1, 15), ZoneId.of("America/New_York")));
        assertThat(MigrationWindow.parse("  sat,SUN  00:00-06:00   UTC ").days())
                .containsExactly(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
        assertThat(MigrationWindow.parse("Fri-Mon 01:00-02:00 UTC").days())
                .containsExactly(DayOfWeek.MONDAY, DayOfWeek.FRIDAY, DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
        assertThat(MigrationWindow.parse("Monday,Wednesday 01:00:30-02:00 +02:00")
                        .start())
                .isEqualTo(LocalTime.of(1, 0, 30));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Mon-Fri 02:00-05:00 Europe/Berlin",
                "daily 22:30-01:15 America/New_York",
                "Mon,Wed,Fri 01:00-02:00 UTC",
                "Mon-Wed,Sat-Sun 01:00:30-02:00 +02:00",
                "Sun 23:00-01:00 Asia/Tokyo"
            })
    @DisplayName("toString gives the form parse reads back")
    void roundTrip(String text) {
        MigrationWindow w = MigrationWindow.parse(text);
        assertThat(w.toString()).isEqualTo(text);
        assertThat(MigrationWindow.parse(w.toString())).isEqualTo(w);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "Mon-Fri 02:00-05:00 Europe/Berlinn | zone",
                "Mon-Fri 02:00-05:00 Mars/Olympus | zone",
                "Mon-Fri 02:00-05:00 + | zone",
                "Mox-Fri 02:00-05:00 UTC | days",
                "Mon-Fri-Sat 02:00-05:00 UTC | days",
                "Mon,,Fri 02:00-05:00 UTC | days",
                "Mon-Fri 25:00-05:00 UTC | start",
                "Mon-Fri 2am-05:00 UTC | start",
                "Mon-Fri 02:00-5 UTC | end",
                "Mon-Fri 02:00-24:00 UTC | end",
                "Mon-Fri 02:00 UTC | times",
                "Mon-Fri 02:00-03:00-04:00 UTC | times",
                "Mon-Fri 02:00-05:00 | form",
                "'' | form",
                "Mon-Fri 02:00-02:00 UTC | equal"
            })
    @DisplayName("refuses a wrong field with a typed error that names it")
    void namesTheField(String text, String field) {
        assertThatThrownBy(() -> MigrationWindow.parse(text))
                .isInstanceOf(InvalidRequestException.class)
                .hasNoCause()
                .hasMessageContaining(field);
    }
}
