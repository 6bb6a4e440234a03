package dev.osc4j.engine.ptosc;

import dev.osc4j.ShardTarget;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.testkit.ExecutionEngineContract;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine contract with the real pt-online-schema-change on a real MariaDB primary and replica, on tables of 300
 * rows copied in chunks of 10 with a short sleep, so that a throttle lands while the copy runs.
 */
@DisplayName("PtOscEngine with the real pt-online-schema-change meets the ExecutionEngineContract")
class PtOscEngineContractIT extends ExecutionEngineContract {
    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    @TempDir
    Path work;

    @Override
    protected ExecutionEngine createEngine() {
        return Fixture.engine(DB.primary(), work);
    }

    @Override
    protected ShardTarget target() {
        return new ShardTarget(Fixture.KEYSPACE, "s1", Fixture.SCHEMA, DB.primaryEndpoint());
    }

    @Override
    protected Map<String, String> engineOptions() {
        return Fixture.slow(10, "0.05");
    }

    @Override
    protected void createTable(String table, int rows) throws Exception {
        Fixture.createTable(DB.primary(), table, rows);
    }

    @Override
    protected Set<String> artifacts(String table) throws Exception {
        return new LinkedHashSet<>(Fixture.artifacts(DB.primary(), table));
    }

    @Override
    protected void letTimePass() {
        Fixture.sleep(100);
    }
}
