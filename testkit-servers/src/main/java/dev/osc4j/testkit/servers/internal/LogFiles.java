package dev.osc4j.testkit.servers.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Reads the end of server log files for error messages and diagnostics. */
public final class LogFiles {

    private static final int TAIL_BYTES = 64 * 1024;

    private LogFiles() {}

    /**
     * Returns the last {@code lines} lines of {@code file}, at most 64 KiB of it, or an empty string if it does not
     * exist or cannot be read.
     *
     * @param file the log file
     * @param lines how many lines at most
     * @return the lines joined with {@code \n}
     */
    public static String tail(Path file, int lines) {
        long size = size(file);
        String text = readFrom(file, Math.max(0, size - TAIL_BYTES));
        List<String> all = Arrays.asList(text.split("\n", -1));
        int end = all.size();
        if (end > 0 && all.get(end - 1).isEmpty()) {
            end--;
        }
        return String.join("\n", all.subList(Math.max(0, end - lines), end));
    }

    /**
     * Returns the size of {@code file} in bytes, 0 if it does not exist.
     *
     * @param file the file
     * @return its size
     */
    public static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Returns the text of {@code file} from byte {@code offset} on (at most 1 MiB), or an empty string.
     *
     * @param file the file
     * @param offset where to start
     * @return the text, decoded as UTF-8
     */
    public static String readFrom(Path file, long offset) {
        if (!Files.exists(file)) {
            return "";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = Math.min(in.length() - offset, 1024 * 1024);
            if (length <= 0) {
                return "";
            }
            byte[] bytes = new byte[(int) length];
            in.seek(offset);
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
