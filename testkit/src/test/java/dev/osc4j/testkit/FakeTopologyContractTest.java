package dev.osc4j.testkit;

import dev.osc4j.spi.TopologyProbe;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;

@DisplayName("FakeTopology meets the TopologyProbeContract")
class FakeTopologyContractTest extends TopologyProbeContract {
    private static final String KS = "commerce";

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 2, 300);

    @Override
    protected TopologyProbe createProbe() {
        return topology;
    }

    @Override
    protected String keyspace() {
        return KS;
    }

    @Override
    protected String shard() {
        return topology.shards(KS).get(1);
    }

    @Override
    protected Instant now() {
        return clock.instant();
    }

    @Override
    protected void letTimePass() {
        clock.advance(Duration.ofSeconds(1));
    }

    @Override
    protected void replicationRunning(boolean running) {
        topology.stopReplication(KS, shard(), !running);
    }
}
