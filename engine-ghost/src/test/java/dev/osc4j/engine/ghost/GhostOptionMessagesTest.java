package dev.osc4j.engine.ghost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.osc4j.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("gh-ost engine option messages")
class GhostOptionMessagesTest {
    private static final String SECRET = "s3cr3t-VALUE";
    /** Values that hold a credential the way a careless caller writes one. */
    private static final List<String> VALUES = List.of(
            SECRET,
            "--password=" + SECRET,
            "--master-password=" + SECRET,
            "--conf=/home/" + SECRET,
            "root:" + SECRET + "@db:3306",
            "db:" + SECRET,
            "Threads_running=" + SECRET,
            "http://root:" + SECRET + "@throttle/",
            "/etc/" + SECRET + " x",
            SECRET.repeat(200));

    @Test
    @DisplayName("name the option, never its value: no refused option's message repeats a secret-looking value")
    void neverEchoValues() {
        TreeSet<String> names = new TreeSet<>(GhostOptions.supportedNames());
        names.addAll(List.of("user", "password", "master-user", "master-password", "conf", "ask-pass", "host"));
        names.addAll(List.of("--password", "--chunk-size", "--password=" + SECRET, "inspect-host.-80"));
        List<String> refused = new ArrayList<>();
        for (String name : names) {
            for (String value : VALUES) {
                InvalidRequestException e = catchThrowableOfType(
                        InvalidRequestException.class, () -> GhostOptions.resolve(Map.of(), Map.of(name, value)));
                if (e != null) {
                    refused.add(name);
                    assertThat(e.getMessage()).as("%s=%s", name, value).doesNotContain(SECRET);
                }
                InvalidRequestException d = catchThrowableOfType(
                        InvalidRequestException.class, () -> GhostOptions.resolve(Map.of(name, value), Map.of()));
                if (d != null) {
                    assertThat(d.getMessage()).as("default %s=%s", name, value).doesNotContain(SECRET);
                }
            }
        }
        assertThat(refused).as("the corpus is refused").hasSizeGreaterThan(names.size() * VALUES.size() / 2);
    }

    @Test
    @DisplayName("say to drop the leading dashes of an option written as a flag")
    void leadingDashes() {
        InvalidRequestException e = catchThrowableOfType(
                InvalidRequestException.class, () -> GhostOptions.resolve(Map.of("--chunk-size", "1000"), Map.of()));
        assertThat(e).hasMessageContaining("'--chunk-size'").hasMessageContaining("drop the leading dashes");
    }
}
