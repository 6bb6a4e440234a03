package dev.osc4j.engine.vitess;

import static dev.osc4j.engine.vitess.VitessFixture.KS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardTarget;
import dev.osc4j.engine.vitess.VtgateRows.MigrationRow;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.vitess.FakeVtgate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rows are read by column name, whatever the Vitess version's columns; the phase table holds. */
class VtgateRowsTest {
    private static Map<String, Long> oneShard() {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-", 20_000L);
        return rows;
    }

    @Test
    @DisplayName("extra, missing and reordered columns are read correctly, and a migration still completes")
    void columnTolerance() {
        List<String> columns = new ArrayList<>(FakeVtgate.RECENT_MIGRATION_COLUMNS);
        Collections.reverse(columns);
        columns.removeAll(List.of("eta_seconds", "progress", "reason_throttled", "component_throttled", "message"));
        columns.add(3, "some_future_column");
        columns.add("another_future_column");
        try (VitessFixture f = new VitessFixture(oneShard(), b -> b.migrationColumns(columns))) {
            VitessEngine engine = f.engine();
            ShardTarget target = new ShardTarget(KS, "-", KS, null);
            EngineKey key = new EngineKey(MigrationId.of("m-columns"), 1, "-");
            EngineHandle h =
                    engine.start(target, VitessFixture.request("columns").spec(), key);
            f.clock.advance(Duration.ofSeconds(3));
            EngineObservation copying = engine.observe(h);
            assertThat(copying.phase()).isEqualTo(EnginePhase.COPYING);
            assertThat(copying.rowsCopied()).isEqualTo(10_000);
            assertThat(copying.rowsTotal()).isEqualTo(20_000);
            assertThat(copying.engineEta()).as("no eta_seconds column").isNull();
            f.topology.setReplicaLag(KS, "-", Duration.ofSeconds(9));
            f.clock.advance(Duration.ofSeconds(1));
            EngineObservation throttled = engine.observe(h);
            assertThat(throttled.throttled()).isTrue();
            assertThat(throttled.throttleReason()).isEqualTo("throttled by the tablet throttler");
        }
        try (VitessFixture f =
                new VitessFixture(oneShard(), b -> b.migrationColumns(FakeVtgate.V18_MIGRATION_COLUMNS))) {
            var osc = f.orchestrator(null);
            var id = osc.submit(VitessFixture.request("v18"));
            var done = Simulation.of(osc, f.clock).runUntil(id, MigrationState.COMPLETED, Duration.ofMinutes(5));
            assertThat(done.shards()).allMatch(s -> s.state() == MigrationState.COMPLETED);
        }
    }

    private static MigrationRow row(
            String status,
            @Nullable Long copied,
            @Nullable Long total,
            @Nullable Double progress,
            @Nullable Boolean ready,
            @Nullable Boolean postponed) {
        return new MigrationRow(
                "a0000000_0000_0000_0000_000000000000",
                KS,
                "-",
                status,
                "orders",
                "osc4j:m",
                copied,
                total,
                progress,
                null,
                ready,
                postponed,
                0,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    @ParameterizedTest(name = "{0} copied={1}/{2} progress={3} ready={4} postponed={5} -> {6}")
    @CsvSource(
            nullValues = "null",
            value = {
                "queued,0,0,0,0,1,STARTING",
                "ready,0,0,0,0,1,STARTING",
                "running,10,100,10,0,1,COPYING",
                "running,100,100,100,0,1,CATCHING_UP",
                "running,120,100,100,0,1,CATCHING_UP",
                "running,50,100,50,1,1,READY_FOR_CUTOVER",
                "running,100,100,100,1,0,CUTTING_OVER",
                "running,100,100,100,0,0,CUTTING_OVER",
                "running,10,100,10,0,0,COPYING",
                "running,null,null,null,1,null,READY_FOR_CUTOVER",
                "running,null,null,null,null,null,COPYING",
                "complete,100,100,100,1,0,COMPLETED",
                "failed,40,100,40,0,1,FAILED",
                "cancelled,40,100,40,0,1,CANCELLED",
                "someday,0,0,0,0,1,STARTING"
            })
    @DisplayName("the phase of a row")
    void phases(
            String status,
            @Nullable Long copied,
            @Nullable Long total,
            @Nullable Double progress,
            @Nullable Integer ready,
            @Nullable Integer postponed,
            EnginePhase expected) {
        MigrationRow r = row(
                status,
                copied,
                total,
                progress,
                ready == null ? null : ready == 1,
                postponed == null ? null : postponed == 1);
        assertThat(MigrationPhases.phase(r)).isEqualTo(expected);
    }

    @Test
    @DisplayName("times, replication health and throttle recency are parsed leniently")
    void parsing() {
        assertThat(VtgateRows.datetime("2026-01-01 00:00:03", ZoneOffset.UTC))
                .isEqualTo(Instant.parse("2026-01-01T00:00:03Z"));
        assertThat(VtgateRows.datetime("2026-01-01 00:00:03.250000", ZoneOffset.ofHours(2)))
                .isEqualTo(Instant.parse("2026-01-01T00:00:03.25Z").minus(Duration.ofHours(2)));
        assertThat(VtgateRows.datetime("0000-00-00 00:00:00", ZoneOffset.UTC)).isNull();
        assertThat(VtgateRows.datetime("soon", ZoneOffset.UTC)).isNull();
        assertThat(VtgateRows.replicating("{\"EventStreamRunning\":\"Yes\",\"EventApplierRunning\":\"Yes\"}"))
                .isTrue();
        assertThat(VtgateRows.replicating("{\"EventStreamRunning\":\"No\",\"EventApplierRunning\":\"Yes\"}"))
                .isFalse();
        assertThat(VtgateRows.replicating(null)).isTrue();

        Instant now = Instant.parse("2026-01-01T00:10:00Z");
        MigrationRow recent = new MigrationRow(
                "a0000000_0000_0000_0000_000000000000",
                KS,
                "-",
                "running",
                "orders",
                "osc4j:m",
                10L,
                100L,
                10.0,
                30L,
                false,
                true,
                0,
                now.minusSeconds(5),
                "vcopier",
                "lag=12s exceeds threshold 5s",
                0.5,
                "",
                "",
                "zone1-1",
                "",
                null,
                null,
                null);
        EngineObservation o = MigrationPhases.observe(recent, now, Duration.ofMinutes(1));
        assertThat(o.throttled()).isTrue();
        assertThat(o.throttleReason())
                .isEqualTo("throttled by the tablet throttler (vcopier): lag=12s exceeds threshold 5s;"
                        + " throttle ratio 0.5 on the migration");
        assertThat(o.engineEta()).isEqualTo(Duration.ofSeconds(30));
        MigrationRow old = new MigrationRow(
                recent.uuid(),
                KS,
                "-",
                "running",
                "orders",
                "osc4j:m",
                10L,
                100L,
                10.0,
                -1L,
                false,
                true,
                0,
                now.minusSeconds(120),
                "vcopier",
                "lag",
                0.0,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
        EngineObservation calm = MigrationPhases.observe(old, now, Duration.ofMinutes(1));
        assertThat(calm.throttled()).isFalse();
        assertThat(calm.engineEta()).isNull();
    }
}
