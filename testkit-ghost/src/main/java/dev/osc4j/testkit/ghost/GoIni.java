package dev.osc4j.testkit.ghost;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An INI file read as gh-ost 1.1.6+ reads {@code --conf}: go-ini's {@code ini.Load} with its default options
 * (go-ini v1.62.0 vendored at gh-ost v1.1.6, v1.67.0 at v1.1.10; {@code vendor/github.com/go-ini/ini/parser.go},
 * {@code key.go}, {@code ini.go}), then {@code Key.String()}. What it does, as go-ini does:
 *
 * <ul>
 *   <li>lines are left-trimmed; {@code #} or {@code ;} first makes a comment; {@code [name]} opens a section (up to
 *       the last {@code ]}, not trimmed); keys before any section go to {@code DEFAULT};
 *   <li>the key ends at the first {@code =} or {@code :} and is trimmed; a line without one is an error
 *       ({@code ErrDelimiterNotFound}), so is an empty key;
 *   <li>a value starting with {@code """} or a back quote runs to the <em>last</em> such quote of its line, verbatim
 *       (without one on the line, up to the last one on a following line, newlines included);
 *   <li>otherwise the value is trimmed; one ending in {@code \} joins the following trimmed lines; it is cut at the
 *       first {@code #} or {@code ;} (inline comment), trimmed, and then loses one pair of surrounding {@code '} or
 *       {@code "} quotes; no escape sequence is interpreted;
 *   <li>{@code %(name)s} is replaced by the value of {@code name} in the same section (or {@code DEFAULT}), the
 *       first match at a time, stopping at the first that names no other key, at most 99 times.
 * </ul>
 */
final class GoIni {
    private static final String DEFAULT_SECTION = "DEFAULT";
    private static final Pattern VARIABLE = Pattern.compile("%\\(([^)]+)\\)s");
    private static final int DEPTH = 99;

    private final Map<String, Map<String, String>> sections = new LinkedHashMap<>();

    private GoIni() {}

    /** Thrown where {@code ini.Load} returns an error. */
    static final class IniException extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        IniException(String message) {
            super(message);
        }
    }

    static GoIni parse(String text) throws IniException {
        GoIni ini = new GoIni();
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        Lines lines = new Lines(t);
        Map<String, String> section = ini.sections.computeIfAbsent(DEFAULT_SECTION, k -> new LinkedHashMap<>());
        while (lines.hasNext()) {
            String line = trimLeft(lines.next());
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') {
                continue;
            }
            if (line.charAt(0) == '[') {
                int close = line.lastIndexOf(']');
                if (close < 0) {
                    throw new IniException("unclosed section: " + line);
                }
                section = ini.sections.computeIfAbsent(line.substring(1, close), k -> new LinkedHashMap<>());
                continue;
            }
            int delimiter = indexOfAny(line, "=:");
            if (delimiter < 0) {
                throw new IniException("key-value delimiter not found");
            }
            if (delimiter == 0) {
                throw new IniException("empty key name");
            }
            String key = trim(line.substring(0, delimiter));
            section.put(key, readValue(line.substring(delimiter + 1), lines));
        }
        return ini;
    }

    private static String readValue(String in, Lines lines) throws IniException {
        String line = trimLeft(in);
        if (line.isEmpty()) {
            return "";
        }
        String quote = null;
        if (line.length() > 3 && line.startsWith("\"\"\"")) {
            quote = "\"\"\"";
        } else if (line.charAt(0) == '`') {
            quote = "`";
        }
        if (quote != null) {
            String rest = line.substring(quote.length());
            int pos = rest.lastIndexOf(quote);
            if (pos >= 0) {
                return rest.substring(0, pos);
            }
            StringBuilder value = new StringBuilder(rest);
            while (true) {
                if (!lines.hasNext()) {
                    throw new IniException("missing closing key quote");
                }
                String next = lines.next();
                int p = next.lastIndexOf(quote);
                if (p >= 0) {
                    return value.append(next, 0, p).toString();
                }
                value.append(next);
            }
        }
        line = trim(line);
        if (line.endsWith("\\")) {
            StringBuilder value = new StringBuilder(line.substring(0, line.length() - 1));
            while (lines.hasNext()) {
                String next = trim(lines.next());
                if (next.isEmpty()) {
                    break;
                }
                value.append(next);
                if (value.charAt(value.length() - 1) != '\\') {
                    break;
                }
                value.setLength(value.length() - 1);
            }
            return value.toString(); // continuation lines return before the comment and quote handling
        }
        int comment = indexOfAny(line, "#;");
        if (comment >= 0) {
            line = trim(line.substring(0, comment));
        }
        if (surrounded(line, '\'') || surrounded(line, '"')) {
            line = line.substring(1, line.length() - 1);
        }
        return line;
    }

    /** {@code hasSurroundedQuote}: quote first and last, and nowhere else. */
    private static boolean surrounded(String s, char quote) {
        return s.length() >= 2
                && s.charAt(0) == quote
                && s.charAt(s.length() - 1) == quote
                && s.indexOf(quote, 1) == s.length() - 1;
    }

    /** {@code Section(section).Key(key).String()}, or null when {@code HasKey} is false. */
    @Nullable
    String get(String section, String key) {
        Map<String, String> s = sections.get(section.isEmpty() ? DEFAULT_SECTION : section);
        if (s == null || !s.containsKey(key)) {
            return null;
        }
        String value = s.get(key);
        if (!value.contains("%")) {
            return value;
        }
        Map<String, String> defaults = sections.getOrDefault(DEFAULT_SECTION, new HashMap<>());
        for (int i = 0; i < DEPTH; i++) {
            Matcher m = VARIABLE.matcher(value);
            if (!m.find()) {
                break;
            }
            String name = m.group(1);
            String replacement = name.equals(key) ? null : s.get(name);
            if (replacement == null) {
                replacement = defaults.get(name);
                if (replacement == null) {
                    break;
                }
            }
            value = value.replace(m.group(), replacement);
        }
        return value;
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** Go's {@code unicode.IsSpace}. */
    private static boolean isSpace(char c) {
        return switch (c) {
            case '\t', '\n', '\u000B', '\f', '\r', ' ', '\u0085', '\u00A0' -> true;
            default -> c > 0xFF && (Character.isSpaceChar(c) || Character.isWhitespace(c));
        };
    }

    private static String trimLeft(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    private static String trim(String s) {
        String t = trimLeft(s);
        int end = t.length();
        while (end > 0 && isSpace(t.charAt(end - 1))) {
            end--;
        }
        return t.substring(0, end);
    }

    /** Lines with their line break, as {@code bufio.Reader.ReadBytes('\n')} returns them. */
    private static final class Lines {
        private final String text;
        private int at;

        Lines(String text) {
            this.text = text;
        }

        boolean hasNext() {
            return at < text.length();
        }

        String next() {
            int nl = text.indexOf('\n', at);
            int end = nl < 0 ? text.length() : nl + 1;
            String line = text.substring(at, end);
            at = end;
            return line;
        }
    }
}
