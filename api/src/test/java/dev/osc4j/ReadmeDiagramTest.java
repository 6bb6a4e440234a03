package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReadmeDiagramTest {
    private static final Path README = Path.of("..", "README.md");
    private static final String BEGIN = "<!-- state-diagram:begin -->";
    private static final String END = "<!-- state-diagram:end -->";

    @Test
    @DisplayName("the README's state diagram is the one Transitions.mermaid() generates")
    void readmeDiagramIsGeneratedFromTheTable() throws IOException {
        assertThat(README)
                .as("the repository's README, read from the api module")
                .isRegularFile();
        List<String> lines = Files.readAllLines(README, StandardCharsets.UTF_8);
        int begin = lines.indexOf(BEGIN);
        int end = lines.indexOf(END);
        assertThat(begin).as("line '%s'", BEGIN).isNotNegative();
        assertThat(end).as("line '%s' after '%s'", END, BEGIN).isGreaterThan(begin + 2);
        List<String> block = lines.subList(begin + 1, end);
        assertThat(block.get(0)).isEqualTo("```mermaid");
        assertThat(block.get(block.size() - 1)).isEqualTo("```");
        String diagram = String.join("\n", block.subList(1, block.size() - 1)) + "\n";
        String expected = Transitions.mermaid();
        assertThat(diagram)
                .as("the README diagram is stale; put this between the markers:%n```mermaid%n%s```", expected)
                .isEqualTo(expected);
    }
}
