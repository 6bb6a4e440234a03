package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.FakeGhostRun.clamp;
import static dev.osc4j.testkit.ghost.FakeGhostRun.splitList;

import dev.osc4j.testkit.ghost.FakeGhostRun.Fatal;
import dev.osc4j.testkit.ghost.GhostStatusPrinter.Rule;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jspecify.annotations.Nullable;

/**
 * The fake's interactive commands, as gh-ost's {@code Server} answers them ({@code go/logic/server.go}:
 * {@code applyServerCommand}), in the words of the version the fake is: status and {@code sup}, the settable knobs with
 * {@code ?} to read them, throttle and no-throttle, unpostpone, panic and help. {@link FakeGhostSocket} carries the
 * lines to and fro.
 */
final class GhostSocketCommands {
    static final String THROTTLE_HINT =
            "# Note: you may only throttle for as long as your binary logs are not purged\n";

    private final FakeGhostRun run;

    GhostSocketCommands(FakeGhostRun run) {
        this.run = run;
    }

    /** Answers one interactive command ({@code applyServerCommand} in gh-ost 1.1.x's {@code go/logic/server.go}). */
    String command(String line) {
        String[] tokens = line.split("=", 2);
        String cmd = tokens[0].strip();
        String arg = tokens.length > 1 ? unquote(tokens[1].strip()) : "";
        StringBuilder w = new StringBuilder();
        try {
            run.hooks.executeHooks("interactive-command", "GH_OST_COMMAND='" + cmd + "'");
        } catch (Fatal e) {
            return e.getMessage() + "\n";
        }
        boolean question = arg.equals("?");
        @Nullable Rule rule = Rule.FORCE_WITH_HINT;
        switch (cmd) {
            case "help" -> {
                w.append(help());
                rule = null;
            }
            case "sup" -> rule = Rule.FORCE_ONLY;
            case "info", "status" -> rule = Rule.FORCE_WITH_HINT;
            case "coordinates" -> {
                if (!question && !arg.isEmpty()) {
                    return "coordinates are read-only\n";
                }
                w.append(run.streamer).append('\n');
                rule = null;
            }
            case "applier" -> {
                w.append("Host: ")
                        .append(run.applierKey)
                        .append(", Version: ")
                        .append(serverVersion())
                        .append('\n');
                rule = null;
            }
            case "inspector" -> {
                w.append("Host: ")
                        .append(run.inspectorKey)
                        .append(", Version: ")
                        .append(serverVersion())
                        .append('\n');
                rule = null;
            }
            case "chunk-size", "dml-batch-size", "max-lag-millis" -> {
                if (question) {
                    long v = cmd.equals("chunk-size")
                            ? run.chunkSize
                            : cmd.equals("dml-batch-size") ? run.dmlBatchSize : run.maxLagMillis;
                    return v + "\n";
                }
                long v;
                try {
                    v = Long.parseLong(arg);
                } catch (NumberFormatException e) {
                    return "strconv.Atoi: parsing \"" + arg + "\": invalid syntax\n";
                }
                switch (cmd) {
                    case "chunk-size" -> run.chunkSize = clamp(v, 10, 100_000);
                    case "dml-batch-size" -> run.dmlBatchSize = clamp(v, 1, 1000);
                    default -> run.maxLagMillis = Math.max(100, v);
                }
            }
            case "replication-lag-query" -> {
                return "replication-lag-query is deprecated. gh-ost uses an internal, subsecond resolution query\n";
            }
            case "nice-ratio" -> {
                if (question) {
                    return run.niceRatio + "\n";
                }
                try {
                    run.niceRatio = Math.max(0, Math.min(100, Double.parseDouble(arg)));
                } catch (NumberFormatException e) {
                    return "strconv.ParseFloat: parsing \"" + arg + "\": invalid syntax\n";
                }
            }
            case "max-load", "critical-load" -> {
                if (question) {
                    return (cmd.equals("max-load") ? run.maxLoad : run.criticalLoad) + "\n";
                }
                if (!arg.isEmpty() && !arg.matches("[A-Za-z_][A-Za-z0-9_]*=\\d+(,[A-Za-z_][A-Za-z0-9_]*=\\d+)*")) {
                    return "Invalid load map: " + arg + "\n";
                }
                if (cmd.equals("max-load")) {
                    run.maxLoad = arg;
                } else {
                    run.criticalLoad = arg;
                }
            }
            case "throttle-query", "throttle-http" -> {
                if (question) {
                    return (cmd.equals("throttle-query") ? run.throttleQuery : run.throttleHttp) + "\n";
                }
                if (cmd.equals("throttle-query")) {
                    run.throttleQuery = arg;
                } else {
                    run.throttleHttp = arg;
                }
                w.append(THROTTLE_HINT);
            }
            case "throttle-control-replicas" -> {
                if (question) {
                    return String.join(",", run.controlReplicas) + "\n";
                }
                run.controlReplicas = splitList(arg);
                w.append(String.join(",", run.controlReplicas)).append('\n');
            }
            case "throttle", "pause", "suspend" -> {
                run.userThrottle = true;
                run.throttleReason = "commanded by user";
                w.append(THROTTLE_HINT);
            }
            case "no-throttle", "unthrottle", "resume", "continue" -> {
                run.userThrottle = false;
                if ("commanded by user".equals(run.throttleReason)) {
                    run.throttleReason = null; // the collector re-evaluates other reasons within 100 ms
                }
            }
            case "unpostpone", "no-postpone", "cut-over" -> {
                if (arg.isEmpty() && run.flags.bool("force-named-cut-over")) {
                    return "User commanded 'unpostpone' without specifying table name, but --force-named-cut-over is"
                            + " set\n";
                }
                if (!arg.isEmpty() && !arg.equals(run.table)) {
                    return "User commanded 'unpostpone' on " + arg + ", but migrated table is " + run.table
                            + "; ignoring request.\n";
                }
                if (!run.postponing) {
                    // server.go: the period went in v1.1.9
                    return "You may only invoke this when gh-ost is actively postponing migration. At this time it is"
                            + " not" + (run.patch() >= 9 ? "" : ".") + "\n";
                }
                run.unpostponed = true;
                w.append("Unpostponed\n");
            }
            case "panic" -> {
                return panicReply();
            }
            default -> {
                // server.go: fmt.Errorf("Unknown command: %s") up to v1.1.8, lower-case from v1.1.9
                return (run.patch() >= 9 ? "unknown" : "Unknown") + " command: " + cmd + "\n";
            }
        }
        if (rule != null) {
            run.status.printStatus(rule, w);
        }
        return w.toString();
    }

    /** The reply to {@code panic} (server.go, the error printed with "%s\n"): capitalised up to v1.1.8. */
    String panicReply() {
        return run.patch() >= 9
                ? "user commanded 'panic'. The migration will be aborted without cleanup. Please drop the gh-ost tables"
                        + " before trying again\n"
                : "User commanded 'panic'. The migration will be aborted without cleanup. Please drop the gh-ost tables"
                        + " before trying again.\n";
    }

    /** {@code help} as server.go prints it: {@code cpu-profile=} listed from v1.1.7, {@code postpone-cut-over-flag-file=} from v1.1.8. */
    private String help() {
        String h = HELP;
        if (run.patch() >= 7) {
            h = h.replace(
                    "sup                                  # Print a short status message\n",
                    "sup                                  # Print a short status message\n"
                            + "cpu-profile=<options>                # Print a base64-encoded runtime/pprof CPU profile"
                            + " using a duration, default: 30s. Comma-separated options 'gzip' and/or 'block' (blocked"
                            + " profile) may follow the profile duration\n");
        }
        if (run.patch() >= 8) {
            h = h.replace(
                    "unpostpone                           #",
                    "postpone-cut-over-flag-file=<path>   # Postpone the cut-over phase, writing a cut over flag file to"
                            + " the given path\nunpostpone                           #");
        }
        return h;
    }

    private static final String HELP = """
            available commands:
            status                               # Print a detailed status message
            sup                                  # Print a short status message
            coordinates                          # Print the currently inspected coordinates
            applier                              # Print the hostname of the applier
            inspector                            # Print the hostname of the inspector
            chunk-size=<newsize>                 # Set a new chunk-size
            dml-batch-size=<newsize>             # Set a new dml-batch-size
            nice-ratio=<ratio>                   # Set a new nice-ratio, immediate sleep after each row-copy operation, float (examples: 0 is aggressive, 0.7 adds 70% runtime, 1.0 doubles runtime, 2.0 triples runtime, ...)
            critical-load=<load>                 # Set a new set of max-load thresholds
            max-lag-millis=<max-lag>             # Set a new replication lag threshold
            replication-lag-query=<query>        # Set a new query that determines replication lag (no quotes)
            max-load=<load>                      # Set a new set of max-load thresholds
            throttle-query=<query>               # Set a new throttle-query (no quotes)
            throttle-http=<URL>                  # Set a new throttle URL
            throttle-control-replicas=<replicas> # Set a new comma delimited list of throttle control replicas
            throttle                             # Force throttling
            no-throttle                          # End forced throttling (other throttling may still apply)
            unpostpone                           # Bail out a cut-over postpone; proceed to cut-over
            panic                                # panic and quit without cleanup
            help                                 # This message
            - use '?' (question mark) as argument to get info rather than set. e.g. "max-load=?" will just print out current max-load.
            """;

    private String serverVersion() {
        try (Connection c = run.mysql.connect(run.applierHost, run.applierPort);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT VERSION()")) {
            return rs.next() ? rs.getString(1) : "";
        } catch (SQLException e) {
            return "";
        }
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            return s.substring(1, s.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return s;
    }
}
