package dev.osc4j.engine.ghost;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one place that reads gh-ost's output: status lines (printed to stdout and answered by the socket's {@code sup}
 * and {@code status} commands), the {@code # Done} marker, and the error lines of its log on stderr.
 *
 * <p>Status lines come in the forms gh-ost has printed over its versions (format of {@code printStatus} in
 * {@code go/logic/migrator.go}):
 *
 * <pre>
 * 1.1.x: Copy: 1000/5000 20.0%; Applied: 0; Backlog: 0/1000; Time: 5s(total), 4s(copy); streamer: mysql-bin.000003:1234; Lag: 0.01s, HeartbeatLag: 0.02s, State: migrating; ETA: 16s
 * 1.0.x: Copy: 1000/5000 20.0%; Applied: 0; Backlog: 0/1000; Time: 5s(total), 4s(copy); streamer: mysql-bin.000003:1234; State: migrating; ETA: 16s
 * early: Copy: 0/2915 0.0%; Applied: 0; Backlog: 0/100; Elapsed: 40s(copy), 41s(total); streamer: mysql-bin.000550:49942; ETA: throttled, flag-file
 * </pre>
 *
 * Times are Go durations ({@code 1h2m3s}); the ETA is {@code N/A}, {@code due} or a duration; the state is
 * {@code migrating}, {@code counting rows}, {@code postponing cut-over} or {@code throttled, <reason>}; {@code Lag} and
 * {@code HeartbeatLag} may be missing; the copy may exceed 100% because the row count is an estimate. Checked against
 * the format string of {@code printStatus} at v1.1.6 and v1.1.10: the estimate ({@code RowsEstimate +
 * RowsDeltaEstimate}) can be negative, and then the percentage is 100.0 and the ETA {@code due}; the streamer can be
 * empty (v1.1.10 with {@code --gtid}, an empty GTID set) or {@code :0}; the lags are {@code %.2f} seconds, negative
 * with a skewed clock; durations go through {@code base.PrettifyDurationOutput} (whole seconds, {@code 0s} below one
 * second, at most {@code 2562047h47m16s}). A line that is not of this form is refused with a
 * {@link MalformedStatusLineException} that names the field; no other exception leaves this parser.
 */
final class GhostOutputParser {
    private static final String COPY = "Copy: ";
    private static final Pattern LOG_LINE =
            Pattern.compile("^\\d{4}[-/]\\d{2}[-/]\\d{2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)? (FATAL|ERROR) (.*)$");
    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final int MAX_ERROR_LINES = 3;
    private static final int MAX_MESSAGE_CHARS = 2000;

    private GhostOutputParser() {}

    /** What gh-ost reports it is doing. */
    enum State {
        /** {@code migrating}: copying rows or applying the binlog. */
        MIGRATING,
        /** {@code counting rows}: counting before the copy ({@code --exact-rowcount --concurrent-rowcount=false}). */
        COUNTING_ROWS,
        /** {@code postponing cut-over}: ready, holding until the flag file goes or {@code unpostpone} comes. */
        POSTPONING_CUTOVER,
        /** {@code throttled, <reason>}. */
        THROTTLED,
        /** A state this parser does not know; {@link Status#stateText()} has it. */
        OTHER
    }

    /** What the ETA field says. */
    enum EtaKind {
        /** {@code N/A}: too early, or unknown. */
        UNKNOWN,
        /** {@code due}: the copy is at or over 100%, or the cut-over is postponed. */
        DUE,
        /** A duration. */
        DURATION
    }

    /**
     * One parsed status line.
     *
     * @param rowsCopied rows copied
     * @param rowsEstimate gh-ost's estimate of the rows to copy (after the copy: the rows copied)
     * @param percent the percentage as printed (may exceed 100)
     * @param applied binlog events applied
     * @param backlog events queued to apply
     * @param backlogCapacity size of the queue
     * @param elapsedTotal time since the migration started
     * @param elapsedCopy time since the row copy started
     * @param streamer the binlog coordinates the streamer has read (file:pos or a GTID set)
     * @param lag the replication lag gh-ost measures, when printed
     * @param heartbeatLag time since gh-ost last saw its own heartbeat in the binlog, when printed
     * @param state the state
     * @param stateText the state as printed
     * @param throttleReason the reason when {@link State#THROTTLED}
     * @param etaKind what the ETA field says
     * @param eta the ETA when {@link EtaKind#DURATION}
     * @param line the line
     */
    record Status(
            long rowsCopied,
            long rowsEstimate,
            double percent,
            long applied,
            long backlog,
            long backlogCapacity,
            Duration elapsedTotal,
            Duration elapsedCopy,
            String streamer,
            @Nullable Duration lag,
            @Nullable Duration heartbeatLag,
            State state,
            String stateText,
            @Nullable String throttleReason,
            EtaKind etaKind,
            @Nullable Duration eta,
            String line) {}

    /** A line that claims to be a status line but is not one; the message names the field and quotes the line. */
    static final class MalformedStatusLineException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        MalformedStatusLineException(String message) {
            super(message);
        }
    }

    /** Whether {@code line} is meant to be a status line (it may still be malformed). */
    static boolean looksLikeStatus(String line) {
        return line.startsWith(COPY);
    }

    /**
     * Parses one status line.
     *
     * @throws MalformedStatusLineException naming the field that is wrong
     */
    static Status parseStatus(String line) {
        try {
            return parse(stripLineEnd(line));
        } catch (MalformedStatusLineException e) {
            throw e;
        } catch (RuntimeException e) {
            // Whatever else goes wrong reading gh-ost's output is a malformed line too, never an escaped exception.
            throw new MalformedStatusLineException("malformed gh-ost status line: field 'any' could not be read ("
                    + e.getClass().getSimpleName() + ") in: " + stripLineEnd(line));
        }
    }

    private static Status parse(String text) {
        Cursor c = new Cursor(text);
        c.expect(COPY, "Copy");
        long copied = c.longUntil("/", "Copy (rows copied)");
        // RowsEstimate + RowsDeltaEstimate: below 0 when more rows were deleted than counted (gh-ost then says 100.0%)
        long estimate = c.signedLongUntil(" ", "Copy (rows estimate)");
        double percent = c.decimalUntil("%; ", "Copy (percent)").doubleValue();
        c.expect("Applied: ", "Applied");
        long applied = c.longUntil("; ", "Applied");
        c.expect("Backlog: ", "Backlog");
        long backlog = c.longUntil("/", "Backlog (queued)");
        long capacity = c.longUntil("; ", "Backlog (capacity)");
        Duration total;
        Duration copy;
        boolean legacy;
        if (c.tryExpect("Time: ")) {
            total = c.durationUntil("(total), ", "Time (total)");
            copy = c.durationUntil("(copy); ", "Time (copy)");
            legacy = false;
        } else if (c.tryExpect("Elapsed: ")) {
            copy = c.durationUntil("(copy), ", "Elapsed (copy)");
            total = c.durationUntil("(total); ", "Elapsed (total)");
            legacy = true;
        } else {
            throw c.malformed("Time", "'Time: <total>(total), <copy>(copy)'");
        }
        c.expect("streamer: ", "streamer");
        String streamer;
        Duration lag = null;
        Duration heartbeatLag = null;
        String stateText;
        String etaText;
        if (legacy) {
            streamer = c.until("; ETA: ", "streamer");
            etaText = c.rest();
            stateText = etaText.startsWith("throttled") ? etaText : "migrating";
        } else {
            streamer = c.untilFirst("streamer", "; Lag: ", "; HeartbeatLag: ", "; State: ");
            c.expect("; ", "streamer");
            if (c.tryExpect("Lag: ")) {
                lag = c.secondsUntil("s, ", "Lag");
            }
            if (c.tryExpect("HeartbeatLag: ")) {
                heartbeatLag = c.secondsUntil("s, ", "HeartbeatLag");
            }
            c.expect("State: ", "State");
            stateText = c.untilLast("; ETA: ", "State");
            etaText = c.rest();
        }
        State state;
        String reason = null;
        if (stateText.equals("migrating")) {
            state = State.MIGRATING;
        } else if (stateText.equals("counting rows")) {
            state = State.COUNTING_ROWS;
        } else if (stateText.equals("postponing cut-over")) {
            state = State.POSTPONING_CUTOVER;
        } else if (stateText.startsWith("throttled")) {
            state = State.THROTTLED;
            String r = stateText.substring("throttled".length());
            r = r.startsWith(",") ? r.substring(1).strip() : r.strip();
            reason = r.isEmpty() ? "unknown" : r;
        } else if (stateText.isEmpty()) {
            throw c.malformed("State", "a state such as 'migrating'");
        } else {
            state = State.OTHER;
        }
        EtaKind etaKind;
        Duration eta = null;
        if (etaText.equals("N/A") || (legacy && etaText.startsWith("throttled"))) {
            etaKind = EtaKind.UNKNOWN;
        } else if (etaText.equals("due")) {
            etaKind = EtaKind.DUE;
        } else {
            eta = parseGoDuration(etaText);
            if (eta == null) {
                throw new MalformedStatusLineException(
                        "malformed gh-ost status line: field 'ETA' must be 'N/A', 'due' or"
                                + " a duration such as 1h2m3s, got '" + etaText + "' in: " + text);
            }
            etaKind = EtaKind.DURATION;
        }
        return new Status(
                copied,
                estimate,
                percent,
                applied,
                backlog,
                capacity,
                total,
                copy,
                streamer,
                lag,
                heartbeatLag,
                state,
                stateText,
                reason,
                etaKind,
                eta,
                text);
    }

    /**
     * The last status line in {@code text} (a socket reply, or the tail of the output), skipping malformed ones; null
     * when there is none.
     */
    static @Nullable Status lastStatus(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = stripLineEnd(lines.get(i));
            if (looksLikeStatus(line)) {
                try {
                    return parseStatus(line);
                } catch (MalformedStatusLineException e) {
                    // A line cut short by a concurrent write, or a format from the future: look further back.
                }
            }
        }
        return null;
    }

    /** Whether gh-ost printed its success marker. */
    static boolean printedDone(List<String> stdoutLines) {
        for (int i = stdoutLines.size() - 1; i >= 0; i--) {
            if (stripLineEnd(stdoutLines.get(i)).equals("# Done")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The last few error lines: {@code FATAL}/{@code ERROR} log lines from stderr (without their timestamp), or the
     * flag parser's complaint on stdout, joined with {@code " | "}; empty when there are none.
     */
    static String errorSummary(List<String> stderrLines, List<String> stdoutLines) {
        List<String> found = new ArrayList<>();
        for (int i = stderrLines.size() - 1; i >= 0 && found.size() < MAX_ERROR_LINES; i--) {
            Matcher m = LOG_LINE.matcher(stripLineEnd(stderrLines.get(i)));
            if (m.matches()
                    && !m.group(2).isBlank()
                    && !found.contains(m.group(2).strip())) {
                found.add(0, m.group(2).strip());
            }
        }
        for (String line : stdoutLines) {
            String l = stripLineEnd(line);
            if (l.startsWith("flag provided but not defined") || l.startsWith("invalid value ")) {
                found.add(l);
            }
        }
        String joined = String.join(" | ", found);
        return joined.length() > MAX_MESSAGE_CHARS ? joined.substring(0, MAX_MESSAGE_CHARS) + "..." : joined;
    }

    /**
     * Parses a Go duration as {@code time.Duration.String()} prints it ({@code 1h2m3s}, {@code 1.5s}, {@code 300ms},
     * {@code 0s}, also {@code 0}); null when it is not one.
     */
    static @Nullable Duration parseGoDuration(String text) {
        String s = text.strip();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+")) {
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            return null;
        }
        Matcher m = GO_DURATION_PART.matcher(s);
        int at = 0;
        BigDecimal nanos = BigDecimal.ZERO;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                return null;
            }
            BigDecimal value = new BigDecimal(m.group(1).endsWith(".") ? m.group(1) + "0" : m.group(1));
            nanos = nanos.add(value.multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
            at = m.end();
        }
        long n;
        try {
            n = nanos.setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (ArithmeticException e) {
            return null; // beyond Go's time.Duration (int64 nanoseconds): gh-ost cannot have printed it
        }
        return Duration.ofNanos(negative ? -n : n);
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs", "μs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }

    private static String stripLineEnd(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\n' || line.charAt(end - 1) == '\r')) {
            end--;
        }
        return line.substring(0, end);
    }

    /** Reads a status line field by field, so an error can say which field is wrong. */
    private static final class Cursor {
        private final String text;
        private int at;

        Cursor(String text) {
            this.text = text;
        }

        void expect(String literal, String field) {
            if (!tryExpect(literal)) {
                throw malformed(field, "'" + literal.strip() + "'");
            }
        }

        boolean tryExpect(String literal) {
            if (text.startsWith(literal, at)) {
                at += literal.length();
                return true;
            }
            return false;
        }

        String until(String delimiter, String field) {
            int end = text.indexOf(delimiter, at);
            if (end < 0) {
                throw malformed(field, "a value followed by '" + delimiter.strip() + "'");
            }
            String value = text.substring(at, end);
            at = end + delimiter.length();
            return value;
        }

        /** Up to the first of the delimiters, which stays unread. */
        String untilFirst(String field, String... delimiters) {
            int end = -1;
            for (String d : delimiters) {
                int i = text.indexOf(d, at);
                if (i >= 0 && (end < 0 || i < end)) {
                    end = i;
                }
            }
            if (end < 0) {
                throw malformed(field, "a value followed by '; State: '");
            }
            String value = text.substring(at, end);
            at = end;
            return value;
        }

        String untilLast(String delimiter, String field) {
            int end = text.lastIndexOf(delimiter);
            if (end < at) {
                throw malformed(field, "a value followed by '" + delimiter.strip() + "'");
            }
            String value = text.substring(at, end);
            at = end + delimiter.length();
            return value;
        }

        String rest() {
            String value = text.substring(at);
            at = text.length();
            return value;
        }

        long longUntil(String delimiter, String field) {
            return longUntil(delimiter, field, false);
        }

        long signedLongUntil(String delimiter, String field) {
            return longUntil(delimiter, field, true);
        }

        private long longUntil(String delimiter, String field, boolean signed) {
            int start = at;
            String value = until(delimiter, field);
            try {
                long n = Long.parseLong(value);
                if (n < 0 && !signed) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                at = start;
                throw malformed(field, "a whole number", value);
            }
        }

        BigDecimal decimalUntil(String delimiter, String field) {
            int start = at;
            String value = until(delimiter, field);
            try {
                return new BigDecimal(value);
            } catch (NumberFormatException e) {
                at = start;
                throw malformed(field, "a number", value);
            }
        }

        Duration secondsUntil(String delimiter, String field) {
            int start = at;
            BigDecimal seconds = decimalUntil(delimiter, field);
            try {
                return Duration.ofNanos(seconds.movePointRight(9)
                        .setScale(0, RoundingMode.HALF_UP)
                        .longValueExact());
            } catch (ArithmeticException e) {
                at = start;
                throw malformed(field, "seconds within Go's time.Duration", seconds.toPlainString());
            }
        }

        Duration durationUntil(String delimiter, String field) {
            int start = at;
            String value = until(delimiter, field);
            Duration d = parseGoDuration(value);
            if (d == null) {
                at = start;
                throw malformed(field, "a duration such as 1h2m3s", value);
            }
            return d;
        }

        MalformedStatusLineException malformed(String field, String expected) {
            String found = text.substring(at, Math.min(text.length(), at + 40));
            return malformed(field, expected, found);
        }

        MalformedStatusLineException malformed(String field, String expected, String found) {
            return new MalformedStatusLineException(String.format(
                    Locale.ROOT,
                    "malformed gh-ost status line: field '%s' must be %s, found '%s' at offset %d in: %s",
                    field,
                    expected,
                    found,
                    at,
                    text));
        }
    }
}
