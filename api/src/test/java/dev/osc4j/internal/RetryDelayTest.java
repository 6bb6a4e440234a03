package dev.osc4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryDelayTest {
    @Test
    void doublesFromOneSecondUpToFiveMinutes() {
        assertThat(Reconciler.retryDelay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Reconciler.retryDelay(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Reconciler.retryDelay(9)).isEqualTo(Duration.ofSeconds(256));
        assertThat(Reconciler.retryDelay(10)).isEqualTo(Reconciler.MAX_RETRY_DELAY);
        assertThat(Reconciler.retryDelay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(5));
        assertThat(Reconciler.retryDelay(0)).isEqualTo(Reconciler.FIRST_RETRY_DELAY);
    }
}
