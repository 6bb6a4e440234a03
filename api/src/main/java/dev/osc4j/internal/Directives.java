package dev.osc4j.internal;

import dev.osc4j.Approval;
import dev.osc4j.ApprovalStage;
import dev.osc4j.Controls;
import dev.osc4j.CutoverMode;
import dev.osc4j.DirectiveKind;
import dev.osc4j.DirectiveResult;
import dev.osc4j.IdempotencyConflictException;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.Trigger;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.UserInput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Applies an operator directive to a record, pure. A directive id seen before returns its first outcome; a directive
 * that makes no sense in the current state is refused with {@link IllegalDirectiveException} and changes nothing.
 */
final class Directives {
    private Directives() {}

    /**
     * A directive to apply.
     *
     * @param id the caller's directive id
     * @param kind what to do
     * @param argument its argument in text form ({@code START}, {@code 0.5}), or empty
     * @param actor who sends it
     */
    public record Directive(String id, DirectiveKind kind, String argument, String actor) {
        /** Validates. */
        public Directive {
            UserInput.requirePrintable("directive id", id, MigrationRequest.MAX_IDENTIFIER_LENGTH);
            UserInput.requirePrintable("directive actor", actor, MigrationRequest.MAX_IDENTIFIER_LENGTH);
        }
    }

    /**
     * The result of applying a directive.
     *
     * @param outcome what to return to the caller
     * @param change the change to write, or {@code null} when the directive was a repeat
     */
    public record Applied(DirectiveResult outcome, Outcomes.@org.jspecify.annotations.Nullable Result change) {}

    /** Applies {@code d} to {@code rec} at {@code now}. */
    public static Applied apply(MigrationRecord rec, Directive d, Instant now) {
        DirectiveResult previous = rec.directives().get(d.id());
        if (previous != null) {
            if (previous.kind() != d.kind() || !previous.argument().equals(d.argument())) {
                throw new IdempotencyConflictException(
                        "directive id " + UserInput.quote(d.id()) + " was already used for " + previous.kind()
                                + (previous.argument().isEmpty() ? "" : " " + previous.argument()),
                        rec.id());
            }
            return new Applied(previous, null);
        }
        RecordChange change = new RecordChange(rec, d.actor(), now);
        Controls c = rec.controls();
        MigrationState state = rec.state();
        // A migration that swapped (in its revert window, baking, alerted) is over for every directive but a revert,
        // the window's end and an alert's acknowledgement.
        boolean over = state.isTerminal() || state.isSwitched();
        switch (d.kind()) {
            case APPROVE -> {
                ApprovalStage stage = parseStage(d.argument());
                refuseIf(over, rec, d, "the migration is over");
                refuseIf(
                        !rec.policy().requiresApproval(stage),
                        rec,
                        d,
                        "the policy does not require a " + stage.name().toLowerCase(Locale.ROOT) + " approval");
                refuseIf(
                        stage == ApprovalStage.CUTOVER && state == MigrationState.SWITCHING_TRAFFIC,
                        rec,
                        d,
                        "the cut-over already happened");
                refuseIf(
                        d.actor().equals(rec.requestedBy()) && !rec.policy().allowSelfApproval(),
                        rec,
                        d,
                        "the requester may not approve their own migration (the policy's allowSelfApproval is off)");
                refuseIf(
                        c.approvers(stage, rec.fingerprint(), now, rec.policy().approvalValidity())
                                .contains(d.actor()),
                        rec,
                        d,
                        d.actor() + " already approved the " + stage.name().toLowerCase(Locale.ROOT)
                                + "; each approver counts once");
                List<Approval> approvals = new ArrayList<>(c.approvals());
                approvals.add(new Approval(stage, d.actor(), d.id(), now, rec.fingerprint()));
                change.controls(c.withApprovals(approvals));
            }
            case REVOKE_APPROVAL -> {
                ApprovalStage stage = parseStage(d.argument());
                refuseIf(over, rec, d, "the migration is over");
                refuseIf(
                        stage == ApprovalStage.START
                                && rec.shards().stream().anyMatch(s -> s.state() != MigrationState.QUEUED),
                        rec,
                        d,
                        "the start already happened");
                refuseIf(
                        stage == ApprovalStage.CUTOVER
                                && rec.shards().stream()
                                        .anyMatch(s -> s.state() == MigrationState.SWITCHING_TRAFFIC
                                                || s.state() == MigrationState.COMPLETED),
                        rec,
                        d,
                        "the cut-over already began");
                List<Approval> approvals = new ArrayList<>(c.approvals());
                boolean removed = approvals.removeIf(
                        a -> a.stage() == stage && a.approver().equals(d.actor()));
                refuseIf(
                        !removed,
                        rec,
                        d,
                        d.actor() + " has no approval of the " + stage.name().toLowerCase(Locale.ROOT)
                                + " to withdraw");
                change.controls(c.withApprovals(approvals));
            }
            case RELEASE_CUTOVER -> {
                refuseIf(
                        over || state == MigrationState.FAILED || state == MigrationState.SWITCHING_TRAFFIC,
                        rec,
                        d,
                        "there is no cut-over to release");
                refuseIf(rec.policy().cutoverMode() == CutoverMode.AUTOMATIC, rec, d, "the cut-over mode is AUTOMATIC");
                refuseIf(c.cutoverReleased(), rec, d, "the cut-over is already released");
                refuseIf(c.abortRequested(), rec, d, "an abort is in progress");
                change.controls(c.withCutoverReleased(true));
            }
            case RETRY -> {
                refuseIf(state != MigrationState.FAILED, rec, d, "only a FAILED migration can be retried");
                refuseIf(c.abortRequested(), rec, d, "an abort is in progress");
                List<String> reverted = rec.shards().stream()
                        .filter(s -> s.state() == MigrationState.REVERTED)
                        .map(ShardRecord::shard)
                        .toList();
                // The barrier would wait for them forever, and switching the others alone would leave the keyspace
                // on two schemas (found by the fault simulator, seed 26880).
                refuseIf(
                        !reverted.isEmpty(),
                        rec,
                        d,
                        "shards " + reverted + " were reverted; the others cannot switch alone: abort the migration");
                for (int i = 0; i < change.size(); i++) {
                    ShardRecord s = change.shard(i);
                    if (s.state() != MigrationState.FAILED) {
                        continue;
                    }
                    List<EngineKey> leftovers = new ArrayList<>(s.leftovers());
                    EngineHandle handle = s.handle();
                    if (handle != null && !leftovers.contains(handle.key())) {
                        leftovers.add(handle.key());
                    }
                    change.transition(i, MigrationState.QUEUED, Trigger.RETRY, "retry requested by " + d.actor());
                    change.setShard(
                            i,
                            change.shard(i)
                                    .withHandle(null)
                                    .withFailure(null)
                                    .withLeftovers(leftovers)
                                    .withAppliedThrottleRatio(0)
                                    .withProgress(ShardProgress.NONE));
                }
                change.attempt(rec.attempt() + 1);
                // A manual cut-over release was for the failed attempt; the retried shards wait for a new one.
                // Approvals stay: they approve the change, not an attempt.
                change.controls(c.withCutoverReleased(false));
            }
            case ABORT -> {
                refuseIf(over, rec, d, "the migration is over");
                refuseIf(
                        state == MigrationState.SWITCHING_TRAFFIC,
                        rec,
                        d,
                        "the cut-over is in progress and cannot be stopped safely");
                refuseIf(c.abortRequested(), rec, d, "an abort is already in progress");
                change.controls(c.withAbortRequested(true));
            }
            case PAUSE -> {
                refuseIf(
                        over || state == MigrationState.FAILED || state == MigrationState.SWITCHING_TRAFFIC,
                        rec,
                        d,
                        "nothing runs that could be paused");
                refuseIf(c.paused(), rec, d, "already paused");
                change.controls(c.withPaused(true));
            }
            case RESUME -> {
                refuseIf(over, rec, d, "the migration is over");
                refuseIf(!c.paused(), rec, d, "not paused");
                change.controls(c.withPaused(false));
            }
            case THROTTLE -> {
                double ratio = parseRatio(d.argument());
                refuseIf(
                        over || state == MigrationState.FAILED || state == MigrationState.SWITCHING_TRAFFIC,
                        rec,
                        d,
                        "nothing copies that could be throttled");
                change.controls(c.withThrottleRatio(ratio));
            }
            case REVERT -> {
                List<String> shards = Reverts.check(rec, d.argument(), now);
                // A staged rollout stops at a revert: the waves still to swap would wait for the reverted ones for
                // ever (the barrier), so they are aborted with it (found by the fault simulator once it drew waves).
                boolean stopsRollout = !c.abortRequested()
                        && rec.shards().stream()
                                .anyMatch(s ->
                                        !s.state().isSwitched() && !s.state().isTerminal());
                Controls next = c.withRevertedBy(Reverts.revertId(rec.id(), d.id()));
                change.controls(stopsRollout ? next.withAbortRequested(true) : next);
                change.note(
                        null,
                        "revert",
                        "revert " + Reverts.revertId(rec.id(), d.id()) + " of shard(s) " + shards + " requested by "
                                + d.actor()
                                + (stopsRollout ? "; the shards not swapped yet are aborted: the rollout stops" : ""));
            }
            case CLOSE_REVERT_WINDOW -> {
                refuseIf(state != MigrationState.REVERTIBLE, rec, d, "there is no open revert window");
                refuseIf(
                        c.revertedBy() != null,
                        rec,
                        d,
                        "revert " + c.revertedBy() + " is in progress; it ends the window when it swaps back");
                refuseIf(c.closeRevertWindow(), rec, d, "the revert window is already closing");
                change.controls(c.withCloseRevertWindow(true));
            }
            case ACKNOWLEDGE -> {
                refuseIf(
                        rec.shards().stream().noneMatch(s -> s.state() == MigrationState.ALERTED),
                        rec,
                        d,
                        "there is no health alert to acknowledge");
                for (int i = 0; i < change.size(); i++) {
                    if (change.shard(i).state() == MigrationState.ALERTED) {
                        change.transition(
                                i,
                                MigrationState.COMPLETED,
                                Trigger.ACKNOWLEDGED,
                                "alert acknowledged by " + d.actor());
                    }
                }
            }
            case SUPERSEDE -> {
                MigrationId by = MigrationId.of(d.argument());
                refuseIf(over, rec, d, "the migration is over");
                refuseIf(
                        c.supersededBy() != null && !by.equals(c.supersededBy()),
                        rec,
                        d,
                        "migration " + c.supersededBy() + " already supersedes it");
                refuseIf(c.abortRequested(), rec, d, "an abort is already in progress");
                refuseIf(
                        started(rec),
                        rec,
                        d,
                        "it has started changing its shards; abort it, or wait for it and submit a new change");
                change.controls(c.withAbortRequested(true).withSupersededBy(by));
            }
        }
        DirectiveResult outcome =
                new DirectiveResult(d.id(), d.kind(), d.argument(), d.actor(), change.derivedState(), now);
        change.directive(outcome, "");
        return new Applied(outcome, new Outcomes.Result(change.build(false), change.audit()));
    }

    /** Whether any shard of {@code rec} has left the queue or has an effect under way: past superseding. */
    static boolean started(MigrationRecord rec) {
        return rec.shards().stream()
                .anyMatch(s -> s.state() != MigrationState.QUEUED || s.intent() != null || s.handle() != null);
    }

    private static void refuseIf(boolean condition, MigrationRecord rec, Directive d, String why) {
        if (condition) {
            throw new IllegalDirectiveException(rec.id(), d.kind(), rec.state(), why);
        }
    }

    private static ApprovalStage parseStage(String argument) {
        try {
            return ApprovalStage.valueOf(argument);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(
                    "approval stage must be START or CUTOVER, got " + UserInput.quote(argument), null);
        }
    }

    /** Parses and checks a throttle ratio. */
    public static double parseRatio(String argument) {
        double ratio;
        try {
            ratio = Double.parseDouble(argument);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(
                    "throttle ratio must be a number 0-1, got " + UserInput.quote(argument), null);
        }
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new InvalidRequestException("throttle ratio must be 0-1, got " + argument, null);
        }
        return ratio;
    }
}
