package dev.osc4j.cli;

import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.Status;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Follows a migration until it ends. In a terminal the bars are redrawn in place (JLine's status area, cut to the
 * terminal's width and height); piped or with {@code --plain} it prints a timestamped block only when something a
 * person would notice changed (a state, a whole percent, a wait or throttle reason); with {@code --output json} one
 * record per line (NDJSON) whenever the record changed. Exits 0 when the migration completes,
 * {@value ExitCodes#NOT_COMPLETED} when it ends otherwise.
 */
@Command(name = "watch", description = "Follows a migration live until it ends.")
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
        if (!json() && !plain && root().console) {
            return live(client, mid);
        }
        return lines(client, mid);
    }

    private int live(MigrationClient client, MigrationId mid) throws Exception {
        try (Terminal terminal =
                TerminalBuilder.builder().system(true).dumb(true).build()) {
            if (terminal.getType().startsWith(Terminal.TYPE_DUMB)) {
                return lines(client, mid); // not a terminal (piped, redirected): plain lines
            }
            Status status = Status.getStatus(terminal);
            try {
                while (true) {
                    MigrationRecord r = client.get(mid);
                    Size size = terminal.getSize();
                    int width = size.getColumns() > 0 ? size.getColumns() - 1 : width();
                    int height = size.getRows() > 0 ? size.getRows() : 24;
                    List<String> lines = ProgressView.lines(r, Instant.now(), width, Math.max(1, height - 3));
                    if (r.state().isTerminal()) {
                        status.update(List.of());
                        for (String line : lines) {
                            terminal.writer().println(line);
                        }
                        terminal.flush();
                        return exitCode(r);
                    }
                    List<AttributedString> shown = new ArrayList<>();
                    for (String line : lines) {
                        shown.add(new AttributedString(line));
                    }
                    status.update(shown);
                    Thread.sleep(intervalMillis);
                }
            } finally {
                status.close();
            }
        }
    }

    private int lines(MigrationClient client, MigrationId mid) throws InterruptedException {
        @Nullable String last = null;
        long lastVersion = -1;
        while (true) {
            MigrationRecord r = client.get(mid);
            if (json()) {
                if (r.version() != lastVersion) {
                    root().out.println(Json.record(r));
                    lastVersion = r.version();
                }
            } else {
                String signature = signature(r);
                if (!signature.equals(last)) {
                    root().out.println(LocalTime.now(ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS));
                    for (String line : ProgressView.lines(r, Instant.now(), width(), Integer.MAX_VALUE)) {
                        root().out.println(line);
                    }
                    root().out.flush();
                    last = signature;
                }
            }
            if (r.state().isTerminal()) {
                return exitCode(r);
            }
            Thread.sleep(intervalMillis);
        }
    }

    private static int exitCode(MigrationRecord r) {
        return r.state() == MigrationState.COMPLETED ? ExitCodes.OK : ExitCodes.NOT_COMPLETED;
    }

    /** What a person would notice: states, whole percents, pauses, wait and throttle reasons. */
    static String signature(MigrationRecord r) {
        StringBuilder b =
                new StringBuilder(r.state().name()).append(r.controls().paused());
        for (ShardRecord s : r.shards()) {
            b.append('|')
                    .append(s.state())
                    .append((int) s.progress().percent())
                    .append(Objects.toString(s.waitReason(), ""))
                    .append(Objects.toString(s.progress().throttleReason(), ""));
        }
        return b.toString();
    }
}
