package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.MonthDay;
import java.time.ZoneId;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("WindowSchedule")
class WindowScheduleTest {
    private static final Duration MONTH = Duration.ofDays(31);
    private static final MigrationWindow BERLIN = MigrationWindow.parse("Mon-Fri 02:00-05:00 Europe/Berlin");
    private static final MigrationWindow NEW_YORK = MigrationWindow.parse("daily 20:00-23:00 America/New_York");

    private static Instant at(String utc) {
        return Instant.parse(utc);
    }

    @Test
    @DisplayName("ALL is open only where every region's window is: Berlin 02:00-05:00 and New York 20:00-23:00 overlap"
            + " 02:00-05:00 CET = 20:00-23:00 EST")
    void allRegionsQuiet() {
        WindowSchedule all = WindowSchedule.all(BERLIN, NEW_YORK);
        // Wed 2026-12-02 01:00Z = 02:00 CET = 20:00 EST (Tue): both open.
        assertThat(all.isOpen(at("2026-12-02T01:00:00Z"))).isTrue();
        assertThat(all.isOpen(at("2026-12-02T04:00:00Z")))
                .as("05:00 CET: Berlin closed")
                .isFalse();
        assertThat(all.closesAt(at("2026-12-02T01:00:00Z"), MONTH)).contains(at("2026-12-02T04:00:00Z"));
        // Saturday morning in Berlin: Berlin's window is closed, so ALL waits for Monday 02:00 CET.
        assertThat(all.nextOpening(at("2026-12-05T12:00:00Z"), Duration.ZERO, MONTH))
                .contains(at("2026-12-07T01:00:00Z"));
        WindowSchedule any = WindowSchedule.any(BERLIN, NEW_YORK);
        assertThat(any.isOpen(at("2026-12-05T02:00:00Z")))
                .as("Sat 21:00 EST: New York open")
                .isTrue();
    }

    @Test
    @DisplayName("an opening counts only if it stays open for the expected time")
    void minimumLength() {
        WindowSchedule s = WindowSchedule.of(MigrationWindow.parse("daily 02:00-02:10 UTC"))
                .withFreeze(LocalDate.of(2026, 12, 3), LocalDate.of(2026, 12, 3), ZoneId.of("UTC"));
        assertThat(s.isOpenFor(at("2026-12-04T02:00:00Z"), Duration.ofMinutes(5)))
                .isTrue();
        assertThat(s.isOpenFor(at("2026-12-04T02:06:00Z"), Duration.ofMinutes(5)))
                .isFalse();
        assertThat(s.nextOpening(at("2026-12-04T02:06:00Z"), Duration.ofMinutes(5), MONTH))
                .contains(at("2026-12-05T02:00:00Z"));
        assertThat(s.nextOpening(at("2026-12-02T12:00:00Z"), Duration.ofMinutes(20), MONTH))
                .isEmpty();
    }

    @Test
    @DisplayName("freezes close every window: an absolute holiday freeze and the same dates every year")
    void freezes() {
        WindowSchedule s = WindowSchedule.of(MigrationWindow.parse("daily 02:00-05:00 UTC"))
                .withFreeze(LocalDate.of(2026, 12, 18), LocalDate.of(2027, 1, 4), ZoneId.of("Europe/Berlin"))
                .withYearlyFreeze(MonthDay.of(7, 1), MonthDay.of(7, 2), ZoneId.of("UTC"));
        assertThat(s.isOpen(at("2026-12-17T02:00:00Z"))).isTrue();
        assertThat(s.isOpen(at("2026-12-20T02:00:00Z"))).isFalse();
        assertThat(s.nextOpening(at("2026-12-20T00:00:00Z"), Duration.ZERO, MONTH))
                .contains(at("2027-01-05T02:00:00Z"));
        assertThat(s.isOpen(at("2027-07-02T03:00:00Z"))).isFalse();
        assertThat(s.isOpen(at("2028-07-01T03:00:00Z"))).isFalse();
        assertThat(s.isOpen(at("2028-07-03T03:00:00Z"))).isTrue();
        WindowSchedule newYear = new WindowSchedule(
                        WindowSchedule.Mode.ALL, java.util.List.of(), java.util.List.of(), java.util.List.of())
                .withYearlyFreeze(MonthDay.of(12, 24), MonthDay.of(1, 2), ZoneId.of("UTC"));
        assertThat(newYear.isOpen(at("2026-12-31T12:00:00Z"))).isFalse();
        assertThat(newYear.isOpen(at("2027-01-02T23:59:59Z"))).isFalse();
        assertThat(newYear.isOpen(at("2027-01-03T00:00:00Z"))).isTrue();
    }

    @Test
    @DisplayName("reads and writes its string form; a wrong part is a typed error saying which")
    void stringForm() {
        String text = "all: Mon-Fri 02:00-05:00 Europe/Berlin, daily 20:00-23:00 America/New_York;"
                + " freeze 2026-12-18..2027-01-04 Europe/Berlin; freeze yearly 12-24..01-02 UTC";
        WindowSchedule s = WindowSchedule.parse(text);
        assertThat(s.windows()).containsExactly(BERLIN, NEW_YORK);
        assertThat(s.freezes()).hasSize(1);
        assertThat(s.yearlyFreezes()).hasSize(1);
        assertThat(WindowSchedule.parse(s.toString())).isEqualTo(s);
        assertThat(WindowSchedule.parse("Mon,Wed 02:00-03:00 UTC").windows()).hasSize(1);
        assertThat(WindowSchedule.parse("any: daily 01:00-02:00 UTC, daily 03:00-04:00 UTC")
                        .mode())
                .isEqualTo(WindowSchedule.Mode.ANY);
        assertThatThrownBy(() -> WindowSchedule.parse("daily 01:00-02:00 UTC; freeze 2026-13-01..2026-12-31 UTC"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("YYYY-MM-DD");
        assertThatThrownBy(() -> WindowSchedule.parse("daily 01:00-02:00 Mars/Olympus"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("zone");
        assertThatThrownBy(() -> WindowSchedule.parse("daily 01:00-02:00 UTC; thaw"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("freeze");
    }
}
