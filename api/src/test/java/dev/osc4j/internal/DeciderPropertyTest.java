package dev.osc4j.internal;

import static dev.osc4j.TestRecords.KEYSPACE;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.handle;
import static dev.osc4j.TestRecords.primaryOf;
import static dev.osc4j.TestRecords.replicaOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.AutoRevert;
import dev.osc4j.CutoverMode;
import dev.osc4j.DirectiveKind;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.IdempotencyConflictException;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.Intent;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationWindow;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.TestRecords;
import dev.osc4j.Transition;
import dev.osc4j.Transitions;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.internal.Decider.ShardInput;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A random walk over a 4-shard migration: random engine observations, topology, directives and intent outcomes,
 * decided step by step the way a controller would. Whatever happens, the core must not throw, must take only edges of
 * the table, and must number the audit trail without gaps.
 */
@DisplayName("Decider, directives and outcomes under random inputs")
class DeciderPropertyTest {
    private static final List<String> SHARDS = List.of("-40", "40-80", "80-c0", "c0-");
    private static final int STEPS = 10_000;
    private static final List<EnginePhase> PHASES = List.of(EnginePhase.values());
    private static final List<EnginePhase> ENDINGS =
            List.of(EnginePhase.FAILED, EnginePhase.CANCELLED, EnginePhase.NOT_FOUND);
    private static final List<FailureReason> REASONS = List.of(FailureReason.values());

    private final Random rnd = new Random(20260302L);
    /** Damage draws from its own stream, so the rest of the walk keeps the course it was tuned for. */
    private final Random damageRnd = new Random(20261201L);
    /** Reverts, routing and the revert window draw from their own stream too. */
    private final Random revertRnd = new Random(20261204L);
    /** Bakes of migrations that cannot be reverted, their health rounds and alerts: a stream of their own as well. */
    private final Random bakeRnd = new Random(20261205L);

    private final Set<String> edgesTaken = new LinkedHashSet<>();
    private final Map<String, ShardProgress> live = new HashMap<>();
    private final Map<String, Long> rows = new HashMap<>();
    private EngineCapabilities caps = Decisions.CAPS;
    private Decider decider = Decisions.decider();
    private int completed;
    private int aborted;
    private int directivesRefused;
    private int damaged;
    /** How often faults happen in the current migration: 0 (never) to 3 (often). */
    private int chaos;

    @Test
    @DisplayName(
            "10,000 random steps never throw, take only edges of the table and number the audit trail without gaps")
    void randomWalk() {
        Instant now = T0;
        MigrationRecord rec = fresh();
        for (int step = 0; step < STEPS; step++) {
            now = now.plusSeconds(1 + rnd.nextInt(20));
            int action = rnd.nextInt(20);
            MigrationRecord after;
            List<AuditEntry> audit;
            boolean baking = rec.shards().stream().anyMatch(s -> s.state() == MigrationState.BAKING);
            if (baking && bakeRnd.nextInt(2) == 0) {
                // A round of health checks while it bakes: healthy, or a breach that raises the alert.
                Outcomes.Result r = AutoDirectives.onHealth(
                        rec,
                        new HealthWatch.Round(
                                HealthWatch.Phase.BAKE,
                                "errors (random)",
                                bakeRnd.nextInt(2) == 0 ? "health signal errors unhealthy" : null),
                        now);
                after = r.record();
                audit = r.audit();
            } else if (action < 11) {
                rec = damage(rec);
                Decision d = decider.decide(rec, inputs(rec, now), caps, "walker", now, revert(rec));
                live.clear();
                d.live().forEach((shard, l) -> live.put(shard, l.progress()));
                if (!d.write()) {
                    assertThat(d.record()).isSameAs(rec);
                    assertThat(d.audit()).isEmpty();
                }
                for (ShardRecord before : rec.shards()) {
                    if (before.intent() != null) {
                        assertThat(Decisions.shard(d, before.shard()).state())
                                .as("a shard with a pending intent does not move")
                                .isEqualTo(before.state());
                    }
                }
                after = d.record();
                audit = d.audit();
            } else if (action < 18) {
                Outcomes.Result r = outcome(rec, now);
                if (r == null) {
                    continue;
                }
                after = r.record();
                audit = r.audit();
            } else {
                Directives.Applied applied = directive(rec, step, now);
                if (applied == null || applied.change() == null) {
                    continue;
                }
                after = applied.change().record();
                audit = applied.change().audit();
            }
            check(rec, after, audit, step);
            rec = after;
            if (rec.state().isTerminal()) {
                if (rec.state() == MigrationState.COMPLETED || rec.state() == MigrationState.REVERTED) {
                    completed++;
                } else {
                    aborted++;
                }
                rec = fresh();
            }
        }
        List<String> allEdges =
                Transitions.all().stream().map(t -> t.from() + ">" + t.to()).toList();
        assertThat(edgesTaken)
                .as("edges the walk took (%d completed, %d aborted)", completed, aborted)
                .containsExactlyInAnyOrderElementsOf(allEdges);
        assertThat(completed).as("migrations completed").isPositive();
        assertThat(aborted).as("migrations aborted").isPositive();
        assertThat(directivesRefused).as("directives refused").isPositive();
        assertThat(damaged).as("running shards that lost their handle").isPositive();
    }

    private void check(MigrationRecord before, MigrationRecord after, List<AuditEntry> audit, int step) {
        String at = "step " + step;
        for (int i = 0; i < audit.size(); i++) {
            assertThat(audit.get(i).seq()).as(at + ": audit seq").isEqualTo(before.auditSeq() + i + 1);
        }
        assertThat(after.auditSeq()).as(at + ": record's audit seq").isEqualTo(before.auditSeq() + audit.size());
        for (AuditEntry e : audit) {
            if (e.kind() != AuditEntry.Kind.TRANSITION) {
                continue;
            }
            MigrationState from = Objects.requireNonNull(e.from());
            MigrationState to = Objects.requireNonNull(e.to());
            Transition edge = Transitions.find(from, to)
                    .orElseThrow(() -> new AssertionError(at + ": " + e + " is not an edge of the table"));
            assertThat(e.trigger()).as(at + ": trigger of " + e).isEqualTo(edge.trigger());
        }
        for (ShardRecord b : before.shards()) {
            ShardRecord a = after.shard(b.shard()).orElseThrow();
            List<AuditEntry> moves = Decisions.transitions(audit, b.shard());
            if (a.state() == b.state()) {
                assertThat(moves)
                        .as(at + ": moves of unmoved shard " + b.shard())
                        .isEmpty();
            } else {
                assertThat(moves).as(at + ": moves of " + b.shard()).hasSize(1);
                assertThat(moves.get(0).from()).isEqualTo(b.state());
                assertThat(moves.get(0).to()).isEqualTo(a.state());
                edgesTaken.add(b.state() + ">" + a.state());
            }
        }
        assertThat(after.state()).as(at + ": derived state").isEqualTo(RecordChange.deriveState(after.shards()));
        List<AuditEntry> migrationMoves = Decisions.transitions(audit, null);
        if (after.state() == before.state()) {
            assertThat(migrationMoves).as(at).isEmpty();
        } else {
            assertThat(Transitions.allowed(before.state(), after.state()))
                    .as(at + ": migration " + before.state() + " -> " + after.state())
                    .isTrue();
            assertThat(migrationMoves).as(at).singleElement().satisfies(e -> {
                assertThat(e.from()).isEqualTo(before.state());
                assertThat(e.to()).isEqualTo(after.state());
            });
        }
    }

    private MigrationRecord fresh() {
        live.clear();
        rows.clear();
        chaos = rnd.nextInt(4);
        caps = new EngineCapabilities(true, true, true, rnd.nextInt(4) == 0, true);
        decider = new Decider(GateSet.defaults(), Decisions.SOFT_WRITE_INTERVAL, revertRnd.nextBoolean());
        boolean revertible = revertRnd.nextBoolean();
        MigrationWindow window = rnd.nextInt(4) == 0
                ? MigrationWindow.daily(
                        LocalTime.of(rnd.nextInt(24), 0), LocalTime.of(rnd.nextInt(24), 30), ZoneOffset.UTC)
                : null;
        int revertWindowMinutes = revertRnd.nextInt(6);
        AutoRevert bake = !revertible && bakeRnd.nextBoolean()
                ? AutoRevert.on(Duration.ofSeconds(60 + bakeRnd.nextInt(60)), "errors")
                : null;
        return TestRecords.migration(SHARDS.toArray(String[]::new))
                .spec(TestRecords.spec().withRevertible(revertible))
                .policy(p -> p.requireStartApproval(rnd.nextInt(4) == 0)
                        .requireCutoverApproval(rnd.nextInt(4) == 0)
                        .cutoverMode(rnd.nextInt(4) == 0 ? CutoverMode.MANUAL : CutoverMode.AUTOMATIC)
                        .cutoverWindow(window)
                        .stallTimeout(Duration.ofSeconds(30 + rnd.nextInt(120)))
                        .failOnStall(rnd.nextInt(3) == 0)
                        .autoRevert(bake)
                        .revertWindow(bake == null ? Duration.ofMinutes(1 + revertWindowMinutes) : Duration.ZERO))
                .build();
    }

    /**
     * The revert a migration links to, as its controller would read it: not yet created, running, swapped back on
     * every shard, or aborted.
     */
    private @Nullable MigrationRecord revert(MigrationRecord rec) {
        if (rec.controls().revertedBy() == null) {
            return null;
        }
        int dice = revertRnd.nextInt(10);
        MigrationState state = dice < 2
                ? MigrationState.COMPLETED
                : dice < 3 ? MigrationState.ABORTED : dice < 4 ? null : MigrationState.COPYING_ROWS;
        return state == null
                ? null
                : TestRecords.migration(SHARDS.toArray(String[]::new)).in(state).build();
    }

    /**
     * Now and then a running shard loses its engine handle, as a record written by an older or damaged writer can: the
     * decision must fail that shard (the run is lost), never throw.
     */
    private MigrationRecord damage(MigrationRecord rec) {
        if (chaos == 0 || damageRnd.nextInt(250) != 0) {
            return rec;
        }
        List<ShardRecord> candidates = rec.shards().stream()
                .filter(s -> s.state().isRunning() && s.intent() == null && s.handle() != null)
                .toList();
        if (candidates.isEmpty()) {
            return rec;
        }
        String shard = candidates.get(damageRnd.nextInt(candidates.size())).shard();
        damaged++;
        return rec.withShard(shard, s -> s.withHandle(null));
    }

    private Map<String, ShardInput> inputs(MigrationRecord rec, Instant now) {
        Map<String, ShardInput> in = new HashMap<>();
        for (ShardRecord s : rec.shards()) {
            in.put(s.shard(), new ShardInput(observation(s), health(s.shard(), now), live.get(s.shard())));
        }
        return in;
    }

    /** A fault with a probability of {@code percent} at chaos level 1. */
    private boolean fault(int percent) {
        return rnd.nextInt(100) < percent * chaos;
    }

    private @Nullable EngineObservation observation(ShardRecord s) {
        if (s.state() == MigrationState.QUEUED || fault(3)) {
            return null;
        }
        if (s.handle() == null && s.state().isRunning() && damageRnd.nextBoolean()) {
            return EngineObservation.of(EnginePhase.NOT_FOUND); // the engine has no run, and says nothing more
        }
        EnginePhase phase;
        if (fault(2)) {
            phase = ENDINGS.get(rnd.nextInt(ENDINGS.size()));
        } else if (fault(1)) {
            phase = PHASES.get(rnd.nextInt(PHASES.size()));
        } else {
            boolean ahead = rnd.nextInt(3) > 0;
            phase = switch (s.state()) {
                case INITIALIZING -> ahead ? EnginePhase.COPYING : EnginePhase.STARTING;
                case COPYING_ROWS -> ahead ? EnginePhase.CATCHING_UP : EnginePhase.COPYING;
                case WAITING_FOR_CATCHUP -> ahead ? EnginePhase.READY_FOR_CUTOVER : EnginePhase.CATCHING_UP;
                case CUTOVER_PENDING -> fault(3) ? EnginePhase.CATCHING_UP : EnginePhase.READY_FOR_CUTOVER;
                case SWITCHING_TRAFFIC -> ahead ? EnginePhase.COMPLETED : EnginePhase.CUTTING_OVER;
                default -> PHASES.get(rnd.nextInt(PHASES.size()));
            };
        }
        long copied = rows.merge(s.shard(), fault(5) ? 0L : 1 + rnd.nextInt(5000), Long::sum);
        EngineObservation obs = phase == EnginePhase.FAILED
                ? EngineObservation.failed(REASONS.get(rnd.nextInt(REASONS.size())), "random failure")
                : EngineObservation.of(phase);
        ReplicationPosition applied = fault(8) ? ReplicationPosition.of("mysql-bin.000001:" + rnd.nextInt(1000)) : null;
        return obs.withRows(copied, rnd.nextInt(5) == 0 ? -1 : 200_000)
                .withThrottle(fault(3), null)
                .withReplication(null, applied);
    }

    private @Nullable ShardHealth health(String shard, Instant now) {
        if (fault(2)) {
            return null;
        }
        String primary = fault(1) ? "other-primary" : primaryOf(shard);
        Duration lag = fault(2) ? null : fault(3) ? Duration.ofMillis(rnd.nextInt(15_000)) : Duration.ZERO;
        ReplicationPosition primaryPosition =
                fault(8) ? ReplicationPosition.of("mysql-bin.000001:" + rnd.nextInt(1000)) : null;
        ReplicationPosition replicaPosition =
                rnd.nextBoolean() ? ReplicationPosition.of("mysql-bin.000001:" + rnd.nextInt(1000)) : null;
        return new ShardHealth(
                KEYSPACE,
                shard,
                primary,
                1,
                primaryPosition,
                List.of(new ReplicaHealth(replicaOf(shard), lag, replicaPosition)),
                now.minusSeconds(fault(2) ? 31 + rnd.nextInt(60) : rnd.nextInt(5)));
    }

    private Outcomes.@Nullable Result outcome(MigrationRecord rec, Instant now) {
        List<ShardRecord> pending =
                rec.shards().stream().filter(s -> s.intent() != null).toList();
        if (pending.isEmpty()) {
            return null;
        }
        ShardRecord s = pending.get(rnd.nextInt(pending.size()));
        Intent intent = Objects.requireNonNull(s.intent());
        Outcomes.Outcome outcome;
        if (fault(5)) {
            outcome = new Outcomes.Failed(EngineException.transientFailure("connection reset", null));
        } else if (!fault(intent.kind() == Intent.IntentKind.RELEASE_CUTOVER ? 8 : 3)) {
            outcome = new Outcomes.Done(
                    intent.kind() == Intent.IntentKind.START
                            ? handle(s.shard(), intent.key().attempt())
                            : null,
                    intent.kind() == Intent.IntentKind.CLEANUP ? CleanupReport.nothing() : null);
        } else {
            outcome = new Outcomes.Failed(EngineException.permanent(
                    rnd.nextBoolean() ? FailureReason.UNKNOWN : FailureReason.ENGINE_CONFIGURATION, "refused"));
        }
        Outcomes.Result result = Outcomes.apply(rec, s.shard(), intent, outcome, "walker", now);
        assertThat(result).as("the outcome of a pending intent is recorded").isNotNull();
        // The same outcome again finds the intent gone (or kept, for retryable failures): never a second effect.
        if (result != null
                && !intent.equals(result.record().shard(s.shard()).orElseThrow().intent())) {
            assertThat(Outcomes.apply(result.record(), s.shard(), intent, outcome, "walker", now))
                    .isNull();
        }
        return result;
    }

    private Directives.@Nullable Applied directive(MigrationRecord rec, int step, Instant now) {
        int dice = rnd.nextInt(100);
        DirectiveKind kind;
        String argument = "";
        if (dice < 20) {
            kind = DirectiveKind.APPROVE;
            argument = rnd.nextBoolean() ? ApprovalStage.START.name() : ApprovalStage.CUTOVER.name();
        } else if (dice < 35) {
            kind = DirectiveKind.RELEASE_CUTOVER;
        } else if (dice < 55) {
            kind = DirectiveKind.RETRY;
        } else if (dice < 59) {
            kind = DirectiveKind.ABORT;
        } else if (dice < 73) {
            kind = DirectiveKind.PAUSE;
        } else if (dice < 88) {
            kind = DirectiveKind.RESUME;
        } else {
            kind = DirectiveKind.THROTTLE;
            argument = String.valueOf(rnd.nextInt(5) / 4.0);
        }
        if (rec.state() == MigrationState.REVERTIBLE && revertRnd.nextInt(3) > 0) {
            kind = revertRnd.nextInt(3) == 0 ? DirectiveKind.CLOSE_REVERT_WINDOW : DirectiveKind.REVERT;
            argument = kind == DirectiveKind.REVERT && revertRnd.nextBoolean() ? SHARDS.get(0) : "";
        }
        if (rec.shards().stream().anyMatch(s -> s.state() == MigrationState.ALERTED) && bakeRnd.nextBoolean()) {
            kind = DirectiveKind.ACKNOWLEDGE;
            argument = "";
        }
        String id = rnd.nextInt(10) == 0 && !rec.directives().isEmpty()
                ? rec.directives().keySet().iterator().next()
                : "d-" + step;
        try {
            Directives.Applied applied =
                    Directives.apply(rec, new Directives.Directive(id, kind, argument, "operator"), now);
            if (applied.change() == null) {
                assertThat(rec.directives()).containsEntry(id, applied.outcome());
            }
            return applied;
        } catch (IllegalDirectiveException | IdempotencyConflictException | InvalidRequestException e) {
            directivesRefused++;
            return null;
        }
    }
}
