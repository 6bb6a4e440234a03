package dev.osc4j.cli;

import dev.osc4j.RevertRefusedException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code osc4j} command: reads migrations and sends directives through a store alone (no engine, no topology).
 * Exit codes are in {@link ExitCodes}; {@code --output json} on every read command.
 *
 * <pre>
 * export OSC4J_STORE=jdbc:mysql://db:3306/osc4j OSC4J_STORE_USER=osc4j
 * osc4j list
 * osc4j watch m-5f0c...
 * osc4j pause m-5f0c... --directive-id CHG-1234
 * osc4j revert m-5f0c... --directive-id CHG-1240      # prints the revert migration's id
 * osc4j close-window m-5f0c...
 * </pre>
 */
@Command(
        name = "osc4j",
        mixinStandardHelpOptions = true,
        versionProvider = Osc4jCli.Version.class,
        description = "Operate osc4j migrations through their store.",
        subcommands = {
            ReadCommands.ListCommand.class,
            ReadCommands.ShowCommand.class,
            WatchCommand.class,
            ReadCommands.AuditCommand.class,
            DirectiveCommands.Approve.class,
            DirectiveCommands.Revoke.class,
            DirectiveCommands.Release.class,
            DirectiveCommands.Pause.class,
            DirectiveCommands.Resume.class,
            DirectiveCommands.Throttle.class,
            DirectiveCommands.Abort.class,
            DirectiveCommands.Retry.class,
            DirectiveCommands.Revert.class,
            DirectiveCommands.CloseWindow.class,
            DirectiveCommands.Acknowledge.class
        })
public final class Osc4jCli implements Runnable {
    final Map<String, String> env;
    final PrintStream out;
    final PrintStream err;
    final boolean console;

    private Osc4jCli(Map<String, String> env, PrintStream out, PrintStream err, boolean console) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.console = console;
    }

    /** Runs the command and exits with its {@linkplain ExitCodes exit code}. */
    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.exit(run(args, System.getenv(), System.out, System.err, true));
    }

    /**
     * Runs the command in this process, printing to {@code out} and {@code err}, with {@code env} as the environment;
     * returns the exit code. {@code console}: whether {@code out} is the process's own output, which may be a terminal
     * that {@code watch} redraws in place.
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, boolean console) {
        CommandLine cl = new CommandLine(new Osc4jCli(env, out, err, console));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((e, command, parsed) -> {
            int code = ExitCodes.of(e);
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e instanceof RevertRefusedException refused) {
                message += " (reason " + refused.reason() + ")";
            }
            command.getErr().println("osc4j: " + message);
            if (code == ExitCodes.USAGE) {
                command.usage(command.getErr());
            }
            return code;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command: list, show, watch, ...");
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Osc4jCli.class.getPackage().getImplementationVersion();
            return new String[] {"osc4j " + (v == null ? "(development build)" : v)};
        }
    }
}
