package dev.osc4j.engine.vitess;

import static dev.osc4j.engine.vitess.VitessFixture.KS;
import static dev.osc4j.engine.vitess.VitessFixture.TABLE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Reverts through the fake VTGate: REVERT VITESS_MIGRATION held by --postpone-completion, refusals, retire. */
class VitessRevertTest {
    private static final String DDL = "ALTER TABLE orders ADD COLUMN note VARCHAR(64)";
    private static final List<String> SHARDS = List.of("-80", "80-");

    private static Map<String, Long> shards() {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-80", 20_000L);
        rows.put("80-", 10_000L);
        return rows;
    }

    private static MigrationSpec forward() {
        return new MigrationSpec(KS, TABLE, DDL, VitessEngine.DEFAULT_NAME, Map.of(), List.of()).withRevertible(true);
    }

    private static ShardTarget target(String shard) {
        return new ShardTarget(KS, shard, KS, null);
    }

    private static EngineKey key(String id, String shard) {
        return new EngineKey(MigrationId.of(id), 1, shard);
    }

    private static MigrationSpec revertOf(String forwardId) {
        return forward().revertOf(MigrationId.of(forwardId), 1, SHARDS);
    }

    /** Advances the fake's clock a second at a time until every handle's observation matches. */
    private static List<EngineObservation> until(
            VitessFixture f, VitessEngine engine, List<EngineHandle> handles, Predicate<EngineObservation> done) {
        for (int i = 0; i < 3600; i++) {
            List<EngineObservation> seen = new ArrayList<>();
            for (EngineHandle h : handles) {
                seen.add(engine.observe(h));
            }
            if (seen.stream().allMatch(done)) {
                return seen;
            }
            f.clock.advance(Duration.ofSeconds(1));
        }
        throw new AssertionError("not reached within an hour of fake time");
    }

    private static List<EngineHandle> start(VitessEngine engine, MigrationSpec spec, String id) {
        List<EngineHandle> handles = new ArrayList<>();
        for (String shard : SHARDS) {
            handles.add(engine.start(target(shard), spec, key(id, shard)));
        }
        return handles;
    }

    private static void complete(VitessFixture f, VitessEngine engine, List<EngineHandle> handles) {
        until(f, engine, handles, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
        handles.forEach(engine::releaseCutover);
        until(f, engine, handles, o -> o.phase() == EnginePhase.COMPLETED);
    }

    private static boolean isPhase(EngineObservation o, EnginePhase phase) {
        return o.phase() == phase;
    }

    @Test
    @DisplayName("a revertible migration, then its revert on every shard: held at ready_to_complete until released,"
            + " then complete; the forward's artifacts are kept until retire, which is idempotent")
    void revert() throws Exception {
        try (VitessFixture f = new VitessFixture(shards())) {
            VitessEngine engine = f.engine();
            assertThat(engine.capabilities().revert()).isTrue();
            complete(f, engine, start(engine, forward(), "m-fwd"));
            for (String shard : SHARDS) {
                CleanupReport kept = engine.cleanup(target(shard), forward(), key("m-fwd", shard));
                assertThat(kept.notes()).anySatisfy(n -> assertThat(n).contains("for a revert"));
            }
            assertThat(f.statements("ALTER VITESS_MIGRATION", "CLEANUP")).isEmpty();

            long realStart = System.nanoTime();
            Instant fakeStart = f.clock.instant();
            List<EngineHandle> reverts = start(engine, revertOf("m-fwd"), "m-rev");
            until(f, engine, reverts, o -> isPhase(o, EnginePhase.READY_FOR_CUTOVER));
            Instant fakeReady = f.clock.instant();
            f.clock.advance(Duration.ofSeconds(60));
            assertThat(reverts)
                    .allSatisfy(h -> assertThat(engine.observe(h).phase())
                            .as("held by --postpone-completion")
                            .isEqualTo(EnginePhase.READY_FOR_CUTOVER));
            Instant fakeRelease = f.clock.instant();
            reverts.forEach(engine::releaseCutover);
            until(f, engine, reverts, o -> isPhase(o, EnginePhase.COMPLETED));
            Instant fakeDone = f.clock.instant();
            long realMillis = (System.nanoTime() - realStart) / 1_000_000;
            for (EngineHandle h : reverts) {
                String shard = h.attribute(VitessEngine.SHARD, "");
                String forwardUuid = engine.start(target(shard), forward(), key("m-fwd", shard))
                        .attribute(VitessEngine.UUID, "");
                assertThat(f.topology.appliedDdl(KS, shard))
                        .containsExactly(forward().ddl(), "revert vitess_migration '" + forwardUuid + "'");
                assertThat(f.vtgate.migration(KS, shard, h.attribute(VitessEngine.UUID, "")))
                        .satisfies(m -> assertThat(m).isNotNull());
                // adopted, not submitted again
                assertThat(engine.start(target(shard), revertOf("m-fwd"), key("m-rev", shard)))
                        .isEqualTo(h);
            }
            assertThat(f.statements("REVERT VITESS_MIGRATION", "'")).hasSize(SHARDS.size());
            System.out.printf(
                    Locale.ROOT,
                    "vitess revert wall time (fake VTGate, fake clock): start to ready %d s, release to complete %d s;"
                            + " %d ms real%n",
                    Duration.between(fakeStart, fakeReady).toSeconds(),
                    Duration.between(fakeRelease, fakeDone).toSeconds(),
                    realMillis);

            for (String shard : SHARDS) {
                CleanupReport retired = engine.retire(target(shard), forward(), key("m-fwd", shard));
                assertThat(retired.dropped()).isNotEmpty();
                CleanupReport again = engine.retire(target(shard), forward(), key("m-fwd", shard));
                assertThat(again.dropped()).isEqualTo(retired.dropped());
            }
            assertThat(f.statements("ALTER VITESS_MIGRATION", "CLEANUP")).hasSize(2 * SHARDS.size());
        }
    }

    @Test
    @DisplayName("a cancelled revert is not CLEANed UP (its artifact is the forward's kept table): the forward stays"
            + " revertible, and a second revert completes")
    void cancelKeepsForwardRevertible() throws Exception {
        try (VitessFixture f = new VitessFixture(shards())) {
            VitessEngine engine = f.engine();
            complete(f, engine, start(engine, forward(), "m-fwd"));
            List<EngineHandle> first = start(engine, revertOf("m-fwd"), "m-rev1");
            until(f, engine, first, o -> isPhase(o, EnginePhase.READY_FOR_CUTOVER));
            first.forEach(engine::cancel);
            until(f, engine, first, o -> isPhase(o, EnginePhase.CANCELLED));
            for (String shard : SHARDS) {
                CleanupReport r = engine.cleanup(target(shard), revertOf("m-fwd"), key("m-rev1", shard));
                assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("stays revertible"));
            }
            assertThat(f.statements("ALTER VITESS_MIGRATION", "CLEANUP")).isEmpty();

            List<EngineHandle> second = start(engine, revertOf("m-fwd"), "m-rev2");
            assertThat(second).doesNotContainAnyElementsOf(first);
            complete(f, engine, second);
        }
    }

    @Test
    @DisplayName("Vitess refuses to revert a migration that is not the last completed on its table, in its words")
    void notLast() throws Exception {
        try (VitessFixture f = new VitessFixture(shards())) {
            VitessEngine engine = f.engine();
            complete(f, engine, start(engine, forward(), "m-first"));
            MigrationSpec second = new MigrationSpec(
                    KS,
                    TABLE,
                    "ALTER TABLE orders ADD COLUMN other INT",
                    VitessEngine.DEFAULT_NAME,
                    Map.of(),
                    List.of());
            complete(f, engine, start(engine, second, "m-second"));
            List<EngineHandle> reverts = start(engine, revertOf("m-first"), "m-rev");
            List<EngineObservation> failed = until(f, engine, reverts, o -> isPhase(o, EnginePhase.FAILED));
            assertThat(failed)
                    .allSatisfy(o -> assertThat(o.message())
                            .contains("because it is not the last migration to complete on that table"));
        }
    }

    @Test
    @DisplayName("Vitess refuses to revert an ALTER that did not run with the vitess strategy, in its words")
    void notVitessStrategy() throws Exception {
        try (VitessFixture f = new VitessFixture(shards())) {
            VitessEngine engine = f.engine();
            try (Connection c =
                            DriverManager.getConnection(f.vtgate.jdbcUrl(KS), f.vtgate.user(), f.vtgate.password());
                    Statement s = c.createStatement()) {
                s.execute("SET @@ddl_strategy='mysql', @@migration_context='osc4j:m-mysql'");
                s.execute(DDL);
            }
            f.clock.advance(Duration.ofSeconds(10));
            List<EngineHandle> reverts = start(engine, revertOf("m-mysql"), "m-rev");
            List<EngineObservation> failed = until(f, engine, reverts, o -> isPhase(o, EnginePhase.FAILED));
            assertThat(failed)
                    .allSatisfy(o -> assertThat(o.message())
                            .contains("can only revert a online strategy migration")
                            .contains("has mysql strategy"));
        }
    }
}
