package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.ApprovalStage;
import dev.osc4j.CutoverMode;
import dev.osc4j.DirectiveResult;
import dev.osc4j.IdempotencyConflictException;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DirectivesTest {
    private final World w = new World();
    private final MigrationPolicy guarded = MigrationPolicy.builder()
            .requireStartApproval(true)
            .requireCutoverApproval(true)
            .cutoverMode(CutoverMode.MANUAL)
            .build();

    /** Sends a directive twice with the same id: same outcome, and the second changes nothing. */
    private DirectiveResult twice(MigrationId id, Supplier<DirectiveResult> directive) {
        DirectiveResult first = directive.get();
        MigrationRecord after = w.osc.get(id);
        DirectiveResult second = directive.get();
        assertThat(second).isEqualTo(first);
        assertThat(w.osc.get(id)).isEqualTo(after);
        return first;
    }

    @Test
    @DisplayName("every directive sent twice is applied once and returns its first outcome")
    void everyDirectiveTwice() {
        MigrationId id = w.submit("directives", guarded);
        twice(id, () -> w.osc.approve(id, "approve-start", ApprovalStage.START, "alice"));
        twice(id, () -> w.osc.approve(id, "approve-cutover", ApprovalStage.CUTOVER, "bob"));
        twice(id, () -> w.osc.throttle(id, "throttle-half", 0.5, "alice"));
        twice(id, () -> w.osc.pause(id, "pause-1", "alice"));
        assertThat(w.osc.get(id).controls().paused()).isTrue();
        twice(id, () -> w.osc.resume(id, "resume-1", "alice"));
        twice(id, () -> w.osc.releaseCutover(id, "release-1", "alice"));
        MigrationRecord r = w.osc.get(id);
        assertThat(r.controls().approvals()).hasSize(2);
        assertThat(r.controls().throttleRatio()).isEqualTo(0.5);
        assertThat(r.controls().cutoverReleased()).isTrue();
        assertThat(r.controls().paused()).isFalse();
        DirectiveResult abort = twice(id, () -> w.osc.abort(id, "abort-1", "alice"));
        assertThat(abort.stateAfter()).isEqualTo(MigrationState.QUEUED);
        w.runUntil(id, MigrationState.ABORTED);
        // Each directive wrote exactly one audit entry.
        assertThat(w.osc.audit(id).stream().filter(e -> e.kind() == dev.osc4j.AuditEntry.Kind.DIRECTIVE))
                .hasSize(7);
    }

    @Test
    @DisplayName("retry sent twice after a failure runs the shard again once")
    void retryTwice() {
        w.topology.failAt(World.KS, "-40", 30);
        MigrationId id = w.submit("retry-twice", null);
        w.runUntil(id, MigrationState.FAILED);
        DirectiveResult r = twice(id, () -> w.osc.retry(id, "retry-1", "alice"));
        assertThat(r.stateAfter()).isEqualTo(MigrationState.QUEUED);
        assertThat(w.osc.get(id).attempt()).isEqualTo(2);
        w.runUntil(id, MigrationState.COMPLETED);
        assertThat(w.engine.runsOn(World.KS, "-40")).hasSize(2);
        assertThat(w.engine.runsOn(World.KS, "c0-")).hasSize(1);
        assertThat(w.osc.retry(id, "retry-1", "alice")).isEqualTo(r);
    }

    @Test
    @DisplayName("a directive that makes no sense in the current state is refused and changes nothing")
    void refusals() {
        MigrationId id = w.submit("refusals", null);
        w.runUntil(id, MigrationState.COPYING_ROWS);
        MigrationRecord before = w.osc.get(id);
        assertThatThrownBy(() -> w.osc.retry(id, "r", "alice"))
                .isInstanceOf(IllegalDirectiveException.class)
                .hasMessageContaining("only a FAILED migration can be retried")
                .extracting(e -> ((IllegalDirectiveException) e).state())
                .isEqualTo(MigrationState.COPYING_ROWS);
        assertThatThrownBy(() -> w.osc.releaseCutover(id, "rel", "alice"))
                .isInstanceOf(IllegalDirectiveException.class)
                .hasMessageContaining("AUTOMATIC");
        assertThatThrownBy(() -> w.osc.approve(id, "ap", ApprovalStage.START, "alice"))
                .isInstanceOf(IllegalDirectiveException.class)
                .hasMessageContaining("does not require");
        assertThatThrownBy(() -> w.osc.resume(id, "res", "alice")).isInstanceOf(IllegalDirectiveException.class);
        assertThatThrownBy(() -> w.osc.throttle(id, "th", 1.5, "alice")).isInstanceOf(InvalidRequestException.class);
        assertThat(w.osc.get(id)).isEqualTo(before);

        w.runUntil(id, MigrationState.COMPLETED);
        MigrationRecord done = w.osc.get(id);
        assertThatThrownBy(() -> w.osc.abort(id, "late-abort", "alice"))
                .isInstanceOf(IllegalDirectiveException.class)
                .hasMessageContaining("over");
        assertThatThrownBy(() -> w.osc.pause(id, "late-pause", "alice")).isInstanceOf(IllegalDirectiveException.class);
        assertThat(w.osc.get(id)).isEqualTo(done);
    }

    @Test
    @DisplayName("a directive id reused for another directive is refused")
    void reusedDirectiveId() {
        MigrationId id = w.submit("reused", null);
        w.osc.pause(id, "op-1", "alice");
        assertThatThrownBy(() -> w.osc.throttle(id, "op-1", 0.2, "alice"))
                .isInstanceOf(IdempotencyConflictException.class)
                .hasMessageContaining("op-1");
    }
}
