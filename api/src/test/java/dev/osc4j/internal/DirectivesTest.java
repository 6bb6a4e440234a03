package dev.osc4j.internal;

import static dev.osc4j.TestRecords.ABORTING;
import static dev.osc4j.TestRecords.ID;
import static dev.osc4j.TestRecords.PAUSED;
import static dev.osc4j.TestRecords.RELEASED;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.handle;
import static dev.osc4j.TestRecords.key;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.internal.Decisions.shard;
import static dev.osc4j.internal.Decisions.transitions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Approval;
import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.CutoverMode;
import dev.osc4j.DirectiveKind;
import dev.osc4j.DirectiveResult;
import dev.osc4j.ErrorCode;
import dev.osc4j.IdempotencyConflictException;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.TestRecords;
import dev.osc4j.Trigger;
import dev.osc4j.internal.Directives.Applied;
import dev.osc4j.internal.Directives.Directive;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Directives")
class DirectivesTest {
    private static final String S = "-80";

    private static Directive directive(String id, DirectiveKind kind, String argument) {
        return new Directive(id, kind, argument, "alice");
    }

    private static Outcomes.Result change(Applied applied) {
        return Objects.requireNonNull(applied.change(), "the directive changed nothing");
    }

    /** Every directive kind, in a record where it is accepted. */
    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of(
                        "APPROVE START",
                        migration(S).policy(p -> p.requireStartApproval(true)).build(),
                        directive("d1", DirectiveKind.APPROVE, "START")),
                Arguments.of(
                        "APPROVE CUTOVER",
                        migration(S)
                                .in(MigrationState.COPYING_ROWS)
                                .policy(p -> p.requireCutoverApproval(true))
                                .build(),
                        directive("d1", DirectiveKind.APPROVE, "CUTOVER")),
                Arguments.of(
                        "RELEASE_CUTOVER",
                        migration(S)
                                .in(MigrationState.CUTOVER_PENDING)
                                .policy(p -> p.cutoverMode(CutoverMode.MANUAL))
                                .build(),
                        directive("d1", DirectiveKind.RELEASE_CUTOVER, "")),
                Arguments.of(
                        "RETRY",
                        migration(S).in(MigrationState.FAILED).build(),
                        directive("d1", DirectiveKind.RETRY, "")),
                Arguments.of(
                        "ABORT",
                        migration(S).in(MigrationState.COPYING_ROWS).build(),
                        directive("d1", DirectiveKind.ABORT, "")),
                Arguments.of(
                        "PAUSE",
                        migration(S).in(MigrationState.COPYING_ROWS).build(),
                        directive("d1", DirectiveKind.PAUSE, "")),
                Arguments.of(
                        "RESUME",
                        migration(S)
                                .in(MigrationState.COPYING_ROWS)
                                .controls(PAUSED)
                                .build(),
                        directive("d1", DirectiveKind.RESUME, "")),
                Arguments.of(
                        "THROTTLE",
                        migration(S).in(MigrationState.COPYING_ROWS).build(),
                        directive("d1", DirectiveKind.THROTTLE, "0.5")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    @DisplayName("applied twice, returns the first outcome and the second time changes nothing")
    void idempotent(String name, MigrationRecord rec, Directive d) {
        Applied first = Directives.apply(rec, d, T0);
        Outcomes.Result written = change(first);
        DirectiveResult outcome = first.outcome();
        assertThat(outcome.directiveId()).isEqualTo("d1");
        assertThat(outcome.kind()).isEqualTo(d.kind());
        assertThat(outcome.argument()).isEqualTo(d.argument());
        assertThat(outcome.actor()).isEqualTo("alice");
        assertThat(outcome.at()).isEqualTo(T0);
        assertThat(outcome.stateAfter()).isEqualTo(written.record().state());
        assertThat(written.record().directives()).containsEntry("d1", outcome);
        assertThat(written.record()).isNotEqualTo(rec);
        assertThat(written.audit())
                .filteredOn(e -> e.kind() == AuditEntry.Kind.DIRECTIVE)
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.stepId()).isEqualTo("d1");
                    assertThat(e.actor()).isEqualTo("alice");
                    assertThat(e.detail()).startsWith(d.kind().name()).contains("by alice");
                });
        assertThat(written.record().auditSeq())
                .isEqualTo(rec.auditSeq() + written.audit().size());

        Applied again = Directives.apply(
                written.record(), new Directive("d1", d.kind(), d.argument(), "bob"), T0.plusSeconds(5));
        assertThat(again.outcome()).isEqualTo(outcome);
        assertThat(again.change()).isNull();
    }

    @Test
    @DisplayName("a directive id reused for another kind is an idempotency conflict")
    void conflictOnKind() {
        MigrationRecord rec = change(Directives.apply(
                        migration(S).in(MigrationState.COPYING_ROWS).build(),
                        directive("d1", DirectiveKind.PAUSE, ""),
                        T0))
                .record();
        assertThatThrownBy(() -> Directives.apply(rec, directive("d1", DirectiveKind.RESUME, ""), T0))
                .isInstanceOfSatisfying(IdempotencyConflictException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
                    assertThat(e.migrationId()).isEqualTo(ID);
                })
                .hasMessage("directive id 'd1' was already used for PAUSE");
    }

    @Test
    @DisplayName("a directive id reused with another argument is an idempotency conflict")
    void conflictOnArgument() {
        MigrationRecord rec = change(Directives.apply(
                        migration(S).in(MigrationState.COPYING_ROWS).build(),
                        directive("d1", DirectiveKind.THROTTLE, "0.5"),
                        T0))
                .record();
        assertThatThrownBy(() -> Directives.apply(rec, directive("d1", DirectiveKind.THROTTLE, "0.6"), T0))
                .isInstanceOf(IdempotencyConflictException.class)
                .hasMessage("directive id 'd1' was already used for THROTTLE 0.5");
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(
                        migration(S).in(MigrationState.COPYING_ROWS).build(),
                        directive("r", DirectiveKind.RETRY, ""),
                        "only a FAILED migration can be retried"),
                Arguments.of(
                        migration(S).in(MigrationState.COMPLETED).build(),
                        directive("r", DirectiveKind.RETRY, ""),
                        "only a FAILED migration can be retried"),
                Arguments.of(
                        migration(S)
                                .in(MigrationState.FAILED)
                                .controls(ABORTING)
                                .build(),
                        directive("r", DirectiveKind.RETRY, ""),
                        "an abort is in progress"),
                Arguments.of(
                        migration(S).in(MigrationState.COMPLETED).build(),
                        directive("a", DirectiveKind.ABORT, ""),
                        "the migration is over"),
                Arguments.of(
                        migration(S).in(MigrationState.ABORTED).build(),
                        directive("a", DirectiveKind.ABORT, ""),
                        "the migration is over"),
                Arguments.of(
                        migration(S).in(MigrationState.SWITCHING_TRAFFIC).build(),
                        directive("a", DirectiveKind.ABORT, ""),
                        "the cut-over is in progress and cannot be stopped safely"),
                Arguments.of(
                        migration(S)
                                .in(MigrationState.COPYING_ROWS)
                                .controls(ABORTING)
                                .build(),
                        directive("a", DirectiveKind.ABORT, ""),
                        "an abort is already in progress"),
                Arguments.of(
                        migration(S).in(MigrationState.CUTOVER_PENDING).build(),
                        directive("c", DirectiveKind.RELEASE_CUTOVER, ""),
                        "the cut-over mode is AUTOMATIC"),
                Arguments.of(
                        migration(S)
                                .in(MigrationState.CUTOVER_PENDING)
                                .policy(p -> p.cutoverMode(CutoverMode.MANUAL))
                                .controls(RELEASED)
                                .build(),
                        directive("c", DirectiveKind.RELEASE_CUTOVER, ""),
                        "the cut-over is already released"),
                Arguments.of(
                        migration(S)
                                .in(MigrationState.FAILED)
                                .policy(p -> p.cutoverMode(CutoverMode.MANUAL))
                                .build(),
                        directive("c", DirectiveKind.RELEASE_CUTOVER, ""),
                        "there is no cut-over to release"),
                Arguments.of(
                        migration(S)
                                .in(MigrationState.COPYING_ROWS)
                                .policy(p -> p.cutoverMode(CutoverMode.MANUAL))
                                .controls(ABORTING)
                                .build(),
                        directive("c", DirectiveKind.RELEASE_CUTOVER, ""),
                        "an abort is in progress"),
                Arguments.of(
                        migration(S).build(),
                        directive("p", DirectiveKind.APPROVE, "START"),
                        "the policy does not require a start approval"),
                Arguments.of(
                        migration(S).in(MigrationState.CUTOVER_PENDING).build(),
                        directive("p", DirectiveKind.APPROVE, "CUTOVER"),
                        "the policy does not require a cutover approval"),
                Arguments.of(
                        migration(S)
                                .in(MigrationState.SWITCHING_TRAFFIC)
                                .policy(p -> p.requireCutoverApproval(true))
                                .build(),
                        directive("p", DirectiveKind.APPROVE, "CUTOVER"),
                        "the cut-over already happened"),
                Arguments.of(
                        migration(S)
                                .in(MigrationState.COMPLETED)
                                .policy(p -> p.requireStartApproval(true))
                                .build(),
                        directive("p", DirectiveKind.APPROVE, "START"),
                        "the migration is over"),
                Arguments.of(
                        migration(S)
                                .in(MigrationState.COPYING_ROWS)
                                .controls(PAUSED)
                                .build(),
                        directive("p", DirectiveKind.PAUSE, ""),
                        "already paused"),
                Arguments.of(
                        migration(S).in(MigrationState.FAILED).build(),
                        directive("p", DirectiveKind.PAUSE, ""),
                        "nothing runs that could be paused"),
                Arguments.of(
                        migration(S).in(MigrationState.COPYING_ROWS).build(),
                        directive("p", DirectiveKind.RESUME, ""),
                        "not paused"),
                Arguments.of(
                        migration(S).in(MigrationState.COMPLETED).build(),
                        directive("t", DirectiveKind.THROTTLE, "0.5"),
                        "nothing copies that could be throttled"));
    }

    @ParameterizedTest(name = "{1} in {0}: {2}")
    @MethodSource("refused")
    @DisplayName("a directive that makes no sense in the migration's state is refused with the reason")
    void refusedInState(MigrationRecord rec, Directive d, String why) {
        assertThatThrownBy(() -> Directives.apply(rec, d, T0))
                .isInstanceOfSatisfying(IllegalDirectiveException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_DIRECTIVE);
                    assertThat(e.directive()).isEqualTo(d.kind());
                    assertThat(e.state()).isEqualTo(rec.state());
                    assertThat(e.migrationId()).isEqualTo(ID);
                })
                .hasMessage(d.kind().name().toLowerCase(java.util.Locale.ROOT) + " refused for migration " + ID
                        + " in state " + rec.state() + ": " + why);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "-0.1", "abc", "", "NaN", "Infinity"})
    @DisplayName("a throttle ratio outside 0-1 is an invalid request")
    void invalidRatio(String ratio) {
        MigrationRecord rec = migration(S).in(MigrationState.COPYING_ROWS).build();
        assertThatThrownBy(() -> Directives.apply(rec, directive("t", DirectiveKind.THROTTLE, ratio), T0))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("throttle ratio must be");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0.0", "1", "0.25"})
    @DisplayName("a throttle ratio within 0-1 is accepted and recorded")
    void validRatio(String ratio) {
        MigrationRecord rec = migration(S).in(MigrationState.COPYING_ROWS).build();
        Controls c = change(Directives.apply(rec, directive("t", DirectiveKind.THROTTLE, ratio), T0))
                .record()
                .controls();
        assertThat(c.throttleRatio()).isEqualTo(Double.parseDouble(ratio));
    }

    @Test
    @DisplayName("an approval stage that does not exist is an invalid request")
    void invalidStage() {
        MigrationRecord rec =
                migration(S).policy(p -> p.requireStartApproval(true)).build();
        assertThatThrownBy(() -> Directives.apply(rec, directive("a", DirectiveKind.APPROVE, "start"), T0))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("approval stage must be START or CUTOVER, got 'start'");
    }

    @Test
    @DisplayName("a directive needs a printable id of at most 200 characters and an actor")
    void directiveValidation() {
        assertThatThrownBy(() -> new Directive(" ", DirectiveKind.PAUSE, "", "alice"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("directive id must be 1-200 printable characters");
        assertThatThrownBy(() -> new Directive("a\nb", DirectiveKind.PAUSE, "", "alice"))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> new Directive("x".repeat(201), DirectiveKind.PAUSE, "", "alice"))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> new Directive("d", DirectiveKind.PAUSE, "", ""))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("directive actor must be 1-200 printable characters");
    }

    @Test
    @DisplayName("a retry sends failed shards back to QUEUED with their run as leftovers, and counts an attempt")
    void retry() {
        ShardProgress someProgress =
                new ShardProgress(10, 100, 10, Duration.ofSeconds(9), 1, true, "lag", null, T0, false, T0);
        MigrationRecord rec = migration(S, "80-")
                .in(MigrationState.FAILED)
                .shard(S, s -> s.withAppliedThrottleRatio(1).withProgress(someProgress))
                .shard("80-", MigrationState.CUTOVER_PENDING)
                .state(MigrationState.FAILED)
                .auditSeq(10)
                .build();
        Outcomes.Result r = change(Directives.apply(rec, directive("retry-1", DirectiveKind.RETRY, ""), T0));
        MigrationRecord next = r.record();

        assertThat(next.attempt()).isEqualTo(2);
        assertThat(next.state()).isEqualTo(MigrationState.QUEUED);
        ShardRecord retried = shard(next, S);
        assertThat(retried.state()).isEqualTo(MigrationState.QUEUED);
        assertThat(retried.leftovers()).containsExactly(key(S, 1));
        assertThat(retried.handle()).isNull();
        assertThat(retried.failure()).isNull();
        assertThat(retried.appliedThrottleRatio()).isZero();
        assertThat(retried.progress()).isEqualTo(ShardProgress.NONE);
        assertThat(retried.stateSince()).isEqualTo(T0);
        assertThat(shard(next, "80-")).isEqualTo(shard(rec, "80-"));

        assertThat(transitions(r.audit(), S)).singleElement().satisfies(e -> {
            assertThat(e.trigger()).isEqualTo(Trigger.RETRY);
            assertThat(e.detail()).isEqualTo("retry requested by alice");
        });
        assertThat(transitions(r.audit(), null))
                .singleElement()
                .satisfies(e -> assertThat(e.to()).isEqualTo(MigrationState.QUEUED));
        assertThat(r.audit()).extracting(AuditEntry::seq).containsExactly(11L, 12L, 13L);
        assertThat(next.directives().get("retry-1"))
                .satisfies(
                        o -> assertThat(Objects.requireNonNull(o).stateAfter()).isEqualTo(MigrationState.QUEUED));
    }

    @Test
    @DisplayName("a retry withdraws a manual cut-over release but keeps the approvals")
    void retryWithdrawsRelease() {
        Approval approval = new Approval(ApprovalStage.CUTOVER, "carol", "ok", T0);
        MigrationRecord rec = migration(S)
                .in(MigrationState.FAILED)
                .policy(p -> p.requireCutoverApproval(true).cutoverMode(dev.osc4j.CutoverMode.MANUAL))
                .controls(new Controls(List.of(approval), true, false, 0, false))
                .build();
        Controls after = change(Directives.apply(rec, directive("r", DirectiveKind.RETRY, ""), T0))
                .record()
                .controls();
        assertThat(after.cutoverReleased()).isFalse();
        assertThat(after.approvals()).containsExactly(approval);
    }

    @Test
    @DisplayName("a retry keeps earlier leftovers and does not list the same run twice")
    void retryKeepsLeftovers() {
        MigrationRecord rec = migration(S)
                .attempt(3)
                .in(MigrationState.FAILED)
                .shard(S, s -> s.withLeftovers(List.of(key(S, 1), key(S, 3))))
                .build();
        ShardRecord retried = shard(
                change(Directives.apply(rec, directive("r", DirectiveKind.RETRY, ""), T0))
                        .record(),
                S);
        assertThat(retried.leftovers()).containsExactly(key(S, 1), key(S, 3));
        assertThat(handle(S, 3).key()).isEqualTo(key(S, 3));
    }

    @Test
    @DisplayName("an approval records the stage, the approver, the directive id and the time")
    void approval() {
        MigrationRecord rec =
                migration(S).policy(p -> p.requireStartApproval(true)).build();
        Controls c = change(Directives.apply(rec, new Directive("ok-1", DirectiveKind.APPROVE, "START", "carol"), T0))
                .record()
                .controls();
        assertThat(c.approved(ApprovalStage.START)).isTrue();
        assertThat(c.approved(ApprovalStage.CUTOVER)).isFalse();
        assertThat(c.approvals()).singleElement().satisfies(a -> {
            assertThat(a.approver()).isEqualTo("carol");
            assertThat(a.directiveId()).isEqualTo("ok-1");
            assertThat(a.at()).isEqualTo(T0);
        });
    }

    @Test
    @DisplayName("pause, resume, release and abort set the controls and leave the shards to the decider")
    void controlsOnly() {
        MigrationRecord rec = migration(S)
                .in(MigrationState.CUTOVER_PENDING)
                .policy(p -> p.cutoverMode(CutoverMode.MANUAL))
                .build();
        MigrationRecord paused = change(Directives.apply(rec, directive("1", DirectiveKind.PAUSE, ""), T0))
                .record();
        assertThat(paused.controls().paused()).isTrue();
        MigrationRecord resumed = change(Directives.apply(paused, directive("2", DirectiveKind.RESUME, ""), T0))
                .record();
        assertThat(resumed.controls().paused()).isFalse();
        MigrationRecord released = change(
                        Directives.apply(resumed, directive("3", DirectiveKind.RELEASE_CUTOVER, ""), T0))
                .record();
        assertThat(released.controls().cutoverReleased()).isTrue();
        MigrationRecord aborting = change(Directives.apply(released, directive("4", DirectiveKind.ABORT, ""), T0))
                .record();
        assertThat(aborting.controls().abortRequested()).isTrue();
        assertThat(aborting.shards()).isEqualTo(rec.shards());
        assertThat(aborting.state()).isEqualTo(MigrationState.CUTOVER_PENDING);
        assertThat(aborting.directives()).containsOnlyKeys("1", "2", "3", "4");
        assertThat(aborting.auditSeq()).isEqualTo(rec.auditSeq() + 4);
        assertThat(TestRecords.ID).isEqualTo(aborting.id());
    }

    @Test
    @DisplayName(
            "the requester may not approve their own migration unless the policy allows it; an approver counts once"
                    + " per stage; an approval records the request it approves")
    void governance() {
        MigrationRecord rec = migration("-80")
                .in(MigrationState.QUEUED)
                .policy(p -> p.requireStartApproval(true).requiredApprovers(2))
                .build();
        assertThatThrownBy(() -> Directives.apply(
                        rec, new Directive("self", DirectiveKind.APPROVE, "START", rec.requestedBy()), T0))
                .isInstanceOf(IllegalDirectiveException.class)
                .hasMessageContaining("the requester may not approve their own migration");
        MigrationRecord selfAllowed = migration("-80")
                .in(MigrationState.QUEUED)
                .policy(p -> p.requireStartApproval(true).allowSelfApproval(true))
                .build();
        assertThat(change(Directives.apply(
                                selfAllowed,
                                new Directive("self", DirectiveKind.APPROVE, "START", selfAllowed.requestedBy()),
                                T0))
                        .record()
                        .controls()
                        .approvals())
                .singleElement()
                .satisfies(a -> assertThat(a.request()).isEqualTo(selfAllowed.fingerprint()));
        MigrationRecord once = change(
                        Directives.apply(rec, new Directive("b1", DirectiveKind.APPROVE, "START", "bob"), T0))
                .record();
        assertThatThrownBy(() -> Directives.apply(
                        once, new Directive("b2", DirectiveKind.APPROVE, "START", "bob"), T0.plusSeconds(1)))
                .isInstanceOf(IllegalDirectiveException.class)
                .hasMessageContaining("bob already approved the start");
    }

    @Test
    @DisplayName("an approver withdraws their own approval before the stage passes; the gate then waits again; nobody"
            + " withdraws another's approval, and nothing is withdrawn after the stage passed")
    void revokeApproval() {
        MigrationRecord rec = migration("-80")
                .in(MigrationState.QUEUED)
                .policy(p -> p.requireStartApproval(true))
                .build();
        MigrationRecord approved = change(
                        Directives.apply(rec, new Directive("b1", DirectiveKind.APPROVE, "START", "bob"), T0))
                .record();
        assertThatThrownBy(() -> Directives.apply(
                        approved, new Directive("c1", DirectiveKind.REVOKE_APPROVAL, "START", "carol"), T0))
                .isInstanceOf(IllegalDirectiveException.class)
                .hasMessageContaining("carol has no approval of the start to withdraw");
        MigrationRecord revoked = change(Directives.apply(
                        approved, new Directive("b2", DirectiveKind.REVOKE_APPROVAL, "START", "bob"), T0))
                .record();
        assertThat(revoked.controls().approvals()).isEmpty();
        assertThat(new ApprovalGate(ApprovalStage.START)
                        .evaluate(GateContexts.of(revoked, GateContexts.START, null))
                        .passed())
                .isFalse();
        MigrationRecord started = migration("-80")
                .in(MigrationState.COPYING_ROWS)
                .policy(p -> p.requireStartApproval(true))
                .controls(approved.controls())
                .build();
        assertThatThrownBy(() -> Directives.apply(
                        started, new Directive("b3", DirectiveKind.REVOKE_APPROVAL, "START", "bob"), T0))
                .isInstanceOf(IllegalDirectiveException.class)
                .hasMessageContaining("the start already happened");
    }
}
