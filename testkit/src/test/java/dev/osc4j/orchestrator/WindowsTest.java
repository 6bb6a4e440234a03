package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.AuditEntry;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.Trigger;
import dev.osc4j.WindowSchedule;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Copy and cut-over schedules on the fake world (the clock starts on Thursday 2026-01-01 00:00 UTC). */
class WindowsTest {

    @Test
    @DisplayName("a shard waits in QUEUED outside the copy schedule, saying when it opens, and starts when it does")
    void copySchedule() {
        World w = new World();
        MigrationId id = w.submit(
                "copy-window",
                MigrationPolicy.builder()
                        .copySchedule(WindowSchedule.parse("daily 02:00-03:00 UTC"))
                        .build());
        w.run(Duration.ofSeconds(20));
        MigrationRecord waiting = w.osc.get(id);
        assertThat(waiting.state()).isEqualTo(MigrationState.QUEUED);
        assertThat(waiting.shards().get(0).waitReason())
                .contains("copy window opens in 1h59m")
                .contains("2026-01-01T02:00Z");
        MigrationRecord started = w.runUntil(id, r -> r.state() != MigrationState.QUEUED);
        Instant at = w.osc.audit(id).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.TRANSITION && e.trigger() == Trigger.START)
                .map(AuditEntry::at)
                .findFirst()
                .orElseThrow();
        assertThat(at.atOffset(ZoneOffset.UTC).toLocalTime()).isBetween(LocalTime.of(2, 0), LocalTime.of(2, 1));
        assertThat(started.state()).isNotEqualTo(MigrationState.FAILED);
    }

    @Test
    @DisplayName("a cut-over starts only where the schedule stays open for the expected cut-over time")
    void cutoverSchedule() {
        World w = new World();
        MigrationPolicy policy = MigrationPolicy.builder()
                .cutoverSchedule(WindowSchedule.parse("any: daily 00:00-00:06 UTC, daily 03:00-04:00 UTC")
                        .withFreeze(
                                java.time.LocalDate.of(2026, 1, 1),
                                java.time.LocalDate.of(2026, 1, 1),
                                java.time.ZoneId.of("UTC")))
                .expectedCutoverTime(Duration.ofMinutes(10))
                .build();
        MigrationId id = w.submit("cutover-window", policy);
        assertThat(w.osc.get(id).policy())
                .as("the schedule survives the store's JSON (the in-memory store encodes and decodes every record)")
                .isEqualTo(policy);
        MigrationRecord pending =
                w.runUntil(id, r -> r.shards().stream().allMatch(s -> s.state() == MigrationState.CUTOVER_PENDING));
        assertThat(pending.shards().get(0).waitReason()).isNull();
        w.run(Duration.ofSeconds(15));
        assertThat(w.osc.get(id).shards().get(0).waitReason()).contains("cut-over window");
        MigrationRecord done = Simulation.of(w.osc, w.clock)
                .step(Duration.ofSeconds(10))
                .runUntil(id, MigrationState.COMPLETED, Duration.ofHours(30));
        Instant cutover = w.osc.audit(id).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.TRANSITION && e.trigger() == Trigger.CUTOVER)
                .map(AuditEntry::at)
                .findFirst()
                .orElseThrow();
        // Not on the frozen 1 January, and not in the 6-minute window shorter than the expected 10 minutes: at 03:00.
        assertThat(cutover).isBetween(Instant.parse("2026-01-02T03:00:00Z"), Instant.parse("2026-01-02T03:01:00Z"));
        assertThat(done.state()).isEqualTo(MigrationState.COMPLETED);
    }

    @Test
    @DisplayName("a schedule that never opens for the expected cut-over time is refused at submit, writing nothing")
    void neverOpensIsRefused() {
        World w = new World();
        MigrationPolicy tooShort = MigrationPolicy.builder()
                .cutoverSchedule(WindowSchedule.parse("daily 02:00-02:05 UTC"))
                .expectedCutoverTime(Duration.ofMinutes(10))
                .build();
        assertThatThrownBy(() -> w.submit("too-short", tooShort))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("cut-over schedule")
                .hasMessageContaining("does not open for 10m");
        MigrationPolicy frozen = MigrationPolicy.builder()
                .copySchedule(WindowSchedule.parse("daily 02:00-03:00 UTC; freeze 2025-12-01..2026-03-01 UTC"))
                .build();
        assertThatThrownBy(() -> w.submit("frozen", frozen))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("copy schedule");
        assertThat(w.osc.list(MigrationFilter.all())).isEmpty();
    }
}
