package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.spi.UserInput;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apiguardian.api.API;

/**
 * A recurring period in which cut-overs may happen, for example weekdays 02:00-05:00 Europe/Berlin. A window whose
 * end is before its start spans midnight; the day is the day the window opens.
 *
 * <p>Its string form, read by {@link #parse} and written by {@link #toString}, is {@code <days> <start>-<end> <zone>}:
 * {@code "Mon-Fri 02:00-05:00 Europe/Berlin"}, {@code "daily 22:30-01:15 America/New_York"}, {@code "Sat,Sun
 * 00:00-06:00 UTC"}. Days are {@code daily} or a comma-separated list of days ({@code Mon} or {@code Monday}, any
 * case) and ranges ({@code Mon-Fri}; {@code Fri-Mon} wraps over the weekend); times are {@code HH:mm} or
 * {@code HH:mm:ss}; the zone is a region id ({@code Europe/Berlin}) or an offset ({@code +02:00}, {@code UTC}).
 *
 * @param days the days on which the window opens
 * @param start local opening time (inclusive)
 * @param end local closing time (exclusive)
 * @param zone the zone the times are in
 */
@API(status = MAINTAINED, since = "0.1")
public record MigrationWindow(Set<DayOfWeek> days, LocalTime start, LocalTime end, ZoneId zone) {

    /** Validates and copies. */
    public MigrationWindow {
        if (days.isEmpty()) {
            throw new InvalidRequestException("window days must not be empty", null);
        }
        if (start.equals(end)) {
            throw new InvalidRequestException(
                    "window start and end are equal (" + start + "): the window is empty", null);
        }
        // In week order, not Set.copyOf's per-JVM order: the days are part of the stored policy and its fingerprint.
        days = Collections.unmodifiableSet(EnumSet.copyOf(days));
    }

    /** A window open every day between {@code start} and {@code end}. */
    public static MigrationWindow daily(LocalTime start, LocalTime end, ZoneId zone) {
        return new MigrationWindow(EnumSet.allOf(DayOfWeek.class), start, end, zone);
    }

    /**
     * Reads the string form {@code <days> <start>-<end> <zone>} (see the class comment), for windows kept in
     * configuration.
     *
     * @throws InvalidRequestException naming the field that is wrong (days, start, end or zone), never a JDK parse
     *     exception
     */
    public static MigrationWindow parse(String text) {
        String[] parts = text.strip().split("\\s+");
        if (parts.length != 3) {
            throw invalid(
                    text, "the form is '<days> <start>-<end> <zone>', such as 'Mon-Fri 02:00-05:00 Europe/Berlin'");
        }
        Set<DayOfWeek> days = parseDays(text, parts[0]);
        String[] times = parts[1].split("-", -1);
        if (times.length != 2) {
            throw invalid(text, "times must be <start>-<end>, such as 02:00-05:00");
        }
        LocalTime start = parseTime(text, "start", times[0]);
        LocalTime end = parseTime(text, "end", times[1]);
        ZoneId zone;
        try {
            zone = ZoneId.of(parts[2]);
        } catch (DateTimeException e) {
            throw invalid(
                    text,
                    "zone " + UserInput.quote(parts[2]) + " is not a region id such as Europe/Berlin or an"
                            + " offset such as +02:00");
        }
        return new MigrationWindow(days, start, end, zone);
    }

    private static Set<DayOfWeek> parseDays(String text, String field) {
        if (field.equalsIgnoreCase("daily")) {
            return EnumSet.allOf(DayOfWeek.class);
        }
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : field.split(",", -1)) {
            String[] range = item.split("-", -1);
            if (range.length > 2) {
                throw invalid(text, "days item " + UserInput.quote(item) + " is not a day or a range such as Mon-Fri");
            }
            DayOfWeek from = day(text, range[0]);
            DayOfWeek to = range.length == 2 ? day(text, range[1]) : from;
            for (DayOfWeek d = from; ; d = d.plus(1)) {
                days.add(d);
                if (d == to) {
                    break;
                }
            }
        }
        return days;
    }

    private static DayOfWeek day(String text, String name) {
        for (DayOfWeek d : DayOfWeek.values()) {
            String full = d.name();
            if (name.equalsIgnoreCase(full) || name.equalsIgnoreCase(full.substring(0, 3))) {
                return d;
            }
        }
        throw invalid(text, "days: " + UserInput.quote(name) + " is not a day (Mon ... Sun, or daily)");
    }

    private static LocalTime parseTime(String text, String field, String value) {
        if (!value.matches("\\d{2}:\\d{2}(:\\d{2})?")) {
            throw invalid(text, field + " " + UserInput.quote(value) + " must be HH:mm or HH:mm:ss");
        }
        try {
            return LocalTime.parse(value);
        } catch (DateTimeException e) {
            throw invalid(text, field + " " + UserInput.quote(value) + " is not a time of day (00:00 to 23:59:59)");
        }
    }

    private static InvalidRequestException invalid(String text, String why) {
        return new InvalidRequestException("window " + UserInput.quote(text) + ": " + why, null);
    }

    /** The string form {@link #parse} reads back, such as {@code Mon-Fri 02:00-05:00 Europe/Berlin}. */
    @Override
    public String toString() {
        return daysText() + " " + start + "-" + end + " " + zone.getId();
    }

    private String daysText() {
        if (days.size() == DayOfWeek.values().length) {
            return "daily";
        }
        List<String> items = new ArrayList<>();
        DayOfWeek[] week = DayOfWeek.values();
        int i = 0;
        while (i < week.length) {
            if (!days.contains(week[i])) {
                i++;
                continue;
            }
            int j = i;
            while (j + 1 < week.length && days.contains(week[j + 1])) {
                j++;
            }
            items.add(j > i ? abbreviation(week[i]) + "-" + abbreviation(week[j]) : abbreviation(week[i]));
            i = j + 1;
        }
        return String.join(",", items);
    }

    private static String abbreviation(DayOfWeek d) {
        return d.name().charAt(0) + d.name().substring(1, 3).toLowerCase(Locale.ROOT);
    }

    /**
     * Whether the window is open at {@code instant}. Each day the window opens on is one occurrence, from
     * {@code ZonedDateTime.of(day, start, zone)} to {@code ZonedDateTime.of(day or the next day, end, zone)}, so the
     * daylight-saving changes are handled as {@link ZonedDateTime#of} resolves local times: a time in a spring-forward
     * gap moves later by the gap's length (a 02:30 start in Europe/Berlin on the last Sunday of March opens at 03:30
     * CEST), and a time repeated at fall-back means its first occurrence (a 02:15-02:45 window on the last Sunday of
     * October is open once, 02:15-02:45 CEST, not again an hour later).
     */
    public boolean isOpen(Instant instant) {
        LocalDate day = instant.atZone(zone).toLocalDate();
        for (LocalDate d = day.minusDays(1); !d.isAfter(day.plusDays(1)); d = d.plusDays(1)) {
            if (days.contains(d.getDayOfWeek())) {
                Instant open = opensOn(d);
                if (!instant.isBefore(open) && instant.isBefore(closesOn(d))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** When the occurrence of {@code day} opens (whether or not the window opens on that day of the week). */
    Instant opensOn(LocalDate day) {
        return ZonedDateTime.of(day, start, zone).toInstant();
    }

    /** When the occurrence of {@code day} closes: on the same day, or the next when the window spans midnight. */
    Instant closesOn(LocalDate day) {
        return ZonedDateTime.of(start.isBefore(end) ? day : day.plusDays(1), end, zone)
                .toInstant();
    }
}
