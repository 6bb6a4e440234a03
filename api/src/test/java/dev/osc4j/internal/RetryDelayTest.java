package dev.osc4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryDelayTest {
    @Test
    void doublesFromOneSecondUpToFiveMinutes() {
        assertThat(EffectRunner.retryDelay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(EffectRunner.retryDelay(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(EffectRunner.retryDelay(9)).isEqualTo(Duration.ofSeconds(256));
        assertThat(EffectRunner.retryDelay(10)).isEqualTo(EffectRunner.MAX_RETRY_DELAY);
        assertThat(EffectRunner.retryDelay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(5));
        assertThat(EffectRunner.retryDelay(0)).isEqualTo(EffectRunner.FIRST_RETRY_DELAY);
    }
}
