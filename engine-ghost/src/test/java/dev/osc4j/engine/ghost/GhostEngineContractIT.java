package dev.osc4j.engine.ghost;

import dev.osc4j.ShardTarget;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.testkit.ExecutionEngineContract;
import dev.osc4j.testkit.ghost.FakeGhost;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The engine contract with the fake gh-ost on a real MariaDB, on tables of 300 rows copied in chunks of 10 with a
 * short delay per chunk, so that a throttle lands while the copy runs.
 */
@DisplayName("GhostEngine with the fake gh-ost meets the ExecutionEngineContract")
class GhostEngineContractIT extends ExecutionEngineContract {
    private static final String SCHEMA = "contract_ghost";

    private static LocalMariaDb db;
    private static Path executable;

    @BeforeAll
    static void setUp() {
        db = GhostFixture.server();
        executable = GhostFixture.installFake(
                "contract",
                GhostFixture.fast().chunkDelay(Duration.ofMillis(50)).build());
    }

    @AfterAll
    static void killLeftovers() {
        FakeGhost.killAll(executable);
    }

    @Override
    protected ExecutionEngine createEngine() {
        return GhostFixture.engine(db, executable, GhostFixture.home().resolve("contract-work"))
                .build();
    }

    @Override
    protected ShardTarget target() {
        return GhostFixture.target(db, "ks", "s1", SCHEMA);
    }

    @Override
    protected Map<String, String> engineOptions() {
        return Map.of("chunk-size", "10");
    }

    @Override
    protected void createTable(String table, int rows) throws Exception {
        GhostFixture.createTable(db, SCHEMA, table, rows);
    }

    /** gh-ost's ghost, changelog and old tables of {@code table}. */
    @Override
    protected Set<String> artifacts(String table) throws Exception {
        Set<String> out = new TreeSet<>();
        db.createDatabase(SCHEMA);
        try (Connection c = db.connect(SCHEMA);
                PreparedStatement ps = c.prepareStatement("SELECT TABLE_NAME FROM information_schema.TABLES"
                        + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?, ?)")) {
            ps.setString(1, "_" + table + "_gho");
            ps.setString(2, "_" + table + "_ghc");
            ps.setString(3, "_" + table + "_del");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    @Override
    protected void letTimePass() {
        GhostFixture.sleep(Duration.ofMillis(100));
    }
}
