package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Request messages")
class RequestMessagesTest {
    private static final String SECRET = "s3cr3t-VALUE";

    private static MigrationRequest.Builder request() {
        return MigrationRequest.builder()
                .idempotencyKey("k-1")
                .keyspace("commerce")
                .table("orders")
                .ddl("ADD COLUMN a INT")
                .engine("pt-osc")
                .requestedBy("alice");
    }

    @Test
    @DisplayName("a refused option name never repeats a value written into it")
    void optionNames() {
        for (String name : List.of(
                "--password=" + SECRET,
                "password=" + SECRET,
                "--defaults-file=/home/" + SECRET,
                "dsn=h=db,p=" + SECRET,
                "-p" + "=" + SECRET,
                "Flags=--password=" + SECRET)) {
            InvalidRequestException e = catchThrowableOfType(
                    InvalidRequestException.class,
                    () -> request().option(name, "x").build());
            assertThat(e).as(name).isNotNull();
            assertThat(e.getMessage()).as(name).doesNotContain(SECRET);
        }
    }

    @Test
    @DisplayName("a refused 10,000-character idempotency key is quoted in part, with its length")
    void longInputIsTruncated() {
        String key = "k".repeat(10_000);
        assertThatThrownBy(() -> request().idempotencyKey(key).build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("(10000 chars)")
                .message()
                .hasSizeLessThan(300);
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice\nINFO forged line", "alice\0", "alice\r", "\t", " ", ""})
    @DisplayName("refuses a requester with control characters or nothing printable")
    void identities(String who) {
        assertThatThrownBy(() -> request().requestedBy(who).build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("requestedBy must be")
                .message()
                .doesNotContain("\n")
                .doesNotContain("\0");
    }

    @Test
    @DisplayName("requires the requester: a request without requestedBy is a typed error, not 'unknown'")
    void requesterRequired() {
        MigrationRequest.Builder b = MigrationRequest.builder()
                .idempotencyKey("k-1")
                .keyspace("commerce")
                .table("orders")
                .ddl("ADD COLUMN a INT")
                .engine("pt-osc");
        assertThatThrownBy(b::build).isInstanceOf(InvalidRequestException.class).hasMessage("requestedBy is required");
    }
}
