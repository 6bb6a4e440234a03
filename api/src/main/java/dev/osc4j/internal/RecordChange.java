package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.DirectiveResult;
import dev.osc4j.Failure;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.Transition;
import dev.osc4j.Transitions;
import dev.osc4j.Trigger;
import dev.osc4j.spi.EngineKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Accumulates one atomic change of a record and the audit entries that describe it. Every state change goes through
 * {@link #transition}, which refuses edges that are not in {@link Transitions}; the migration's own state is derived
 * from its shards in {@link #build}.
 *
 * <p>"Hard" changes (states, intents, handles, controls) are always written. "Soft" ones (progress figures, wait
 * reasons) change on every poll and are written only with a hard change or when the caller asks for it, to keep the
 * store's write rate low.
 */
final class RecordChange {
    private final MigrationRecord base;
    private final String actor;
    private final Instant now;
    private final ShardRecord[] shards;
    private final ShardProgress[] progress;
    private final @Nullable String[] waitReasons;
    private final boolean[] moved;
    private Controls controls;
    private final Map<String, DirectiveResult> directives;
    private int attempt;
    private final List<AuditEntry> audit = new ArrayList<>();
    private boolean hardChanged;
    private @Nullable MigrationRecord view;

    RecordChange(MigrationRecord base, String actor, Instant now) {
        this.base = base;
        this.actor = actor;
        this.now = now;
        this.shards = base.shards().toArray(new ShardRecord[0]);
        this.progress = new ShardProgress[shards.length];
        this.waitReasons = new String[shards.length];
        this.moved = new boolean[shards.length];
        for (int i = 0; i < shards.length; i++) {
            progress[i] = shards[i].progress();
            waitReasons[i] = shards[i].waitReason();
        }
        this.controls = base.controls();
        this.directives = new LinkedHashMap<>(base.directives());
        this.attempt = base.attempt();
    }

    MigrationRecord base() {
        return base;
    }

    Instant now() {
        return now;
    }

    int size() {
        return shards.length;
    }

    ShardRecord shard(int i) {
        return shards[i];
    }

    int indexOf(String shard) {
        for (int i = 0; i < shards.length; i++) {
            if (shards[i].shard().equals(shard)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no shard " + shard + " in migration " + base.id());
    }

    Controls controls() {
        return controls;
    }

    int attempt() {
        return attempt;
    }

    boolean hardChanged() {
        return hardChanged;
    }

    List<AuditEntry> audit() {
        return List.copyOf(audit);
    }

    /**
     * The record as it is now in this change (hard fields; state and bookkeeping as in the base), for gates that look
     * across shards. Cached until the next change.
     */
    MigrationRecord view() {
        MigrationRecord v = view;
        if (v == null) {
            v = base.with(
                    base.state(),
                    attempt,
                    Arrays.asList(shards.clone()),
                    controls,
                    base.directives(),
                    base.auditSeq(),
                    base.progressPersistedAt(),
                    now);
            view = v;
        }
        return v;
    }

    void setShard(int i, ShardRecord next) {
        if (!next.equals(shards[i])) {
            view = null;
            shards[i] = next;
            hardChanged = true;
        }
    }

    /** Whether shard {@code i} already took an edge in this change. */
    boolean moved(int i) {
        return moved[i];
    }

    void soft(int i, ShardProgress p, @Nullable String waitReason) {
        progress[i] = p;
        waitReasons[i] = waitReason;
    }

    ShardProgress progress(int i) {
        return progress[i];
    }

    @Nullable
    String waitReason(int i) {
        return waitReasons[i];
    }

    boolean softDiffers() {
        for (int i = 0; i < shards.length; i++) {
            if (!progress[i].equals(shards[i].progress())
                    || !java.util.Objects.equals(waitReasons[i], shards[i].waitReason())) {
                return true;
            }
        }
        return false;
    }

    void transition(int i, MigrationState to, Trigger trigger, String detail) {
        ShardRecord s = shards[i];
        Transition edge = requireEdge(s.state(), to, trigger, s.shard());
        if (moved[i]) {
            throw new IllegalStateException("shard " + s.shard() + " already moved in this change; one edge at a time");
        }
        moved[i] = true;
        view = null;
        shards[i] = s.withState(to, now);
        if ((to == MigrationState.COMPLETED || to == MigrationState.REVERTED)
                && !s.artifacts().isEmpty()) {
            // The run's artifacts were swapped in, dropped by the engine, or handed to the artifact lifecycle (the
            // retire of a revert window, the revert that swapped back); an earlier attempt's stay until its cleanup.
            shards[i] = shards[i].withArtifacts(s.artifacts().stream()
                    .filter(a -> s.leftovers().contains(a.key()))
                    .toList());
        }
        waitReasons[i] = null;
        hardChanged = true;
        add(
                AuditEntry.Kind.TRANSITION,
                s.shard(),
                edge.from(),
                edge.to(),
                trigger,
                step(s.shard(), edge.from() + ">" + to),
                detail);
    }

    void fail(int i, FailureReason reason, String message) {
        ShardRecord s = shards[i];
        transition(i, MigrationState.FAILED, Trigger.FAIL, reason + ": " + message);
        shards[i] = shards[i].withFailure(new Failure(reason, message, now)).withIntent(null);
        view = null;
        if (s.intent() != null) {
            add(
                    AuditEntry.Kind.NOTE,
                    s.shard(),
                    null,
                    null,
                    null,
                    step(s.shard(), "intent-dropped"),
                    "dropped pending " + s.intent().kind());
        }
    }

    void intent(int i, Intent.IntentKind kind, EngineKey key, @Nullable Double ratio, String detail) {
        ShardRecord s = shards[i];
        String stepId = kind == Intent.IntentKind.CLEANUP
                ? "cleanup:" + key.value()
                : step(s.shard(), kind.name().toLowerCase(Locale.ROOT) + (ratio == null ? "" : ":" + ratio));
        shards[i] = s.withIntent(new Intent(kind, key, stepId, ratio, now));
        view = null;
        hardChanged = true;
        add(
                AuditEntry.Kind.INTENT,
                s.shard(),
                null,
                null,
                null,
                stepId,
                kind + " " + key.value() + (detail.isEmpty() ? "" : ": " + detail));
    }

    /** Records that the shard's pending intent was carried out. */
    void effectDone(int i, String detail) {
        ShardRecord s = shards[i];
        Intent intent = s.intent();
        if (intent == null) {
            throw new IllegalStateException("no pending intent on shard " + s.shard());
        }
        shards[i] = s.withIntent(null);
        view = null;
        hardChanged = true;
        add(
                AuditEntry.Kind.EFFECT,
                s.shard(),
                null,
                null,
                null,
                intent.stepId() + ":done",
                intent.kind() + " done" + (detail.isEmpty() ? "" : ": " + detail));
    }

    void note(@Nullable String shard, String what, String detail) {
        hardChanged = true;
        add(AuditEntry.Kind.NOTE, shard, null, null, null, step(shard == null ? "migration" : shard, what), detail);
    }

    void controls(Controls next) {
        if (!next.equals(controls)) {
            controls = next;
            view = null;
            hardChanged = true;
        }
    }

    void attempt(int next) {
        if (next != attempt) {
            attempt = next;
            view = null;
            hardChanged = true;
        }
    }

    void directive(DirectiveResult result, String detail) {
        directives.put(result.directiveId(), result);
        hardChanged = true;
        add(
                AuditEntry.Kind.DIRECTIVE,
                null,
                null,
                null,
                null,
                result.directiveId(),
                result.kind() + (result.argument().isEmpty() ? "" : " " + result.argument()) + " by " + result.actor()
                        + (detail.isEmpty() ? "" : ": " + detail));
    }

    /** The migration's state as its shards say, applying the same derivation {@link #build} uses. */
    MigrationState derivedState() {
        return deriveState(Arrays.asList(shards));
    }

    /**
     * The new record. Soft fields are written when {@code persistSoft}. The migration-level state is derived from
     * the shards, and its change is audited like a shard's.
     */
    MigrationRecord build(boolean persistSoft) {
        List<ShardRecord> out = new ArrayList<>(shards.length);
        for (int i = 0; i < shards.length; i++) {
            ShardRecord s = shards[i];
            if (persistSoft) {
                // Only what changed is copied: a copying shard's wait reason rarely does, and an unchanged shard
                // stays the same object (two copies per shard per write were a tenth of the controller's allocation).
                if (!progress[i].equals(s.progress())) {
                    s = s.withProgress(progress[i]);
                }
                if (!java.util.Objects.equals(waitReasons[i], s.waitReason())) {
                    s = s.withWaitReason(waitReasons[i]);
                }
            }
            out.add(s);
        }
        MigrationState state = deriveState(out);
        if (state != base.state()) {
            Transition edge = Transitions.find(base.state(), state)
                    .orElseThrow(() -> new IllegalStateException(
                            "migration " + base.id() + " cannot go from " + base.state() + " to " + state));
            hardChanged = true;
            add(
                    AuditEntry.Kind.TRANSITION,
                    null,
                    base.state(),
                    state,
                    edge.trigger(),
                    step("migration", base.state() + ">" + state),
                    "follows its shards");
        }
        return base.with(
                state,
                attempt,
                out,
                controls,
                directives,
                base.auditSeq() + audit.size(),
                persistSoft ? now : base.progressPersistedAt(),
                now);
    }

    /**
     * The migration's state from its shards' states: FAILED if any shard failed (or aborted while others still
     * run), COMPLETED when all completed, REVERTED when all are terminal and some were reverted, ABORTED when all are
     * terminal otherwise, ALERTED when every shard has swapped or ended and one is alerted, else the least advanced
     * shard's (a shard in its revert window or baking is behind a completed one).
     */
    static MigrationState deriveState(List<ShardRecord> shards) {
        boolean anyFailed = false;
        boolean anyAborted = false;
        boolean allTerminal = true;
        boolean allCompleted = true;
        boolean allSwitchedOrOver = true;
        boolean anyAlerted = false;
        MigrationState least = MigrationState.COMPLETED;
        for (ShardRecord s : shards) {
            MigrationState st = s.state();
            anyFailed |= st == MigrationState.FAILED;
            anyAborted |= st == MigrationState.ABORTED;
            allTerminal &= st.isTerminal();
            allCompleted &= st == MigrationState.COMPLETED;
            allSwitchedOrOver &= st.isSwitched() || st.isTerminal();
            anyAlerted |= st == MigrationState.ALERTED;
            if (st.pathIndex() >= 0 && st.pathIndex() < least.pathIndex()) {
                least = st;
            }
        }
        if (anyFailed || (anyAborted && !allTerminal)) {
            return MigrationState.FAILED;
        }
        if (anyAlerted && allSwitchedOrOver) {
            return MigrationState.ALERTED;
        }
        if (allTerminal) {
            if (allCompleted) {
                return MigrationState.COMPLETED;
            }
            // A revert that covered some shards leaves the others COMPLETED: the migration as a whole was reverted.
            return shards.stream().anyMatch(s -> s.state() == MigrationState.REVERTED)
                            && shards.stream().noneMatch(s -> s.state() == MigrationState.ABORTED)
                    ? MigrationState.REVERTED
                    : MigrationState.ABORTED;
        }
        return least;
    }

    private static Transition requireEdge(MigrationState from, MigrationState to, Trigger trigger, String shard) {
        Transition edge = Transitions.find(from, to)
                .orElseThrow(
                        () -> new IllegalStateException("shard " + shard + " cannot go from " + from + " to " + to));
        if (edge.trigger() != trigger) {
            throw new IllegalStateException(
                    "edge " + from + " -> " + to + " is triggered by " + edge.trigger() + ", not " + trigger);
        }
        return edge;
    }

    private String step(String subject, String what) {
        return "a" + attempt + ":" + subject + ":" + what;
    }

    private void add(
            AuditEntry.Kind kind,
            @Nullable String shard,
            @Nullable MigrationState from,
            @Nullable MigrationState to,
            @Nullable Trigger trigger,
            String stepId,
            String detail) {
        audit.add(new AuditEntry(
                base.id(),
                base.auditSeq() + audit.size() + 1,
                now,
                actor,
                kind,
                shard,
                from,
                to,
                trigger,
                stepId,
                detail));
    }
}
