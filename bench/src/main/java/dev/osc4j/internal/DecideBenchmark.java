package dev.osc4j.internal;

import dev.osc4j.Controls;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of the pure decision function for one migration, in three scenarios: {@code COPYING}, every shard copying
 * (the common case: a pass computes progress and finds nothing to write); {@code BARRIER_WAIT}, all shards but one
 * ready to cut over (every cut-over gate runs for every ready shard, and the barrier holds); {@code RELEASE}, every
 * shard ready (the one decision that releases them all: 64 transitions and intents).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecideBenchmark {
    @Param({"64"})
    public int shards;

    /** The scenario. */
    public enum Scenario {
        COPYING,
        BARRIER_WAIT,
        RELEASE
    }

    @Param({"COPYING", "BARRIER_WAIT", "RELEASE"})
    public Scenario scenario;

    private final Decider decider = new Decider(GateSet.defaults(), Duration.ofSeconds(10));
    private final EngineCapabilities caps = new EngineCapabilities(true, true, true, false, true);
    private MigrationRecord record;
    private Map<String, Decider.ShardInput> inputs;
    private Instant now;

    @Setup
    public void setUp() {
        now = Instant.parse("2026-01-01T00:10:00Z");
        MigrationId id = MigrationId.forIdempotencyKey("bench");
        List<ShardRecord> list = new ArrayList<>();
        inputs = new HashMap<>();
        for (int i = 0; i < shards; i++) {
            String shard = "s" + i;
            MigrationState state = scenario == Scenario.COPYING
                    ? MigrationState.COPYING_ROWS
                    : scenario == Scenario.BARRIER_WAIT && i == 0
                            ? MigrationState.WAITING_FOR_CATCHUP
                            : MigrationState.CUTOVER_PENDING;
            ShardTarget target = new ShardTarget("ks", shard, "ks", null);
            EngineHandle handle = new EngineHandle("fake", new EngineKey(id, 1, shard), Map.of("run", shard));
            String primary = "primary-" + i;
            list.add(ShardRecord.queued(target, now)
                    .withState(state, now)
                    .withPrimary(primary)
                    .withHandle(handle));
            EnginePhase phase =
                    switch (state) {
                        case CUTOVER_PENDING -> EnginePhase.READY_FOR_CUTOVER;
                        case WAITING_FOR_CATCHUP -> EnginePhase.CATCHING_UP;
                        default -> EnginePhase.COPYING;
                    };
            ReplicationPosition pos = ReplicationPosition.of("0-1-" + (1000 + i));
            EngineObservation obs = EngineObservation.of(phase)
                    .withRows(50_000L * i, 100_000L * (i + 1))
                    .withReplication(Duration.ZERO, phase == EnginePhase.READY_FOR_CUTOVER ? pos : null);
            ShardHealth health = new ShardHealth(
                    "ks",
                    shard,
                    primary,
                    1,
                    pos,
                    List.of(
                            new ReplicaHealth("r1-" + i, Duration.ofMillis(200), pos),
                            new ReplicaHealth("r2-" + i, Duration.ZERO, pos)),
                    now);
            inputs.put(shard, new Decider.ShardInput(obs, health, null));
        }
        record = new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                id,
                7,
                "bench",
                "fp",
                new MigrationSpec("ks", "orders", "ADD COLUMN note TEXT", "fake", Map.of(), List.of()),
                MigrationPolicy.defaults(),
                "bench",
                switch (scenario) {
                    case COPYING -> MigrationState.COPYING_ROWS;
                    case BARRIER_WAIT -> MigrationState.WAITING_FOR_CATCHUP;
                    case RELEASE -> MigrationState.CUTOVER_PENDING;
                },
                1,
                list,
                Controls.NONE,
                Map.of(),
                100,
                now,
                now,
                now,
                null);
    }

    @Benchmark
    public Decider.Decision decide() {
        return decider.decide(record, inputs, caps, "bench", now);
    }
}
