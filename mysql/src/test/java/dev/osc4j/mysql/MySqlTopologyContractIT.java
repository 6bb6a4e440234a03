package dev.osc4j.mysql;

import dev.osc4j.spi.TopologyProbe;
import dev.osc4j.testkit.TopologyProbeContract;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("MySqlTopology on a real MariaDB primary and replica meets the TopologyProbeContract")
class MySqlTopologyContractIT extends TopologyProbeContract {
    private static final String KEYSPACE = "commerce";
    private static final String SCHEMA = "app";

    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    @Override
    protected TopologyProbe createProbe() throws Exception {
        DB.primary().createDatabase(SCHEMA); // a write, so that the primary has a GTID position
        return MySqlTopology.builder()
                .credentials(DB.credentials())
                .shard(new MySqlShard(KEYSPACE, "s1", SCHEMA, DB.primaryEndpoint(), List.of(DB.replicaEndpoint())))
                .build();
    }

    @Override
    protected String keyspace() {
        return KEYSPACE;
    }

    @Override
    protected String shard() {
        return "s1";
    }

    @Override
    protected Instant now() {
        return Instant.now();
    }

    @Override
    protected void letTimePass() throws InterruptedException {
        Thread.sleep(100);
    }

    /** Stops or starts the replica's SQL thread: its lag is unknown while it does not apply. */
    @Override
    protected void replicationRunning(boolean running) throws Exception {
        if (running) {
            DB.replica().startReplicaSqlThread();
        } else {
            DB.replica().stopReplicaSqlThread();
        }
    }
}
