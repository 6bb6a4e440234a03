package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.FakeTrafficSwitch;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Routing around the swap, automatic retries and the fallback chain")
class FallbackChainTest {
    private static final String KS = "commerce";

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 2, 10_000);
    private final FakeEngine fake = FakeEngine.on(topology);
    private final FakeTrafficSwitch routing = new FakeTrafficSwitch();

    private MigrationOrchestrator orchestrator(ExecutionEngine engine) {
        return MigrationOrchestrator.builder()
                .store(new InMemoryStateStore(clock))
                .topology(topology)
                .engine(engine)
                .trafficSwitch(routing)
                .clock(clock)
                .build();
    }

    private static MigrationId submit(MigrationOrchestrator osc, @Nullable MigrationPolicy policy) {
        return osc.submit(MigrationRequest.builder()
                .idempotencyKey("chain")
                .keyspace(KS)
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("carol")
                .policy(policy)
                .build());
    }

    private static List<String> intents(List<AuditEntry> trail, String shard) {
        return trail.stream()
                .filter(e -> e.kind() == AuditEntry.Kind.INTENT && shard.equals(e.shard()))
                .map(e -> e.detail().split(" ")[0])
                .toList();
    }

    @Test
    @DisplayName("traffic is held (written ahead) before each shard's swap and restored after it, before the shard"
            + " counts as switched")
    void holdAndRestoreAroundTheSwap() {
        MigrationOrchestrator osc = orchestrator(fake);
        MigrationId id = submit(osc, null);
        MigrationRecord done = Simulation.of(osc, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        assertThat(routing.held()).isEmpty();
        assertThat(routing.calls()).hasSize(4);
        List<AuditEntry> trail = osc.audit(id);
        for (String shard : topology.shards(KS)) {
            assertThat(intents(trail, shard)).containsSubsequence("ROUTE_HOLD", "RELEASE_CUTOVER", "ROUTE_RESTORE");
            assertThat(routing.calls())
                    .containsSubsequence(
                            "hold osc4j:" + id.value() + ":1:" + shard, "restore osc4j:" + id.value() + ":1:" + shard);
        }
        assertThat(done.shards()).allSatisfy(s -> assertThat(s.routeHeld()).isFalse());
        AuditTrails.assertSound(trail);
    }

    @Test
    @DisplayName("a proxy that does not answer keeps the swap waiting (retried with a backoff), never skipped")
    void unreachableProxyIsRetried() {
        MigrationOrchestrator osc = orchestrator(fake);
        MigrationId id = submit(osc, null);
        Simulation sim = Simulation.of(osc, clock);
        routing.unavailable(true);
        MigrationRecord waiting = sim.runUntil(
                id,
                r -> r.shards().stream()
                        .anyMatch(s -> s.waitReason() != null && s.waitReason().contains("ROUTE_HOLD failed")),
                Duration.ofHours(1));
        assertThat(waiting.state()).isEqualTo(MigrationState.SWITCHING_TRAFFIC);
        assertThat(fake.phases().values()).doesNotContain(dev.osc4j.spi.EnginePhase.CUTTING_OVER);
        routing.unavailable(false);
        sim.runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        assertThat(routing.held()).isEmpty();
    }

    @Test
    @DisplayName("a swap that fails with traffic held: the chain restores routing first, then (by policy) stops the"
            + " other runs and removes every artifact, and the migration ends ABORTED without an operator")
    void failedSwapRunsTheChain() {
        ExecutionEngine refusing = new ForwardingExecutionEngine(fake) {
            @Override
            public void releaseCutover(EngineHandle handle) {
                if (handle.key().shard().equals(topology.shards(KS).get(0))) {
                    throw EngineException.permanent(FailureReason.CUTOVER_FAILED, "rename refused");
                }
                super.releaseCutover(handle);
            }
        };
        MigrationOrchestrator osc = orchestrator(refusing);
        MigrationId id =
                submit(osc, MigrationPolicy.builder().fallbackOnFailure(true).build());
        MigrationRecord done = Simulation.of(osc, clock).runUntil(id, MigrationState.ABORTED, Duration.ofHours(1));
        String first = topology.shards(KS).get(0);
        List<AuditEntry> trail = osc.audit(id);
        assertThat(intents(trail, first))
                .containsSubsequence("ROUTE_HOLD", "RELEASE_CUTOVER", "ROUTE_RESTORE", "CLEANUP");
        assertThat(routing.held()).isEmpty();
        assertThat(trail)
                .filteredOn(e -> e.kind() == AuditEntry.Kind.DIRECTIVE)
                .singleElement()
                .satisfies(e -> assertThat(e.actor()).isEqualTo("osc4j-policy"));
        for (String shard : topology.shards(KS)) {
            assertThat(fake.artifacts(KS, shard)).as("artifacts on " + shard).isEmpty();
        }
        // The other shard was released in the same write and swapped: it stays switched (revert it if need be).
        assertThat(done.shard(first).orElseThrow().state()).isEqualTo(MigrationState.ABORTED);
        assertThat(done.shard(topology.shards(KS).get(1)).orElseThrow().state()).isEqualTo(MigrationState.COMPLETED);
        AuditTrails.assertSound(trail);
    }

    @Test
    @DisplayName("a copy that fails is retried automatically up to the policy's count, then the fallback chain runs")
    void retriesThenFallsBack() {
        MigrationOrchestrator osc = orchestrator(fake);
        String shard = topology.shards(KS).get(1);
        topology.failAt(KS, shard, 30);
        MigrationId id = submit(
                osc,
                MigrationPolicy.builder().autoRetries(2).fallbackOnFailure(true).build());
        Simulation sim = Simulation.of(osc, clock);
        MigrationRecord retried = sim.runUntil(id, r -> r.attempt() == 2, Duration.ofHours(1));
        assertThat(retried.directives()).containsKey("auto-retry-1");
        // The first retry succeeds on that shard (the fault fired once): arm it again to exhaust the retries.
        topology.failAt(KS, shard, 30);
        sim.runUntil(id, r -> r.attempt() == 3, Duration.ofHours(1));
        topology.failAt(KS, shard, 30);
        MigrationRecord done = sim.runUntil(id, MigrationState.ABORTED, Duration.ofHours(1));
        assertThat(done.directives()).containsKeys("auto-retry-1", "auto-retry-2", "fallback-3");
        assertThat(fake.runsOn(KS, shard)).hasSize(3);
        assertThat(fake.artifacts(KS, shard)).isEmpty();
    }

    @Test
    @DisplayName("without fallbackOnFailure a failed migration waits for an operator, as before")
    void waitsForAnOperatorByDefault() {
        MigrationOrchestrator osc = orchestrator(fake);
        topology.failAt(KS, topology.shards(KS).get(1), 30);
        MigrationId id = submit(osc, null);
        Simulation sim = Simulation.of(osc, clock);
        sim.runUntil(id, MigrationState.FAILED, Duration.ofHours(1));
        for (int i = 0; i < 60; i++) {
            sim.tick();
        }
        MigrationRecord still = osc.get(id);
        assertThat(still.state()).isEqualTo(MigrationState.FAILED);
        assertThat(still.attempt()).isEqualTo(1);
        assertThat(still.directives()).isEmpty();
    }
}
