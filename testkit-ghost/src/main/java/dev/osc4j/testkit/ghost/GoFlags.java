package dev.osc4j.testkit.ghost;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * gh-ost's command line as Go's {@code flag} package reads it: {@code -name}, {@code --name}, {@code -name=value},
 * {@code -name value} (not for booleans), parsing stops at {@code --} or the first non-flag. Knows every flag gh-ost
 * 1.1.x defines (from {@code go/cmd/gh-ost/main.go}), with its type; an unknown flag or a bad value is an error, as in
 * gh-ost, which then prints it with the usage and exits 2.
 */
final class GoFlags {
    enum Kind {
        BOOL,
        STRING,
        INT,
        UINT,
        FLOAT
    }

    /** The flags of the newest version (v1.1.10) and their types. */
    static final Map<String, Kind> FLAGS = flags();

    /**
     * The flags added after v1.1.6, with the release that added them (the flag definitions of
     * {@code go/cmd/gh-ost/main.go} compared tag by tag, v1.1.6 to v1.1.10; none was removed).
     */
    static final Map<String, String> ADDED_IN = Map.ofEntries(
            Map.entry("charset", "1.1.7"),
            Map.entry("allow-setup-metadata-lock-instruments", "1.1.8"),
            Map.entry("checkpoint", "1.1.8"),
            Map.entry("checkpoint-seconds", "1.1.8"),
            Map.entry("gtid", "1.1.8"),
            Map.entry("include-triggers", "1.1.8"),
            Map.entry("old-table", "1.1.8"),
            Map.entry("panic-on-warnings", "1.1.8"),
            Map.entry("remove-trigger-suffix-if-exists", "1.1.8"),
            Map.entry("resume", "1.1.8"),
            Map.entry("revert", "1.1.8"),
            Map.entry("skip-metadata-lock-check", "1.1.8"),
            Map.entry("skip-port-validation", "1.1.8"),
            Map.entry("trigger-suffix", "1.1.8"),
            Map.entry("runtime-metrics-interval", "1.1.10"),
            Map.entry("statsd-addr", "1.1.10"),
            Map.entry("statsd-tags", "1.1.10"));

    /** Whether gh-ost {@code version} (1.1.6 to 1.1.10) defines the flag {@code name}. */
    static boolean defines(String name, String version) {
        if (!FLAGS.containsKey(name)) {
            return false;
        }
        String added = ADDED_IN.get(name);
        return added == null || patch(version) >= patch(added);
    }

    private static int patch(String version) {
        return Integer.parseInt(version.substring(version.lastIndexOf('.') + 1));
    }

    private final Map<String, String> values = new LinkedHashMap<>();

    private GoFlags() {}

    /** Thrown for what Go's flag package refuses; the message is Go's. */
    static final class FlagException extends Exception {
        private static final long serialVersionUID = 1L;

        FlagException(String message) {
            super(message);
        }
    }

    private static Map<String, Kind> flags() {
        Map<String, Kind> m = new TreeMap<>();
        for (String b : List.of(
                "ask-pass",
                "ssl",
                "ssl-allow-insecure",
                "attempt-instant-ddl",
                "exact-rowcount",
                "concurrent-rowcount",
                "allow-on-master",
                "allow-master-master",
                "allow-nullable-unique-key",
                "approve-renamed-columns",
                "skip-renamed-columns",
                "tungsten",
                "discard-foreign-keys",
                "skip-foreign-key-checks",
                "skip-strict-mode",
                "allow-zero-in-date",
                "aliyun-rds",
                "gcp",
                "azure",
                "gtid",
                "execute",
                "test-on-replica",
                "test-on-replica-skip-replica-stop",
                "migrate-on-replica",
                "ok-to-drop-table",
                "initially-drop-old-table",
                "initially-drop-ghost-table",
                "timestamp-old-table",
                "force-named-cut-over",
                "force-named-panic",
                "switch-to-rbr",
                "assume-rbr",
                "cut-over-exponential-backoff",
                "panic-on-warnings",
                "ignore-http-errors",
                "initially-drop-socket-file",
                "allow-setup-metadata-lock-instruments",
                "include-triggers",
                "remove-trigger-suffix-if-exists",
                "skip-port-validation",
                "skip-metadata-lock-check",
                "quiet",
                "verbose",
                "debug",
                "stack",
                "help",
                "version",
                "check-flag",
                "checkpoint",
                "resume",
                "revert")) {
            m.put(b, Kind.BOOL);
        }
        for (String s : List.of(
                "host",
                "assume-master-host",
                "user",
                "password",
                "master-user",
                "master-password",
                "conf",
                "charset",
                "ssl-ca",
                "ssl-cert",
                "ssl-key",
                "database",
                "table",
                "alter",
                "storage-engine",
                "cut-over",
                "replication-lag-query",
                "throttle-control-replicas",
                "throttle-query",
                "throttle-http",
                "throttle-flag-file",
                "throttle-additional-flag-file",
                "postpone-cut-over-flag-file",
                "panic-flag-file",
                "serve-socket-file",
                "hooks-path",
                "hooks-hint",
                "hooks-hint-owner",
                "hooks-hint-token",
                "trigger-suffix",
                "max-load",
                "critical-load",
                "force-table-names",
                "statsd-addr",
                "statsd-tags",
                "old-table")) {
            m.put(s, Kind.STRING);
        }
        for (String i : List.of(
                "port",
                "exponential-backoff-max-interval",
                "chunk-size",
                "dml-batch-size",
                "default-retries",
                "cut-over-lock-timeout-seconds",
                "max-lag-millis",
                "throttle-http-interval-millis",
                "throttle-http-timeout-millis",
                "heartbeat-interval-millis",
                "serve-tcp-port",
                "hooks-status-interval",
                "critical-load-interval-millis",
                "critical-load-hibernate-seconds",
                "binlogsyncer-max-reconnect-attempts",
                "checkpoint-seconds",
                "runtime-metrics-interval")) {
            m.put(i, Kind.INT);
        }
        m.put("replica-server-id", Kind.UINT);
        m.put("mysql-timeout", Kind.FLOAT);
        m.put("nice-ratio", Kind.FLOAT);
        return Map.copyOf(m);
    }

    /**
     * Parses {@code args}.
     *
     * @throws FlagException with Go's message for an unknown flag, a missing argument or a bad value
     */
    static GoFlags parse(String[] args, String version) throws FlagException {
        GoFlags f = new GoFlags();
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            if (a.length() < 2 || a.charAt(0) != '-') {
                break; // first non-flag argument ends the flags
            }
            int dashes = a.startsWith("--") ? 2 : 1;
            if (dashes == 2 && a.length() == 2) {
                break; // "--" ends the flags
            }
            String body = a.substring(dashes);
            if (body.isEmpty() || body.startsWith("-") || body.startsWith("=")) {
                throw new FlagException("bad flag syntax: " + a);
            }
            String name = body;
            String value = null;
            int eq = body.indexOf('=');
            if (eq >= 0) {
                name = body.substring(0, eq);
                value = body.substring(eq + 1);
            }
            Kind kind = defines(name, version) ? FLAGS.get(name) : null;
            if (kind == null) {
                if (name.equals("h")) {
                    throw new FlagException("help requested");
                }
                throw new FlagException("flag provided but not defined: -" + name);
            }
            i++;
            if (kind == Kind.BOOL) {
                if (value == null) {
                    value = "true";
                }
                Boolean b = parseBool(value);
                if (b == null) {
                    throw new FlagException("invalid boolean value \"" + value + "\" for -" + name + ": parse error");
                }
                value = b.toString();
            } else {
                if (value == null) {
                    if (i >= args.length) {
                        throw new FlagException("flag needs an argument: -" + name);
                    }
                    value = args[i++];
                }
                check(name, kind, value);
            }
            f.values.put(name, value);
        }
        return f;
    }

    private static @Nullable Boolean parseBool(String v) {
        return switch (v) {
            case "1", "t", "T", "TRUE", "true", "True" -> Boolean.TRUE;
            case "0", "f", "F", "FALSE", "false", "False" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static void check(String name, Kind kind, String value) throws FlagException {
        try {
            switch (kind) {
                case INT -> Long.parseLong(value);
                case UINT -> {
                    if (Long.parseLong(value) < 0) {
                        throw new NumberFormatException();
                    }
                }
                case FLOAT -> Double.parseDouble(value);
                default -> {}
            }
        } catch (NumberFormatException e) {
            throw new FlagException("invalid value \"" + value + "\" for flag -" + name + ": parse error");
        }
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean bool(String name) {
        return "true".equals(values.get(name));
    }

    String string(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    long integer(String name, long otherwise) {
        String v = values.get(name);
        return v == null ? otherwise : Long.parseLong(v);
    }

    double decimal(String name, double otherwise) {
        String v = values.get(name);
        return v == null ? otherwise : Double.parseDouble(v);
    }

    /** A usage text in the shape of Go's {@code flag.PrintDefaults}. */
    static String usage(String version) {
        StringBuilder b = new StringBuilder("Usage of gh-ost:\n");
        for (Map.Entry<String, Kind> e : new TreeMap<>(FLAGS).entrySet()) {
            if (!defines(e.getKey(), version)) {
                continue;
            }
            b.append("  -").append(e.getKey());
            switch (e.getValue()) {
                case STRING -> b.append(" string");
                case INT -> b.append(" int");
                case UINT -> b.append(" uint");
                case FLOAT -> b.append(" float");
                case BOOL -> {}
            }
            b.append('\n');
        }
        return b.toString();
    }
}
