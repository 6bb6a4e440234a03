package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.InvalidRequestException;
import org.apiguardian.api.API;

/**
 * How a message repeats what a caller passed: the one place that quotes user input into exception and log messages,
 * for the orchestrator and for engines that validate their options.
 *
 * <ul>
 *   <li>{@link #quote} shows at most {@value #MAX_QUOTED} characters, with control characters escaped, so a 10,000
 *       character key or a line break cannot flood or forge a log line.
 *   <li>{@link #flag} shows an option or flag up to its {@code =} only: the value of {@code --password=...} or of any
 *       other flag that can carry a credential never reaches a message. An option's value is never quoted at all.
 *   <li>{@link #requirePrintable} is the check for the caller's identifiers (idempotency keys, directive ids, who
 *       asked): not blank, bounded, no control characters.
 * </ul>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class UserInput {
    /** The most characters of an input a message shows. */
    public static final int MAX_QUOTED = 64;

    private UserInput() {}

    /**
     * {@code input} in single quotes for a message: control characters escaped as a backslash, u and four hex digits, and when longer than
     * {@value #MAX_QUOTED} characters its first {@value #MAX_QUOTED} followed by {@code …(N chars)}.
     */
    public static String quote(String input) {
        int shown = Math.min(input.length(), MAX_QUOTED);
        StringBuilder b = new StringBuilder(shown + 16).append('\'');
        for (int i = 0; i < shown; i++) {
            char c = input.charAt(i);
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('\'');
        if (input.length() > shown) {
            b.append("…(").append(input.length()).append(" chars)");
        }
        return b.toString();
    }

    /**
     * An option or flag name for a message, never its value: {@code --password=s3cret} is shown as
     * {@code '--password=…'}.
     */
    public static String flag(String flag) {
        int eq = flag.indexOf('=');
        return quote(eq < 0 ? flag : flag.substring(0, eq + 1) + "…");
    }

    /**
     * An engine option's name for a message ({@link #flag}), with a hint when it was written as a command-line flag:
     * options are named without the leading dashes ({@code chunk-size}, not {@code --chunk-size}).
     */
    public static String optionName(String name) {
        return flag(name) + (name.startsWith("-") ? " (drop the leading dashes: options are named without them)" : "");
    }

    /**
     * Checks an identifier the caller chose: 1-{@code maxLength} characters, not blank, without control characters
     * (a NUL or a line break would forge audit and log lines).
     *
     * @return {@code value}
     * @throws InvalidRequestException naming {@code what} and quoting the value with {@link #quote}
     */
    public static String requirePrintable(String what, String value, int maxLength) {
        if (value.isBlank() || value.length() > maxLength || value.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException(
                    what + " must be 1-" + maxLength + " printable characters (not blank, no control characters),"
                            + " got " + quote(value),
                    null);
        }
        return value;
    }
}
