package dev.osc4j.engine.ptosc;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.mysql.KeptTable;
import dev.osc4j.spi.UserInput;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The reviewed allow-list of engine options: each option's check, and the pt-online-schema-change arguments it
 * becomes. Everything a user may tune is here; anything else is refused by name. Options that would break what the
 * engine relies on (its plugin, its pause file, dropping the triggers and tables it cleans up after, the password
 * staying off the command line) are refused with the reason.
 */
final class PtOscOptions {
    static final String CHUNK_SIZE = "chunk-size";
    static final String CHUNK_TIME = "chunk-time";
    static final String CHUNK_SIZE_LIMIT = "chunk-size-limit";
    static final String CHUNK_INDEX = "chunk-index";
    static final String MAX_LAG = "max-lag";
    static final String CHECK_INTERVAL = "check-interval";
    static final String MAX_LOAD = "max-load";
    static final String CRITICAL_LOAD = "critical-load";
    static final String RECURSION_METHOD = "recursion-method";
    static final String REPLICAS = "replicas";
    static final String ALTER_FOREIGN_KEYS_METHOD = "alter-foreign-keys-method";
    static final String SLEEP = "sleep";
    static final String SET_VARS = "set-vars";
    static final String TRIES = "tries";
    static final String PROGRESS_INTERVAL = "progress-interval";
    static final String PAUSE_POLL = "pause-poll";
    static final String HOLD_KEEPALIVE = "hold-keepalive";
    static final String FLAGS = "flags";

    /** Engine defaults, applied under the builder's defaults and the request's options. */
    static final Map<String, String> ENGINE_DEFAULTS =
            Map.of(PROGRESS_INTERVAL, "2", PAUSE_POLL, "1", HOLD_KEEPALIVE, "60");

    /** Switches that may be passed through {@value #FLAGS}. */
    static final Set<String> ALLOWED_FLAGS = Set.of(
            "--analyze-before-swap",
            "--no-analyze-before-swap",
            "--check-alter",
            "--no-check-alter",
            "--check-plan",
            "--no-check-plan",
            "--check-unique-key-change",
            "--no-check-unique-key-change",
            "--check-replication-filters",
            "--no-check-replication-filters",
            "--preserve-triggers",
            "--null-to-not-null",
            "--only-same-schema-fks",
            "--print",
            "--statistics");

    /** pt-osc options users reach for that the engine owns or forbids, with the reason. */
    private static final Map<String, String> REFUSED = refused();

    private static final Pattern DECIMAL = Pattern.compile("\\d{1,6}(\\.\\d{1,3})?");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9_$]{1,64}");
    private static final Pattern LOAD = Pattern.compile("[A-Za-z_]{1,64}=\\d{1,9}(,[A-Za-z_]{1,64}=\\d{1,9}){0,9}");
    private static final Pattern SET_VAR =
            Pattern.compile("[a-z_]{1,64}=(?:[A-Za-z0-9_.-]{1,64}|'[A-Za-z0-9_.,-]{0,64}')");
    private static final Pattern TRY = Pattern.compile(
            "(create_triggers|drop_triggers|copy_rows|swap_tables|update_foreign_keys|analyze_table):\\d{1,4}:"
                    + DECIMAL.pattern());
    private static final Pattern DSN_TABLE =
            Pattern.compile("dsn=(?:[DtShP]=[A-Za-z0-9_$./:-]{1,255})(?:,[DtShP]=[A-Za-z0-9_$./:-]{1,255}){1,5}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.:-]{1,255}");
    private static final Set<String> RECURSION_METHODS =
            Set.of("processlist", "hosts", "none", "processlist,hosts", "hosts,processlist");
    private static final Set<String> FK_METHODS = Set.of("auto", "rebuild_constraints", "drop_swap");

    private PtOscOptions() {}

    /** Every option name the engine accepts. */
    static Set<String> names() {
        return Set.of(
                CHUNK_SIZE,
                CHUNK_TIME,
                CHUNK_SIZE_LIMIT,
                CHUNK_INDEX,
                MAX_LAG,
                CHECK_INTERVAL,
                MAX_LOAD,
                CRITICAL_LOAD,
                RECURSION_METHOD,
                REPLICAS,
                ALTER_FOREIGN_KEYS_METHOD,
                SLEEP,
                SET_VARS,
                TRIES,
                PROGRESS_INTERVAL,
                PAUSE_POLL,
                HOLD_KEEPALIVE,
                FLAGS);
    }

    /**
     * Checks every option.
     *
     * @throws InvalidRequestException naming the first wrong option, never its value (it may hold a credential)
     */
    static void validate(Map<String, String> options) {
        for (Map.Entry<String, String> e : new TreeMap<>(options).entrySet()) {
            check(e.getKey(), e.getValue());
        }
    }

    /** The engine defaults, then {@code defaults}, then {@code requested}; validated. */
    static Map<String, String> effective(Map<String, String> defaults, Map<String, String> requested) {
        Map<String, String> out = new TreeMap<>(ENGINE_DEFAULTS);
        out.putAll(defaults);
        out.putAll(requested);
        validate(out);
        return out;
    }

    private static void check(String name, String value) {
        String reason = REFUSED.get(name);
        if (reason != null) {
            throw invalid("engine option '" + name + "' is not accepted by the pt-osc engine: " + reason);
        }
        switch (name) {
            case CHUNK_SIZE -> requireRange(name, value, 1, 10_000_000, true);
            case CHUNK_TIME -> requireRange(name, value, 0, 3600, false);
            case CHUNK_SIZE_LIMIT -> requireRange(name, value, 0, 1000, false);
            case CHUNK_INDEX -> requireMatch(name, value, IDENTIFIER, "an index name");
            case MAX_LAG -> requirePositive(name, value, 86_400);
            case CHECK_INTERVAL -> requirePositive(name, value, 3600);
            case MAX_LOAD, CRITICAL_LOAD ->
                requireMatch(name, value, LOAD, "Var=N[,Var=N...], e.g. Threads_running=25");
            case RECURSION_METHOD -> {
                if (!RECURSION_METHODS.contains(value)
                        && !DSN_TABLE.matcher(value).matches()) {
                    throw invalid("engine option '" + name + "' must be processlist, hosts, none or"
                            + " dsn=D=<db>,t=<table>[,h=..,P=..] (no u= or p=: credentials never go on the command"
                            + " line)");
                }
            }
            case REPLICAS -> replica(value);
            case ALTER_FOREIGN_KEYS_METHOD -> {
                if (!FK_METHODS.contains(value)) {
                    throw invalid("engine option '" + name + "' must be one of " + new TreeSet<>(FK_METHODS)
                            + " ('none' is refused: pt-online-schema-change asks for interactive confirmation"
                            + " and breaks the foreign keys)");
                }
            }
            case SLEEP -> requireRange(name, value, 0, 3600, false);
            case SET_VARS -> {
                for (String part : value.split(",(?=[a-z_]+=)", -1)) {
                    requireMatch(name, part, SET_VAR, "var=value[,var=value...]");
                }
            }
            case TRIES -> {
                for (String part : value.split(",", -1)) {
                    requireMatch(name, part, TRY, "operation:tries:wait[,...]");
                }
            }
            case PROGRESS_INTERVAL -> requireRange(name, value, 1, 3600, true);
            case PAUSE_POLL -> requirePositive(name, value, 60);
            case HOLD_KEEPALIVE -> requireRange(name, value, 1, 3600, true);
            case FLAGS -> flags(value);
            default ->
                throw invalid("unknown engine option " + UserInput.optionName(name) + " for the pt-osc engine;"
                        + " accepted: " + new TreeSet<>(names()));
        }
    }

    /** The switches of the {@value #FLAGS} option. */
    static List<String> flags(String value) {
        List<String> out = new ArrayList<>();
        for (String flag : value.trim().split("[\\s,]+")) {
            if (flag.isEmpty()) {
                continue;
            }
            String plain = flag.toLowerCase(Locale.ROOT);
            if (!ALLOWED_FLAGS.contains(plain)) {
                String bare = plain.replaceFirst("^--(no-?)?", "").replaceFirst("=.*$", "");
                String why = REFUSED.get(bare);
                // A word without dashes is the value of the flag before it (--password secret): never shown.
                String shown = flag.startsWith("--") ? UserInput.flag(flag) : "a word that is not a --switch";
                throw invalid("engine option 'flags' contains " + shown + ", which is not on the reviewed list "
                        + new TreeSet<>(ALLOWED_FLAGS) + (why == null ? "" : " (" + why + ")"));
            }
            out.add(plain);
        }
        return out;
    }

    /** The one replica of the {@value #REPLICAS} option. */
    static Endpoint replica(String value) {
        String[] parts = value.split(",", -1);
        if (parts.length != 1) {
            throw invalid("engine option 'replicas' lists " + parts.length + " replicas, but pt-online-schema-change"
                    + " 3.2.1 checks lag on one explicit replica only (--check-slave-lag); for several, use"
                    + " recursion-method=dsn=D=<db>,t=<dsn table> or recursion-method=hosts");
        }
        int colon = value.lastIndexOf(':');
        String host = colon < 0 ? value : value.substring(0, colon);
        String port = colon < 0 ? "3306" : value.substring(colon + 1);
        if (!HOST.matcher(host).matches() || !port.matches("\\d{1,5}")) {
            throw invalid("engine option 'replicas' must be host:port");
        }
        try {
            return new Endpoint(host, Integer.parseInt(port));
        } catch (InvalidRequestException e) {
            throw invalid("engine option 'replicas' must be host:port with a port from 1 to 65535");
        }
    }

    /**
     * The command line: {@code binary}, then the arguments. Holds no secret: the credentials are in the option file
     * that the DSN's {@code F=} names.
     */
    static List<String> command(
            String binary,
            Map<String, String> options,
            Endpoint primary,
            String schema,
            String table,
            String alterClause,
            RunDirectory run) {
        return command(binary, options, primary, schema, table, alterClause, run, false);
    }

    /**
     * The command line of a run; a {@code revertible} one swaps nothing itself and keeps its triggers and new table
     * ({@code --no-swap-tables --no-drop-triggers}, which implies {@code --no-drop-new-table} and {@code
     * --no-drop-old-table}): the engine rotates the tables while the plugin holds ({@link dev.osc4j.mysql.KeptTable}).
     */
    static List<String> command(
            String binary,
            Map<String, String> options,
            Endpoint primary,
            String schema,
            String table,
            String alterClause,
            RunDirectory run,
            boolean revertible) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary);
        cmd.add("--execute");
        if (revertible) {
            cmd.add("--no-swap-tables");
            cmd.add("--no-drop-triggers");
            cmd.add("--new-table-name");
            cmd.add(KeptTable.newTableName(table));
        }
        cmd.add("--no-version-check");
        cmd.add("--alter");
        cmd.add(alterClause);
        cmd.add("--plugin");
        cmd.add(run.plugin().toString());
        cmd.add("--pause-file");
        cmd.add(run.pauseFile().toString());
        cmd.add("--progress");
        cmd.add("time," + options.get(PROGRESS_INTERVAL));
        String replicas = options.get(REPLICAS);
        String recursion = options.get(RECURSION_METHOD);
        if (recursion == null && replicas != null) {
            recursion = "none"; // the explicit replica is the one that counts; discovery would only add noise
        }
        if (recursion != null) {
            cmd.add("--recursion-method");
            cmd.add(recursion);
        }
        if (replicas != null) {
            Endpoint r = replica(replicas);
            cmd.add("--check-slave-lag");
            cmd.add("h=" + r.host() + ",P=" + r.port() + ",F=" + run.optionFile());
        }
        valued(cmd, options, CHUNK_SIZE);
        valued(cmd, options, CHUNK_TIME);
        valued(cmd, options, CHUNK_SIZE_LIMIT);
        valued(cmd, options, CHUNK_INDEX);
        valued(cmd, options, MAX_LAG);
        valued(cmd, options, CHECK_INTERVAL);
        valued(cmd, options, MAX_LOAD);
        valued(cmd, options, CRITICAL_LOAD);
        valued(cmd, options, ALTER_FOREIGN_KEYS_METHOD);
        valued(cmd, options, SLEEP);
        valued(cmd, options, SET_VARS);
        valued(cmd, options, TRIES);
        String flags = options.get(FLAGS);
        if (flags != null) {
            cmd.addAll(flags(flags));
        }
        cmd.add("D=" + schema + ",t=" + table + ",h=" + primary.host() + ",P=" + primary.port() + ",F="
                + run.optionFile());
        return cmd;
    }

    /**
     * Refuses the options a revertible run cannot honour: child tables' foreign keys (pt-osc would rebuild or swap them
     * at its own swap, which a revertible run does not make) and {@code --preserve-triggers} (pt-osc refuses it with
     * {@code --no-drop-triggers}; a table with triggers of its own cannot be kept in sync by the engine's triggers).
     *
     * @throws InvalidRequestException naming the option
     */
    static void requireRevertible(Map<String, String> options) {
        if (options.containsKey(ALTER_FOREIGN_KEYS_METHOD)) {
            throw invalid("engine option '" + ALTER_FOREIGN_KEYS_METHOD + "' cannot be used by a revertible run: the"
                    + " engine swaps the tables itself and does not move child tables' foreign keys");
        }
        String flags = options.get(FLAGS);
        if (flags != null && flags(flags).contains("--preserve-triggers")) {
            throw invalid("engine option 'flags' --preserve-triggers cannot be used by a revertible run: the kept"
                    + " table is kept in sync by the engine's own triggers");
        }
    }

    /** The plugin's configuration file. */
    static String pluginConfiguration(Map<String, String> options, RunDirectory run) {
        return "# written by osc4j; read by osc4j_plugin.pm\n"
                + "events=" + run.events() + "\n"
                + "release=" + run.releaseFile() + "\n"
                + "ratio=" + run.throttleRatioFile() + "\n"
                + "pause_poll=" + options.get(PAUSE_POLL) + "\n"
                + "keepalive=" + options.get(HOLD_KEEPALIVE) + "\n";
    }

    private static void valued(List<String> cmd, Map<String, String> options, String name) {
        String value = options.get(name);
        if (value != null) {
            cmd.add("--" + name);
            cmd.add(value);
        }
    }

    static String requireHost(String what, String host) {
        if (!HOST.matcher(host).matches()) {
            throw invalid(what + " " + UserInput.quote(host) + " must be 1-255 of [A-Za-z0-9_.:-] to go into a DSN");
        }
        return host;
    }

    static String requireIdentifier(String what, String value) {
        if (!IDENTIFIER.matcher(value).matches()) {
            throw invalid(what + " " + UserInput.quote(value) + " must be 1-64 of [A-Za-z0-9_$] to go into a DSN");
        }
        return value;
    }

    private static void requireMatch(String name, String value, Pattern pattern, String form) {
        if (!pattern.matcher(value).matches()) {
            throw invalid("engine option '" + name + "' must be " + form);
        }
    }

    private static void requireRange(String name, String value, long min, long max, boolean integer) {
        @Nullable BigDecimal n = integer ? (value.matches("\\d{1,9}") ? new BigDecimal(value) : null) : decimal(value);
        if (n == null || n.compareTo(BigDecimal.valueOf(min)) < 0 || n.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw invalid("engine option '" + name + "' must be " + (integer ? "an integer" : "a number") + " from "
                    + min + " to " + max);
        }
    }

    private static void requirePositive(String name, String value, long max) {
        BigDecimal n = decimal(value);
        if (n == null || n.signum() <= 0 || n.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw invalid("engine option '" + name + "' must be a number of seconds above 0 and at most " + max);
        }
    }

    private static @Nullable BigDecimal decimal(String value) {
        return DECIMAL.matcher(value).matches() ? new BigDecimal(value) : null;
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(message, null);
    }

    private static Map<String, String> refused() {
        Map<String, String> m = new TreeMap<>();
        String credentials = "credentials come from the engine's CredentialsProvider through a private option file";
        for (String n : List.of("user", "password", "ask-pass", "defaults-file", "socket", "host", "port")) {
            m.put(n, credentials);
        }
        m.put("execute", "the engine always runs with --execute");
        m.put("dry-run", "the engine always runs with --execute");
        m.put("alter", "the ALTER comes from the migration's DDL");
        m.put("plugin", "the engine runs its own plugin (phases, postponed cut-over)");
        m.put("pause-file", "the engine owns the pause file (throttle)");
        m.put("progress", "set progress-interval instead; the engine parses the progress lines");
        m.put("quiet", "the engine reads the tool's output");
        m.put("swap-tables", "the engine needs the swap (use the orchestrator's cut-over controls)");
        m.put("drop-new-table", "cleanup relies on the tool dropping what it created");
        m.put("drop-old-table", "cleanup relies on the tool dropping what it created");
        m.put("drop-triggers", "cleanup relies on the tool dropping what it created");
        m.put("new-table-name", "cleanup recognises the default new table name only");
        m.put("force", "it skips the tool's safety prompts");
        m.put("pid", "the engine tracks the process itself");
        m.put("check-slave-lag", "use the 'replicas' option");
        m.put("history", "not in pt-online-schema-change 3.2.1");
        m.put("resume", "not in pt-online-schema-change 3.2.1");
        return Map.copyOf(m);
    }
}
