package dev.osc4j.internal;

import dev.osc4j.DirectiveKind;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.Trigger;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The directives a policy gives on its own, pure: a failed migration is retried up to {@link
 * MigrationPolicy#autoRetries()} times, then, with {@link MigrationPolicy#fallbackOnFailure()}, aborted, which runs
 * the fallback chain (stop the run, restore routing, remove the intermediate artifacts). They go through {@link
 * Directives} like an operator's, with ids that make each one happen once per attempt, so a controller that crashes
 * and takes over again does not repeat them.
 */
final class AutoDirectives {
    /** The actor the audit trail names for what the policy did. */
    static final String ACTOR = "osc4j-policy";

    private AutoDirectives() {}

    /**
     * A round of health checks in the audit trail, with what its breach calls for: while baking after the swap, the
     * revert {@code auto-revert-<attempt>} by {@link #ACTOR}, whose revert waits for no approval (see {@link
     * Reverts#revertRecord}), or, for a migration that cannot be reverted, its baking shards move to {@code ALERTED};
     * while copying, a pause or an abort, as the policy says. A directive that is refused (the window just ended, a
     * revert runs) leaves the note alone.
     */
    static Outcomes.Result onHealth(MigrationRecord rec, HealthWatch.Round round, Instant now) {
        MigrationRecord base = rec;
        java.util.List<dev.osc4j.AuditEntry> audit = new java.util.ArrayList<>();
        String breach = round.breach();
        if (breach != null) {
            boolean alert =
                    round.phase() == HealthWatch.Phase.BAKE && !rec.spec().revertible();
            Directives.@Nullable Directive d =
                    switch (round.phase()) {
                        case BAKE ->
                            alert
                                    ? null
                                    : new Directives.Directive(
                                            "auto-revert-" + rec.attempt(), DirectiveKind.REVERT, "", ACTOR);
                        case COPY ->
                            Objects.requireNonNull(rec.policy().autoRevert()).whileCopying()
                                            == dev.osc4j.AutoRevert.BreachAction.ABORT
                                    ? new Directives.Directive(
                                            "auto-abort-" + rec.attempt(), DirectiveKind.ABORT, "", ACTOR)
                                    : new Directives.Directive(
                                            "auto-pause-" + rec.auditSeq(), DirectiveKind.PAUSE, "", ACTOR);
                    };
            java.util.List<Directives.Directive> ds = new java.util.ArrayList<>();
            if (d != null) {
                ds.add(d);
            }
            if (alert
                    && rec.shards().stream()
                            .anyMatch(s -> !s.state().isSwitched() && !s.state().isTerminal())) {
                // A staged rollout stops: the waves still to swap are aborted as the switched ones alert (a revert
                // aborts them itself, see Directives).
                ds.add(new Directives.Directive("auto-abort-" + rec.attempt(), DirectiveKind.ABORT, "", ACTOR));
            }
            for (Directives.Directive each : ds) {
                try {
                    Outcomes.Result r = Directives.apply(base, each, now).change();
                    if (r != null) {
                        base = r.record();
                        audit.addAll(r.audit());
                    }
                } catch (IllegalDirectiveException e) {
                    breach = breach + " (" + each.kind().name().toLowerCase(java.util.Locale.ROOT) + " refused: "
                            + e.getMessage() + ")";
                }
            }
            if (alert && base.shards().stream().anyMatch(s -> s.state() == MigrationState.SWITCHING_TRAFFIC)) {
                // The watch waits for a swap in flight (HealthWatch); the next round alerts with every shard swapped.
                breach = breach + " (the alert waits for the swap in flight)";
            } else if (alert) {
                // Nothing to revert to: the baking shards raise an alert an operator must acknowledge.
                RecordChange raise = new RecordChange(base, ACTOR, now);
                for (int i = 0; i < raise.size(); i++) {
                    if (raise.shard(i).state() == MigrationState.BAKING) {
                        raise.transition(i, MigrationState.ALERTED, Trigger.HEALTH_BREACH, breach);
                        raise.soft(
                                i,
                                raise.progress(i),
                                "health alert (it cannot be reverted): " + breach + "; acknowledge it once looked at");
                    }
                }
                Outcomes.Result r = new Outcomes.Result(raise.build(true), raise.audit());
                base = r.record();
                audit.addAll(r.audit());
            }
        }
        RecordChange note = new RecordChange(base, ACTOR, now);
        note.note(
                null,
                breach == null ? "health" : "health-breach",
                (round.phase() == HealthWatch.Phase.BAKE ? "bake: " : "copy: ")
                        + round.summary()
                        + (breach == null ? "" : " -> " + breach));
        audit.addAll(note.audit());
        return new Outcomes.Result(note.build(false), audit);
    }

    /** The change the policy makes to {@code rec} now, or null when it makes none. */
    static Outcomes.@Nullable Result next(MigrationRecord rec, Instant now) {
        // Shards that did not fail may still run: a retry restarts only the failed ones, an abort stops the others.
        // A failed shard whose traffic is still held gets it back first (the chain's first step, in the Decider).
        if (rec.state() != MigrationState.FAILED
                || rec.controls().abortRequested()
                || rec.shards().stream()
                        .anyMatch(s -> s.state() == MigrationState.FAILED && (s.routeHeld() || s.intent() != null))) {
            return null;
        }
        MigrationPolicy policy = rec.policy();
        Directives.Directive d;
        boolean someReverted = rec.shards().stream().anyMatch(s -> s.state() == MigrationState.REVERTED);
        if (rec.attempt() - 1 < policy.autoRetries() && !someReverted) { // a retry is refused then: fall back
            d = new Directives.Directive("auto-retry-" + rec.attempt(), DirectiveKind.RETRY, "", ACTOR);
        } else if (policy.fallbackOnFailure()) {
            d = new Directives.Directive("fallback-" + rec.attempt(), DirectiveKind.ABORT, "", ACTOR);
        } else {
            return null;
        }
        try {
            return Directives.apply(rec, d, now).change();
        } catch (IllegalDirectiveException e) {
            return null;
        }
    }
}
