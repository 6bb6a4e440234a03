package dev.osc4j.engine.ptosc;

import dev.osc4j.FailureReason;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one parser of pt-online-schema-change's output (stdout and stderr, merged in order), written from the 3.2.1
 * source: the stage it reached, the row estimate, the progress lines, why it waits, and the errors that classify a
 * failure. Lines are fed one at a time, in order; the state is what the lines so far say. Not thread-safe.
 *
 * <p>Formats: {@code TS} is an optional {@code YYYY-MM-DDTHH:MM:SS } prefix.
 *
 * <ul>
 *   <li>{@code TSCopying approximately N rows...} (or {@code `db`.`t` is empty, no rows to copy.}), {@code TSCopied rows
 *       OK.}, {@code TSAnalyzing new table...}, {@code TSSwapping tables...}, {@code TSSwapped original and new tables
 *       OK.}, {@code Successfully altered `db`.`t`.}, {@code `db`.`t` was not altered.}
 *   <li>progress: {@code Copying `db`.`t`:  12% 01:23 remain} (remaining as MM:SS, HH:MM:SS or D+HH:MM:SS)
 *   <li>waits: {@code Replica lag is N seconds on NAME.  Waiting.}, {@code (1) Replica 'NAME' is stopped.  Waiting.},
 *       {@code Pausing because Threads_running=NN.}, {@code Sleeping N seconds because FILE exists}
 *   <li>signals: {@code # Exiting on SIGTERM.}
 * </ul>
 */
final class OutputParser {

    /** How far the tool got, by its own account. */
    enum Stage {
        STARTING,
        COPYING,
        COPIED,
        SWAPPING,
        SWAPPED,
        SUCCEEDED
    }

    /** Why the copy waits. */
    enum WaitKind {
        REPLICA_LAG,
        REPLICA_STOPPED,
        LOAD,
        PAUSE_FILE
    }

    /**
     * The tool waits.
     *
     * @param kind why
     * @param reason a short text for operators
     * @param lag the replica lag it reported, for {@link WaitKind#REPLICA_LAG}
     * @param replica the replica as pt-osc names it, for the replica kinds
     */
    record Wait(
            WaitKind kind,
            String reason,
            @Nullable Duration lag,
            @Nullable String replica) {}

    /**
     * A line that explains a failure.
     *
     * @param reason its classification
     * @param line the line
     */
    record Problem(FailureReason reason, String line) {}

    /**
     * How a finished run is classified.
     *
     * @param reason the failure reason
     * @param message what an operator reads: the exit status and the lines that explain it
     */
    record Classification(FailureReason reason, String message) {}

    private static final Pattern TIMESTAMP = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)? ");
    private static final Pattern COPYING_APPROX = Pattern.compile("^Copying approximately (\\d+) rows\\.\\.\\.$");
    private static final Pattern EMPTY_TABLE = Pattern.compile("^(\\S+) is empty, no rows to copy\\.$");
    private static final Pattern PROGRESS =
            Pattern.compile("^Copying (`[^`]*`\\.`[^`]*`|\\S+): +(\\d+)% (\\d+\\+)?(\\d+(?::\\d+){1,2}) remain$");
    private static final Pattern REPLICA_LAG =
            Pattern.compile("^Replica lag is (\\d+|\\?) seconds on (.+?)\\.  Waiting\\.$");
    private static final Pattern REPLICA_STOPPED =
            Pattern.compile("^\\(\\d\\) Replica '(.*)' is stopped\\.  Waiting\\.$");
    private static final Pattern PAUSING = Pattern.compile("^Pausing because (.+?)\\.?$");
    private static final Pattern SLEEPING = Pattern.compile("^Sleeping (\\S+) seconds because (.+) exists$");
    private static final Pattern SIGNAL = Pattern.compile("^# Exiting on SIG(\\w+)\\.$");
    private static final Pattern SUCCESS = Pattern.compile("^Successfully altered (.+)\\.$");
    private static final Pattern NOT_ALTERED = Pattern.compile("^(`[^`]*`\\.`[^`]*`) was not altered\\.$");
    private static final Pattern CREATED_NEW = Pattern.compile("^Created new table (\\S+?)\\.(\\S+) OK\\.$");

    /** Lines of a normal run that explain nothing about a failure. */
    private static final List<Pattern> ROUTINE = List.of(
            Pattern.compile("^Found \\d+ slaves:$"),
            Pattern.compile("^No slaves found\\..*"),
            Pattern.compile("^Will check slave lag on:$"),
            Pattern.compile("^Not checking slave lag because.*"),
            Pattern.compile("^Ignoring all slaves because.*"),
            Pattern.compile("^Operation, tries, wait:$"),
            Pattern.compile("^\\w+, \\d+, [\\d.]+$"),
            Pattern.compile("^\\S+ -> \\S+$"),
            Pattern.compile("^Created plugin from .*"),
            Pattern.compile("^Altering `[^`]*`\\.`[^`]*`\\.\\.\\.$"),
            Pattern.compile("^Creating new table\\.\\.\\.$"),
            Pattern.compile("^Created new table .* OK\\.$"),
            Pattern.compile("^Altering new table\\.\\.\\.$"),
            Pattern.compile("^Altered `[^`]*`\\.`[^`]*` OK\\.$"),
            Pattern.compile("^Creating triggers\\.\\.\\.$"),
            Pattern.compile("^Created triggers OK\\.$"),
            Pattern.compile("^Copied rows OK\\.$"),
            Pattern.compile("^Analyzing new table\\.\\.\\.$"),
            Pattern.compile("^Swapping tables\\.\\.\\.$"),
            Pattern.compile("^Swapped original and new tables OK\\.$"),
            Pattern.compile("^Dropping old table\\.\\.\\.$"),
            Pattern.compile("^Dropped old table .* OK\\.$"),
            Pattern.compile("^Dropping triggers\\.\\.\\.$"),
            Pattern.compile("^Dropped triggers OK\\.$"),
            Pattern.compile("^Dropping new table\\.\\.\\.$"),
            Pattern.compile("^Dropped new table OK\\.$"),
            Pattern.compile("^$"));

    /** Error lines and what they mean, most specific first. */
    private static final List<ProblemPattern> PROBLEMS = List.of(
            new ProblemPattern("The original table .* does not exist", FailureReason.TABLE_NOT_FOUND),
            new ProblemPattern("does not have a PRIMARY KEY or a unique index", FailureReason.NO_UNIQUE_KEY),
            new ProblemPattern("no good index|There is no good index", FailureReason.NO_UNIQUE_KEY),
            new ProblemPattern("foreign keys that reference the table", FailureReason.FOREIGN_KEYS),
            new ProblemPattern("alter-foreign-keys-method", FailureReason.FOREIGN_KEYS),
            new ProblemPattern("Error updating foreign key constraints", FailureReason.FOREIGN_KEYS),
            new ProblemPattern("Error altering new table", FailureReason.INVALID_DDL),
            new ProblemPattern("--check-alter failed", FailureReason.INVALID_DDL),
            new ProblemPattern("You are trying to add an unique key", FailureReason.INVALID_DDL),
            new ProblemPattern("Error swapping tables", FailureReason.CUTOVER_FAILED),
            new ProblemPattern(
                    "Cannot connect to MySQL|Lost connection|MySQL server has gone away", FailureReason.CONNECTION),
            new ProblemPattern("has triggers", FailureReason.ENGINE_FAILED),
            new ProblemPattern("Error creating new table", FailureReason.ENGINE_FAILED),
            new ProblemPattern("Error creating triggers", FailureReason.ENGINE_FAILED),
            new ProblemPattern("Error copying rows", FailureReason.ENGINE_FAILED),
            new ProblemPattern("Error dropping the old table", FailureReason.ENGINE_FAILED),
            new ProblemPattern("osc4j plugin", FailureReason.ENGINE_CONFIGURATION),
            new ProblemPattern("Error loading --plugin|Error creating --plugin", FailureReason.ENGINE_CONFIGURATION),
            new ProblemPattern("^Unknown option|is not a valid|Invalid --", FailureReason.ENGINE_CONFIGURATION));

    private record ProblemPattern(Pattern pattern, FailureReason reason) {
        ProblemPattern(String regex, FailureReason reason) {
            this(Pattern.compile(regex), reason);
        }
    }

    private static final int NOTABLE_LINES = 12;
    private static final int MAX_PROBLEMS = 20;
    private static final int MAX_LINE = 600;

    private Stage stage = Stage.STARTING;
    private boolean notAltered;
    private long rowEstimate = -1;
    private int percent = -1;
    private @Nullable Duration remaining;
    private @Nullable Wait wait;
    private @Nullable String signal;
    private @Nullable String newTable;
    private final Deque<String> notable = new ArrayDeque<>();
    private final List<Problem> problems = new ArrayList<>();
    private long lines;

    /**
     * Feeds one line, without its line break. A line whose numbers do not fit is kept as a notable line: nothing that
     * reading the tool's output can throw leaves this method.
     */
    void accept(String rawLine) {
        lines++;
        try {
            read(rawLine);
        } catch (NumberFormatException | ArithmeticException e) {
            remember(stripTimestamp(rawLine.strip()));
        }
    }

    private void read(String rawLine) {
        String line = stripTimestamp(rawLine.strip());
        if (line.startsWith("(in cleanup) ")) {
            line = line.substring("(in cleanup) ".length()).strip();
        }
        Matcher m = PROGRESS.matcher(line);
        if (m.matches()) {
            int newPercent = Integer.parseInt(m.group(2));
            Duration newRemaining = remaining(m.group(3), m.group(4));
            stage = max(stage, Stage.COPYING);
            percent = newPercent;
            remaining = newRemaining;
            wait = null;
            return;
        }
        m = COPYING_APPROX.matcher(line);
        if (m.matches()) {
            stage = max(stage, Stage.COPYING);
            rowEstimate = Long.parseLong(m.group(1));
            return;
        }
        if (EMPTY_TABLE.matcher(line).matches()) {
            stage = max(stage, Stage.COPYING);
            rowEstimate = 0;
            return;
        }
        m = REPLICA_LAG.matcher(line);
        if (m.matches()) {
            String seconds = m.group(1);
            Duration lag = "?".equals(seconds) ? null : Duration.ofSeconds(Long.parseLong(seconds));
            wait = new Wait(WaitKind.REPLICA_LAG, "replica lag is " + seconds + "s on " + m.group(2), lag, m.group(2));
            return;
        }
        m = REPLICA_STOPPED.matcher(line);
        if (m.matches()) {
            wait = new Wait(
                    WaitKind.REPLICA_STOPPED,
                    "replica " + m.group(1) + " is stopped (replication not running)",
                    null,
                    m.group(1));
            return;
        }
        m = SLEEPING.matcher(line);
        if (m.matches()) {
            wait = new Wait(WaitKind.PAUSE_FILE, "paused: pause file " + m.group(2) + " exists", null, null);
            return;
        }
        m = PAUSING.matcher(line);
        if (m.matches()) {
            wait = new Wait(WaitKind.LOAD, "paused: " + m.group(1), null, null);
            return;
        }
        if (line.equals("Copied rows OK.")) {
            stage = max(stage, Stage.COPIED);
            wait = null;
            return;
        }
        if (line.equals("Analyzing new table...") || line.equals("Swapping tables...")) {
            stage = max(stage, Stage.SWAPPING);
            wait = null;
            return;
        }
        if (line.equals("Swapped original and new tables OK.")) {
            stage = max(stage, Stage.SWAPPED);
            return;
        }
        if (SUCCESS.matcher(line).matches()) {
            stage = max(stage, Stage.SUCCEEDED);
            return;
        }
        if (NOT_ALTERED.matcher(line).matches()) {
            notAltered = true;
            return;
        }
        m = SIGNAL.matcher(line);
        if (m.matches()) {
            signal = m.group(1);
            remember(line);
            return;
        }
        m = CREATED_NEW.matcher(line);
        if (m.matches()) {
            newTable = m.group(2);
            return;
        }
        for (Pattern routine : ROUTINE) {
            if (routine.matcher(line).matches()) {
                return;
            }
        }
        for (ProblemPattern p : PROBLEMS) {
            if (p.pattern().matcher(line).find()) {
                if (problems.size() < MAX_PROBLEMS) {
                    problems.add(new Problem(p.reason(), clip(line)));
                }
                break;
            }
        }
        remember(line);
    }

    private void remember(String line) {
        notable.addLast(clip(line));
        while (notable.size() > NOTABLE_LINES) {
            notable.removeFirst();
        }
    }

    private static String clip(String line) {
        return line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "..." : line;
    }

    private static String stripTimestamp(String line) {
        Matcher m = TIMESTAMP.matcher(line);
        return m.find() ? line.substring(m.end()) : line;
    }

    private static Stage max(Stage a, Stage b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** {@code MM:SS}, {@code HH:MM:SS}, or {@code D+HH:MM:SS} (days given separately). */
    static Duration remaining(@Nullable String daysPlus, String clock) {
        String[] parts = clock.split(":");
        long seconds = 0;
        for (String p : parts) {
            seconds = Math.addExact(Math.multiplyExact(seconds, 60), Long.parseLong(p));
        }
        if (daysPlus != null) {
            seconds = Math.addExact(
                    seconds, Math.multiplyExact(86_400L, Long.parseLong(daysPlus.substring(0, daysPlus.length() - 1))));
        }
        return Duration.ofSeconds(seconds);
    }

    Stage stage() {
        return stage;
    }

    /** The tool said the table was not altered (it undid its work, or stopped before the swap). */
    boolean notAltered() {
        return notAltered;
    }

    /** The tool said it swapped the tables: the new schema is live. */
    boolean swapped() {
        return stage.compareTo(Stage.SWAPPED) >= 0;
    }

    long rowEstimate() {
        return rowEstimate;
    }

    int percent() {
        return percent;
    }

    @Nullable
    Duration remaining() {
        return remaining;
    }

    /** Why the tool waits now: the last line was a wait line and no progress or stage line came after it. */
    @Nullable
    Wait currentWait() {
        return wait;
    }

    @Nullable
    String signal() {
        return signal;
    }

    /** The new table's name as the tool printed it, a fallback for the plugin's event. */
    @Nullable
    String newTable() {
        return newTable;
    }

    List<Problem> problems() {
        return List.copyOf(problems);
    }

    List<String> notableLines() {
        return List.copyOf(notable);
    }

    long lineCount() {
        return lines;
    }

    /**
     * Classifies a run that ended with {@code exitStatus}: the first error line with a specific meaning wins, then the
     * exit status as documented (1 invalid parameters, 2 unsupported version, 3 minimum requirements, 4 no primary or
     * unique key, 5 plugin, 6 alter-foreign-keys method, 7 and 9 key size, 10 creating the new table, 11 altering it,
     * 12 and 13 triggers, 14 swapping, 15 foreign keys, 16 dropping the old table, 17 unsupported operation, 18 and 19
     * connection, 128+N killed by signal N).
     */
    Classification classify(int exitStatus) {
        Problem chosen = null;
        for (Problem p : problems) {
            if (p.reason() != FailureReason.ENGINE_FAILED) {
                chosen = p;
                break;
            }
        }
        if (chosen == null && !problems.isEmpty()) {
            chosen = problems.get(0);
        }
        FailureReason byStatus;
        String meaning;
        switch (exitStatus) {
            case 1 -> {
                byStatus = signal != null ? FailureReason.CANCELLED : FailureReason.ENGINE_CONFIGURATION;
                meaning = signal != null ? "stopped by SIG" + signal : "invalid parameters";
            }
            case 2 -> {
                byStatus = FailureReason.ENGINE_CONFIGURATION;
                meaning = "unsupported MySQL version";
            }
            case 3 -> {
                byStatus = FailureReason.ENGINE_CONFIGURATION;
                meaning = "minimum requirements not met";
            }
            case 4 -> {
                byStatus = FailureReason.NO_UNIQUE_KEY;
                meaning = "no primary or unique key";
            }
            case 5 -> {
                byStatus = FailureReason.ENGINE_CONFIGURATION;
                meaning = "invalid plugin file";
            }
            case 6 -> {
                byStatus = FailureReason.FOREIGN_KEYS;
                meaning = "invalid alter-foreign-keys method";
            }
            case 7, 9 -> {
                byStatus = FailureReason.ENGINE_FAILED;
                meaning = exitStatus == 7 ? "invalid key size" : "cannot determine the key size, or not safe to ascend";
            }
            case 10 -> {
                byStatus = FailureReason.ENGINE_FAILED;
                meaning = "error creating the new table";
            }
            case 11 -> {
                byStatus = FailureReason.INVALID_DDL;
                meaning = "error altering the new table";
            }
            case 12, 13 -> {
                byStatus = FailureReason.ENGINE_FAILED;
                meaning = exitStatus == 12 ? "error creating triggers" : "error restoring triggers";
            }
            case 14 -> {
                byStatus = FailureReason.CUTOVER_FAILED;
                meaning = "error swapping tables";
            }
            case 15 -> {
                byStatus = FailureReason.FOREIGN_KEYS;
                meaning = "error updating foreign keys";
            }
            case 16 -> {
                byStatus = FailureReason.ENGINE_FAILED;
                meaning = "error dropping the old table (the tables were swapped: the new schema is live)";
            }
            case 17 -> {
                byStatus = FailureReason.INVALID_DDL;
                meaning = "unsupported operation";
            }
            case 18, 19 -> {
                byStatus = FailureReason.CONNECTION;
                meaning = exitStatus == 18 ? "MySQL connection error" : "lost the MySQL connection";
            }
            default -> {
                if (exitStatus > 128) {
                    byStatus = FailureReason.ENGINE_FAILED;
                    meaning = "killed by signal " + (exitStatus - 128);
                } else {
                    byStatus = FailureReason.ENGINE_FAILED;
                    meaning = "other error";
                }
            }
        }
        FailureReason reason = chosen != null && exitStatus <= 128 && signal == null ? chosen.reason() : byStatus;
        StringBuilder message = new StringBuilder("pt-online-schema-change exited with status ")
                .append(exitStatus)
                .append(" (")
                .append(meaning)
                .append(')');
        if (chosen != null) {
            message.append(": ").append(chosen.line());
        } else if (!notable.isEmpty()) {
            message.append(": ").append(String.join(" | ", lastLines(4)));
        }
        return new Classification(reason, message.toString());
    }

    private List<String> lastLines(int n) {
        List<String> all = new ArrayList<>(notable);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    @Override
    public String toString() {
        return "OutputParser{stage=" + stage.name().toLowerCase(Locale.ROOT) + ", rows~" + rowEstimate + ", " + percent
                + "%, wait=" + wait + "}";
    }
}
