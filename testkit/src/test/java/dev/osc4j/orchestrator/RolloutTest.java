package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.AuditEntry;
import dev.osc4j.AutoRevert;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationWindow;
import dev.osc4j.Rollout;
import dev.osc4j.ShardRecord;
import dev.osc4j.Trigger;
import dev.osc4j.WindowSchedule;
import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.HealthVerdict;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A staged rollout: a canary wave, a bake, then the rest in waves")
class RolloutTest {
    private static final String KS = "commerce";
    private static final Duration BAKE = Duration.ofMinutes(10);

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 4, 10_000);
    private final FakeEngine engine = FakeEngine.builder(topology).revert(true).build();
    private volatile HealthVerdict verdict = HealthVerdict.healthy("error rate 0.1 %");
    private final MigrationOrchestrator osc = MigrationOrchestrator.builder()
            .store(new InMemoryStateStore(clock))
            .topology(topology)
            .engine(engine)
            .clock(clock)
            .healthSignal(new HealthSignal() {
                @Override
                public String name() {
                    return "errors";
                }

                @Override
                public HealthVerdict check(MigrationRecord migration) {
                    return verdict;
                }
            })
            .build();
    private final Simulation sim = Simulation.of(osc, clock);

    private MigrationId submit(MigrationPolicy policy) {
        return osc.submit(MigrationRequest.builder()
                .idempotencyKey("waves")
                .keyspace(KS)
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("carol")
                .policy(policy)
                .build());
    }

    /** When each shard entered SWITCHING_TRAFFIC, in shard order. */
    private Map<String, Instant> switched(MigrationId id) {
        Map<String, Instant> out = new TreeMap<>();
        for (AuditEntry e : osc.audit(id)) {
            if (e.shard() != null && e.to() == MigrationState.SWITCHING_TRAFFIC) {
                out.put(e.shard(), e.at());
            }
        }
        return out;
    }

    @Test
    @DisplayName(
            "an operator's revert of the canary stops the rollout: the waves not swapped yet are aborted, instead of"
                    + " waiting for the reverted wave for ever (fault simulator, seed 55, once it drew waves)")
    void revertOfTheCanaryStopsTheRollout() {
        MigrationId id = submit(MigrationPolicy.builder()
                .revertWindow(Duration.ofHours(2))
                .rollout(new Rollout(1, 2, BAKE))
                .build());
        String canary = topology.shards(KS).get(0);
        sim.runUntil(id, r -> r.shards().get(0).state() == MigrationState.REVERTIBLE, Duration.ofHours(1));
        MigrationId revert = osc.revert(id, "undo-canary", List.of(canary), "dave");
        assertThat(osc.get(id).controls().abortRequested())
                .as("the rollout stops")
                .isTrue();
        assertThat(osc.audit(id))
                .anySatisfy(e ->
                        assertThat(e.detail()).endsWith("the shards not swapped yet are aborted: the rollout stops"));
        sim.runUntil(revert, MigrationState.COMPLETED, Duration.ofHours(1));
        MigrationRecord done = sim.runUntil(id, r -> r.state().isTerminal(), Duration.ofHours(1));
        assertThat(done.shards().get(0).state()).isEqualTo(MigrationState.REVERTED);
        assertThat(done.shards().subList(1, 4))
                .allSatisfy(s -> assertThat(s.state()).isEqualTo(MigrationState.ABORTED));
        assertThat(topology.appliedDdl(KS, topology.shards(KS).get(3)))
                .as("the last wave never swapped")
                .isEmpty();
    }

    @Test
    @DisplayName("the canary swaps alone; each next wave swaps together, in one release, once the wave before it baked;"
            + " the shards that wait say which wave they are and why")
    void wavesInOrder() {
        MigrationId id = submit(MigrationPolicy.builder()
                .revertWindow(Duration.ZERO)
                .rollout(new Rollout(1, 2, BAKE))
                .build());
        List<String> shards = topology.shards(KS);
        MigrationRecord canary =
                sim.runUntil(id, r -> r.shards().get(0).state() == MigrationState.COMPLETED, Duration.ofHours(1));
        for (int i = 0; i < 5; i++) {
            sim.tick();
        }
        MigrationRecord waiting = osc.get(id);
        assertThat(waiting.shards().subList(1, 4))
                .allSatisfy(s -> assertThat(s.state()).isEqualTo(MigrationState.CUTOVER_PENDING));
        assertThat(waiting.shards().subList(1, 3))
                .allSatisfy(s ->
                        assertThat(s.waitReason()).startsWith("barrier: wave 2 of 3: the wave before it bakes for "));
        assertThat(waiting.shards().get(3).waitReason())
                .startsWith("barrier: wave 3 of 3: the waves before it have not all swapped; waiting for ");
        assertThat(canary.shards().get(0).shard()).isEqualTo(shards.get(0));
        MigrationRecord done = sim.runUntil(id, MigrationState.COMPLETED, Duration.ofHours(2));
        Map<String, Instant> at = switched(id);
        Instant wave1 = at.get(shards.get(0));
        Instant wave2 = at.get(shards.get(1));
        Instant wave3 = at.get(shards.get(3));
        assertThat(at.get(shards.get(2)))
                .as("one release per wave: no skew within it")
                .isEqualTo(wave2);
        assertThat(Duration.between(wave1, wave2)).isGreaterThanOrEqualTo(BAKE);
        assertThat(Duration.between(wave2, wave3)).isGreaterThanOrEqualTo(BAKE);
        assertThat(done.shards()).allSatisfy(s -> assertThat(s.state()).isEqualTo(MigrationState.COMPLETED));
        AuditTrails.assertSound(osc.audit(id));
    }

    @Test
    @DisplayName("a breach while the canary bakes stops the rollout: the canary is reverted, the waiting shards are"
            + " aborted, and the other shards never swap")
    void breachStopsTheRollout() {
        MigrationId id = submit(MigrationPolicy.builder()
                .revertWindow(Duration.ofHours(1))
                .rollout(new Rollout(1, 3, BAKE))
                .autoRevert(AutoRevert.on(BAKE, "errors"))
                .build());
        String canary = topology.shards(KS).get(0);
        sim.runUntil(id, r -> r.shard(canary).orElseThrow().state() == MigrationState.REVERTIBLE, Duration.ofHours(1));
        verdict = HealthVerdict.unhealthy("error rate 7 % > 1 %");
        MigrationRecord stopping = sim.runUntil(id, r -> r.controls().revertedBy() != null, Duration.ofMinutes(5));
        MigrationId revertId = Objects.requireNonNull(stopping.controls().revertedBy());
        assertThat(osc.get(revertId).shards()).extracting(ShardRecord::shard).containsExactly(canary);
        sim.runUntil(revertId, MigrationState.COMPLETED, Duration.ofHours(1));
        MigrationRecord done = sim.runUntil(id, r -> r.state().isTerminal(), Duration.ofHours(1));
        Map<String, MigrationState> states = new LinkedHashMap<>();
        done.shards().forEach(s -> states.put(s.shard(), s.state()));
        assertThat(states.get(canary)).isEqualTo(MigrationState.REVERTED);
        assertThat(states.values().stream().filter(st -> st == MigrationState.ABORTED))
                .hasSize(3);
        assertThat(osc.audit(id))
                .filteredOn(e -> e.shard() != null && e.trigger() == Trigger.CUTOVER)
                .extracting(AuditEntry::shard)
                .containsExactly(canary);
        for (String shard : topology.shards(KS)) {
            assertThat(engine.artifacts(KS, shard)).as("artifacts on " + shard).isEmpty();
        }
        AuditTrails.assertSound(osc.audit(id));
    }

    private static WindowSchedule daily(String hours) {
        return WindowSchedule.of(MigrationWindow.parse("daily " + hours + " UTC"));
    }

    @Test
    @DisplayName("per-shard windows go with waves: the canary swaps in its region's window, the next wave in its own")
    void perShardWindows() {
        List<String> shards = topology.shards(KS);
        MigrationPolicy.Builder policy = MigrationPolicy.builder()
                .revertWindow(Duration.ZERO)
                .rollout(new Rollout(1, 3, BAKE))
                .shardCutoverSchedule(shards.get(0), daily("01:00-03:00"))
                .shardCutoverSchedule(shards.get(1), daily("10:00-12:00"))
                .shardCutoverSchedule(shards.get(2), daily("10:00-12:00"));
        MigrationId id = submit(policy.build());
        sim.step(Duration.ofSeconds(30));
        sim.runUntil(id, MigrationState.COMPLETED, Duration.ofHours(13));
        Map<String, Instant> at = switched(id);
        assertThat(at.get(shards.get(0)))
                .isBetween(Instant.parse("2026-01-01T01:00:00Z"), Instant.parse("2026-01-01T03:00:00Z"));
        for (String shard : shards.subList(1, 4)) {
            assertThat(at.get(shard))
                    .as(shard)
                    .isBetween(Instant.parse("2026-01-01T10:00:00Z"), Instant.parse("2026-01-01T12:00:00Z"))
                    .isEqualTo(at.get(shards.get(1)));
        }
    }

    @Test
    @DisplayName("shards that swap together but never share an opening are refused at submit, naming their schedules;"
            + " so is a schedule for a shard the migration lacks")
    void windowsThatNeverMeetAreRefused() {
        List<String> shards = topology.shards(KS);
        MigrationPolicy apart = MigrationPolicy.builder()
                .shardCutoverSchedule(shards.get(0), daily("01:00-03:00"))
                .shardCutoverSchedule(shards.get(1), daily("10:00-12:00"))
                .build();
        assertThatThrownBy(() -> submit(apart))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("the shards of the migration")
                .hasMessageContaining("never share an opening of 5m00s")
                .hasMessageContaining(shards.get(0) + " 'all: daily 01:00-03:00 UTC'");
        MigrationPolicy unknown = MigrationPolicy.builder()
                .shardCutoverSchedule("f0-", daily("01:00-03:00"))
                .build();
        assertThatThrownBy(() -> submit(unknown))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("names shard 'f0-', which the migration does not have");
        assertThat(osc.list(MigrationFilter.all())).isEmpty();
    }
}
