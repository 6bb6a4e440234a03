package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.ApprovalStage;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.ApproverGroups;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Approvals from named groups, through the organisation's directory")
class ApproverGroupsTest {
    private static final String KS = "commerce";
    private static final Map<String, Set<String>> DIRECTORY = Map.of("dba", Set.of("alice"), "sre", Set.of("erin"));

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 2, 10_000);

    private MigrationOrchestrator orchestrator(@Nullable ApproverGroups groups) {
        MigrationOrchestrator.Builder b = MigrationOrchestrator.builder()
                .store(new InMemoryStateStore(clock))
                .topology(topology)
                .engine(FakeEngine.on(topology))
                .clock(clock);
        if (groups != null) {
            b.approverGroups(groups);
        }
        return b.build();
    }

    private static MigrationRequest request() {
        return MigrationRequest.builder()
                .idempotencyKey("groups")
                .keyspace(KS)
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("carol")
                .policy(MigrationPolicy.builder()
                        .revertWindow(Duration.ZERO)
                        .requireCutoverApproval(true)
                        .requiredApprovers(2)
                        .approverGroups("dba", "sre")
                        .build())
                .build();
    }

    @Test
    @DisplayName("an approval from outside the groups does not count, and the wait says whose and why; members do")
    void onlyMembersCount() {
        MigrationOrchestrator osc = orchestrator((person, group) -> {
            if (person.equals("mallory")) {
                throw new IllegalStateException("directory timeout");
            }
            return DIRECTORY.getOrDefault(group, Set.of()).contains(person);
        });
        MigrationId id = osc.submit(request());
        Simulation sim = Simulation.of(osc, clock);
        osc.approve(id, "a-1", ApprovalStage.CUTOVER, "alice");
        osc.approve(id, "b-1", ApprovalStage.CUTOVER, "bob");
        osc.approve(id, "m-1", ApprovalStage.CUTOVER, "mallory");
        MigrationRecord waiting = sim.runUntil(
                id,
                r -> r.state() == MigrationState.CUTOVER_PENDING
                        && r.shards().get(0).waitReason() != null
                        && r.shards().get(0).waitReason().contains("not counted"),
                Duration.ofMinutes(10));
        assertThat(waiting.shards().get(0).waitReason())
                .contains("1 of 2 (alice) from [dba, sre]")
                .contains("not counted, in none of the groups: bob, mallory");
        osc.approve(id, "e-1", ApprovalStage.CUTOVER, "erin");
        sim.runUntil(id, MigrationState.COMPLETED, Duration.ofMinutes(10));
    }

    @Test
    @DisplayName("a policy naming groups on a controller without a directory is refused at submit")
    void refusedWithoutDirectory() {
        MigrationOrchestrator osc = orchestrator(null);
        assertThatThrownBy(() -> osc.submit(request()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("needs an ApproverGroups on the controller");
    }
}
