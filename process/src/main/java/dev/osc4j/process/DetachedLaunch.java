package dev.osc4j.process;

import static org.apiguardian.api.API.Status.INTERNAL;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Starts a tool so that it outlives the controller: under {@code setsid} (its own session and process group, no
 * controlling terminal: a Ctrl-C or hang-up aimed at the controller does not reach it) inside a {@code sh} wrapper
 * script that the engine gives. The wrapper gets the run directory as {@code $1} and the command after it; it sends
 * the tool's output to files in the run directory (never a pipe to the JVM, which would block or break when the JVM
 * dies) and records what any later process needs to find the run again (the pid) and how it ended (the exit status,
 * written to a temporary file then renamed, so a reader never sees half of it). The wrapper's own output goes to
 * {@code wrapperLog}, its stdin is {@code /dev/null}.
 *
 * @param shell the {@code sh} that runs the wrapper
 * @param setsid the {@code setsid} executable, or null to run in the controller's process group
 * @param script the wrapper script
 * @param name the wrapper's {@code $0}, so it can be told apart from the tool in a process listing
 */
@API(status = INTERNAL, since = "0.1")
public record DetachedLaunch(Path shell, @Nullable Path setsid, String script, String name) {

    /**
     * Starts {@code command} in {@code dir} through the wrapper.
     *
     * @param removeEnvironment environment variables the tool must not see
     * @param setEnvironment environment variables set for the tool
     * @return the wrapper process
     */
    public Process start(
            Path dir,
            List<String> command,
            Path wrapperLog,
            Set<String> removeEnvironment,
            Map<String, String> setEnvironment)
            throws IOException {
        List<String> argv = new ArrayList<>();
        if (setsid != null) {
            argv.add(setsid.toString());
        }
        argv.add(shell.toString());
        argv.add("-c");
        argv.add(script);
        argv.add(name);
        argv.add(dir.toString());
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.directory(dir.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(wrapperLog.toFile()));
        Map<String, String> env = pb.environment();
        removeEnvironment.forEach(env::remove);
        env.putAll(setEnvironment);
        return pb.start();
    }
}
