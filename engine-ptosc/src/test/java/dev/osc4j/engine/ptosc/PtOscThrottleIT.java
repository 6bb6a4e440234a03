package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.CutoverMode;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardTarget;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pt-osc engine: replica lag throttles the copy and holds the cut-over")
class PtOscThrottleIT {
    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    @TempDir
    Path work;

    @Test
    @DisplayName("a stopped replica SQL thread throttles the copy (reason: the replica), which resumes once it runs"
            + " again; the cut-over gate refuses while the lag is unknown")
    void replicaLagThrottlesAndHoldsTheCutover() throws Exception {
        Fixture.createTable(DB.primary(), "lagged", 100_000);
        PtOscEngine engine = Fixture.engine(DB.primary(), work);
        Map<String, String> options = new HashMap<>(Fixture.slow(500, "0.03"));
        options.put(
                PtOscEngine.OPTION_REPLICAS,
                DB.replica().host() + ":" + DB.replica().port());
        options.put(PtOscEngine.OPTION_MAX_LAG, "1");
        MigrationPolicy policy = Fixture.policy()
                .cutoverMode(CutoverMode.MANUAL)
                .maxReplicaLag(Duration.ofSeconds(2))
                .build();
        try (MySqlTopology topology = Fixture.topology(DB.primary(), Fixture.shard("s1", DB.primary(), DB.replica()));
                MigrationOrchestrator osc = Fixture.orchestrator(new InMemoryStateStore(), topology, engine)) {
            osc.start();
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("lag-1")
                    .keyspace(Fixture.KEYSPACE)
                    .table("lagged")
                    .ddl("ADD COLUMN note VARCHAR(8)")
                    .engine(PtOscEngine.DEFAULT_NAME)
                    .requestedBy("test")
                    .options(options)
                    .policy(policy)
                    .build());
            MigrationRecord copying = Fixture.await(
                    osc,
                    id,
                    Duration.ofMinutes(1),
                    "the copy under way",
                    r -> r.shards().get(0).state() == MigrationState.COPYING_ROWS
                            && r.shards().get(0).progress().rowsCopied() > 0);
            EngineHandle handle = Objects.requireNonNull(copying.shards().get(0).handle());
            Path run = Path.of(handle.attribute(PtOscEngine.ATTR_RUN_DIR, ""));

            // Copy: the replica stops applying; pt-osc's own check and osc4j's lag throttle both hold the copy.
            DB.replica().stopReplicaSqlThread();
            EngineObservation held = awaitObservation(
                    engine,
                    handle,
                    "pt-osc waits for the stopped replica",
                    o -> o.throttled() && String.valueOf(o.throttleReason()).contains("is stopped"));
            assertThat(held.throttleReason()).contains(DB.replica().host());
            MigrationRecord throttled = Fixture.await(
                    osc,
                    id,
                    Duration.ofSeconds(30),
                    "the shard reported throttled by replica lag",
                    r -> r.shards().get(0).progress().throttled()
                            && String.valueOf(r.shards().get(0).progress().throttleReason())
                                    .contains("replica"));
            assertThat(throttled.shards().get(0).state()).isEqualTo(MigrationState.COPYING_ROWS);
            assertThat(throttled.shards().get(0).appliedThrottleRatio())
                    .as("osc4j throttles too, through the pause file")
                    .isEqualTo(1.0);
            assertThat(run.resolve("pause")).exists();
            long before = engine.observe(handle).rowsCopied();
            Fixture.sleep(3000);
            assertThat(engine.observe(handle).rowsCopied())
                    .as("no rows copied while the replica is stopped")
                    .isEqualTo(before);

            // The replica applies again: the throttle lifts and the copy goes on.
            DB.replica().startReplicaSqlThread();
            MigrationRecord resumed = Fixture.await(
                    osc,
                    id,
                    Duration.ofMinutes(1),
                    "the copy resumed",
                    r -> !r.shards().get(0).progress().throttled()
                            && (r.shards().get(0).progress().rowsCopied() > before
                                    || r.shards().get(0).state().pathIndex()
                                            > MigrationState.COPYING_ROWS.pathIndex()));
            assertThat(resumed.shards().get(0).appliedThrottleRatio()).isZero();
            assertThat(Files.exists(run.resolve("pause"))).isFalse();

            // Cut-over: ready and released, but the lag gate holds it while the replica is stopped.
            Fixture.awaitState(osc, id, MigrationState.CUTOVER_PENDING, Duration.ofMinutes(2));
            DB.replica().stopReplicaSqlThread();
            osc.releaseCutover(id, "release-1", "test");
            MigrationRecord gated = Fixture.await(
                    osc,
                    id,
                    Duration.ofSeconds(30),
                    "the lag gate to refuse the cut-over",
                    r -> String.valueOf(r.shards().get(0).waitReason()).contains("replica_lag"));
            Fixture.sleep(3000);
            MigrationRecord still = osc.get(id);
            assertThat(still.shards().get(0).state()).isEqualTo(MigrationState.CUTOVER_PENDING);
            assertThat(still.shards().get(0).waitReason())
                    .contains("replica_lag")
                    .contains(DB.replica().host());
            assertThat(gated.state()).isEqualTo(MigrationState.CUTOVER_PENDING);
            assertThat(Fixture.columns(DB.primary(), "lagged")).doesNotContain("note");

            DB.replica().startReplicaSqlThread();
            MigrationRecord done = Fixture.awaitState(osc, id, MigrationState.COMPLETED, Duration.ofMinutes(1));
            AuditTrails.assertSound(osc.audit(id));
            ShardProgress p = done.shards().get(0).progress();
            assertThat(p.percent()).isEqualTo(100.0);
        } finally {
            DB.replica().startReplicaSqlThread();
        }
        assertThat(Fixture.columns(DB.primary(), "lagged")).contains("note");
        assertThat(Fixture.count(DB.primary(), "lagged")).isEqualTo(100_000);
        Fixture.assertNoArtifacts(DB.primary(), "lagged");
    }

    @Test
    @DisplayName("a throttle ratio between 0 and 1 slows the copy without stopping it: after each chunk the plugin"
            + " pauses for ratio / (1 - ratio) of the chunk's time; at 0 it copies at full speed again")
    void partialThrottle() throws Exception {
        Fixture.createTable(DB.primary(), "slowed", 40_000);
        PtOscEngine engine = Fixture.engine(DB.primary(), work);
        ShardTarget target = new ShardTarget(Fixture.KEYSPACE, "s1", Fixture.SCHEMA, DB.primaryEndpoint());
        MigrationSpec spec = new MigrationSpec(
                Fixture.KEYSPACE,
                "slowed",
                "ADD COLUMN note VARCHAR(8)",
                PtOscEngine.DEFAULT_NAME,
                Fixture.slow(200, "0.01"),
                List.of());
        EngineKey key = new EngineKey(MigrationId.forIdempotencyKey("slowed"), 1, "s1");
        EngineHandle handle = engine.start(target, spec, key);
        EngineObservation copying = awaitObservation(
                engine, handle, "the copy under way", o -> o.phase() == EnginePhase.COPYING && o.rowsCopied() > 0);
        assertThat(engine.capabilities().throttleRatio()).isTrue();

        engine.throttle(handle, 0.75);
        Path events = Path.of(handle.attribute(PtOscEngine.ATTR_RUN_DIR, "")).resolve("events.jsonl");
        String applied = awaitEvent(events, "\"ratio\":\"0.75\"");
        long worked = field(applied, "worked_us");
        long pause = field(applied, "pause_us");
        assertThat(pause).as("pause after a chunk of %d us", worked).isBetween(3 * worked - 3, 3 * worked + 3);
        EngineObservation slowed = awaitObservation(
                engine, handle, "a slowed copy", o -> o.throttled() && o.rowsCopied() > copying.rowsCopied());
        assertThat(slowed.phase()).isEqualTo(EnginePhase.COPYING);
        assertThat(slowed.throttleReason()).contains("about 25% of full speed", "ratio 0.75");
        long before = slowed.rowsCopied();
        awaitObservation(engine, handle, "the copy going on while slowed", o -> o.rowsCopied() > before);

        engine.throttle(handle, 0);
        awaitEvent(events, "\"ratio\":0}");
        EngineObservation ready = awaitObservation(
                engine, handle, "the copy done at full speed", o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
        assertThat(ready.throttled()).isFalse();
        engine.cancel(handle);
        engine.cleanup(target, spec, key);
    }

    private static String awaitEvent(Path events, String needle) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(events)) {
                for (String line : Files.readAllLines(events)) {
                    if (line.contains("\"throttle_ratio\"") && line.contains(needle)) {
                        return line;
                    }
                }
            }
            Fixture.sleep(50);
        }
        throw new AssertionError("no throttle_ratio event with " + needle + " in " + events);
    }

    private static long field(String line, String name) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"" + name + "\":(\\d+)").matcher(line);
        assertThat(m.find()).as(name + " in " + line).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static EngineObservation awaitObservation(
            PtOscEngine engine,
            EngineHandle handle,
            String what,
            java.util.function.Predicate<EngineObservation> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        EngineObservation o = engine.observe(handle);
        while (!condition.test(o)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; last observation " + o);
            }
            Fixture.sleep(100);
            o = engine.observe(handle);
        }
        return o;
    }
}
