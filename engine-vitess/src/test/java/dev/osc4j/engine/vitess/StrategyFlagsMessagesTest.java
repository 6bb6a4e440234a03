package dev.osc4j.engine.vitess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Vitess strategy flag messages")
class StrategyFlagsMessagesTest {
    private static final String SECRET = "s3cr3t-VALUE";

    @Test
    @DisplayName("name the flag, never its value: no refused flag's message repeats a secret-looking value")
    void neverEchoValues() {
        List<String> values = List.of(
                SECRET,
                "--password=" + SECRET,
                "--password " + SECRET,
                "--user=root --password=" + SECRET,
                "--cut-over-threshold=" + SECRET,
                "--allow-concurrent=" + SECRET,
                "--postpone-launch=" + SECRET,
                "--singleton=" + SECRET,
                "--retain-artifacts=" + SECRET,
                "--allow-concurrent " + SECRET.repeat(200));
        for (String option :
                List.of(VitessEngine.OPTION_STRATEGY_FLAGS, "password", "--" + VitessEngine.OPTION_STRATEGY_FLAGS)) {
            for (String value : values) {
                InvalidRequestException e = catchThrowableOfType(
                        InvalidRequestException.class,
                        () -> StrategyFlags.strategy(new MigrationSpec(
                                "commerce", "orders", "ADD COLUMN a INT", "vitess", Map.of(option, value), List.of())));
                assertThat(e).as("%s=%s is refused", option, value).isNotNull();
                assertThat(e.getMessage()).as("%s=%s", option, value).doesNotContain(SECRET);
            }
        }
    }
}
