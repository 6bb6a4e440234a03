package dev.osc4j.cli;

import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Follows a migration until it ends, shown by a {@link LiveView}: redrawn in place in a terminal, a timestamped block
 * per visible change when piped or with {@code --plain}; with {@code --output json} one record per line (NDJSON)
 * whenever the record changed. Stops when the migration ends or swaps into its revert window: exits 0 when the new
 * schema is live (COMPLETED, or REVERTIBLE: the swap is done and only the window's end or a revert moves it on),
 * {@value ExitCodes#NOT_COMPLETED} when it ends otherwise (ABORTED, REVERTED).
 */
@Command(name = "watch", description = "Follows a migration live until it ends or swaps into its revert window.")
final class WatchCommand extends StoreCommand {
    @Parameters(paramLabel = "ID", description = "the migration id")
    String id = "";

    @Option(names = "--interval", paramLabel = "MILLIS", description = "how often to read the record (default 1000)")
    long intervalMillis = 1000;

    @Option(names = "--plain", description = "print changes as lines even in a terminal")
    boolean plain;

    @Override
    int run(MigrationClient client) throws Exception {
        if (intervalMillis < 50) {
            throw new IllegalArgumentException("--interval must be at least 50 ms, got " + intervalMillis);
        }
        MigrationId mid = id(id);
        if (json()) {
            return json(client, mid);
        }
        try (LiveView view = root().console ? LiveView.system(plain, width()) : LiveView.plain(root().out, width())) {
            while (true) {
                MigrationRecord r = client.get(mid);
                if (ended(r)) {
                    view.last(r);
                    return exitCode(r);
                }
                view.show(r);
                Thread.sleep(intervalMillis);
            }
        }
    }

    private int json(MigrationClient client, MigrationId mid) throws InterruptedException {
        long lastVersion = -1;
        while (true) {
            MigrationRecord r = client.get(mid);
            if (r.version() != lastVersion) {
                root().out.println(Json.record(r));
                lastVersion = r.version();
            }
            if (ended(r)) {
                return exitCode(r);
            }
            Thread.sleep(intervalMillis);
        }
    }

    /**
     * Whether there is nothing more to follow: the migration ended, it swapped and waits in its revert window
     * ({@link MigrationState#REVERTIBLE}), which only the window's end or a revert moves on, or a health alert waits for
     * an operator ({@link MigrationState#ALERTED}). A bake ({@link MigrationState#BAKING}) is followed to its end.
     */
    private static boolean ended(MigrationRecord r) {
        return r.state().isTerminal() || r.state() == MigrationState.REVERTIBLE || r.state() == MigrationState.ALERTED;
    }

    /**
     * 0 when the new schema is live (the swap is done: COMPLETED or REVERTIBLE), 9 for a health alert (ALERTED), 7
     * otherwise (ABORTED, REVERTED).
     */
    private static int exitCode(MigrationRecord r) {
        if (r.state() == MigrationState.ALERTED) {
            return ExitCodes.ALERTED;
        }
        return r.state().isSwitched() ? ExitCodes.OK : ExitCodes.NOT_COMPLETED;
    }
}
