package dev.osc4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("DatabaseCredentials and CredentialsProvider")
class DatabaseCredentialsTest {

    @Test
    @DisplayName("toString shows the user and never the password")
    void toStringHidesPassword() {
        DatabaseCredentials c = new DatabaseCredentials("osc", "s3cr#t");
        assertThat(c.toString()).contains("osc").contains("****").doesNotContain("s3cr#t");
    }

    @ParameterizedTest(name = "user \"{0}\" is refused")
    @ValueSource(strings = {"", " ", "a\nb"})
    @DisplayName("a blank user, or one with control characters, is refused naming the user")
    void badUser(String user) {
        assertThatThrownBy(() -> new DatabaseCredentials(user, "x"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("user");
        assertThatThrownBy(() -> new DatabaseCredentials("u".repeat(DatabaseCredentials.MAX_USER_LENGTH + 1), "x"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("user");
    }

    @Test
    @DisplayName("a password with a line break or too long is refused without repeating it")
    void badPassword() {
        assertThatThrownBy(() -> new DatabaseCredentials("osc", "secret\nbreak"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("control character")
                .hasMessageNotContaining("secret")
                .hasMessageNotContaining("break");
        String tooLong = "p".repeat(DatabaseCredentials.MAX_PASSWORD_LENGTH + 1);
        assertThatThrownBy(() -> new DatabaseCredentials("osc", tooLong))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageNotContaining(tooLong);
        assertThat(new DatabaseCredentials("osc", "").password()).isEmpty();
    }

    @Test
    @DisplayName("of(...) gives the same account for every endpoint, and validates at once")
    void fixedProvider() {
        CredentialsProvider p = CredentialsProvider.of("osc", "pw");
        DatabaseCredentials expected = new DatabaseCredentials("osc", "pw");
        assertThat(p.credentialsFor(new Endpoint("db-1", 3306))).isEqualTo(expected);
        assertThat(p.credentialsFor(new Endpoint("db-2", 3307))).isEqualTo(expected);
        assertThat(CredentialsProvider.of(expected).credentialsFor(new Endpoint("db-3", 1)))
                .isSameAs(expected);
        assertThatThrownBy(() -> CredentialsProvider.of(" ", "pw")).isInstanceOf(InvalidRequestException.class);
    }
}
