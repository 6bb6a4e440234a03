package dev.osc4j.internal;

import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.migration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.GateId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.TestRecords;
import dev.osc4j.Transition;
import dev.osc4j.Transitions;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.GateContext;
import dev.osc4j.spi.GateResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GateSet")
class GateSetTest {
    private static final Transition START =
            Transitions.find(MigrationState.QUEUED, MigrationState.INITIALIZING).orElseThrow();

    private static Gate gate(String name, GateResult result, List<String> calls) {
        return new Gate() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public GateResult evaluate(GateContext context) {
                calls.add(name);
                return result;
            }
        };
    }

    private static GateContext context(MigrationRecord rec) {
        return new GateContext(rec, rec.shards().get(0), START, null, TestRecords.healthy("a"), T0);
    }

    @Test
    @DisplayName("has a built-in gate for every gate the table names, in the table's order")
    void builtInsInTableOrder() {
        for (Transition t : Transitions.all()) {
            List<String> names =
                    GateSet.defaults().gatesFor(t).stream().map(Gate::name).toList();
            assertThat(names)
                    .containsExactlyElementsOf(t.gates().stream()
                            .map(g -> g.name().toLowerCase(java.util.Locale.ROOT))
                            .toList());
        }
        assertThat(GateId.values()).hasSize(9);
    }

    @Test
    @DisplayName("adds user gates after the built-in ones, on their edge only, without changing the original set")
    void userGatesAfterBuiltIns() {
        List<String> calls = new ArrayList<>();
        GateSet defaults = GateSet.defaults();
        GateSet custom = defaults.with(
                        MigrationState.QUEUED, MigrationState.INITIALIZING, gate("first", GateResult.pass(), calls))
                .with(MigrationState.QUEUED, MigrationState.INITIALIZING, gate("second", GateResult.pass(), calls));
        assertThat(custom.gatesFor(START))
                .extracting(Gate::name)
                .containsExactly("start_approval", "copy_window", "replica_lag", "first", "second");
        assertThat(defaults.gatesFor(START)).hasSize(3);
        Transition copy = Transitions.find(MigrationState.INITIALIZING, MigrationState.COPYING_ROWS)
                .orElseThrow();
        assertThat(custom.gatesFor(copy)).isEmpty();
        assertThat(custom.evaluate(context(migration("a").build())).passed()).isTrue();
        assertThat(calls).containsExactly("first", "second");
    }

    @Test
    @DisplayName("returns the first gate that does not pass, prefixed with its name, and asks no further")
    void firstRefusalWins() {
        List<String> calls = new ArrayList<>();
        GateSet set = GateSet.defaults()
                .with(MigrationState.QUEUED, MigrationState.INITIALIZING, gate("no", GateResult.fail("never"), calls))
                .with(MigrationState.QUEUED, MigrationState.INITIALIZING, gate("later", GateResult.pass(), calls));
        assertThat(set.evaluate(context(migration("a").build()))).isEqualTo(GateResult.fail("no: never"));
        assertThat(calls).containsExactly("no");

        MigrationRecord needsApproval =
                migration("a").policy(p -> p.requireStartApproval(true)).build();
        calls.clear();
        assertThat(set.evaluate(context(needsApproval)))
                .isEqualTo(GateResult.waitFor("start_approval: waiting for start approval"));
        assertThat(calls).isEmpty();
    }

    @Test
    @DisplayName("turns a gate that throws into a wait that names the gate once, so a buggy gate holds, not fails")
    void throwingGateWaits() {
        Gate buggy = new Gate() {
            @Override
            public String name() {
                return "buggy";
            }

            @Override
            public GateResult evaluate(GateContext context) {
                throw new IllegalStateException("oops");
            }
        };
        GateSet set = GateSet.defaults().with(MigrationState.QUEUED, MigrationState.INITIALIZING, buggy);
        assertThat(set.evaluate(context(migration("a").build())))
                .isEqualTo(GateResult.waitFor("buggy: threw java.lang.IllegalStateException: oops"));
    }
}
