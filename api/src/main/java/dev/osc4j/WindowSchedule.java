package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.spi.UserInput;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.MonthDay;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apiguardian.api.API;

/**
 * When something may happen, for teams in several regions: windows, each in its own zone ({@link MigrationWindow}),
 * combined as {@link Mode#ALL} (every window open: every region quiet) or {@link Mode#ANY}, and freezes that close
 * everything: absolute ranges of dates (a holiday freeze) and the same dates every year. A schedule without windows is
 * open except in its freezes.
 *
 * <p>Daylight-saving changes are handled by the windows (see {@link MigrationWindow#isOpen}); a freeze runs from the
 * start of its first day to the start of the day after its last, in its zone.
 *
 * <p>Its string form, read by {@link #parse} and written by {@link #toString}: {@code all: Mon-Fri 02:00-05:00
 * Europe/Berlin, daily 01:00-04:00 America/New_York; freeze 2026-12-18..2027-01-04 Europe/Berlin; freeze yearly
 * 12-24..01-02 UTC}. A single window needs no {@code all:}.
 *
 * @param mode how the windows combine
 * @param windows the windows (none: open except in freezes)
 * @param freezes absolute freezes
 * @param yearlyFreezes freezes on the same dates every year
 */
@API(status = MAINTAINED, since = "0.2")
public record WindowSchedule(
        Mode mode, List<MigrationWindow> windows, List<Freeze> freezes, List<YearlyFreeze> yearlyFreezes) {

    /** How the windows of a schedule combine. */
    public enum Mode {
        /** Open when every window is open. */
        ALL,
        /** Open when any window is open. */
        ANY
    }

    /**
     * A freeze from the start of {@code from} to the end of {@code to}, in {@code zone}.
     *
     * @param from first day
     * @param to last day (inclusive)
     * @param zone the zone the days are in
     */
    public record Freeze(LocalDate from, LocalDate to, ZoneId zone) {
        /** Validates. */
        public Freeze {
            if (to.isBefore(from)) {
                throw new InvalidRequestException("freeze " + from + ".." + to + " ends before it starts", null);
            }
        }
    }

    /**
     * A freeze on the same days every year, from the start of {@code from} to the end of {@code to} in {@code zone};
     * it spans the new year when {@code to} comes before {@code from} (12-24..01-02).
     *
     * @param from first day
     * @param to last day (inclusive)
     * @param zone the zone the days are in
     */
    public record YearlyFreeze(MonthDay from, MonthDay to, ZoneId zone) {}

    /** Copies the lists. */
    public WindowSchedule {
        windows = List.copyOf(windows);
        freezes = List.copyOf(freezes);
        yearlyFreezes = List.copyOf(yearlyFreezes);
    }

    /** A schedule of one window. */
    public static WindowSchedule of(MigrationWindow window) {
        return new WindowSchedule(Mode.ALL, List.of(window), List.of(), List.of());
    }

    /** Every window open at once. */
    public static WindowSchedule all(MigrationWindow... windows) {
        return new WindowSchedule(Mode.ALL, List.of(windows), List.of(), List.of());
    }

    /** Any window open. */
    public static WindowSchedule any(MigrationWindow... windows) {
        return new WindowSchedule(Mode.ANY, List.of(windows), List.of(), List.of());
    }

    /** This schedule, closed from the start of {@code from} to the end of {@code to} in {@code zone}. */
    public WindowSchedule withFreeze(LocalDate from, LocalDate to, ZoneId zone) {
        List<Freeze> f = new ArrayList<>(freezes);
        f.add(new Freeze(from, to, zone));
        return new WindowSchedule(mode, windows, f, yearlyFreezes);
    }

    /** This schedule, closed every year from {@code from} to {@code to} in {@code zone}. */
    public WindowSchedule withYearlyFreeze(MonthDay from, MonthDay to, ZoneId zone) {
        List<YearlyFreeze> f = new ArrayList<>(yearlyFreezes);
        f.add(new YearlyFreeze(from, to, zone));
        return new WindowSchedule(mode, windows, freezes, f);
    }

    /** Whether the schedule is open at {@code instant}. */
    public boolean isOpen(Instant instant) {
        return windowsOpen(instant) && !frozen(instant);
    }

    private boolean windowsOpen(Instant instant) {
        if (windows.isEmpty()) {
            return true;
        }
        for (MigrationWindow w : windows) {
            boolean open = w.isOpen(instant);
            if (mode == Mode.ANY && open) {
                return true;
            }
            if (mode == Mode.ALL && !open) {
                return false;
            }
        }
        return mode == Mode.ALL;
    }

    private boolean frozen(Instant instant) {
        for (Freeze f : freezes) {
            if (!instant.isBefore(startOf(f.from(), f.zone()))
                    && instant.isBefore(startOf(f.to().plusDays(1), f.zone()))) {
                return true;
            }
        }
        for (YearlyFreeze f : yearlyFreezes) {
            int year = instant.atZone(f.zone()).getYear();
            for (int y = year - 1; y <= year; y++) {
                LocalDate from = f.from().atYear(y);
                LocalDate to = f.to().isBefore(f.from()) ? f.to().atYear(y + 1) : f.to().atYear(y);
                if (!instant.isBefore(startOf(from, f.zone())) && instant.isBefore(startOf(to.plusDays(1), f.zone()))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Instant startOf(LocalDate day, ZoneId zone) {
        return day.atStartOfDay(zone).toInstant();
    }

    /**
     * The first instant at or after {@code from}, within {@code horizon}, at which the schedule is open and stays open
     * for at least {@code minimum} (zero: merely open); empty if there is none.
     */
    public Optional<Instant> nextOpening(Instant from, Duration minimum, Duration horizon) {
        Instant end = from.plus(horizon);
        List<Instant> candidates = new ArrayList<>();
        candidates.add(from);
        candidates.addAll(boundaries(from, end.plus(minimum)).tailSet(from, false));
        for (Instant b : candidates) {
            if (b.isAfter(end)) {
                break;
            }
            if (isOpen(b)
                    && closesAt(b, minimum.plusDays(1))
                            .map(c -> !c.isBefore(b.plus(minimum)))
                            .orElse(true)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /**
     * The first instant at or after {@code from}, within {@code horizon}, at which every one of {@code schedules} is open
     * and stays open for at least {@code minimum}: when shards that must swap together, each in its own schedule, can
     * do so. Empty if there is none. Openness changes only at a schedule's boundaries, so the answer is exact.
     */
    public static Optional<Instant> commonOpening(
            List<WindowSchedule> schedules, Instant from, Duration minimum, Duration horizon) {
        Instant end = from.plus(horizon);
        java.util.TreeSet<Instant> candidates = new java.util.TreeSet<>();
        candidates.add(from);
        for (WindowSchedule s : schedules) {
            candidates.addAll(s.boundaries(from, end.plus(minimum)).tailSet(from, false));
        }
        for (Instant b : candidates) {
            if (b.isAfter(end)) {
                break;
            }
            if (schedules.stream().allMatch(s -> s.isOpenFor(b, minimum))) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /**
     * When the schedule, open at {@code at}, next closes, looking at most {@code horizon} ahead; empty if it is closed
     * at {@code at} or stays open past the horizon.
     */
    public Optional<Instant> closesAt(Instant at, Duration horizon) {
        if (!isOpen(at)) {
            return Optional.empty();
        }
        for (Instant b : boundaries(at, at.plus(horizon)).tailSet(at, false)) {
            if (!isOpen(b)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** Whether the schedule is open at {@code at} and stays open for at least {@code duration}. */
    public boolean isOpenFor(Instant at, Duration duration) {
        return isOpen(at)
                && closesAt(at, duration.plusDays(1))
                        .map(c -> !c.isBefore(at.plus(duration)))
                        .orElse(true);
    }

    /** Every instant in [from, to] at which some window or freeze starts or ends: where openness can change. */
    private TreeSet<Instant> boundaries(Instant from, Instant to) {
        TreeSet<Instant> out = new TreeSet<>();
        for (MigrationWindow w : windows) {
            LocalDate first = from.atZone(w.zone()).toLocalDate().minusDays(2);
            LocalDate last = to.atZone(w.zone()).toLocalDate().plusDays(1);
            for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
                if (w.days().contains(d.getDayOfWeek())) {
                    out.add(w.opensOn(d));
                    out.add(w.closesOn(d));
                }
            }
        }
        for (Freeze f : freezes) {
            out.add(startOf(f.from(), f.zone()));
            out.add(startOf(f.to().plusDays(1), f.zone()));
        }
        for (YearlyFreeze f : yearlyFreezes) {
            int a = from.atZone(f.zone()).getYear() - 1;
            int b = to.atZone(f.zone()).getYear() + 1;
            for (int y = a; y <= b; y++) {
                out.add(startOf(f.from().atYear(y), f.zone()));
                LocalDate end = f.to().isBefore(f.from()) ? f.to().atYear(y + 1) : f.to().atYear(y);
                out.add(startOf(end.plusDays(1), f.zone()));
            }
        }
        return new TreeSet<>(out.subSet(from, true, to, true));
    }

    /**
     * Reads the string form (see the class comment).
     *
     * @throws InvalidRequestException saying which part is wrong and why
     */
    public static WindowSchedule parse(String text) {
        String[] parts = text.strip().split(";");
        String head = parts[0].strip();
        Mode mode = Mode.ALL;
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("all:") || lower.startsWith("any:")) {
            mode = lower.startsWith("all:") ? Mode.ALL : Mode.ANY;
            head = head.substring(4).strip();
        }
        List<MigrationWindow> windows = new ArrayList<>();
        List<Freeze> freezes = new ArrayList<>();
        List<YearlyFreeze> yearly = new ArrayList<>();
        int firstFreeze = 1;
        if (head.toLowerCase(java.util.Locale.ROOT).startsWith("freeze ")) {
            firstFreeze = 0;
        } else if (!head.isEmpty()) {
            for (String w : splitWindows(head)) {
                windows.add(MigrationWindow.parse(w));
            }
        }
        for (int i = firstFreeze; i < parts.length; i++) {
            String p = parts[i].strip();
            String[] f = p.split("\\s+");
            boolean isYearly = f.length == 4 && f[1].equalsIgnoreCase("yearly");
            if (!f[0].equalsIgnoreCase("freeze") || !(f.length == 3 || isYearly)) {
                throw invalid(
                        text,
                        UserInput.quote(p) + " is not 'freeze FROM..TO ZONE' or 'freeze yearly MM-DD..MM-DD ZONE'");
            }
            String[] range = f[isYearly ? 2 : 1].split("\\.\\.", -1);
            if (range.length != 2) {
                throw invalid(text, "freeze range " + UserInput.quote(f[isYearly ? 2 : 1]) + " must be FROM..TO");
            }
            ZoneId zone;
            try {
                zone = ZoneId.of(f[isYearly ? 3 : 2]);
            } catch (DateTimeException e) {
                throw invalid(text, "freeze zone " + UserInput.quote(f[isYearly ? 3 : 2]) + " is not a zone id");
            }
            try {
                if (isYearly) {
                    yearly.add(
                            new YearlyFreeze(MonthDay.parse("--" + range[0]), MonthDay.parse("--" + range[1]), zone));
                } else {
                    freezes.add(new Freeze(LocalDate.parse(range[0]), LocalDate.parse(range[1]), zone));
                }
            } catch (DateTimeParseException e) {
                throw invalid(
                        text,
                        "freeze dates " + UserInput.quote(f[isYearly ? 2 : 1]) + " must be "
                                + (isYearly ? "MM-DD..MM-DD" : "YYYY-MM-DD..YYYY-MM-DD"));
            }
        }
        if (windows.isEmpty() && freezes.isEmpty() && yearly.isEmpty()) {
            throw invalid(text, "a schedule needs a window or a freeze");
        }
        return new WindowSchedule(mode, windows, freezes, yearly);
    }

    /** Windows separated by commas; a comma inside a day list ("Mon,Wed 02:00-03:00 UTC") belongs to the window. */
    private static List<String> splitWindows(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String piece : text.split(",")) {
            if (current.length() > 0) {
                current.append(',');
            }
            current.append(piece);
            if (current.toString().strip().split("\\s+").length >= 3) {
                out.add(current.toString().strip());
                current.setLength(0);
            }
        }
        if (current.length() > 0) {
            out.add(current.toString().strip());
        }
        return out;
    }

    private static InvalidRequestException invalid(String text, String why) {
        return new InvalidRequestException("schedule " + UserInput.quote(text) + ": " + why, null);
    }

    /** The string form {@link #parse} reads back. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (!windows.isEmpty()) {
            b.append(mode.name().toLowerCase(java.util.Locale.ROOT)).append(": ");
            for (int i = 0; i < windows.size(); i++) {
                b.append(i == 0 ? "" : ", ").append(windows.get(i));
            }
        }
        for (Freeze f : freezes) {
            b.append(b.length() == 0 ? "" : "; ")
                    .append("freeze ")
                    .append(f.from())
                    .append("..")
                    .append(f.to())
                    .append(' ')
                    .append(f.zone());
        }
        for (YearlyFreeze f : yearlyFreezes) {
            b.append(b.length() == 0 ? "" : "; ")
                    .append("freeze yearly ")
                    .append(f.from().toString().substring(2))
                    .append("..")
                    .append(f.to().toString().substring(2))
                    .append(' ')
                    .append(f.zone());
        }
        return b.toString();
    }

    /** A description for wait reasons: the instant in the first window's zone (or UTC). */
    public String describe(Instant instant) {
        ZoneId zone = windows.isEmpty() ? ZoneId.of("UTC") : windows.get(0).zone();
        return ZonedDateTime.ofInstant(instant, zone).toString();
    }
}
