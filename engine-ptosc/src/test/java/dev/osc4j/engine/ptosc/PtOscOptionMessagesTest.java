package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.osc4j.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The pt-osc engine's option messages")
class PtOscOptionMessagesTest {
    private static final String SECRET = "s3cr3t-VALUE";
    /** Values that hold a credential the way a careless caller writes one. */
    private static final List<String> VALUES = List.of(
            SECRET,
            "--password=" + SECRET,
            "--user=" + SECRET,
            "--ask-pass " + SECRET,
            "--password " + SECRET,
            "--defaults-file=/home/" + SECRET,
            "--conf=" + SECRET,
            "h=db,u=root,p=" + SECRET,
            "dsn=D=db,t=dsns,p=" + SECRET,
            "db:3306,p=" + SECRET,
            "Threads_running=" + SECRET,
            "wait_timeout='" + SECRET + "'",
            "http://root:" + SECRET + "@db/",
            SECRET.repeat(200));

    @Test
    @DisplayName("name the option, never its value: no refused option's message repeats a secret-looking value")
    void neverEchoValues() {
        TreeSet<String> names = new TreeSet<>(PtOscOptions.names());
        names.addAll(List.of("user", "password", "ask-pass", "defaults-file", "socket", "host", "port", "conf", "dsn"));
        names.addAll(List.of("--password", "--user", "--chunk-size", "--password=" + SECRET, "p=" + SECRET));
        List<String> refused = new ArrayList<>();
        for (String name : names) {
            for (String value : VALUES) {
                InvalidRequestException e = catchThrowableOfType(
                        InvalidRequestException.class, () -> PtOscOptions.effective(Map.of(), Map.of(name, value)));
                if (e != null) {
                    refused.add(name);
                    assertThat(e.getMessage()).as("%s=%s", name, value).doesNotContain(SECRET);
                }
                InvalidRequestException d = catchThrowableOfType(
                        InvalidRequestException.class, () -> PtOscOptions.effective(Map.of(name, value), Map.of()));
                if (d != null) {
                    assertThat(d.getMessage()).as("default %s=%s", name, value).doesNotContain(SECRET);
                }
            }
        }
        assertThat(refused).as("the corpus is refused").hasSizeGreaterThan(names.size() * VALUES.size() / 2);
    }

    @Test
    @DisplayName("says to drop the leading dashes of an option written as a flag")
    void leadingDashes() {
        InvalidRequestException e = catchThrowableOfType(
                InvalidRequestException.class, () -> PtOscOptions.effective(Map.of("--chunk-size", "0"), Map.of()));
        assertThat(e).hasMessageContaining("'--chunk-size'").hasMessageContaining("drop the leading dashes");
    }
}
