package dev.osc4j.engine.ghost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.spi.EngineKey;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Names of a gh-ost run")
class GhostTablesTest {

    @Test
    @DisplayName("artifact tables are _<table>_gho, _ghc, _del and _ghk")
    void names() {
        GhostTables t = GhostTables.of("orders");
        assertThat(t.all()).containsExactly("_orders_gho", "_orders_ghc", "_orders_del", "_orders_ghk");
    }

    @Test
    @DisplayName("long table names are cut so the artifact names fit in 64 characters, as gh-ost cuts them")
    void truncation() {
        String table = "t".repeat(60) + "abcd"; // 64 characters
        GhostTables t = GhostTables.of(table);
        assertThat(t.ghost()).hasSize(64).endsWith("_gho").isEqualTo("_" + table.substring(0, 59) + "_gho");
        assertThat(t.checkpoint()).hasSize(64).isEqualTo("_" + table.substring(0, 59) + "_ghk");
        assertThat(GhostTables.of("t".repeat(59)).ghost()).hasSize(64).isEqualTo("_" + "t".repeat(59) + "_gho");
    }

    @Test
    @DisplayName("the run directory and replica server id are stable for a key and differ between keys")
    void runIdentity() {
        EngineKey key = new EngineKey(MigrationId.forIdempotencyKey("k"), 1, "-80");
        EngineKey same = new EngineKey(MigrationId.forIdempotencyKey("k"), 1, "-80");
        assertThat(RunDirectory.name(key)).isEqualTo(RunDirectory.name(same)).matches("gh-[0-9a-f]{16}");
        assertThat(RunDirectory.replicaServerId(key)).isEqualTo(RunDirectory.replicaServerId(same));
        Set<Long> ids = new HashSet<>();
        Set<String> dirs = new HashSet<>();
        for (int attempt = 1; attempt <= 50; attempt++) {
            for (String shard : new String[] {"-80", "80-", "s1"}) {
                EngineKey k = new EngineKey(MigrationId.forIdempotencyKey("k"), attempt, shard);
                long id = RunDirectory.replicaServerId(k);
                assertThat(id).isBetween(1_000_000_000L, 1_999_999_999L);
                ids.add(id);
                dirs.add(RunDirectory.name(k));
            }
        }
        assertThat(ids).hasSize(150);
        assertThat(dirs).hasSize(150);
    }
}
