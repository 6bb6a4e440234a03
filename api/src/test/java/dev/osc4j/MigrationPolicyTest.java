package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("MigrationPolicy")
class MigrationPolicyTest {

    @Test
    @DisplayName("defaults to an automatic cut-over behind the gates, without approvals or window")
    void defaults() {
        MigrationPolicy p = MigrationPolicy.defaults();
        assertThat(p.maxReplicaLag())
                .isEqualTo(MigrationPolicy.DEFAULT_MAX_REPLICA_LAG)
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(p.maxTopologyAge()).isEqualTo(MigrationPolicy.DEFAULT_MAX_TOPOLOGY_AGE);
        assertThat(p.stallTimeout()).isEqualTo(MigrationPolicy.DEFAULT_STALL_TIMEOUT);
        assertThat(p.throttleOnReplicaLag()).isTrue();
        assertThat(p.requireStartApproval()).isFalse();
        assertThat(p.requireCutoverApproval()).isFalse();
        assertThat(p.cutoverMode()).isEqualTo(CutoverMode.AUTOMATIC);
        assertThat(p.cutoverWindow()).isNull();
        assertThat(p.failOnStall()).isFalse();
        assertThat(MigrationPolicy.builder().build()).isEqualTo(p);
    }

    @Test
    @DisplayName("toBuilder keeps every setting")
    void toBuilderRoundTrip() {
        MigrationPolicy p = MigrationPolicy.builder()
                .maxReplicaLag(Duration.ofSeconds(3))
                .throttleOnReplicaLag(false)
                .requireStartApproval(true)
                .requireCutoverApproval(true)
                .cutoverMode(CutoverMode.MANUAL)
                .cutoverWindow(MigrationWindow.daily(LocalTime.of(1, 0), LocalTime.of(4, 0), ZoneOffset.UTC))
                .maxTopologyAge(Duration.ofSeconds(5))
                .stallTimeout(Duration.ofMinutes(1))
                .failOnStall(true)
                .build();
        assertThat(p.toBuilder().build()).isEqualTo(p);
        assertThat(p.toBuilder().failOnStall(false).build().failOnStall()).isFalse();
        assertThat(p.requiresApproval(ApprovalStage.START)).isTrue();
        assertThat(p.requiresApproval(ApprovalStage.CUTOVER)).isTrue();
        assertThat(MigrationPolicy.defaults().requiresApproval(ApprovalStage.START))
                .isFalse();
    }

    @Test
    @DisplayName("refuses durations that are zero or negative, naming the parameter and its value")
    void refusesNonPositiveDurations() {
        assertThatThrownBy(() ->
                        MigrationPolicy.builder().maxReplicaLag(Duration.ZERO).build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("policy maxReplicaLag must be positive, got PT0S");
        assertThatThrownBy(() -> MigrationPolicy.builder()
                        .maxTopologyAge(Duration.ofSeconds(-1))
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("policy maxTopologyAge must be positive, got PT-1S");
        assertThatThrownBy(() -> MigrationPolicy.builder()
                        .stallTimeout(Duration.ofMillis(-5))
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("policy stallTimeout must be positive, got PT-0.005S");
        assertThat(MigrationPolicy.builder()
                        .stallTimeout(Duration.ofMillis(1))
                        .build()
                        .stallTimeout())
                .isEqualTo(Duration.ofMillis(1));
    }

    @Test
    @DisplayName("a load ceiling (maxThreadsRunning) is 1-100000 and needs the closed loop (targetReplicaLag)")
    void maxThreadsRunning() {
        MigrationPolicy p = MigrationPolicy.builder()
                .targetReplicaLag(Duration.ofSeconds(1))
                .maxThreadsRunning(40)
                .build();
        assertThat(p.maxThreadsRunning()).isEqualTo(40);
        assertThat(p.toBuilder().build()).isEqualTo(p);
        assertThat(MigrationPolicy.defaults().maxThreadsRunning()).isNull();
        for (int bad : new int[] {0, -1, MigrationPolicy.MAX_THREADS_RUNNING_LIMIT + 1}) {
            assertThatThrownBy(() -> p.toBuilder().maxThreadsRunning(bad).build())
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("policy maxThreadsRunning must be 1-100000, got " + bad);
        }
        assertThatThrownBy(() -> MigrationPolicy.builder().maxThreadsRunning(40).build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("set targetReplicaLag too");
    }
}
