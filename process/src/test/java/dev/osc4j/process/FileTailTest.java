package dev.osc4j.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileTail")
class FileTailTest {
    @TempDir
    Path work;

    @Test
    @DisplayName("FileTail hands out complete lines once, and the unterminated last line on request")
    void fileTail() throws IOException {
        Path f = work.resolve("out.log");
        FileTail tail = new FileTail(f);
        assertThat(tail.newLines()).isEmpty();
        Files.writeString(f, "one\ntw");
        assertThat(tail.newLines()).containsExactly("one");
        assertThat(tail.pending()).isEqualTo("tw");
        Files.writeString(f, "o\nthree\n", StandardOpenOption.APPEND);
        assertThat(tail.newLines()).containsExactly("two", "three");
        assertThat(tail.newLines()).isEmpty();
    }

    @Test
    @DisplayName("lastLines reads the end of a file, drops a line cut at the start, and is empty for a missing file")
    void lastLines() throws IOException {
        Path f = work.resolve("stderr.log");
        assertThat(FileTail.lastLines(f)).isEmpty();
        Files.writeString(f, "a\nb\n");
        assertThat(FileTail.lastLines(f)).containsExactly("a", "b");
        Files.writeString(f, "x".repeat(70 * 1024) + "\nlast\n");
        assertThat(FileTail.lastLines(f)).containsExactly("last");
    }
}
