package dev.osc4j.internal;

import static dev.osc4j.MigrationState.ABORTED;
import static dev.osc4j.MigrationState.COMPLETED;
import static dev.osc4j.MigrationState.COPYING_ROWS;
import static dev.osc4j.MigrationState.CUTOVER_PENDING;
import static dev.osc4j.MigrationState.FAILED;
import static dev.osc4j.MigrationState.INITIALIZING;
import static dev.osc4j.MigrationState.QUEUED;
import static dev.osc4j.MigrationState.SWITCHING_TRAFFIC;
import static dev.osc4j.MigrationState.WAITING_FOR_CATCHUP;
import static dev.osc4j.TestRecords.ID;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.migration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.AuditEntry;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.TestRecords;
import dev.osc4j.Transitions;
import dev.osc4j.Trigger;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("RecordChange")
class RecordChangeTest {

    private static List<ShardRecord> shards(MigrationState... states) {
        List<ShardRecord> out = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            out.add(TestRecords.shard("s" + i, states[i], 1));
        }
        return out;
    }

    static Stream<Arguments> derivations() {
        return Stream.of(
                Arguments.of(List.of(QUEUED), QUEUED),
                Arguments.of(List.of(COPYING_ROWS, COPYING_ROWS), COPYING_ROWS),
                Arguments.of(List.of(COPYING_ROWS, QUEUED, CUTOVER_PENDING), QUEUED),
                Arguments.of(List.of(CUTOVER_PENDING, WAITING_FOR_CATCHUP), WAITING_FOR_CATCHUP),
                Arguments.of(List.of(SWITCHING_TRAFFIC, COMPLETED), SWITCHING_TRAFFIC),
                Arguments.of(List.of(COMPLETED, INITIALIZING), INITIALIZING),
                Arguments.of(List.of(COMPLETED, COMPLETED, COMPLETED), COMPLETED),
                Arguments.of(List.of(COMPLETED, FAILED), FAILED),
                Arguments.of(List.of(FAILED, COPYING_ROWS), FAILED),
                Arguments.of(List.of(QUEUED, FAILED, SWITCHING_TRAFFIC), FAILED),
                Arguments.of(List.of(ABORTED, FAILED), FAILED),
                Arguments.of(List.of(ABORTED, COPYING_ROWS), FAILED),
                Arguments.of(List.of(ABORTED, QUEUED), FAILED),
                Arguments.of(List.of(ABORTED, ABORTED), ABORTED),
                Arguments.of(List.of(ABORTED, COMPLETED), ABORTED),
                Arguments.of(List.of(COMPLETED, ABORTED, COMPLETED), ABORTED));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("derivations")
    @DisplayName("derives the migration's state: any FAILED fails it, an abort with shards still running fails it,"
            + " all COMPLETED completes it, a terminal mix aborts it, else the least advanced shard's state")
    void derivesState(List<MigrationState> states, MigrationState expected) {
        assertThat(RecordChange.deriveState(shards(states.toArray(MigrationState[]::new))))
                .isEqualTo(expected);
    }

    @Test
    @DisplayName("the derivation does not depend on the order of the shards")
    void derivationIgnoresOrder() {
        List<ShardRecord> s = shards(COMPLETED, WAITING_FOR_CATCHUP, CUTOVER_PENDING, SWITCHING_TRAFFIC);
        List<ShardRecord> reversed = new ArrayList<>(s);
        java.util.Collections.reverse(reversed);
        assertThat(RecordChange.deriveState(s))
                .isEqualTo(RecordChange.deriveState(reversed))
                .isEqualTo(WAITING_FOR_CATCHUP);
    }

    @Test
    @DisplayName("refuses a shard move that is not an edge of the table")
    void refusesNonEdges() {
        RecordChange change = new RecordChange(migration("a").build(), "t", T0);
        assertThatThrownBy(() -> change.transition(0, COPYING_ROWS, Trigger.COPY_STARTED, "skip"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("shard a cannot go from QUEUED to COPYING_ROWS");
        assertThat(change.hardChanged()).isFalse();
        assertThat(change.audit()).isEmpty();
    }

    @Test
    @DisplayName("refuses an edge taken with another trigger than its own")
    void refusesWrongTrigger() {
        RecordChange change = new RecordChange(migration("a").build(), "t", T0);
        assertThatThrownBy(() -> change.transition(0, INITIALIZING, Trigger.RETRY, "wrong"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("triggered by START, not RETRY");
    }

    @Test
    @DisplayName("refuses a second move of the same shard in one change")
    void oneEdgePerChange() {
        RecordChange change = new RecordChange(migration("a").build(), "t", T0);
        change.transition(0, INITIALIZING, Trigger.START, "go");
        assertThatThrownBy(() -> change.transition(0, FAILED, Trigger.FAIL, "again"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already moved");
    }

    @Test
    @DisplayName("refuses to derive a migration state that is not an edge from the recorded one")
    void refusesDerivedNonEdge() {
        MigrationRecord inconsistent =
                migration("a").in(COPYING_ROWS).state(QUEUED).build();
        RecordChange change = new RecordChange(inconsistent, "t", T0);
        assertThatThrownBy(() -> change.build(false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("migration " + ID + " cannot go from QUEUED to COPYING_ROWS");
    }

    @Test
    @DisplayName("numbers audit entries after the record's last one, without gaps, and counts them into the record")
    void auditSequence() {
        MigrationRecord rec = migration("a", "b").auditSeq(41).build();
        RecordChange change = new RecordChange(rec, "ctl", T0);
        change.transition(0, INITIALIZING, Trigger.START, "go");
        change.note("b", "hello", "a note");
        change.fail(1, FailureReason.UNKNOWN, "bad");
        MigrationRecord next = change.build(false);
        List<AuditEntry> audit = change.audit();
        assertThat(audit).extracting(AuditEntry::seq).containsExactly(42L, 43L, 44L, 45L);
        assertThat(audit.get(3).shard()).isNull();
        assertThat(audit.get(3).from()).isEqualTo(QUEUED);
        assertThat(audit.get(3).to()).isEqualTo(FAILED);
        assertThat(next.auditSeq()).isEqualTo(45);
        assertThat(next.state()).isEqualTo(FAILED);
        assertThat(audit).allMatch(e -> e.migrationId().equals(ID) && e.actor().equals("ctl") && e.at().equals(T0));
        assertThat(Transitions.allowed(QUEUED, FAILED)).isTrue();
    }

    @Test
    @DisplayName("a failure drops the shard's pending intent and says so in the audit trail")
    void failDropsIntent() {
        MigrationRecord rec = migration("a")
                .in(COPYING_ROWS)
                .shard(
                        "a",
                        s -> s.withIntent(new dev.osc4j.Intent(
                                dev.osc4j.Intent.IntentKind.THROTTLE, TestRecords.key("a", 1), "t", 1.0, T0)))
                .build();
        RecordChange change = new RecordChange(rec, "t", T0);
        change.fail(0, FailureReason.ENGINE_FAILED, "x");
        MigrationRecord next = change.build(false);
        assertThat(next.shards().get(0).intent()).isNull();
        assertThat(change.audit())
                .extracting(AuditEntry::kind, AuditEntry::detail)
                .contains(org.assertj.core.groups.Tuple.tuple(AuditEntry.Kind.NOTE, "dropped pending THROTTLE"));
    }

    @Test
    @DisplayName("writes nothing soft unless asked: progress and wait reasons stay as persisted")
    void softFieldsOnlyWhenAsked() {
        MigrationRecord rec = migration("a").build();
        RecordChange change = new RecordChange(rec, "t", T0);
        change.soft(0, rec.shards().get(0).progress(), "waiting");
        assertThat(change.softDiffers()).isTrue();
        assertThat(change.hardChanged()).isFalse();
        assertThat(change.build(false).shards().get(0).waitReason()).isNull();
        assertThat(change.build(true).shards().get(0).waitReason()).isEqualTo("waiting");
        assertThat(change.build(true).progressPersistedAt()).isEqualTo(T0);
        assertThat(change.build(false).progressPersistedAt()).isNull();
    }
}
