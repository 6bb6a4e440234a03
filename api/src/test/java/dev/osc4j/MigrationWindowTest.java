package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("MigrationWindow")
class MigrationWindowTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Instant at(String isoInstant) {
        return Instant.parse(isoInstant);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // 2026-03-02 is a Monday; the window is weekdays 02:00-05:00 UTC.
        "2026-03-02T01:59:59Z, false",
        "2026-03-02T02:00:00Z, true",
        "2026-03-02T04:59:59.999Z, true",
        "2026-03-02T05:00:00Z, false",
        "2026-03-06T03:00:00Z, true",
        "2026-03-07T03:00:00Z, false",
        "2026-03-08T03:00:00Z, false"
    })
    @DisplayName("is open from its start (inclusive) to its end (exclusive) on its days")
    void normalWindow(String instant, boolean open) {
        MigrationWindow weekdays = new MigrationWindow(
                EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                LocalTime.of(2, 0),
                LocalTime.of(5, 0),
                ZoneOffset.UTC);
        assertThat(weekdays.isOpen(at(instant))).isEqualTo(open);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // Friday 22:00 to Saturday 02:00 UTC: the window belongs to the Friday it opens on.
        "2026-03-06T21:59:59Z, false",
        "2026-03-06T22:00:00Z, true",
        "2026-03-06T23:59:59Z, true",
        "2026-03-07T00:00:00Z, true",
        "2026-03-07T01:59:59Z, true",
        "2026-03-07T02:00:00Z, false",
        "2026-03-07T22:30:00Z, false",
        "2026-03-08T01:00:00Z, false",
        "2026-03-06T01:00:00Z, false"
    })
    @DisplayName("spans midnight when its end is before its start, on the day it opens")
    void acrossMidnight(String instant, boolean open) {
        MigrationWindow fridayNight =
                new MigrationWindow(Set.of(DayOfWeek.FRIDAY), LocalTime.of(22, 0), LocalTime.of(2, 0), ZoneOffset.UTC);
        assertThat(fridayNight.isOpen(at(instant))).isEqualTo(open);
    }

    @Test
    @DisplayName("a Sunday night window reaches into Monday morning")
    void sundayIntoMonday() {
        MigrationWindow sundayNight =
                new MigrationWindow(Set.of(DayOfWeek.SUNDAY), LocalTime.of(23, 0), LocalTime.of(1, 0), ZoneOffset.UTC);
        assertThat(sundayNight.isOpen(at("2026-03-09T00:30:00Z"))).isTrue();
        assertThat(sundayNight.isOpen(at("2026-03-08T23:30:00Z"))).isTrue();
        assertThat(sundayNight.isOpen(at("2026-03-02T00:30:00Z")))
                .as("monday after a sunday")
                .isTrue();
        assertThat(sundayNight.isOpen(at("2026-03-03T00:30:00Z"))).isFalse();
    }

    @Test
    @DisplayName("reads its times and days in its own zone")
    void zones() {
        MigrationWindow berlinNight = MigrationWindow.daily(LocalTime.of(2, 0), LocalTime.of(5, 0), BERLIN);
        // Winter: Berlin is UTC+1.
        assertThat(berlinNight.isOpen(at("2026-01-15T01:00:00Z"))).isTrue();
        assertThat(berlinNight.isOpen(at("2026-01-15T04:00:00Z"))).isFalse();
        assertThat(berlinNight.isOpen(at("2026-01-15T00:59:00Z"))).isFalse();
        // Summer: Berlin is UTC+2.
        assertThat(berlinNight.isOpen(at("2026-07-15T00:00:00Z"))).isTrue();
        assertThat(berlinNight.isOpen(at("2026-07-15T03:00:00Z"))).isFalse();

        MigrationWindow mondayTokyo = new MigrationWindow(
                Set.of(DayOfWeek.MONDAY), LocalTime.of(8, 0), LocalTime.of(9, 0), ZoneId.of("Asia/Tokyo"));
        // Sunday 23:30 UTC is Monday 08:30 in Tokyo.
        assertThat(mondayTokyo.isOpen(at("2026-03-01T23:30:00Z"))).isTrue();
        assertThat(mondayTokyo.isOpen(at("2026-03-02T23:30:00Z"))).isFalse();
    }

    @Test
    @DisplayName("refuses an empty window: no days, or start equal to end")
    void validation() {
        assertThatThrownBy(() -> new MigrationWindow(
                        EnumSet.noneOf(DayOfWeek.class), LocalTime.of(1, 0), LocalTime.of(2, 0), ZoneOffset.UTC))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("window days must not be empty");
        assertThatThrownBy(() -> MigrationWindow.daily(LocalTime.of(1, 0), LocalTime.of(1, 0), ZoneOffset.UTC))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("window start and end are equal (01:00): the window is empty");
    }

    @Test
    @DisplayName("copies its days")
    void copiesDays() {
        Set<DayOfWeek> days = EnumSet.of(DayOfWeek.MONDAY);
        MigrationWindow w = new MigrationWindow(days, LocalTime.of(1, 0), LocalTime.of(2, 0), ZoneOffset.UTC);
        days.add(DayOfWeek.TUESDAY);
        assertThat(w.days()).containsExactly(DayOfWeek.MONDAY);
        assertThat(MigrationWindow.daily(LocalTime.of(1, 0), LocalTime.of(2, 0), ZoneOffset.UTC)
                        .days())
                .hasSize(7);
    }
}
