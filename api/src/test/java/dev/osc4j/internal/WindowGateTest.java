package dev.osc4j.internal;

import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.migration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationWindow;
import dev.osc4j.spi.GateResult;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("WindowGate")
class WindowGateTest {
    private final WindowGate gate = new WindowGate();

    private GateResult evaluate(@Nullable MigrationWindow window, Instant now) {
        MigrationRecord rec =
                migration("a").policy(p -> p.cutoverWindow(window)).build();
        return gate.evaluate(GateContexts.of(rec, GateContexts.CUTOVER, null, null, now));
    }

    @Test
    @DisplayName("passes at any time without a window")
    void noWindow() {
        assertThat(gate.name()).isEqualTo("window");
        assertThat(evaluate(null, T0).passed()).isTrue();
    }

    @Test
    @DisplayName("passes while the window is open and waits, describing the window, while it is closed")
    void openAndClosed() {
        MigrationWindow window = new MigrationWindow(
                EnumSet.of(DayOfWeek.MONDAY), LocalTime.of(9, 0), LocalTime.of(12, 0), ZoneId.of("Europe/Berlin"));
        // T0 is Monday 10:00 UTC, 11:00 in Berlin.
        assertThat(evaluate(window, T0).passed()).isTrue();
        assertThat(evaluate(window, T0.plusSeconds(3600)))
                .isEqualTo(GateResult.waitFor("cut-over window closed (opens Mon 09:00-12:00 Europe/Berlin)"));
    }
}
