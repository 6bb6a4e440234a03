package dev.osc4j.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.TrafficSwitch;
import dev.osc4j.testkit.CrashInjection;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.servers.LocalHaProxy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator with a real HAProxy as its traffic switch: the shard's server is drained when the engine swaps and
 * ready again after, and a swap that fails gives the traffic back through the fallback chain, also after a crash.
 * The engine is the testkit's fake (the swap's SQL is not what is under test here); the backend is a bare socket.
 */
@DisplayName("The orchestrator holds a real HAProxy around the swap, and its fallback chain gives it back")
class HaProxyOrchestratorIT {
    private static final String KS = "app";
    private static final String SHARD = "s1";

    private static @Nullable ServerSocket backend;
    private static @Nullable LocalHaProxy haproxy;

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addKeyspace(KS, Map.of(SHARD, 5_000L));
    private final FakeEngine fake = FakeEngine.on(topology);
    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    /** HAProxy's admin state of the shard's server when the engine was asked to swap. */
    private final List<Integer> stateAtRelease = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        haproxy = LocalHaProxy.builder()
                .proxy("db", "primary", "127.0.0.1", backend.getLocalPort())
                .section(HaProxyTrafficSwitch.holdTableSection(HaProxyTrafficSwitch.DEFAULT_HOLD_TABLE))
                .start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (haproxy != null) {
            haproxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @BeforeEach
    void ready() {
        proxy().command("set server db/primary state ready");
        proxy().command("clear table " + HaProxyTrafficSwitch.DEFAULT_HOLD_TABLE);
    }

    private static LocalHaProxy proxy() {
        if (haproxy == null) {
            throw new IllegalStateException("HAProxy did not start");
        }
        return haproxy;
    }

    private static HaProxyTrafficSwitch routing() {
        return HaProxyTrafficSwitch.builder()
                .runtimeApi(proxy().runtimeApi())
                .server(SHARD, "db", "primary")
                .build();
    }

    /** The fake engine, noting HAProxy's state at each release; the release refused when {@code refuse}. */
    private ExecutionEngine engine(boolean refuse) {
        return new ForwardingExecutionEngine(fake) {
            @Override
            public void releaseCutover(EngineHandle handle) {
                stateAtRelease.add(adminState());
                if (refuse) {
                    throw EngineException.permanent(FailureReason.CUTOVER_FAILED, "rename refused");
                }
                super.releaseCutover(handle);
            }
        };
    }

    private MigrationOrchestrator controller(ExecutionEngine engine, TrafficSwitch traffic) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .trafficSwitch(traffic)
                .clock(clock)
                .leaseTtl(Duration.ofSeconds(15))
                .build();
    }

    private static MigrationId submit(MigrationOrchestrator osc, @Nullable MigrationPolicy policy) {
        return osc.submit(MigrationRequest.builder()
                .idempotencyKey("haproxy")
                .keyspace(KS)
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("it")
                .policy(policy)
                .build());
    }

    private static List<String> intents(MigrationOrchestrator osc, MigrationId id) {
        return osc.audit(id).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.INTENT)
                .map(e -> e.detail().split(" ")[0])
                .toList();
    }

    @Test
    @DisplayName("the server is drained while the engine swaps, and ready once the shard counts as switched")
    void drainedForTheSwap() {
        MigrationOrchestrator osc = controller(engine(false), routing());
        MigrationId id = submit(osc, null);
        Simulation.of(osc, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        assertThat(stateAtRelease).containsExactly(8);
        assertThat(adminState()).isZero();
        assertThat(intents(osc, id)).containsSubsequence("ROUTE_HOLD", "RELEASE_CUTOVER", "ROUTE_RESTORE");
    }

    @Test
    @DisplayName("a swap that fails: the chain makes the server ready again before it removes the artifacts")
    void chainRestores() {
        MigrationOrchestrator osc = controller(engine(true), routing());
        MigrationId id =
                submit(osc, MigrationPolicy.builder().fallbackOnFailure(true).build());
        Simulation.of(osc, clock).runUntil(id, MigrationState.ABORTED, Duration.ofHours(1));
        assertThat(stateAtRelease).containsExactly(8);
        assertThat(adminState()).isZero();
        assertThat(intents(osc, id)).containsSubsequence("ROUTE_HOLD", "RELEASE_CUTOVER", "ROUTE_RESTORE", "CLEANUP");
        assertThat(fake.artifacts(KS, SHARD)).isEmpty();
    }

    @Test
    @DisplayName("a controller that dies right after draining: the next one, with its own switch, gives the traffic"
            + " back after the swap")
    void crashAfterHold() {
        CrashInjection.Point afterHold = CrashInjection.at(1);
        MigrationOrchestrator first = controller(
                engine(false), CrashInjection.crashAroundEffects(routing(), CrashInjection.never(), afterHold));
        MigrationId id = submit(first, null);
        try {
            Simulation.of(first, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
            throw new AssertionError("the controller did not crash");
        } catch (CrashInjection.SimulatedCrash crash) {
            assertThat(adminState()).as("drained, and the controller is gone").isEqualTo(8);
        }
        clock.advance(Duration.ofSeconds(16));
        MigrationOrchestrator second = controller(engine(false), routing());
        Simulation.of(second, clock).runUntil(id, MigrationState.COMPLETED, Duration.ofHours(1));
        assertThat(adminState()).isZero();
        assertThat(stateAtRelease).containsExactly(8);
    }

    /** {@code srv_admin_state} of db/primary: 0 ready, 8 drain. */
    private static int adminState() {
        return proxy().adminState("db", "primary");
    }
}
