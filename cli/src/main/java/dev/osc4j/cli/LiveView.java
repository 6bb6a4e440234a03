package dev.osc4j.cli;

import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
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

/**
 * Shows a migration's progress as {@link ProgressView} renders it. In a terminal the bars sit in a status area at the
 * bottom (JLine's {@link Status}) and are redrawn in place, cut to the terminal's width and height, while
 * {@link #println} output scrolls above them; anywhere else (a pipe, a file) it prints a timestamped block only when
 * something a person would notice changed (a state, a whole percent, a wait or throttle reason), so a log stays short.
 * Used by {@code osc4j watch} and by the quickstart.
 */
public final class LiveView implements AutoCloseable {
    private final PrintStream out;
    private final @Nullable Terminal terminal;
    private final @Nullable Status status;
    private final int plainWidth;
    private @Nullable String lastSignature;

    private LiveView(PrintStream out, @Nullable Terminal terminal, int plainWidth) {
        this.out = out;
        this.terminal = terminal;
        this.status = terminal == null ? null : Status.getStatus(terminal);
        this.plainWidth = plainWidth;
    }

    /**
     * A view on the process's own terminal when it has one (and {@code plain} is false), plain lines on
     * {@code System.out} otherwise.
     */
    public static LiveView system(boolean plain, int plainWidth) {
        if (!plain) {
            try {
                Terminal t = TerminalBuilder.builder().system(true).dumb(true).build();
                if (!t.getType().startsWith(Terminal.TYPE_DUMB)) {
                    return new LiveView(System.out, t, plainWidth);
                }
                t.close();
            } catch (IOException e) {
                // no terminal: plain lines
            }
        }
        return new LiveView(System.out, null, plainWidth);
    }

    /** A view that prints plain lines on {@code out}, cut to {@code width}. */
    public static LiveView plain(PrintStream out, int width) {
        return new LiveView(out, null, width);
    }

    /** Whether the bars are redrawn in place. */
    public boolean live() {
        return terminal != null;
    }

    /** Prints a line of its own (a transition, a message): above the bars in a terminal. */
    public synchronized void println(String line) {
        Terminal t = terminal;
        if (t == null) {
            out.println(line);
            out.flush();
            return;
        }
        t.writer().println(ProgressView.cut(line, width(t)));
        t.flush();
        Objects.requireNonNull(status).redraw();
    }

    /** Shows the record: redrawn in place in a terminal; a block when it changed visibly otherwise. */
    public synchronized void show(MigrationRecord r) {
        Terminal t = terminal;
        if (t == null) {
            String signature = signature(r);
            if (!signature.equals(lastSignature)) {
                out.println(LocalTime.now(ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS));
                for (String line : ProgressView.lines(r, Instant.now(), plainWidth, Integer.MAX_VALUE)) {
                    out.println(line);
                }
                out.flush();
                lastSignature = signature;
            }
            return;
        }
        Size size = t.getSize();
        int height = size.getRows() > 0 ? size.getRows() : 24;
        List<AttributedString> lines = new ArrayList<>();
        for (String line : ProgressView.lines(r, Instant.now(), width(t), Math.max(1, height / 2 - 1))) {
            lines.add(new AttributedString(line));
        }
        Objects.requireNonNull(status).update(lines);
    }

    /** Shows the record one last time as ordinary lines (it ended) and clears the bars. */
    public synchronized void last(MigrationRecord r) {
        Terminal t = terminal;
        if (t == null) {
            lastSignature = null;
            show(r);
            return;
        }
        Objects.requireNonNull(status).update(List.of());
        for (String line : ProgressView.lines(r, Instant.now(), width(t), Integer.MAX_VALUE)) {
            t.writer().println(line);
        }
        t.flush();
    }

    private int width(Terminal t) {
        int columns = t.getSize().getColumns();
        return columns > 0 ? columns - 1 : plainWidth;
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

    @Override
    public synchronized void close() {
        Status s = status;
        if (s != null) {
            s.close();
        }
        Terminal t = terminal;
        if (t != null) {
            try {
                t.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
