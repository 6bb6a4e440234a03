package dev.osc4j.internal;

import static dev.osc4j.TestRecords.ABORTING;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.healthy;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.internal.Decisions.decide;
import static dev.osc4j.internal.Decisions.input;
import static dev.osc4j.internal.Decisions.observed;
import static dev.osc4j.internal.Decisions.transitions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.AutoRevert;
import dev.osc4j.Controls;
import dev.osc4j.DirectiveKind;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.TestRecords;
import dev.osc4j.Transition;
import dev.osc4j.Transitions;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every edge of the table is taken by the code, with its declared trigger: one scenario per edge. */
@DisplayName("Every edge of the transition table")
class DeciderEdgesTest {
    private static final String S = "-80";
    private static final AutoRevert BAKE = AutoRevert.on(Duration.ofMinutes(15), "errors");

    private record Taken(MigrationRecord before, MigrationRecord after, List<AuditEntry> audit) {}

    static Stream<Arguments> edges() {
        return Transitions.all().stream().map(t -> Arguments.of(t.from() + " -> " + t.to() + " on " + t.trigger(), t));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edges")
    @DisplayName("is taken, exactly once and with its trigger, in a situation that calls for it")
    void isTaken(String name, Transition edge) {
        Taken taken = take(edge);
        assertThat(Decisions.shard(taken.before(), S).state()).isEqualTo(edge.from());
        assertThat(Decisions.shard(taken.after(), S).state()).as(name).isEqualTo(edge.to());
        List<AuditEntry> moves = transitions(taken.audit(), S);
        assertThat(moves).hasSize(1);
        AuditEntry move = moves.get(0);
        assertThat(move.from()).isEqualTo(edge.from());
        assertThat(move.to()).isEqualTo(edge.to());
        assertThat(move.trigger()).isEqualTo(edge.trigger());
        assertThat(move.at()).isEqualTo(T0);
        // With a single shard the migration follows it along the same edge.
        assertThat(transitions(taken.audit(), null)).singleElement().satisfies(m -> {
            assertThat(m.from()).isEqualTo(edge.from());
            assertThat(m.to()).isEqualTo(edge.to());
            assertThat(m.trigger()).isEqualTo(edge.trigger());
        });
        assertThat(taken.after().state()).isEqualTo(edge.to());
    }

    private static Taken take(Transition edge) {
        MigrationRecord rec;
        Decision d;
        switch (edge.from() + ">" + edge.to()) {
            case "QUEUED>INITIALIZING" -> {
                rec = migration(S).build();
                d = decide(rec, Map.of(S, input(null, healthy(S))));
            }
            case "INITIALIZING>COPYING_ROWS" -> {
                rec = migration(S).in(MigrationState.INITIALIZING).build();
                d = decide(rec, Map.of(S, observed(S, EnginePhase.COPYING)));
            }
            case "COPYING_ROWS>WAITING_FOR_CATCHUP" -> {
                rec = migration(S).in(MigrationState.COPYING_ROWS).build();
                d = decide(rec, Map.of(S, observed(S, EnginePhase.CATCHING_UP)));
            }
            case "WAITING_FOR_CATCHUP>CUTOVER_PENDING" -> {
                rec = migration(S).in(MigrationState.WAITING_FOR_CATCHUP).build();
                d = decide(rec, Map.of(S, observed(S, EnginePhase.READY_FOR_CUTOVER)));
            }
            case "CUTOVER_PENDING>WAITING_FOR_CATCHUP" -> {
                rec = migration(S).in(MigrationState.CUTOVER_PENDING).build();
                d = decide(rec, Map.of(S, observed(S, EnginePhase.CATCHING_UP)));
            }
            case "CUTOVER_PENDING>SWITCHING_TRAFFIC" -> {
                rec = migration(S).in(MigrationState.CUTOVER_PENDING).build();
                d = decide(rec, Map.of(S, observed(S, EnginePhase.READY_FOR_CUTOVER)));
            }
            case "SWITCHING_TRAFFIC>COMPLETED" -> {
                rec = migration(S).in(MigrationState.SWITCHING_TRAFFIC).build();
                d = decide(rec, Map.of(S, observed(S, EnginePhase.COMPLETED)));
            }
            case "SWITCHING_TRAFFIC>REVERTIBLE" -> {
                rec = migration(S)
                        .in(MigrationState.SWITCHING_TRAFFIC)
                        .spec(TestRecords.spec().withRevertible(true))
                        .build();
                d = decide(rec, Map.of(S, observed(S, EnginePhase.COMPLETED)));
            }
            case "REVERTIBLE>COMPLETED" -> {
                Intent retire = new Intent(IntentKind.RETIRE, TestRecords.key(S, 1), "-80:retire", null, T0);
                rec = migration(S)
                        .in(MigrationState.REVERTIBLE)
                        .spec(TestRecords.spec().withRevertible(true))
                        .shard(S, s -> s.withIntent(retire))
                        .build();
                Outcomes.Result r = Objects.requireNonNull(Outcomes.apply(
                        rec, S, retire, new Outcomes.Done(null, CleanupReport.nothing()), "controller", T0));
                return new Taken(rec, r.record(), r.audit());
            }
            case "REVERTIBLE>REVERTED" -> {
                MigrationId revertId = MigrationId.forIdempotencyKey("the-revert");
                rec = migration(S)
                        .in(MigrationState.REVERTIBLE)
                        .spec(TestRecords.spec().withRevertible(true))
                        .controls(Controls.NONE.withRevertedBy(revertId))
                        .build();
                MigrationRecord revert =
                        migration(S).in(MigrationState.COMPLETED).build();
                d = Decisions.decider().decide(rec, Map.of(), Decisions.CAPS, "controller", T0, revert);
            }
            case "SWITCHING_TRAFFIC>BAKING" -> {
                rec = migration(S)
                        .in(MigrationState.SWITCHING_TRAFFIC)
                        .policy(p -> p.autoRevert(BAKE))
                        .build();
                d = decide(rec, Map.of(S, observed(S, EnginePhase.COMPLETED)));
            }
            case "BAKING>COMPLETED" -> {
                rec = migration(S)
                        .in(MigrationState.BAKING)
                        .shard(S, s -> s.withState(MigrationState.BAKING, T0.minus(BAKE.bakeTime())))
                        .policy(p -> p.autoRevert(BAKE))
                        .build();
                d = decide(rec, Map.of());
            }
            case "BAKING>ALERTED" -> {
                rec = migration(S)
                        .in(MigrationState.BAKING)
                        .policy(p -> p.autoRevert(BAKE))
                        .build();
                Outcomes.Result r = AutoDirectives.onHealth(
                        rec,
                        new HealthWatch.Round(
                                HealthWatch.Phase.BAKE, "errors unhealthy (5 %)", "health signal errors unhealthy"),
                        T0);
                return new Taken(rec, r.record(), r.audit());
            }
            case "ALERTED>COMPLETED" -> {
                rec = migration(S)
                        .in(MigrationState.ALERTED)
                        .policy(p -> p.autoRevert(BAKE))
                        .build();
                Outcomes.Result r = Objects.requireNonNull(Directives.apply(
                                rec, new Directives.Directive("ack-1", DirectiveKind.ACKNOWLEDGE, "", "alice"), T0)
                        .change());
                return new Taken(rec, r.record(), r.audit());
            }
            case "QUEUED>FAILED" -> {
                rec = migration(S).controls(ABORTING).build();
                d = decide(rec, Map.of());
            }
            case "INITIALIZING>FAILED",
                    "COPYING_ROWS>FAILED",
                    "WAITING_FOR_CATCHUP>FAILED",
                    "CUTOVER_PENDING>FAILED",
                    "SWITCHING_TRAFFIC>FAILED" -> {
                rec = migration(S).in(edge.from()).build();
                d = decide(
                        rec,
                        Map.of(S, input(EngineObservation.failed(FailureReason.ENGINE_FAILED, "boom"), healthy(S))));
            }
            case "FAILED>QUEUED" -> {
                rec = migration(S).in(MigrationState.FAILED).build();
                Outcomes.Result r = Objects.requireNonNull(
                        Directives.apply(rec, new Directives.Directive("retry-1", DirectiveKind.RETRY, "", "alice"), T0)
                                .change());
                return new Taken(rec, r.record(), r.audit());
            }
            case "FAILED>ABORTED" -> {
                rec = migration(S)
                        .in(MigrationState.FAILED)
                        .shard(S, s -> s.withHandle(null))
                        .controls(ABORTING)
                        .build();
                d = decide(rec, Map.of());
            }
            default -> throw new AssertionError("no scenario for edge " + edge + "; add one");
        }
        assertThat(d.write()).isTrue();
        return new Taken(rec, d.record(), d.audit());
    }
}
