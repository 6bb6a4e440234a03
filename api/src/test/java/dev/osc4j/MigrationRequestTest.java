package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("MigrationRequest")
class MigrationRequestTest {

    private static MigrationRequest.Builder valid() {
        return MigrationRequest.builder()
                .idempotencyKey("JIRA-1234")
                .keyspace("commerce")
                .table("orders")
                .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(255)")
                .engine("pt-osc")
                .requestedBy("alice");
    }

    @Test
    @DisplayName("builds a request with a normalised spec, its requester and no policy")
    void builds() {
        MigrationRequest r = valid().option("chunk-size", "500")
                .options(Map.of("max-lag", "1"))
                .shards("-80", "80-")
                .build();
        assertThat(r.idempotencyKey()).isEqualTo("JIRA-1234");
        assertThat(r.requestedBy()).isEqualTo("alice");
        assertThat(r.policy()).isNull();
        assertThat(r.spec().ddl()).isEqualTo("ALTER TABLE `orders` ADD COLUMN note VARCHAR(255)");
        assertThat(r.spec().engineOptions()).containsOnlyKeys("chunk-size", "max-lag");
        assertThat(r.spec().shards()).containsExactly("-80", "80-");
    }

    @Test
    @DisplayName("names its migration after the idempotency key, the same in every process")
    void migrationId() {
        MigrationRequest r = valid().build();
        assertThat(r.migrationId()).isEqualTo(MigrationId.forIdempotencyKey("JIRA-1234"));
        assertThat(r.migrationId().value()).matches("m-[0-9a-f]{24}");
        assertThat(valid().idempotencyKey("JIRA-1235").build().migrationId()).isNotEqualTo(r.migrationId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "tab\there", "line\nbreak"})
    @DisplayName("refuses a blank or unprintable idempotency key")
    void badKey(String key) {
        assertThatThrownBy(() -> valid().idempotencyKey(key).build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("idempotencyKey must be 1-200 printable characters (not blank, no control"
                        + " characters), got '")
                .message()
                .doesNotContain("\t", "\n");
    }

    @Test
    @DisplayName("refuses an idempotency key longer than 200 characters, and accepts one of 200")
    void keyLength() {
        assertThat(valid().idempotencyKey("k".repeat(200)).build().idempotencyKey())
                .hasSize(200);
        assertThatThrownBy(() -> valid().idempotencyKey("k".repeat(201)).build())
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    @DisplayName("refuses a blank requester")
    void badRequester() {
        assertThatThrownBy(() -> valid().requestedBy(" ").build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("requestedBy must be 1-200 printable characters (not blank, no control characters), got"
                        + " ' '");
    }

    @Test
    @DisplayName("names the missing required parameter")
    void missing() {
        assertThatThrownBy(() -> MigrationRequest.builder().build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("keyspace is required");
        assertThatThrownBy(() -> MigrationRequest.builder()
                        .keyspace("k")
                        .table("t")
                        .ddl("ADD COLUMN a INT")
                        .engine("e")
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("idempotencyKey is required");
        assertThatThrownBy(() -> MigrationRequest.builder()
                        .idempotencyKey("x")
                        .keyspace("k")
                        .table("t")
                        .engine("e")
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("ddl is required");
    }

    @Test
    @DisplayName("passes spec errors through: duplicate shards, bad DDL")
    void specErrors() {
        assertThatThrownBy(() -> valid().shards("-80", "-80").build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("shards contain duplicates");
        assertThatThrownBy(() -> valid().ddl("DROP TABLE orders").build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageEndingWith("got a DROP statement");
    }
}
