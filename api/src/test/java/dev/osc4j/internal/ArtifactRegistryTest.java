package dev.osc4j.internal;

import static dev.osc4j.TestRecords.ID;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.healthy;
import static dev.osc4j.TestRecords.key;
import static dev.osc4j.TestRecords.migration;
import static dev.osc4j.internal.Decisions.ACTOR;
import static dev.osc4j.internal.Decisions.CAPS;
import static dev.osc4j.internal.Decisions.decider;
import static dev.osc4j.internal.Decisions.input;
import static dev.osc4j.internal.Decisions.shard;
import static dev.osc4j.internal.Decisions.waitReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Artifact;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.Intent.IntentKind;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.Trigger;
import dev.osc4j.internal.Decider.ArtifactPlanner;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.RecordCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The write-ahead artifact registry in the shard's record")
class ArtifactRegistryTest {
    private static final String S = "-80";

    private static List<Artifact> planned(EngineKey k) {
        return List.of(
                Artifact.table("commerce", "_orders_new", k),
                Artifact.trigger("commerce", "pt_osc_commerce_orders_ins", k));
    }

    private static Decision start(MigrationRecord rec, ArtifactPlanner planner) {
        return decider().decide(rec, Map.of(S, input(null, healthy(S))), CAPS, ACTOR, T0, null, planner);
    }

    @Test
    @DisplayName("a start registers what the engine plans for that key in the write that records the START intent")
    void startRegisters() {
        List<EngineKey> asked = new ArrayList<>();
        MigrationRecord rec = migration(S).attempt(2).build();
        Decision d = start(rec, (target, spec, k) -> {
            asked.add(k);
            assertThat(target.shard()).isEqualTo(S);
            assertThat(spec).isEqualTo(rec.spec());
            return planned(k);
        });

        ShardRecord s = shard(d, S);
        assertThat(d.write()).isTrue();
        assertThat(Objects.requireNonNull(s.intent()).kind()).isEqualTo(IntentKind.START);
        assertThat(asked).containsExactly(key(S, 2));
        assertThat(s.artifacts()).isEqualTo(planned(key(S, 2)));
        assertThat(s.artifactsOf(key(S, 1))).isEmpty();
    }

    @Test
    @DisplayName("an earlier attempt's registered artifacts stay registered beside the new run's")
    void earlierAttemptStays() {
        MigrationRecord rec = migration(S)
                .attempt(2)
                .shard(S, s -> s.withArtifacts(planned(key(S, 1))))
                .build();
        ShardRecord s = shard(start(rec, (t, spec, k) -> planned(k)), S);
        assertThat(s.artifacts()).hasSize(4);
        assertThat(s.artifactsOf(key(S, 1))).isEqualTo(planned(key(S, 1)));
        assertThat(s.artifactsOf(key(S, 2))).isEqualTo(planned(key(S, 2)));
    }

    @Test
    @DisplayName(
            "an engine that cannot plan yet keeps the shard queued, without an intent; one that never can fails it")
    void planningFails() {
        MigrationRecord rec = migration(S).build();
        Decision waits = start(rec, (t, spec, k) -> {
            throw EngineException.transientFailure("primary unreachable", null);
        });
        assertThat(shard(waits, S).state()).isEqualTo(MigrationState.QUEUED);
        assertThat(shard(waits, S).intent()).isNull();
        assertThat(shard(waits, S).artifacts()).isEmpty();
        assertThat(waitReason(waits, S)).isEqualTo("cannot tell what the run will create: primary unreachable");

        Decision fails = start(rec, (t, spec, k) -> {
            throw EngineException.permanent(FailureReason.ENGINE_CONFIGURATION, "every name is taken");
        });
        assertThat(shard(fails, S).state()).isEqualTo(MigrationState.FAILED);
        assertThat(shard(fails, S).intent()).isNull();
        assertThat(Objects.requireNonNull(shard(fails, S).failure()).message())
                .isEqualTo("cannot tell what the run will create: every name is taken");
    }

    @Test
    @DisplayName("a CLEANUP done removes the artifacts of its key only")
    void cleanupRemovesItsKey() {
        Intent cleanup = new Intent(IntentKind.CLEANUP, key(S, 1), "a1:" + S + ":CLEANUP", null, T0);
        List<Artifact> both = new ArrayList<>(planned(key(S, 1)));
        both.addAll(planned(key(S, 2)));
        MigrationRecord rec = migration(S)
                .attempt(2)
                .shard(
                        S,
                        s -> s.withLeftovers(List.of(key(S, 1)))
                                .withArtifacts(both)
                                .withIntent(cleanup))
                .build();
        Outcomes.Result failed = Objects.requireNonNull(Outcomes.apply(
                rec,
                S,
                cleanup,
                new Outcomes.Failed(EngineException.transientFailure("lock wait timeout", null)),
                "ctl",
                T0));
        assertThat(shard(failed.record(), S).artifacts())
                .as("kept until dropped")
                .isEqualTo(both);

        Outcomes.Result done = Objects.requireNonNull(Outcomes.apply(
                rec,
                S,
                cleanup,
                new Outcomes.Done(null, new CleanupReport(List.of("_orders_new"), List.of())),
                "ctl",
                T0));
        assertThat(shard(done.record(), S).artifacts()).isEqualTo(planned(key(S, 2)));
    }

    @Test
    @DisplayName(
            "a shard that completes drops its run's entries (swapped in or handed to the lifecycle), not a leftover's")
    void completedClears() {
        MigrationRecord rec = migration(S)
                .attempt(2)
                .in(MigrationState.REVERTIBLE)
                .shard(S, s -> {
                    List<Artifact> both = new ArrayList<>(planned(key(S, 1)));
                    both.addAll(planned(key(S, 2)));
                    return s.withLeftovers(List.of(key(S, 1))).withArtifacts(both);
                })
                .build();
        RecordChange change = new RecordChange(rec, "ctl", T0);
        change.transition(change.indexOf(S), MigrationState.COMPLETED, Trigger.WINDOW_CLOSED, "window ended");
        assertThat(change.shard(change.indexOf(S)).artifacts()).isEqualTo(planned(key(S, 1)));
    }

    @Test
    @DisplayName("the registry survives the record codec, and a record written before the registry decodes as empty")
    void codec() {
        MigrationRecord rec =
                migration(S).shard(S, s -> s.withArtifacts(planned(key(S, 1)))).build();
        String json = RecordCodec.encode(rec);
        assertThat(json)
                .contains("\"artifacts\":[{\"kind\":\"TABLE\",\"schema\":\"commerce\",\"name\":\"_orders_new\"");
        assertThat(shard(RecordCodec.decode(ID, json, 1), S).artifacts()).isEqualTo(planned(key(S, 1)));

        String old = RecordCodec.encode(migration(S).build()).replace(",\"artifacts\":[]", "");
        assertThat(old).doesNotContain("artifacts");
        assertThat(shard(RecordCodec.decode(ID, old, 1), S).artifacts()).isEmpty();
    }

    @Test
    @DisplayName("an artifact without a name is refused")
    void blankName() {
        assertThatThrownBy(() -> Artifact.table("commerce", " ", key(S, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a schema and a name");
    }
}
