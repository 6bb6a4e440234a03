package dev.osc4j.internal;

import dev.osc4j.DirectiveKind;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import java.time.Instant;
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
     * The revert the policy's health signals ask for, with a note of why: the directive {@code auto-revert-<attempt>}
     * by {@link #ACTOR}, whose revert waits for no approval (see {@link Reverts#revertRecord}). Null when the revert is
     * refused (the window just ended, a revert runs).
     */
    static Outcomes.@Nullable Result revert(MigrationRecord rec, String why, Instant now) {
        Directives.Directive d =
                new Directives.Directive("auto-revert-" + rec.attempt(), DirectiveKind.REVERT, "", ACTOR);
        Outcomes.Result r;
        try {
            r = Directives.apply(rec, d, now).change();
        } catch (IllegalDirectiveException e) {
            return null;
        }
        if (r == null) {
            return null;
        }
        RecordChange note = new RecordChange(r.record(), ACTOR, now);
        note.note(null, "auto-revert", why);
        java.util.List<dev.osc4j.AuditEntry> audit = new java.util.ArrayList<>(r.audit());
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
        if (rec.attempt() - 1 < policy.autoRetries()) {
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
