package dev.osc4j.engine.vitess;

import dev.osc4j.ShardTarget;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.testkit.ExecutionEngineContract;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The engine contract on the fake VTGate. Vitess knows no tables of its own here: every table has the shard's rows, a
 * failure is injected in the topology, and a table's artifacts are the artifact tables of its migrations that no
 * CLEANUP has handed to the garbage collector yet, as {@code SHOW VITESS_MIGRATIONS} lists them.
 */
@DisplayName("VitessEngine on the fake VTGate meets the ExecutionEngineContract")
class VitessEngineContractTest extends ExecutionEngineContract {
    private static final String KS = VitessFixture.KS;
    private static final String SHARD = "-";

    private final VitessFixture f = new VitessFixture(Map.of(SHARD, 300L));

    @AfterEach
    void stopVtgate() {
        f.close();
    }

    @Override
    protected ExecutionEngine createEngine() {
        return f.engine();
    }

    @Override
    protected ShardTarget target() {
        return new ShardTarget(KS, SHARD, KS, null);
    }

    /** Two migrations on one shard run side by side only with {@code --allow-concurrent}, as in Vitess. */
    @Override
    protected Map<String, String> engineOptions() {
        return Map.of(VitessEngine.OPTION_STRATEGY_FLAGS, "--allow-concurrent");
    }

    @Override
    protected void createTable(String table, int rows) {
        // the fake VTGate's shard has the topology's rows for every table
    }

    @Override
    protected Set<String> artifacts(String table) throws Exception {
        Set<String> out = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(f.vtgate.jdbcUrl(KS), f.vtgate.user(), f.vtgate.password());
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW VITESS_MIGRATIONS")) {
            while (rs.next()) {
                String artifacts = rs.getString("artifacts");
                if (table.equals(rs.getString("mysql_table"))
                        && rs.getString("cleanup_timestamp") == null
                        && artifacts != null) {
                    for (String a : artifacts.split(",")) {
                        if (!a.isBlank()) {
                            out.add(a.strip());
                        }
                    }
                }
            }
        }
        return out;
    }

    @Override
    protected void prepareFailingRun(String table) {
        f.topology.failAt(KS, SHARD, 50);
    }

    @Override
    protected EngineHandle handleOfMissingRun(EngineKey key) {
        String uuid = UUID.randomUUID().toString().replace('-', '_');
        return new EngineHandle(
                VitessEngine.DEFAULT_NAME,
                key,
                Map.of(
                        VitessEngine.UUID,
                        uuid,
                        VitessEngine.KEYSPACE,
                        KS,
                        VitessEngine.SHARD,
                        SHARD,
                        VitessEngine.CONTEXT,
                        key.context()));
    }

    @Override
    protected void letTimePass() {
        f.clock.advance(Duration.ofSeconds(1));
    }
}
