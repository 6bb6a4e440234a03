package dev.osc4j.testkit.ghost;

import dev.osc4j.testkit.ghost.FakeGhostRun.Fatal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The fake's hooks, as gh-ost's {@code HooksExecutor} runs them ({@code go/logic/hooks.go}): every executable
 * {@code <hooks-path>/gh-ost-on-<event>*} in name order, with the {@code GH_OST_*} environment of the run; its output
 * goes to stderr, and a hook that fails fails the migration.
 */
final class GhostHooks {
    private final FakeGhostRun run;

    GhostHooks(FakeGhostRun run) {
        this.run = run;
    }

    /** Runs the hooks {@code <hooks-path>/gh-ost-on-<name>*} in name order; a failing hook fails the migration. */
    void executeHooks(String name, String... extra) throws Fatal {
        String dir = run.flags.string("hooks-path", "");
        if (dir.isEmpty()) {
            return;
        }
        String prefix = "gh-ost-on-" + name;
        List<Path> found;
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            found = files.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return; // gh-ost's Glob on a missing directory finds nothing
        }
        for (Path hook : found) {
            run.log("INFO", "executing " + prefix + " hook: " + hook);
            ProcessBuilder pb = new ProcessBuilder(hook.toString()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.putAll(hookEnvironment());
            for (String e : extra) {
                int eq = e.indexOf('=');
                env.put(e.substring(0, eq), e.substring(eq + 1));
            }
            try {
                Process p = pb.start();
                p.getOutputStream().close();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int code = p.waitFor();
                synchronized (run.outputLock) {
                    run.err.println(output);
                    run.err.flush();
                }
                if (code != 0) {
                    run.log("ERROR", "exit status " + code);
                    throw new Fatal("exit status " + code);
                }
            } catch (IOException e) {
                throw new Fatal("fork/exec " + hook + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Fatal("interrupted running hook " + hook);
            }
        }
    }

    private Map<String, String> hookEnvironment() {
        long total = run.copied.get();
        long estimate = run.rowCopyComplete ? total : run.rowsEstimate;
        double elapsed = (System.nanoTime() - run.startNanos) / 1e9;
        double copyElapsed = run.copyStartNanos == 0
                ? 0
                : ((run.rowCopyComplete ? run.copyEndNanos : System.nanoTime()) - run.copyStartNanos) / 1e9;
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GH_OST_DATABASE_NAME", run.database);
        env.put("GH_OST_TABLE_NAME", run.table);
        env.put("GH_OST_GHOST_TABLE_NAME", run.ghost);
        env.put("GH_OST_OLD_TABLE_NAME", run.old);
        env.put("GH_OST_DDL", run.alter);
        env.put("GH_OST_ELAPSED_SECONDS", String.format(Locale.ROOT, "%f", elapsed));
        env.put("GH_OST_ELAPSED_COPY_SECONDS", String.format(Locale.ROOT, "%f", copyElapsed));
        env.put("GH_OST_ESTIMATED_ROWS", Long.toString(estimate));
        env.put("GH_OST_COPIED_ROWS", Long.toString(total));
        env.put("GH_OST_MIGRATED_HOST", run.applierHost);
        env.put(
                "GH_OST_INSPECTED_HOST",
                run.inspectorKey.isEmpty() ? "" : run.inspectorKey.substring(0, run.inspectorKey.lastIndexOf(':')));
        env.put("GH_OST_EXECUTING_HOST", run.hostname);
        env.put("GH_OST_INSPECTED_LAG", String.format(Locale.ROOT, "%f", run.inspectorLagNanos / 1e9));
        env.put(
                "GH_OST_HEARTBEAT_LAG",
                String.format(Locale.ROOT, "%f", (System.nanoTime() - run.lastHeartbeatNanos) / 1e9));
        env.put("GH_OST_PROGRESS", String.format(Locale.ROOT, "%f", estimate == 0 ? 100.0 : 100.0 * total / estimate));
        env.put("GH_OST_ETA_SECONDS", Long.toString(run.etaSecondsForHooks));
        env.put("GH_OST_HOOKS_HINT", run.flags.string("hooks-hint", ""));
        env.put("GH_OST_HOOKS_HINT_OWNER", run.flags.string("hooks-hint-owner", ""));
        env.put("GH_OST_HOOKS_HINT_TOKEN", run.flags.string("hooks-hint-token", ""));
        env.put("GH_OST_DRY_RUN", Boolean.toString(!run.flags.bool("execute")));
        if (run.patch() >= 8) {
            env.put("GH_OST_REVERT", Boolean.toString(run.flags.bool("revert"))); // hooks.go from v1.1.8
        }
        return env;
    }
}
