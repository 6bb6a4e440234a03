package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.AutoRevert;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.RevertRefusedException;
import dev.osc4j.Trigger;
import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.HealthVerdict;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Reverting on health signals while a migration bakes")
class AutoRevertTest {
    private static final String KS = "commerce";
    private static final Duration BAKE = Duration.ofMinutes(30);

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 2, 10_000);
    private final FakeEngine engine = FakeEngine.builder(topology).revert(true).build();
    private final List<Instant> checks = new ArrayList<>();
    private Function<MigrationRecord, HealthVerdict> latency = r -> HealthVerdict.healthy("p99 12 ms");
    private final MigrationOrchestrator osc = MigrationOrchestrator.builder()
            .store(new InMemoryStateStore(clock))
            .topology(topology)
            .engine(engine)
            .clock(clock)
            .healthSignal(new HealthSignal() {
                @Override
                public String name() {
                    return "orders-p99";
                }

                @Override
                public HealthVerdict check(MigrationRecord migration) {
                    checks.add(clock.instant());
                    return latency.apply(migration);
                }
            })
            .build();
    private final Simulation sim = Simulation.of(osc, clock);

    private MigrationId submit(String ddl, MigrationPolicy.Builder policy) {
        return osc.submit(MigrationRequest.builder()
                .idempotencyKey("baked")
                .keyspace(KS)
                .table("orders")
                .ddl(ddl)
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("carol")
                .policy(policy.build())
                .build());
    }

    private static MigrationPolicy.Builder baked(int failureLimit) {
        return MigrationPolicy.builder()
                .revertWindow(Duration.ofHours(2))
                .requireCutoverApproval(true)
                .autoRevert(new AutoRevert(List.of("orders-p99"), BAKE, Duration.ofSeconds(10), failureLimit, 3));
    }

    /** A migration whose policy bakes it with the signal, approved by someone else, run until it swapped. */
    private MigrationRecord swapped(int failureLimit) {
        MigrationId id = submit("ADD COLUMN note INT", baked(failureLimit));
        osc.approve(id, "ok", ApprovalStage.CUTOVER, "dave");
        return sim.runUntil(id, MigrationState.REVERTIBLE, Duration.ofHours(1));
    }

    private AuditEntry breachNote(MigrationId id) {
        List<AuditEntry> notes = osc.audit(id).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.NOTE && e.stepId().endsWith(":health-breach"))
                .toList();
        assertThat(notes).hasSize(1);
        return notes.get(0);
    }

    private List<AuditEntry> healthNotes(MigrationId id) {
        return osc.audit(id).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.NOTE && e.stepId().endsWith(":health"))
                .toList();
    }

    @Test
    @DisplayName("unhealthy verdicts up to the failure limit revert the migration at once, approved by its policy: no"
            + " person, release or window is waited for, and the audit says why")
    void unhealthyReverts() {
        MigrationId id = swapped(2).id();
        for (int i = 0; i < 60; i++) {
            sim.tick();
        }
        assertThat(osc.get(id).controls().revertedBy()).as("healthy: no revert").isNull();
        assertThat(checks).hasSizeBetween(5, 7);
        latency = r -> HealthVerdict.unhealthy("p99 412 ms > 250 ms");
        MigrationRecord reverting = sim.runUntil(id, r -> r.controls().revertedBy() != null, Duration.ofMinutes(5));
        MigrationId revertId = Objects.requireNonNull(reverting.controls().revertedBy());
        MigrationRecord revert = sim.runUntil(revertId, MigrationState.COMPLETED, Duration.ofMinutes(10));
        assertThat(revert.requestedBy()).isEqualTo("osc4j-policy");
        assertThat(revert.policy().requireCutoverApproval()).isFalse();
        sim.runUntil(id, MigrationState.REVERTED, Duration.ofMinutes(5));
        assertThat(breachNote(id).detail())
                .isEqualTo("bake: orders-p99 unhealthy (p99 412 ms > 250 ms) -> health signal orders-p99 unhealthy: p99"
                        + " 412 ms > 250 ms (2 of 2 failed checks allowed)");
        // Every evaluation is in the audit trail, with what was measured: the healthy ones and the first failure.
        assertThat(healthNotes(id))
                .hasSize(checks.size() - 1)
                .allSatisfy(e -> assertThat(e.detail()).startsWith("bake: orders-p99 "));
    }

    @Test
    @DisplayName("a signal that cannot tell, errorLimit times in a row, counts as a failure (as Flagger treats missing"
            + " metrics)")
    void blindSignalReverts() {
        MigrationId id = swapped(1).id();
        latency = r -> {
            throw new IllegalStateException("prometheus unreachable, password=hunter2");
        };
        MigrationRecord reverting = sim.runUntil(id, r -> r.controls().revertedBy() != null, Duration.ofMinutes(5));
        assertThat(breachNote(id).detail())
                .contains("could not tell 3 times in a row")
                .doesNotContain("hunter2");
        assertThat(reverting.controls().revertedBy()).isNotNull();
    }

    @Test
    @DisplayName("after the bake time the signals are no longer asked, and the window runs its course")
    void bakeEnds() {
        MigrationRecord swapped = swapped(1);
        MigrationId id = swapped.id();
        Instant bakeEnds = swapped.shards().get(0).stateSince().plus(BAKE);
        sim.step(Duration.ofSeconds(10));
        while (!clock.instant().isAfter(bakeEnds.plusSeconds(20))) {
            sim.tick();
        }
        int asked = checks.size();
        assertThat(asked).as("asked every 10 s while baking").isBetween(170, 185);
        latency = r -> HealthVerdict.unhealthy("too late to matter");
        sim.runUntil(id, MigrationState.COMPLETED, Duration.ofHours(3));
        assertThat(checks).hasSize(asked);
        assertThat(osc.get(id).controls().revertedBy()).isNull();
    }

    @Test
    @DisplayName("while copying, a breach pauses the migration or aborts it (the fallback chain), as the policy says")
    void breachWhileCopying() {
        latency = r -> HealthVerdict.unhealthy("p99 900 ms");
        MigrationId paused = submit(
                "ADD COLUMN note INT",
                MigrationPolicy.builder()
                        .autoRevert(
                                AutoRevert.on(BAKE, "orders-p99").onBreachWhileCopying(AutoRevert.BreachAction.PAUSE)));
        MigrationRecord p = sim.runUntil(paused, r -> r.controls().paused(), Duration.ofMinutes(5));
        assertThat(p.shards())
                .allSatisfy(s ->
                        assertThat(s.state().pathIndex()).isLessThan(MigrationState.SWITCHING_TRAFFIC.pathIndex()));
        assertThat(breachNote(paused).detail()).startsWith("copy: orders-p99 unhealthy (p99 900 ms) -> ");
        assertThat(p.directives().values())
                .singleElement()
                .satisfies(d -> assertThat(d.actor()).isEqualTo("osc4j-policy"));
        int asked = checks.size();
        for (int i = 0; i < 30; i++) {
            sim.tick();
        }
        assertThat(checks).as("not asked while paused").hasSize(asked);
        osc.abort(paused, "stop", "carol");
        sim.runUntil(paused, MigrationState.ABORTED, Duration.ofMinutes(5));
    }

    /** Bakes with the signal after a swap that cannot be reverted (no revert window). */
    private static MigrationPolicy.Builder alerting(int failureLimit) {
        return MigrationPolicy.builder()
                .revertWindow(Duration.ZERO)
                .autoRevert(new AutoRevert(List.of("orders-p99"), BAKE, Duration.ofSeconds(10), failureLimit, 3));
    }

    @Test
    @DisplayName(
            "a migration that cannot be reverted bakes instead; a breach raises ALERTED (the new schema stays live),"
                    + " which only an acknowledgement ends")
    void breachWithoutRevertAlerts() {
        MigrationId id = submit("DROP COLUMN legacy", alerting(2));
        MigrationRecord baking = sim.runUntil(id, MigrationState.BAKING, Duration.ofHours(1));
        assertThat(baking.spec().revertible()).isFalse();
        assertThat(baking.shards()).allSatisfy(s -> assertThat(s.state()).isEqualTo(MigrationState.BAKING));
        for (int i = 0; i < 30; i++) {
            sim.tick();
        }
        assertThat(osc.get(id).state()).as("healthy: still baking").isEqualTo(MigrationState.BAKING);
        assertThat(checks).isNotEmpty();
        assertThatThrownBy(() -> osc.acknowledgeAlert(id, "too-early", "erin"))
                .isInstanceOf(IllegalDirectiveException.class)
                .hasMessageContaining("there is no health alert to acknowledge");
        latency = r -> HealthVerdict.unhealthy("p99 412 ms > 250 ms");
        MigrationRecord alerted = sim.runUntil(id, MigrationState.ALERTED, Duration.ofMinutes(5));
        assertThat(alerted.controls().revertedBy()).as("nothing to revert to").isNull();
        assertThat(alerted.shards()).allSatisfy(s -> {
            assertThat(s.state()).isEqualTo(MigrationState.ALERTED);
            assertThat(s.waitReason())
                    .startsWith("health alert (it cannot be reverted): health signal orders-p99 unhealthy: p99 412 ms");
        });
        assertThat(breachNote(id).detail()).contains("-> health signal orders-p99 unhealthy");
        assertThat(osc.audit(id))
                .filteredOn(e ->
                        e.kind() == AuditEntry.Kind.TRANSITION && e.shard() != null && e.to() == MigrationState.ALERTED)
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.trigger()).isEqualTo(Trigger.HEALTH_BREACH));
        // An alert is not a bake: no more checks, and it stays until someone looks, long after the bake time.
        int asked = checks.size();
        sim.step(Duration.ofMinutes(1));
        for (int i = 0; i < 60; i++) {
            sim.tick();
        }
        assertThat(osc.get(id).state()).isEqualTo(MigrationState.ALERTED);
        assertThat(checks).hasSize(asked);
        assertThatThrownBy(() -> osc.revert(id, "undo", "erin"))
                .isInstanceOfSatisfying(
                        RevertRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RevertRefusedException.Reason.NOT_REVERTIBLE));
        assertThatThrownBy(() -> osc.abort(id, "stop", "erin")).isInstanceOf(IllegalDirectiveException.class);
        osc.acknowledgeAlert(id, "looked", "erin");
        MigrationRecord done = osc.get(id);
        assertThat(done.state()).isEqualTo(MigrationState.COMPLETED);
        assertThat(osc.audit(id))
                .filteredOn(e -> e.trigger() == Trigger.ACKNOWLEDGED && e.shard() != null)
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.detail()).isEqualTo("alert acknowledged by erin"));
        assertThatThrownBy(() -> osc.acknowledgeAlert(id, "again", "erin"))
                .isInstanceOf(IllegalDirectiveException.class);
    }

    @Test
    @DisplayName("a bake without a breach ends COMPLETED after its bake time, and the signals are asked no more")
    void bakeWithoutRevertCompletes() {
        MigrationId id = submit("DROP COLUMN legacy", alerting(1));
        MigrationRecord baking = sim.runUntil(id, MigrationState.BAKING, Duration.ofHours(1));
        Instant bakeEnds = baking.shards().get(0).stateSince().plus(BAKE);
        MigrationRecord done = sim.runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        assertThat(clock.instant()).isAfterOrEqualTo(bakeEnds);
        assertThat(osc.audit(id))
                .filteredOn(e -> e.kind() == AuditEntry.Kind.TRANSITION && e.shard() != null)
                .filteredOn(e -> e.from() == MigrationState.BAKING)
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.trigger()).isEqualTo(Trigger.BAKED));
        int asked = checks.size();
        assertThat(asked).as("asked every 10 s while baking").isBetween(170, 185);
        latency = r -> HealthVerdict.unhealthy("too late to matter");
        for (int i = 0; i < 30; i++) {
            sim.tick();
        }
        assertThat(checks).hasSize(asked);
        assertThat(done.controls().revertedBy()).isNull();
    }

    @Test
    @DisplayName("a policy naming an unknown signal, or arming a revert the DDL cannot have, is refused at submit")
    void refusedAtSubmit() {
        MigrationPolicy.Builder unknown = MigrationPolicy.builder().autoRevert(AutoRevert.on(BAKE, "no-such-signal"));
        assertThatThrownBy(() -> submit("ADD COLUMN note INT", unknown))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'no-such-signal', which is not registered; registered: [orders-p99]");
        assertThatThrownBy(() -> submit("DROP COLUMN legacy", baked(1)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("needs a revertible migration")
                .hasMessageContaining("DROP COLUMN legacy")
                .hasMessageContaining("set revertWindow to zero");
        assertThatThrownBy(() -> MigrationPolicy.builder()
                        .revertWindow(Duration.ofMinutes(10))
                        .autoRevert(AutoRevert.on(BAKE, "orders-p99"))
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("must not exceed the revert window");
        assertThat(osc.list(dev.osc4j.MigrationFilter.all())).isEmpty();
    }
}
