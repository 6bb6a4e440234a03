package dev.osc4j.engine.ghost;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.spi.DatabaseCredentials;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * gh-ost's {@code --conf} file, written the way the gh-ost at hand reads it.
 *
 * <p>Since v1.1.6 gh-ost reads it with go-ini ({@code ini.Load} in {@code ReadConfigFile}, {@code go/base/context.go};
 * go-ini v1.62.0 vendored at v1.1.6, v1.67.0 at v1.1.10, {@code vendor/github.com/go-ini/ini/parser.go} and
 * {@code key.go}). With {@code Load}'s default options an unquoted value ends at the first {@code #} or {@code ;},
 * a trailing {@code \} joins the next line, surrounding quotes are dropped but nothing is unescaped; a value that
 * starts with a back quote runs to the <em>last</em> back quote of its line, verbatim. So every value is written
 * back-quoted: that form carries every character a {@link DatabaseCredentials} may hold (no control characters).
 * What it cannot carry is go-ini's {@code %(name)s} substitution ({@code Key.String()} → {@code transformValue}),
 * applied after parsing: a password whose first {@code %(name)s} is {@code %(user)s}, or a user name whose first is
 * {@code %(password)s}, would have it replaced by the other key's value; such a credential is refused, naming the characters, never the value.
 *
 * <p>Up to v1.1.5 gh-ost read it with gcfg ({@code gcfg.ReadFileInto}, relaxed mode): there values are written
 * double-quoted with {@code \} and {@code "} escaped.
 */
final class GhostConf {
    /** go-ini's {@code varPattern} ({@code ini.go}). */
    private static final Pattern GO_INI_VARIABLE = Pattern.compile("%\\(([^)]+)\\)s");

    private static final Pattern VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)\\.(\\d+)");

    private GhostConf() {}

    /**
     * The file's text for {@code version} (as {@code --version} printed it).
     *
     * @throws EngineException ({@link FailureReason#ENGINE_CONFIGURATION}) for a credential go-ini cannot carry
     */
    static String render(DatabaseCredentials account, String version) {
        if (!readsWithGoIni(version)) {
            return "[client]\nuser = " + gcfgQuote(account.user()) + "\npassword = " + gcfgQuote(account.password())
                    + "\n";
        }
        refuseSubstitution("user name", account.user(), "password");
        refuseSubstitution("password", account.password(), "user");
        return "[client]\nuser = `" + account.user() + "`\npassword = `" + account.password() + "`\n";
    }

    /** Whether gh-ost {@code version} reads {@code --conf} with go-ini: 1.1.6 and later, and unparsable versions. */
    static boolean readsWithGoIni(String version) {
        Matcher m = VERSION.matcher(version);
        if (!m.find()) {
            return true; // "unversioned" (a build without -ldflags) or a future form: the current reader
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int patch = Integer.parseInt(m.group(3));
        return major > 1 || (major == 1 && (minor > 1 || (minor == 1 && patch >= 6)));
    }

    /** The password in a file {@link #render} wrote, or null when there is none. */
    static @Nullable String password(String confText) {
        for (String line : confText.split("\n")) {
            if (!line.startsWith("password = ")) {
                continue;
            }
            String v = line.substring("password = ".length());
            if (v.length() >= 2 && v.startsWith("`") && v.endsWith("`")) {
                return v.substring(1, v.length() - 1);
            }
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                return v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
            }
        }
        return null;
    }

    private static void refuseSubstitution(String what, String value, String otherKey) {
        // transformValue looks at the first match only: it substitutes a key it finds, and stops at one it does not
        // (the key itself or an unknown name; the DEFAULT section is empty in this file).
        Matcher m = GO_INI_VARIABLE.matcher(value);
        if (m.find()) {
            if (m.group(1).equals(otherKey)) {
                throw EngineException.permanent(
                        FailureReason.ENGINE_CONFIGURATION,
                        "the " + what + " contains '%(" + otherKey + ")s', which gh-ost's --conf reader (go-ini)"
                                + " replaces with the " + otherKey + ": gh-ost 1.1.6+ cannot log in with it; change"
                                + " the credential");
            }
        }
    }

    private static String gcfgQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
