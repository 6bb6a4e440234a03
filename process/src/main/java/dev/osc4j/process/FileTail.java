package dev.osc4j.process;

import static org.apiguardian.api.API.Status.INTERNAL;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apiguardian.api.API;

/**
 * Reads a growing text file line by line from where the last read stopped: a partial last line waits for its line
 * break. Lets an observer parse a long run's output once, not on every poll. Not thread-safe. {@link #lastLines}
 * reads the end of a file once, for a summary.
 */
@API(status = INTERNAL, since = "0.1")
public final class FileTail {
    private static final int CHUNK = 64 * 1024;
    /** Bytes {@link #lastLines} reads from the end of a file. */
    private static final int TAIL_BYTES = 64 * 1024;

    private final Path file;
    private long offset;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    /** A tail of {@code file}, which need not exist yet, from its first byte. */
    public FileTail(Path file) {
        this.file = file;
    }

    /** The complete lines written since the last call (none when the file does not exist yet). */
    public List<String> newLines() {
        List<String> lines = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < offset) {
                // Replaced by a shorter file: start over rather than read garbage.
                offset = 0;
                partial.reset();
            }
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            while (offset < size) {
                buffer.clear();
                int n = channel.read(buffer, offset);
                if (n <= 0) {
                    break;
                }
                offset += n;
                byte[] bytes = buffer.array();
                for (int i = 0; i < n; i++) {
                    if (bytes[i] == '\n') {
                        lines.add(partial.toString(StandardCharsets.UTF_8));
                        partial.reset();
                    } else {
                        partial.write(bytes[i]);
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return lines;
    }

    /** The unterminated last line, if any: the tool's last words when it was killed mid-line. */
    public String pending() {
        return partial.toString(StandardCharsets.UTF_8);
    }

    /** The last lines of a file (at most the last 64 KiB, a cut first line dropped), or none when it does not exist. */
    public static List<String> lastLines(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            long start = Math.max(0, length - TAIL_BYTES);
            byte[] bytes = new byte[(int) (length - start)];
            f.seek(start);
            f.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
            if (start > 0 && !lines.isEmpty()) {
                lines.remove(0); // probably cut in the middle
            }
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            return lines;
        } catch (java.io.FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
