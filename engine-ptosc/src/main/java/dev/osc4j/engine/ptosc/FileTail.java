package dev.osc4j.engine.ptosc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a growing text file line by line from where the last read stopped: a partial last line waits for its line
 * break. Lets an observer parse a long run's output once, not on every poll. Not thread-safe.
 */
final class FileTail {
    private static final int CHUNK = 64 * 1024;

    private final Path file;
    private long offset;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    FileTail(Path file) {
        this.file = file;
    }

    /** The complete lines written since the last call (none when the file does not exist yet). */
    List<String> newLines() {
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
    String pending() {
        return partial.toString(StandardCharsets.UTF_8);
    }
}
