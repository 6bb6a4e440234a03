package dev.osc4j.engine.ptosc;

import dev.osc4j.process.DetachedLaunch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Launching pt-online-schema-change so that it outlives the controller ({@link DetachedLaunch}): pt-osc's wrapper
 * script, which sends its output to {@code output.log} and writes the exit status to {@code exit} when it ends. The
 * engine records the wrapper's pid and start time in {@code launch.json}, so a pid the kernel reused is not mistaken
 * for the run ({@link dev.osc4j.process.LocalProcesses#live}).
 */
final class Processes {
    /** {@code $1} the run directory, the rest the command. */
    static final String WRAPPER = """
            dir=$1; shift
            "$@" >"$dir/output.log" 2>&1 </dev/null
            code=$?
            printf '%s\\n' "$code" >"$dir/exit.tmp" && mv -f "$dir/exit.tmp" "$dir/exit"
            """;

    static final String WRAPPER_NAME = "osc4j-pt-osc";

    private Processes() {}

    /**
     * Why no process can ever be started with {@code command}, or null when it can: an argument holding a NUL, which
     * the operating system cannot pass. Names the argument by position, never its content.
     */
    static @Nullable String unlaunchable(List<String> command) {
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i).indexOf('\0') >= 0) {
                return "argument " + i + " of the pt-online-schema-change command contains a NUL character, which no"
                        + " process can be given";
            }
        }
        return null;
    }

    /**
     * Starts {@code command} detached, in {@code dir}, through the wrapper.
     *
     * @param setsid the {@code setsid} executable, or null to run in the controller's process group
     */
    static Process launch(List<String> command, RunDirectory dir, Path shell, @Nullable Path setsid)
            throws IOException {
        // PTDEBUG makes the tool print connection details; MYSQL_PWD would be a second, unmanaged password source.
        return new DetachedLaunch(shell, setsid, WRAPPER, WRAPPER_NAME)
                .start(
                        dir.dir(),
                        command,
                        dir.wrapperOutput(),
                        Set.of("PTDEBUG", "MYSQL_PWD", "PERCONA_TOOLKIT_TEST_USE_DSN_NAMES"),
                        Map.of("LC_ALL", "C"));
    }
}
