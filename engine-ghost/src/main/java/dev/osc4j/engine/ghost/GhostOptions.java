package dev.osc4j.engine.ghost;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.spi.UserInput;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The engine options a migration may set, checked against an allow-list: each option is a gh-ost flag of the same
 * name with a checked value, or one of the engine's own ({@value #MODE}, {@value #INSPECT_HOST}). Flags that decide
 * where gh-ost connects, what it migrates, where its socket, flag files and hooks are, or how its artifacts are named
 * belong to the engine and are refused, as is any name not on the list.
 */
final class GhostOptions {
    /** Where gh-ost connects: {@code allow-on-master} (default), {@code replica}, {@code migrate-on-replica}, {@code test-on-replica}. */
    static final String MODE = "mode";
    /** The replica gh-ost connects to in the replica modes, {@code host:port}; {@code inspect-host.<shard>} per shard. */
    static final String INSPECT_HOST = "inspect-host";
    /** gh-ost's default {@code --max-lag-millis}. */
    static final long DEFAULT_MAX_LAG_MILLIS = 1500;

    /** Where gh-ost connects and where it migrates. */
    enum Mode {
        /** Connect to the primary and migrate there ({@code --allow-on-master}). */
        ALLOW_ON_MASTER("allow-on-master"),
        /** Connect to a replica, migrate on the primary ({@code --assume-master-host=<primary>}). */
        REPLICA("replica"),
        /** Connect to a replica and migrate on it alone ({@code --migrate-on-replica}). */
        MIGRATE_ON_REPLICA("migrate-on-replica"),
        /** Connect to a replica, migrate on it and swap back ({@code --test-on-replica}). */
        TEST_ON_REPLICA("test-on-replica");

        final String value;

        Mode(String value) {
            this.value = value;
        }
    }

    private enum Kind {
        INT,
        DECIMAL,
        BOOL,
        CHOICE,
        PATTERN,
        TEXT
    }

    private record Spec(
            Kind kind,
            long min,
            long max,
            List<String> choices,
            @Nullable Pattern pattern,
            String what) {
        static Spec integer(long min, long max) {
            return new Spec(Kind.INT, min, max, List.of(), null, "a whole number in [" + min + ", " + max + "]");
        }

        static Spec decimal(long min, long max) {
            return new Spec(Kind.DECIMAL, min, max, List.of(), null, "a number in [" + min + ", " + max + "]");
        }

        static Spec bool() {
            return new Spec(Kind.BOOL, 0, 0, List.of(), null, "true or false");
        }

        static Spec choice(String... values) {
            return new Spec(Kind.CHOICE, 0, 0, List.of(values), null, "one of " + List.of(values));
        }

        static Spec pattern(String regex, String what) {
            return new Spec(Kind.PATTERN, 0, 0, List.of(), Pattern.compile(regex), what);
        }

        static Spec text() {
            return new Spec(Kind.TEXT, 0, 0, List.of(), null, "text");
        }
    }

    private static final String HOST_PORT = "[A-Za-z0-9._-]+(:\\d{1,5})?";
    private static final String LOAD = "[A-Za-z_][A-Za-z0-9_]*=\\d+(,[A-Za-z_][A-Za-z0-9_]*=\\d+)*";

    /** gh-ost flags a migration may set, with the values gh-ost accepts. */
    private static final Map<String, Spec> PASS_THROUGH = passThrough();

    /**
     * Flags refused because they break the engine's guarantees, with why. {@code --attempt-instant-ddl}: gh-ost
     * (1.1.6 to 1.1.10, {@code Migrate} in {@code go/logic/migrator.go}) runs the ALTER with {@code ALGORITHM=INSTANT}
     * on the original table before it ever looks at the postpone flag file, and exits with {@code # Done}: the shard
     * would switch on its own, outside the barrier.
     */
    private static final Map<String, String> REFUSED = Map.of(
            "attempt-instant-ddl",
            "gh-ost applies an INSTANT change to the original table before any postponed cut-over, so the shard would"
                    + " switch without waiting at osc4j's barrier");

    /** Flags the engine sets itself; naming them as options is refused with a reason. */
    private static final Set<String> MANAGED = Set.of(
            "host",
            "port",
            "user",
            "password",
            "master-user",
            "master-password",
            "conf",
            "ask-pass",
            "database",
            "table",
            "alter",
            "execute",
            "allow-on-master",
            "assume-master-host",
            "test-on-replica",
            "migrate-on-replica",
            "serve-socket-file",
            "serve-tcp-port",
            "initially-drop-socket-file",
            "postpone-cut-over-flag-file",
            "panic-flag-file",
            "throttle-flag-file",
            "throttle-additional-flag-file",
            "hooks-path",
            "hooks-hint",
            "replica-server-id",
            "initially-drop-ghost-table",
            "initially-drop-old-table",
            "timestamp-old-table",
            "force-table-names",
            "checkpoint",
            "resume",
            "revert",
            "check-flag",
            "version",
            "help",
            "quiet",
            "verbose",
            "debug",
            "stack");

    private final Map<String, String> values;
    private final Mode mode;

    private GhostOptions(Map<String, String> values, Mode mode) {
        this.values = values;
        this.mode = mode;
    }

    private static Map<String, Spec> passThrough() {
        Map<String, Spec> m = new LinkedHashMap<>();
        m.put("chunk-size", Spec.integer(10, 100_000));
        m.put("dml-batch-size", Spec.integer(1, 1000));
        m.put("max-lag-millis", Spec.integer(100, 86_400_000));
        m.put("throttle-control-replicas", Spec.pattern(HOST_PORT + "(," + HOST_PORT + ")*", "host[:port],..."));
        m.put("throttle-query", Spec.text());
        m.put("throttle-http", Spec.pattern("https?://\\S+", "an http(s) URL"));
        m.put("max-load", Spec.pattern(LOAD, "Status_variable=threshold,..."));
        m.put("critical-load", Spec.pattern(LOAD, "Status_variable=threshold,..."));
        m.put("critical-load-interval-millis", Spec.integer(0, 86_400_000));
        m.put("critical-load-hibernate-seconds", Spec.integer(0, 86_400));
        m.put("nice-ratio", Spec.decimal(0, 100));
        m.put("cut-over", Spec.choice("atomic", "two-step"));
        m.put("cut-over-lock-timeout-seconds", Spec.integer(1, 10));
        m.put("cut-over-exponential-backoff", Spec.bool());
        m.put("exponential-backoff-max-interval", Spec.integer(2, 3600));
        m.put("default-retries", Spec.integer(1, 100_000));
        m.put("heartbeat-interval-millis", Spec.integer(10, 1000));
        m.put("hooks-status-interval", Spec.integer(1, 86_400));
        m.put("exact-rowcount", Spec.bool());
        m.put("concurrent-rowcount", Spec.bool());
        m.put("assume-rbr", Spec.bool());
        m.put("switch-to-rbr", Spec.bool());
        m.put("allow-master-master", Spec.bool());
        m.put("allow-nullable-unique-key", Spec.bool());
        m.put("approve-renamed-columns", Spec.bool());
        m.put("skip-renamed-columns", Spec.bool());
        m.put("skip-foreign-key-checks", Spec.bool());
        m.put("discard-foreign-keys", Spec.bool());
        m.put("skip-strict-mode", Spec.bool());
        m.put("allow-zero-in-date", Spec.bool());
        m.put("ok-to-drop-table", Spec.bool());
        m.put("panic-on-warnings", Spec.bool());
        m.put("gtid", Spec.bool());
        m.put("aliyun-rds", Spec.bool());
        m.put("gcp", Spec.bool());
        m.put("azure", Spec.bool());
        m.put("tungsten", Spec.bool());
        m.put("skip-port-validation", Spec.bool());
        m.put("ssl", Spec.bool());
        m.put("ssl-allow-insecure", Spec.bool());
        m.put("ssl-ca", Spec.pattern("/\\S+", "an absolute path"));
        m.put("ssl-cert", Spec.pattern("/\\S+", "an absolute path"));
        m.put("ssl-key", Spec.pattern("/\\S+", "an absolute path"));
        m.put("mysql-timeout", Spec.decimal(0, 86_400));
        m.put("storage-engine", Spec.choice("innodb", "rocksdb"));
        m.put("charset", Spec.pattern("[a-z0-9_]+(,[a-z0-9_]+)*", "charset[,charset...]"));
        m.put("include-triggers", Spec.bool());
        m.put("trigger-suffix", Spec.pattern("[0-9A-Za-z_]+", "letters, digits and _"));
        m.put("remove-trigger-suffix-if-exists", Spec.bool());
        m.put("hooks-hint-owner", Spec.text());
        m.put("hooks-hint-token", Spec.text());
        return Map.copyOf(m);
    }

    /**
     * Checks and merges options: {@code defaults} (the engine's) overridden by {@code requested} (the migration's).
     *
     * @throws InvalidRequestException naming the first wrong option
     */
    static GhostOptions resolve(Map<String, String> defaults, Map<String, String> requested) {
        check(defaults, "engine default option");
        check(requested, "engine option");
        Map<String, String> merged = new TreeMap<>(defaults);
        merged.putAll(requested);
        Mode mode = Mode.ALLOW_ON_MASTER;
        String m = merged.get(MODE);
        if (m != null) {
            for (Mode candidate : Mode.values()) {
                if (candidate.value.equals(m)) {
                    mode = candidate;
                }
            }
        }
        if (mode != Mode.ALLOW_ON_MASTER
                && merged.keySet().stream()
                        .noneMatch(k -> k.equals(INSPECT_HOST) || k.startsWith(INSPECT_HOST + "."))) {
            throw new InvalidRequestException(
                    "engine option '" + MODE + "=" + mode.value + "' needs '" + INSPECT_HOST
                            + "' (host:port of the replica gh-ost connects to) or '" + INSPECT_HOST + ".<shard>'",
                    null);
        }
        return new GhostOptions(Map.copyOf(merged), mode);
    }

    private static void check(Map<String, String> options, String what) {
        for (Map.Entry<String, String> e : new TreeMap<>(options).entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            if (name.equals(MODE)) {
                List<String> modes = new ArrayList<>();
                for (Mode mode : Mode.values()) {
                    modes.add(mode.value);
                }
                if (!modes.contains(value)) {
                    throw new InvalidRequestException(what + " '" + MODE + "' must be one of " + modes, null);
                }
            } else if (name.equals(INSPECT_HOST) || name.startsWith(INSPECT_HOST + ".")) {
                endpoint(name, value, what);
            } else if (REFUSED.containsKey(name)) {
                throw new InvalidRequestException(
                        what + " '" + name + "' is refused by the gh-ost engine: " + REFUSED.get(name), null);
            } else if (MANAGED.contains(name)) {
                // Never echo the value: this may be the password.
                throw new InvalidRequestException(
                        what + " " + UserInput.optionName(name)
                                + " is set by the gh-ost engine itself and cannot be given as an option",
                        null);
            } else {
                Spec spec = PASS_THROUGH.get(name);
                if (spec == null) {
                    throw new InvalidRequestException(
                            what + " " + UserInput.optionName(name) + " is not supported by the gh-ost engine;"
                                    + " supported: " + supportedNames(),
                            null);
                }
                if (!valid(spec, value)) {
                    // Never echo the value: a URL, a query or a hint token may hold a credential.
                    throw new InvalidRequestException(what + " '" + name + "' must be " + spec.what(), null);
                }
            }
        }
    }

    /** Every option name the engine accepts, sorted. */
    static Set<String> supportedNames() {
        Set<String> names = new TreeSet<>(PASS_THROUGH.keySet());
        names.add(MODE);
        names.add(INSPECT_HOST);
        names.add(INSPECT_HOST + ".<shard>");
        return names;
    }

    private static boolean valid(Spec spec, String value) {
        try {
            return switch (spec.kind()) {
                case INT -> {
                    long n = Long.parseLong(value);
                    yield n >= spec.min() && n <= spec.max();
                }
                case DECIMAL -> {
                    BigDecimal d = new BigDecimal(value);
                    yield d.compareTo(BigDecimal.valueOf(spec.min())) >= 0
                            && d.compareTo(BigDecimal.valueOf(spec.max())) <= 0;
                }
                case BOOL -> value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false");
                case CHOICE -> spec.choices().contains(value);
                case PATTERN ->
                    spec.pattern() != null && spec.pattern().matcher(value).matches();
                case TEXT -> !value.isBlank();
            };
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static Endpoint endpoint(String name, String value, String what) {
        int colon = value.lastIndexOf(':');
        try {
            if (colon <= 0 || !value.substring(0, colon).matches("[A-Za-z0-9._-]+")) {
                throw new NumberFormatException();
            }
            return new Endpoint(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
        } catch (NumberFormatException | InvalidRequestException e) {
            throw new InvalidRequestException(
                    what + " " + UserInput.optionName(name) + " must be host:port with a port from 1 to 65535",
                    null,
                    e);
        }
    }

    /** Where gh-ost connects. */
    Mode mode() {
        return mode;
    }

    /** The replica gh-ost connects to on {@code shard} in the replica modes, or null when none is configured. */
    @Nullable
    Endpoint inspectHost(String shard) {
        String perShard = values.get(INSPECT_HOST + "." + shard.toLowerCase(Locale.ROOT));
        String value = perShard != null ? perShard : values.get(INSPECT_HOST);
        return value == null ? null : endpoint(INSPECT_HOST, value, "engine option");
    }

    /** The run's {@code --max-lag-millis}. */
    long maxLagMillis() {
        String v = values.get("max-lag-millis");
        return v == null ? DEFAULT_MAX_LAG_MILLIS : Long.parseLong(v);
    }

    /** The pass-through flags, sorted by name: {@code --name=value}, or {@code --name} for a true boolean. */
    List<String> passThroughArguments() {
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
            Spec spec = PASS_THROUGH.get(e.getKey());
            if (spec == null) {
                continue;
            }
            if (spec.kind() == Kind.BOOL) {
                args.add(
                        Boolean.parseBoolean(e.getValue().toLowerCase(Locale.ROOT))
                                ? "--" + e.getKey()
                                : "--" + e.getKey() + "=false");
            } else {
                args.add("--" + e.getKey() + "=" + e.getValue());
            }
        }
        return args;
    }

    /** Whether the option {@code name} was set (by default or by the migration). */
    boolean isSet(String name) {
        return values.containsKey(name);
    }
}
