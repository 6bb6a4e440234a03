package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.RevertRefusedException;
import dev.osc4j.RevertWindowOpenException;
import dev.osc4j.ShardRecord;
import dev.osc4j.Trigger;
import dev.osc4j.spi.CreateResult;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.ForwardingStateStore;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Revert after cut-over")
class RevertTest {
    private static final String KS = "commerce";
    private static final Duration WINDOW = Duration.ofHours(2);

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 4, 10_000);
    private final FakeEngine engine = FakeEngine.builder(topology).revert(true).build();
    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    private final MigrationOrchestrator osc = orchestrator(engine);
    private final Simulation sim = Simulation.of(osc, clock);

    private MigrationOrchestrator orchestrator(FakeEngine e) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(e)
                .clock(clock)
                .build();
    }

    private MigrationId submit(String key, String ddl, @Nullable MigrationPolicy policy) {
        return osc.submit(MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(KS)
                .table("orders")
                .ddl(ddl)
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("carol")
                .policy(policy)
                .build());
    }

    private MigrationId revertible() {
        MigrationId id = submit(
                "forward",
                "ADD COLUMN note INT",
                MigrationPolicy.builder().revertWindow(WINDOW).build());
        sim.runUntil(id, MigrationState.REVERTIBLE, Duration.ofHours(1));
        return id;
    }

    @Test
    @DisplayName("a revertible migration swaps, keeps the old table in its window, and a revert of all four shards"
            + " swaps them back together through the barrier; the forward migration ends REVERTED, linked both ways")
    void revertAllShards() {
        MigrationId id = revertible();
        MigrationRecord forward = osc.get(id);
        assertThat(forward.spec().revertible()).isTrue();
        assertThat(forward.shards()).allSatisfy(s -> {
            assertThat(s.state()).isEqualTo(MigrationState.REVERTIBLE);
            assertThat(engine.artifacts(KS, s.shard())).contains("_orders_old", "_orders_reverse_triggers");
        });
        for (int i = 0; i < 3; i++) {
            sim.tick();
        }
        assertThat(osc.get(id).shards().get(0).waitReason()).startsWith("revertible until ");

        MigrationId revertId = osc.revert(id, "revert-1", "alice");
        assertThat(osc.revert(id, "revert-1", "alice"))
                .as("the same directive again")
                .isEqualTo(revertId);
        MigrationRecord revert = osc.get(revertId);
        assertThat(Objects.requireNonNull(revert.spec().revertOf()).migration()).isEqualTo(id);
        assertThat(osc.get(id).controls().revertedBy()).isEqualTo(revertId);
        assertThat(revert.requestedBy()).isEqualTo("alice");
        assertThat(revert.shards()).hasSize(4);

        sim.runUntil(revertId, MigrationState.COMPLETED, Duration.ofHours(1));
        MigrationRecord done = sim.runUntil(id, MigrationState.REVERTED, Duration.ofMinutes(5));
        assertThat(done.shards()).allSatisfy(s -> {
            assertThat(s.state()).isEqualTo(MigrationState.REVERTED);
            assertThat(engine.artifacts(KS, s.shard())).isEmpty();
            assertThat(topology.appliedDdl(KS, s.shard())).last().asString().startsWith("REVERT ");
        });
        // The barrier: every shard of the revert was released in one write.
        List<AuditEntry> releases = osc.audit(revertId).stream()
                .filter(e -> e.shard() != null && e.trigger() == Trigger.CUTOVER)
                .toList();
        assertThat(releases).hasSize(4);
        assertThat(releases)
                .extracting(AuditEntry::at)
                .containsOnly(releases.get(0).at());
        assertThat(osc.audit(id))
                .filteredOn(e -> e.trigger() == Trigger.REVERTED && e.shard() != null)
                .hasSize(4)
                .allSatisfy(e -> assertThat(e.detail()).contains(revertId.value()));
        assertThat(osc.verifyAudit(id)).isEmpty();
        assertThat(osc.verifyAudit(revertId)).isEmpty();
        AuditTrails.assertSound(osc.audit(revertId));
        AuditTrails.assertSound(osc.audit(id));
        assertThat(engine.retireCalls()).isZero();

        RevertRefusedException again = catchRefusal(() -> osc.revert(id, "revert-2", "alice"));
        assertThat(again.reason()).isEqualTo(RevertRefusedException.Reason.ALREADY_REVERTING);
    }

    @Test
    @DisplayName("when the window ends the engine retires what it kept (written ahead), the migration ends COMPLETED,"
            + " and a revert is refused as WINDOW_CLOSED")
    void windowEnds() {
        MigrationId id = revertible();
        clock.advance(WINDOW);
        MigrationRecord done = sim.runUntil(id, MigrationState.COMPLETED, Duration.ofMinutes(5));
        assertThat(engine.retireCalls()).isEqualTo(4);
        assertThat(done.shards())
                .allSatisfy(s -> assertThat(engine.artifacts(KS, s.shard())).isEmpty());
        List<AuditEntry> trail = osc.audit(id);
        assertThat(trail)
                .filteredOn(
                        e -> e.kind() == AuditEntry.Kind.INTENT && e.detail().startsWith("RETIRE"))
                .hasSize(4);
        assertThat(trail).filteredOn(e -> e.trigger() == Trigger.WINDOW_CLOSED).hasSize(5);
        RevertRefusedException e = catchRefusal(() -> osc.revert(id, "late", "alice"));
        assertThat(e.reason()).isEqualTo(RevertRefusedException.Reason.WINDOW_CLOSED);
    }

    @Test
    @DisplayName("an operator closes the window early; the table can be migrated again, which it could not before")
    void closeEarly() {
        MigrationId id = revertible();
        assertThatThrownBy(() -> submit("next", "ADD COLUMN other INT", null))
                .isInstanceOfSatisfying(RevertWindowOpenException.class, e -> {
                    assertThat(e.revertible()).isEqualTo(id);
                    assertThat(e.getMessage()).contains("revert window of migration " + id.value());
                });
        assertThat(osc.list(MigrationFilter.all())).as("nothing written").hasSize(1);
        osc.closeRevertWindow(id, "close-1", "bob");
        sim.runUntil(id, MigrationState.COMPLETED, Duration.ofMinutes(5));
        assertThat(engine.retireCalls()).isEqualTo(4);
        MigrationId next = submit("next", "ADD COLUMN other INT", null);
        assertThat(osc.get(next).state()).isEqualTo(MigrationState.QUEUED);
    }

    @Test
    @DisplayName("a revert of one shard reverts that shard; the others keep their window, and the migration ends"
            + " REVERTED once that window ended")
    void revertOneShard() {
        MigrationId id = revertible();
        String first = osc.get(id).shards().get(0).shard();
        MigrationId revertId = osc.revert(id, "revert-one", List.of(first), "alice");
        assertThat(osc.get(revertId).shards()).extracting(ShardRecord::shard).containsExactly(first);
        sim.runUntil(revertId, MigrationState.COMPLETED, Duration.ofHours(1));
        MigrationRecord partly = sim.runUntil(
                id, r -> r.shard(first).orElseThrow().state() == MigrationState.REVERTED, Duration.ofMinutes(5));
        assertThat(partly.shards().stream().filter(s -> s.state() == MigrationState.REVERTIBLE))
                .hasSize(3);
        assertThat(partly.state()).isEqualTo(MigrationState.REVERTIBLE);
        clock.advance(WINDOW);
        MigrationRecord done = sim.runUntil(id, MigrationState.REVERTED, Duration.ofMinutes(5));
        assertThat(done.shards())
                .extracting(ShardRecord::state)
                .containsOnly(MigrationState.REVERTED, MigrationState.COMPLETED);
        assertThat(engine.retireCalls()).isEqualTo(3);
    }

    @Test
    @DisplayName("an operator's revert passes the policy's approval gates like any migration")
    void revertNeedsApproval() {
        MigrationId id = submit(
                "forward",
                "ADD COLUMN note INT",
                MigrationPolicy.builder()
                        .revertWindow(WINDOW)
                        .requireStartApproval(true)
                        .build());
        osc.approve(id, "ok-1", ApprovalStage.START, "dave");
        sim.runUntil(id, MigrationState.REVERTIBLE, Duration.ofHours(1));
        MigrationId revertId = osc.revert(id, "revert-1", "alice");
        for (int i = 0; i < 30; i++) {
            sim.tick();
        }
        MigrationRecord waiting = osc.get(revertId);
        assertThat(waiting.state()).isEqualTo(MigrationState.QUEUED);
        assertThat(waiting.shards().get(0).waitReason()).contains("approval");
        assertThatThrownBy(() -> osc.approve(revertId, "self", ApprovalStage.START, "alice"))
                .hasMessageContaining("may not approve their own");
        osc.approve(revertId, "ok-2", ApprovalStage.START, "dave");
        sim.runUntil(revertId, MigrationState.COMPLETED, Duration.ofHours(1));
        sim.runUntil(id, MigrationState.REVERTED, Duration.ofMinutes(5));
    }

    @Test
    @DisplayName("an aborted revert leaves the migration in its window, and another revert can start")
    void abortedRevert() {
        MigrationId id = revertible();
        MigrationId revertId = osc.revert(id, "revert-1", "alice");
        sim.runUntil(
                revertId,
                r -> r.state() == MigrationState.CUTOVER_PENDING || r.state() == MigrationState.INITIALIZING,
                Duration.ofMinutes(5));
        osc.abort(revertId, "stop-1", "alice");
        sim.runUntil(revertId, MigrationState.ABORTED, Duration.ofMinutes(5));
        MigrationRecord forward = sim.runUntil(id, r -> r.controls().revertedBy() == null, Duration.ofMinutes(5));
        assertThat(forward.state()).isEqualTo(MigrationState.REVERTIBLE);
        assertThat(forward.shards())
                .allSatisfy(s -> assertThat(engine.artifacts(KS, s.shard())).contains("_orders_old"));
        MigrationId second = osc.revert(id, "revert-2", "alice");
        assertThat(second).isNotEqualTo(revertId);
        sim.runUntil(second, MigrationState.COMPLETED, Duration.ofHours(1));
        sim.runUntil(id, MigrationState.REVERTED, Duration.ofMinutes(5));
    }

    @Test
    @DisplayName("a DDL that cannot be undone by swapping back completes at once, and its revert is refused with the"
            + " reason")
    void notRevertibleDdl() {
        MigrationId id = submit(
                "drop",
                "DROP COLUMN legacy",
                MigrationPolicy.builder().revertWindow(WINDOW).build());
        MigrationRecord done = sim.runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        assertThat(done.spec().revertible()).isFalse();
        RevertRefusedException e = catchRefusal(() -> osc.revert(id, "r", "alice"));
        assertThat(e.reason()).isEqualTo(RevertRefusedException.Reason.NOT_REVERTIBLE);
        assertThat(e.getMessage()).contains("'DROP COLUMN legacy' drops a column");
    }

    @Test
    @DisplayName("a migration that has not swapped cannot be reverted, and naming a shard it lacks is refused")
    void refusals() {
        MigrationId id = submit(
                "forward",
                "ADD COLUMN note INT",
                MigrationPolicy.builder().revertWindow(WINDOW).build());
        assertThat(catchRefusal(() -> osc.revert(id, "r", "alice")).reason())
                .isEqualTo(RevertRefusedException.Reason.NOT_SWITCHED);
        sim.runUntil(id, MigrationState.REVERTIBLE, Duration.ofHours(1));
        assertThat(catchRefusal(() -> osc.revert(id, "r2", List.of("nope"), "alice"))
                        .reason())
                .isEqualTo(RevertRefusedException.Reason.BAD_SHARDS);
        assertThat(osc.get(id).controls().revertedBy()).as("nothing changed").isNull();
        assertThat(osc.list(MigrationFilter.all())).hasSize(1);
    }

    @Test
    @DisplayName(
            "an engine that cannot revert completes without a window; asking it for a window explicitly is refused")
    void engineWithoutRevert() {
        FakeEngine plain = FakeEngine.builder(topology).name("plain").build();
        MigrationOrchestrator other = orchestrator(plain);
        MigrationRequest.Builder request = MigrationRequest.builder()
                .keyspace(KS)
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine("plain")
                .requestedBy("carol");
        assertThatThrownBy(() -> other.submit(request.idempotencyKey("explicit")
                        .policy(MigrationPolicy.builder().revertWindow(WINDOW).build())
                        .build()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("cannot revert");
        MigrationId id =
                other.submit(request.idempotencyKey("default").policy(null).build());
        MigrationRecord done = Simulation.of(other, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        assertThat(done.spec().revertible()).isFalse();
    }

    @Test
    @DisplayName("a client that dies between linking the revert and creating it: the controller creates it")
    void clientDiesBeforeCreating() {
        MigrationId id = revertible();
        ForwardingStateStore failingCreate = new ForwardingStateStore(store) {
            @Override
            public CreateResult create(MigrationRecord record, List<AuditEntry> audit) {
                throw new IllegalStateException("the client's process died here");
            }
        };
        MigrationClient dying = MigrationClient.of(failingCreate, clock);
        assertThatThrownBy(() -> dying.revert(id, "revert-1", "alice")).hasMessageContaining("died here");
        MigrationId revertId = Objects.requireNonNull(osc.get(id).controls().revertedBy());
        assertThat(store.read(revertId)).isEmpty();
        Simulation.pass(osc);
        assertThat(store.read(revertId)).isPresent();
        sim.runUntil(revertId, MigrationState.COMPLETED, Duration.ofHours(1));
        sim.runUntil(id, MigrationState.REVERTED, Duration.ofMinutes(5));
        assertThat(osc.revert(id, "revert-1", "alice")).isEqualTo(revertId);
    }

    private static RevertRefusedException catchRefusal(Runnable call) {
        try {
            call.run();
        } catch (RevertRefusedException e) {
            return e;
        }
        throw new AssertionError("the revert was not refused");
    }
}
