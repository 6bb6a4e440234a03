package dev.osc4j.testkit;

import dev.osc4j.ShardTarget;
import dev.osc4j.spi.ExecutionEngine;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;

@DisplayName("FakeEngine meets the ExecutionEngineContract")
class FakeEngineContractTest extends ExecutionEngineContract {
    private static final String KS = "commerce";

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 1, 300);
    private final FakeEngine fake = FakeEngine.on(topology);

    /** A new instance in front of the same runs, as a restarted controller finds a real engine's runs. */
    @Override
    protected ExecutionEngine createEngine() {
        return new ForwardingExecutionEngine(fake) {};
    }

    @Override
    protected ShardTarget target() {
        return new ShardTarget(KS, topology.shards(KS).get(0), KS, null);
    }

    @Override
    protected void createTable(String table, int rows) {
        // the fake topology knows rows per shard, not tables: every table has the shard's rows
    }

    @Override
    protected Set<String> artifacts(String table) {
        return fake.artifacts(KS, topology.shards(KS).get(0)).stream()
                .filter(a -> a.startsWith("_" + table + "_"))
                .collect(Collectors.toSet());
    }

    @Override
    protected void prepareFailingRun(String table) {
        topology.failAt(KS, topology.shards(KS).get(0), 50);
    }

    @Override
    protected void letTimePass() {
        clock.advance(Duration.ofSeconds(1));
    }
}
