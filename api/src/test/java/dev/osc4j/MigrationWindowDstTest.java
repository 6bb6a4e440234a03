package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Daylight-saving time and odd offsets: a window opens once per day it opens on, as {@link java.time.ZonedDateTime#of}
 * resolves its local times; checked by hand in Europe/Berlin and in zones with 30- and 45-minute offsets, and for every
 * offset change of every zone the JDK knows in 2026 to 2028.
 */
@DisplayName("MigrationWindow across daylight-saving changes")
class MigrationWindowDstTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Instant at(String utc) {
        return Instant.parse(utc);
    }

    @Test
    @DisplayName("a start in the spring-forward gap opens after the gap, moved by its length (02:30 -> 03:30 CEST)")
    void springForwardGap() {
        MigrationWindow w = MigrationWindow.daily(LocalTime.of(2, 30), LocalTime.of(4, 0), BERLIN);
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z).
        assertThat(w.isOpen(at("2026-03-29T01:00:00Z"))).as("03:00 CEST").isFalse();
        assertThat(w.isOpen(at("2026-03-29T01:29:59Z"))).as("03:29:59 CEST").isFalse();
        assertThat(w.isOpen(at("2026-03-29T01:30:00Z"))).as("03:30 CEST").isTrue();
        assertThat(w.isOpen(at("2026-03-29T01:59:59Z"))).as("03:59:59 CEST").isTrue();
        assertThat(w.isOpen(at("2026-03-29T02:00:00Z"))).as("04:00 CEST").isFalse();
    }

    @Test
    @DisplayName("hours repeated at fall-back open once: 02:15-02:45 on 2026-10-25 is open in CEST, not again in CET")
    void fallBackOnce() {
        MigrationWindow w = MigrationWindow.daily(LocalTime.of(2, 15), LocalTime.of(2, 45), BERLIN);
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00Z); 02:15 happens at 00:15Z and at 01:15Z.
        assertThat(w.isOpen(at("2026-10-25T00:15:00Z"))).as("02:15 CEST").isTrue();
        assertThat(w.isOpen(at("2026-10-25T00:44:59Z"))).as("02:44:59 CEST").isTrue();
        assertThat(w.isOpen(at("2026-10-25T00:45:00Z"))).as("02:45 CEST").isFalse();
        assertThat(w.isOpen(at("2026-10-25T01:15:00Z")))
                .as("02:15 CET, the repeat")
                .isFalse();
        assertThat(w.isOpen(at("2026-10-26T01:15:00Z")))
                .as("next day, 02:15 CET")
                .isTrue();
    }

    @Test
    @DisplayName("30- and 45-minute offsets: Asia/Kolkata, Asia/Kathmandu, Australia/Eucla")
    void oddOffsets() {
        MigrationWindow kolkata =
                MigrationWindow.daily(LocalTime.of(1, 0), LocalTime.of(2, 0), ZoneId.of("Asia/Kolkata"));
        assertThat(kolkata.isOpen(at("2026-06-01T19:30:00Z"))).isTrue(); // 01:00 IST
        assertThat(kolkata.isOpen(at("2026-06-01T19:29:00Z"))).isFalse();
        MigrationWindow kathmandu =
                MigrationWindow.daily(LocalTime.of(1, 0), LocalTime.of(2, 0), ZoneId.of("Asia/Kathmandu"));
        assertThat(kathmandu.isOpen(at("2026-06-01T19:15:00Z"))).isTrue(); // 01:00 +05:45
        assertThat(kathmandu.isOpen(at("2026-06-01T20:15:00Z"))).isFalse();
        MigrationWindow eucla =
                MigrationWindow.daily(LocalTime.of(23, 0), LocalTime.of(1, 0), ZoneId.of("Australia/Eucla"));
        assertThat(eucla.isOpen(at("2026-06-01T14:15:00Z"))).isTrue(); // 23:00 +08:45, across midnight
        assertThat(eucla.isOpen(at("2026-06-01T16:15:00Z"))).isFalse(); // 01:00
    }

    @Test
    @DisplayName("for every offset change of every zone in 2026-2028, a window around it opens exactly once and for at"
            + " most its length")
    void everyZoneEveryChange() {
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        Instant to = Instant.parse("2029-01-01T00:00:00Z");
        int checked = 0;
        List<String> problems = new ArrayList<>();
        for (String id : ZoneId.getAvailableZoneIds()) {
            ZoneId zone = ZoneId.of(id);
            ZoneRules rules = zone.getRules();
            for (ZoneOffsetTransition t = rules.nextTransition(from);
                    t != null && t.getInstant().isBefore(to);
                    t = rules.nextTransition(t.getInstant())) {
                LocalTime local = t.getDateTimeBefore().toLocalTime();
                // 15 minutes before the change's local time to 45 minutes after: the start is valid, the end falls in
                // the gap or the repeated hour (or after it, for changes of more than 45 minutes).
                MigrationWindow w = MigrationWindow.daily(local.minusMinutes(15), local.plusMinutes(45), zone);
                Instant scanFrom = t.getInstant().minus(Duration.ofHours(6));
                int openings = 0;
                int openMinutes = 0;
                boolean before = w.isOpen(scanFrom);
                for (Instant i = scanFrom.plusSeconds(60);
                        i.isBefore(t.getInstant().plus(Duration.ofHours(6)));
                        i = i.plusSeconds(60)) {
                    boolean open = w.isOpen(i);
                    if (open && !before) {
                        openings++;
                    }
                    openMinutes += open ? 1 : 0;
                    before = open;
                }
                // Real time open: the nominal hour, plus the change when the window straddles it (a repeated hour
                // between its start and its end is part of the one opening).
                long change = Math.abs(Duration.between(t.getDateTimeBefore(), t.getDateTimeAfter())
                        .toMinutes());
                if (openings != 1 || openMinutes > 60 + change || openMinutes < 1) {
                    problems.add(id + " at " + t + ": opened " + openings + " time(s) for " + openMinutes + " min");
                }
                checked++;
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).as("offset changes checked").isGreaterThan(500);
    }
}
