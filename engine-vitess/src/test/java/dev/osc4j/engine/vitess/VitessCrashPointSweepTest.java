package dev.osc4j.engine.vitess;

import static dev.osc4j.engine.vitess.VitessFixture.KS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.CrashInjection;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.vitess.FakeVtgate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kills the controller after every persisted step and before and after every engine side effect of a 4-shard Vitess
 * migration; a new controller with a new engine (no memory of the old one) takes over. Every run must complete with
 * exactly one submission per shard, at most the one RETRY the scenario needs, and a sound audit trail.
 */
class VitessCrashPointSweepTest {
    private static final Duration LEASE_TTL = Duration.ofSeconds(15);

    /** The scenarios swept. */
    enum Scenario {
        /** A plain run. */
        HAPPY_PATH,
        /** Shard 40-80 fails at 40% and is retried in place. */
        FAIL_AND_RETRY,
        /** Shard 80-c0 rejects the submission; after the retry it is submitted alone. */
        PARTIAL_SUBMISSION
    }

    private static Map<String, Long> shards() {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-40", 30_000L);
        rows.put("40-80", 20_000L);
        rows.put("80-c0", 10_000L);
        rows.put("c0-", 5_000L);
        return rows;
    }

    /** One run with one crash point (kind null: none); returns how many writes, effects and completed effects it saw. */
    private static int[] run(Scenario scenario, @Nullable String kind, int at) {
        try (VitessFixture f = new VitessFixture(shards())) {
            if (scenario == Scenario.FAIL_AND_RETRY) {
                f.topology.failAt(KS, "40-80", 40);
            }
            if (scenario == Scenario.PARTIAL_SUBMISSION) {
                f.topology.rejectStart(KS, "80-c0", "vttablet: rpc error: code = FailedPrecondition desc = refused");
            }
            CrashInjection.Point writes = point("write", kind, at);
            CrashInjection.Point before = point("effect", kind, at);
            CrashInjection.Point after = point("after-effect", kind, at);
            StateStore store = CrashInjection.crashAfterWrite(f.store, writes);
            MigrationOrchestrator osc = controller(f, store, before, after);
            MigrationId id = null;
            int crashes = 0;
            for (int tick = 0; tick < 600; tick++) {
                try {
                    if (id == null) {
                        id = osc.submit(VitessFixture.request("sweep"));
                    }
                    MigrationRecord r = osc.get(id);
                    if (r.state() == MigrationState.COMPLETED) {
                        break;
                    }
                    if (r.state() == MigrationState.FAILED) {
                        f.topology.rejectStart(KS, "80-c0", null);
                        osc.retry(id, "retry-1", "sweep");
                    }
                    Simulation.pass(osc);
                    f.clock.advance(Duration.ofSeconds(1));
                } catch (CrashInjection.SimulatedCrash crash) {
                    crashes++;
                    // The process died: no close, no lease release; a new one starts once the lease expired.
                    osc = controller(f, store, before, after);
                    f.clock.advance(LEASE_TTL.plusSeconds(1));
                }
            }
            String where = scenario + " crash " + kind + " #" + at;
            MigrationId submitted = Objects.requireNonNull(id, where);
            MigrationRecord done = osc.get(submitted);
            assertThat(done.state()).as(where + ": " + done.shards()).isEqualTo(MigrationState.COMPLETED);
            if (kind != null) {
                assertThat(crashes).as(where + " crashed").isEqualTo(1);
            }
            for (String shard : f.topology.shards(KS)) {
                assertThat(f.vtgate.submissions(KS, shard))
                        .as(where + ": submissions on " + shard)
                        .hasSize(1);
                assertThat(f.topology.appliedDdl(KS, shard)).as(where).hasSize(1);
            }
            long retries = f.statements("ALTER VITESS_MIGRATION", "RETRY").size();
            assertThat(retries).as(where + ": RETRY statements").isEqualTo(scenario == Scenario.FAIL_AND_RETRY ? 1 : 0);
            if (scenario == Scenario.FAIL_AND_RETRY) {
                String uuid = f.vtgate.submissions(KS, "40-80").get(0).uuid();
                assertThat(f.vtgate.migration(KS, "40-80", uuid))
                        .extracting(FakeVtgate.MigrationView::retries)
                        .isEqualTo(1);
            }
            List<AuditEntry> trail = osc.audit(submitted);
            assertThat(AuditTrails.problems(trail)).as(where).isEmpty();
            return new int[] {writes.count(), before.count(), after.count()};
        }
    }

    private static CrashInjection.Point point(String kind, @Nullable String crashKind, int at) {
        return kind.equals(crashKind) ? CrashInjection.at(at) : CrashInjection.never();
    }

    private static MigrationOrchestrator controller(
            VitessFixture f, StateStore store, CrashInjection.Point before, CrashInjection.Point after) {
        return MigrationOrchestrator.builder()
                .store(store)
                .topology(f.probe())
                .engine(CrashInjection.crashAroundEffects(f.engine(), before, after))
                .clock(f.clock)
                .leaseTtl(LEASE_TTL)
                .defaultPolicy(VitessFixture.withoutRevertWindow(null))
                .build();
    }

    static Stream<Arguments> crashPoints() {
        List<Arguments> points = new ArrayList<>();
        for (Scenario scenario : Scenario.values()) {
            int[] baseline = run(scenario, null, -1);
            IntStream.rangeClosed(1, baseline[0]).forEach(i -> points.add(Arguments.of(scenario, "write", i)));
            IntStream.rangeClosed(1, baseline[1]).forEach(i -> points.add(Arguments.of(scenario, "effect", i)));
            // A refused effect (the rejected submission) counts before but not after.
            IntStream.rangeClosed(1, baseline[2]).forEach(i -> points.add(Arguments.of(scenario, "after-effect", i)));
        }
        return points.stream();
    }

    @DisplayName("a controller killed at any step adopts the Vitess migration by its context and never resubmits")
    @ParameterizedTest(name = "{0}: crash at {1} #{2}")
    @MethodSource("crashPoints")
    void crashAnywhere(Scenario scenario, String kind, int at) {
        run(scenario, kind, at);
    }
}
