package dev.osc4j.engine.vitess;

import dev.osc4j.spi.TopologyProbe;
import dev.osc4j.testkit.TopologyProbeContract;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

@DisplayName("VitessTopologyProbe on the fake VTGate meets the TopologyProbeContract")
class VitessTopologyProbeContractTest extends TopologyProbeContract {
    private static final String KS = VitessFixture.KS;
    private static final String SHARD = "80-";

    private final VitessFixture f = new VitessFixture(Map.of("-80", 300L, SHARD, 300L));

    @AfterEach
    void stopVtgate() {
        f.close();
    }

    @Override
    protected TopologyProbe createProbe() {
        return f.probe();
    }

    @Override
    protected String keyspace() {
        return KS;
    }

    @Override
    protected String shard() {
        return SHARD;
    }

    @Override
    protected Instant now() {
        return f.clock.instant();
    }

    @Override
    protected void letTimePass() {
        f.clock.advance(Duration.ofSeconds(1));
    }

    @Override
    protected void replicationRunning(boolean running) {
        f.topology.stopReplication(KS, SHARD, !running);
    }

    /** VTGate's {@code SHOW VITESS_REPLICATION_STATUS} has lag, not positions. */
    @Override
    protected boolean reportsPositions() {
        return false;
    }
}
