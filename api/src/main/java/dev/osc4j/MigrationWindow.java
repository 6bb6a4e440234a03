package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.apiguardian.api.API;

/**
 * A recurring period in which cut-overs may happen, for example weekdays 02:00-05:00 Europe/Berlin. A window whose
 * end is before its start spans midnight; the day is the day the window opens.
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

    /** Whether the window is open at {@code instant}. */
    public boolean isOpen(Instant instant) {
        ZonedDateTime local = instant.atZone(zone);
        LocalTime time = local.toLocalTime();
        if (start.isBefore(end)) {
            return days.contains(local.getDayOfWeek()) && !time.isBefore(start) && time.isBefore(end);
        }
        // Spans midnight: open from start on an allowed day, or before end on the day after an allowed day.
        return (days.contains(local.getDayOfWeek()) && !time.isBefore(start))
                || (days.contains(local.getDayOfWeek().minus(1)) && time.isBefore(end));
    }
}
