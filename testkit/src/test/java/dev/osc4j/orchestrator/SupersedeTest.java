package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.DirectiveKind;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.CrashInjection;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("An amended request that supersedes an earlier one")
class SupersedeTest {
    private static final String KS = "commerce";

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 2, 10_000);
    private final FakeEngine engine = FakeEngine.on(topology);

    private MigrationOrchestrator orchestrator(StateStore store) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .clock(clock)
                .build();
    }

    private static MigrationRequest request(String key, String table, String ddl, @Nullable MigrationId supersedes) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace(KS)
                .table(table)
                .ddl(ddl)
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("carol")
                .policy(MigrationPolicy.builder()
                        .revertWindow(Duration.ZERO)
                        .requireStartApproval(true)
                        .requiredApprovers(2)
                        .build())
                .supersedes(supersedes)
                .build();
    }

    private static List<String> auditDetails(MigrationOrchestrator osc, MigrationId id) {
        return osc.audit(id).stream()
                .map(e -> e.kind() + " " + e.actor() + " " + e.detail())
                .toList();
    }

    @Test
    @DisplayName("aborts the earlier one awaiting approval, links both, and its approvals do not carry over")
    void supersedesQueued() {
        MigrationOrchestrator osc = orchestrator(new InMemoryStateStore(clock));
        Simulation sim = Simulation.of(osc, clock);
        MigrationId first = osc.submit(request("JIRA-1", "orders", "ADD COLUMN note INT", null));
        osc.approve(first, "a-1", ApprovalStage.START, "alice");
        sim.runUntil(first, r -> r.shards().get(0).waitReason() != null, Duration.ofMinutes(1));
        MigrationId second = osc.submit(request("JIRA-1b", "orders", "ADD COLUMN note BIGINT", first));

        MigrationRecord old = osc.get(first);
        MigrationRecord amended = osc.get(second);
        assertThat(old.controls().supersededBy()).isEqualTo(second);
        assertThat(old.controls().abortRequested()).isTrue();
        assertThat(amended.spec().supersedes()).isEqualTo(first);
        assertThat(amended.fingerprint()).isNotEqualTo(old.fingerprint());
        assertThat(amended.controls().approvals()).isEmpty();
        assertThat(auditDetails(osc, second).get(0)).contains("supersedes " + first.value());
        assertThat(osc.audit(first)).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo(AuditEntry.Kind.DIRECTIVE);
            assertThat(e.detail()).contains("SUPERSEDE").contains(second.value());
        });

        MigrationRecord aborted = sim.runUntil(first, MigrationState.ABORTED, Duration.ofMinutes(5));
        assertThat(aborted.shards())
                .allSatisfy(s -> assertThat(s.failure())
                        .isNotNull()
                        .extracting(f -> f.message())
                        .asString()
                        .contains("superseded by " + second.value()));
        assertThat(engine.startCalls()).isZero();
        // The amended request waits for its own approval: alice's approval of the first one does not count.
        sim.runUntil(
                second,
                r -> r.shards().get(0).waitReason() != null
                        && r.shards().get(0).waitReason().contains("approval"),
                Duration.ofMinutes(1));
        assertThat(osc.get(second).state()).isEqualTo(MigrationState.QUEUED);
        osc.approve(second, "a-2", ApprovalStage.START, "alice");
        osc.approve(second, "b-2", ApprovalStage.START, "bob");
        sim.runUntil(second, MigrationState.COMPLETED, Duration.ofMinutes(30));
    }

    @Test
    @DisplayName("bad links are refused with a typed error naming the field, and nothing is written")
    void badLinks() {
        InMemoryStateStore store = new InMemoryStateStore(clock);
        MigrationOrchestrator osc = orchestrator(store);
        MigrationId first = osc.submit(request("JIRA-2", "orders", "ADD COLUMN note INT", null));
        long writes = store.writes();
        assertThatThrownBy(() -> osc.submit(request("JIRA-2b", "orders", "ADD COLUMN n INT", MigrationId.of("nope"))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("supersedes")
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> osc.submit(request("JIRA-2c", "customers", "ADD COLUMN n INT", first)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("supersedes")
                .hasMessageContaining("not of commerce.customers");
        assertThat(store.writes()).isEqualTo(writes);
        assertThat(osc.list(MigrationFilter.active())).hasSize(1);
        assertThat(osc.get(first).controls().abortRequested()).isFalse();
    }

    @Test
    @DisplayName("a migration that started is not superseded: typed error, nothing written")
    void startedIsRefused() {
        InMemoryStateStore store = new InMemoryStateStore(clock);
        MigrationOrchestrator osc = orchestrator(store);
        Simulation sim = Simulation.of(osc, clock);
        MigrationId first = osc.submit(request("JIRA-3", "orders", "ADD COLUMN note INT", null));
        osc.approve(first, "a-1", ApprovalStage.START, "alice");
        osc.approve(first, "b-1", ApprovalStage.START, "bob");
        sim.runUntil(first, MigrationState.COPYING_ROWS, Duration.ofMinutes(5));
        long writes = store.writes();
        MigrationRequest amended = request("JIRA-3b", "orders", "ADD COLUMN note BIGINT", first);
        assertThatThrownBy(() -> osc.submit(amended))
                .isInstanceOfSatisfying(
                        IllegalDirectiveException.class,
                        e -> assertThat(e.getMessage()).contains("has started"))
                .hasMessageContaining(DirectiveKind.SUPERSEDE.name().toLowerCase(java.util.Locale.ROOT));
        assertThat(store.writes()).isEqualTo(writes);
        assertThat(store.read(amended.migrationId())).isEmpty();
        sim.runUntil(first, MigrationState.COMPLETED, Duration.ofMinutes(30));
    }

    private MigrationId crashAfterCreatingTheAmendedRequest(StateStore store, MigrationId[] first) {
        MigrationOrchestrator dying = orchestrator(store);
        first[0] = dying.submit(request("JIRA-4", "orders", "ADD COLUMN note INT", null));
        MigrationRequest amended = request("JIRA-4b", "orders", "ADD COLUMN note BIGINT", first[0]);
        assertThatThrownBy(() -> dying.submit(amended)).isInstanceOf(CrashInjection.SimulatedCrash.class);
        assertThat(store.read(amended.migrationId())).isPresent();
        assertThat(store.read(first[0]).orElseThrow().controls().abortRequested())
                .isFalse();
        return amended.migrationId();
    }

    @Test
    @DisplayName("a client dying between creating the new request and aborting the old one: the controller finishes it")
    void crashBetweenTheTwoWrites() {
        // 1: the first submit, 2: the amended request's create, after which the client dies
        StateStore store = CrashInjection.crashAfterWrite(new InMemoryStateStore(clock), CrashInjection.at(2));
        MigrationId[] first = new MigrationId[1];
        MigrationId second = crashAfterCreatingTheAmendedRequest(store, first);

        MigrationOrchestrator osc = orchestrator(store);
        Simulation sim = Simulation.of(osc, clock);
        MigrationRecord old = sim.runUntil(first[0], MigrationState.ABORTED, Duration.ofMinutes(1));
        assertThat(old.controls().supersededBy()).isEqualTo(second);
        assertThat(osc.audit(first[0])).anySatisfy(e -> assertThat(e.detail()).contains("SUPERSEDE " + second.value()));
        osc.approve(second, "a-2", ApprovalStage.START, "alice");
        osc.approve(second, "b-2", ApprovalStage.START, "bob");
        sim.runUntil(second, MigrationState.COMPLETED, Duration.ofMinutes(30));
        assertThat(engine.startCalls()).isEqualTo(2); // the amended request's two shards, never the old one's
    }

    @Test
    @DisplayName("the same crash with the old one approved and started first: the new one is aborted, never both run")
    void crashAndTheOldOneStartsFirst() {
        StateStore store = CrashInjection.crashAfterWrite(new InMemoryStateStore(clock), CrashInjection.at(2));
        MigrationId[] first = new MigrationId[1];
        MigrationId second = crashAfterCreatingTheAmendedRequest(store, first);
        MigrationOrchestrator osc = orchestrator(store);
        Simulation sim = Simulation.of(osc, clock);
        osc.approve(first[0], "a-1", ApprovalStage.START, "alice");
        osc.approve(first[0], "b-1", ApprovalStage.START, "bob");
        osc.approve(second, "a-2", ApprovalStage.START, "alice");
        osc.approve(second, "b-2", ApprovalStage.START, "bob");
        sim.runUntil(first[0], r -> r.state().isTerminal(), Duration.ofMinutes(30));
        sim.runUntil(second, r -> r.state().isTerminal(), Duration.ofMinutes(30));
        List<MigrationState> ends =
                List.of(osc.get(first[0]).state(), osc.get(second).state());
        assertThat(ends).containsExactlyInAnyOrder(MigrationState.COMPLETED, MigrationState.ABORTED);
        assertThat(engine.startCalls()).isEqualTo(2); // one migration's two shards
    }
}
