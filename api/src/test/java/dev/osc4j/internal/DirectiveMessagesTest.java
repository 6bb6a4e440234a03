package dev.osc4j.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.DirectiveKind;
import dev.osc4j.InvalidRequestException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Directive messages")
class DirectiveMessagesTest {

    @Test
    @DisplayName("a refused 10,000-character directive id is quoted in part, with its length")
    void longIdIsTruncated() {
        assertThatThrownBy(() -> new Directives.Directive("d".repeat(10_000), DirectiveKind.PAUSE, "", "alice"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("(10000 chars)")
                .message()
                .hasSizeLessThan(300);
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice\nINFO forged line", "alice\0", "alice\r", "\t", " ", ""})
    @DisplayName("refuses an actor with control characters or nothing printable")
    void actors(String who) {
        assertThatThrownBy(() -> new Directives.Directive("d-1", DirectiveKind.PAUSE, "", who))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("directive actor must be")
                .message()
                .doesNotContain("\n")
                .doesNotContain("\0");
    }
}
