package dev.osc4j.bench;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
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
 * Cost of the one JSON form every store writes and reads ({@link RecordCodec}): encoding and decoding the record of a
 * migration whose shards are all copying, as a controller produced it (captured from a simulation on the fake
 * topology, so it holds what real records hold: handles, progress, wait reasons, history). Each progress write of a
 * store encodes one such record; each read of a changed record decodes one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RecordCodecBenchmark {
    @Param({"64"})
    public int shards;

    private MigrationRecord record;
    private String json;

    @Setup
    public void setUp() {
        SettableClock clock = SettableClock.startingAtEpoch2026();
        FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("ks", shards, 1_000_000L);
        FakeEngine engine = FakeEngine.builder(topology).rowsPerSecond(1000).build();
        try (MigrationOrchestrator osc = MigrationOrchestrator.builder()
                .store(new InMemoryStateStore(clock))
                .topology(topology)
                .engine(engine)
                .clock(clock)
                .build()) {
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("codec-bench")
                    .keyspace("ks")
                    .table("orders")
                    .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(255)")
                    .engine(engine.name())
                    .requestedBy("bench")
                    .build());
            record = Simulation.of(osc, clock)
                    .runUntil(
                            id,
                            r -> r.shards().stream().allMatch(s -> s.progress().rowsCopied() > 100_000),
                            Duration.ofHours(2));
        }
        json = RecordCodec.encode(record);
        System.out.printf(
                Locale.ROOT,
                "%n%d-shard record: %d bytes of JSON%n",
                shards,
                json.getBytes(StandardCharsets.UTF_8).length);
    }

    @Benchmark
    public String encode() {
        return RecordCodec.encode(record);
    }

    @Benchmark
    public MigrationRecord decode() {
        return RecordCodec.decode(record.id(), json, 7);
    }
}
