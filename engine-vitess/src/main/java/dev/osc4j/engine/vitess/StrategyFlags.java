package dev.osc4j.engine.vitess;

import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationSpec;
import dev.osc4j.spi.UserInput;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a migration's engine options and builds its {@code @@ddl_strategy}: always {@code vitess
 * --postpone-completion}, plus the flags of the {@value VitessEngine#OPTION_STRATEGY_FLAGS} option that keep osc4j in
 * control of the cut-over.
 */
final class StrategyFlags {
    private static final Pattern GO_DURATION = Pattern.compile("0|(\\d+(\\.\\d+)?(ns|us|ms|s|m|h))+");
    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");
    /**
     * The cut-over threshold a tablet accepts: 5s to 30s, or 0 for its default of 10s. From v22 the tablet refuses
     * other values when the migration is submitted (minCutOverThreshold, maxCutOverThreshold and
     * safeMigrationCutOverThreshold in go/vt/vttablet/onlineddl/executor.go); earlier versions took them.
     */
    static final Duration MIN_CUTOVER_THRESHOLD = Duration.ofSeconds(5);

    static final Duration MAX_CUTOVER_THRESHOLD = Duration.ofSeconds(30);
    /** Flags accepted, and whether each takes a Go duration value. */
    private static final Map<String, Boolean> ALLOWED = new TreeMap<>(Map.of(
            "allow-concurrent", false,
            "allow-zero-in-date", false,
            "analyze-table", false,
            "cut-over-threshold", true,
            "force-cut-over-after", true,
            "in-order-completion", false,
            "retain-artifacts", true,
            "fast-range-rotation", false,
            "prefer-instant-ddl", false));
    /** Flags refused, with why. */
    private static final Map<String, String> REFUSED = Map.of(
            "postpone-completion", "osc4j always sets it: it holds every shard at ready_to_complete for the barrier",
            "postpone-launch", "osc4j never issues LAUNCH, so the migration would stay queued",
            "declarative", "osc4j submits an ALTER; declarative migrations take CREATE statements",
            "singleton",
                    "it refuses the submission while any other migration is pending, which osc4j would report as"
                            + " a failure",
            "singleton-context", "same as --singleton for other contexts",
            "singleton-table", "same as --singleton for other migrations of the table");

    private StrategyFlags() {}

    /** The option names this engine accepts. */
    static List<String> optionNames() {
        return List.of(VitessEngine.OPTION_STRATEGY_FLAGS);
    }

    /**
     * The {@code @@ddl_strategy} for {@code spec}.
     *
     * @throws InvalidRequestException naming the wrong option or flag, never a value (it may hold a credential)
     */
    static String strategy(MigrationSpec spec) {
        for (String option : spec.engineOptions().keySet()) {
            if (!optionNames().contains(option)) {
                throw new InvalidRequestException(
                        "engine 'vitess' has no option " + UserInput.optionName(option) + "; it accepts: "
                                + optionNames(),
                        null);
            }
        }
        List<String> flags = new ArrayList<>();
        flags.add("vitess");
        flags.add("--postpone-completion");
        String extra = spec.option(VitessEngine.OPTION_STRATEGY_FLAGS, "").strip();
        if (!extra.isEmpty()) {
            for (String flag : extra.split("\\s+")) {
                flags.add(check(flag));
            }
        }
        return String.join(" ", flags);
    }

    /** A Go duration that matched {@link #GO_DURATION}. */
    private static Duration goDuration(String value) {
        Duration total = Duration.ZERO;
        Matcher m = GO_DURATION_PART.matcher(value);
        while (m.find()) {
            BigDecimal amount = new BigDecimal(m.group(1));
            BigDecimal nanosPerUnit = BigDecimal.valueOf(
                    switch (m.group(2)) {
                        case "ns" -> 1L;
                        case "us" -> 1_000L;
                        case "ms" -> 1_000_000L;
                        case "s" -> 1_000_000_000L;
                        case "m" -> 60_000_000_000L;
                        default -> 3_600_000_000_000L;
                    });
            total = total.plusNanos(amount.multiply(nanosPerUnit).longValue());
        }
        return total;
    }

    private static String check(String flag) {
        String option = VitessEngine.OPTION_STRATEGY_FLAGS;
        if (!flag.startsWith("--")) {
            // A word without dashes may be the value of the flag before it (--password secret): never shown.
            throw new InvalidRequestException(
                    "engine option " + option + ": a word is not a flag; write flags as --name or --name=value", null);
        }
        int eq = flag.indexOf('=');
        String name = flag.substring(2, eq < 0 ? flag.length() : eq);
        String shown = UserInput.quote("--" + name);
        String refused = REFUSED.get(name);
        if (refused != null) {
            throw new InvalidRequestException(
                    "engine option " + option + ": " + shown + " is not allowed: " + refused, null);
        }
        Boolean takesDuration = ALLOWED.get(name);
        if (takesDuration == null) {
            throw new InvalidRequestException(
                    "engine option " + option + ": unknown flag " + shown + "; allowed: " + ALLOWED.keySet(), null);
        }
        if (takesDuration) {
            String value = eq < 0 ? "" : flag.substring(eq + 1);
            if (!GO_DURATION.matcher(value).matches()) {
                throw new InvalidRequestException(
                        "engine option " + option + ": " + shown + " needs a duration such as 10s or 1h30m", null);
            }
            if (name.equals("cut-over-threshold")) {
                Duration d = goDuration(value);
                if (!d.isZero() && (d.compareTo(MIN_CUTOVER_THRESHOLD) < 0 || d.compareTo(MAX_CUTOVER_THRESHOLD) > 0)) {
                    throw new InvalidRequestException(
                            "engine option " + option + ": --cut-over-threshold=" + value
                                    + " is outside the range Vitess accepts, 5s to 30s (or 0 for its default, 10s)",
                            null);
                }
            }
        } else if (eq >= 0) {
            throw new InvalidRequestException("engine option " + option + ": " + shown + " takes no value", null);
        }
        return flag;
    }
}
