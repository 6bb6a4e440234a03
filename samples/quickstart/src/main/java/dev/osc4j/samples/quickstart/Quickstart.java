package dev.osc4j.samples.quickstart;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a 4-shard online schema change on the testkit's fake topology and prints every transition and live progress
 * per shard and for the keyspace. Halfway through the copy, one shard's replicas lag for a few seconds and osc4j
 * throttles that shard. Exits 0 once the migration is COMPLETED, 1 otherwise.
 */
public final class Quickstart {
    private Quickstart() {}

    /** Entry point. */
    public static void main(String[] args) throws InterruptedException {
        PrintStream out = System.out;
        Clock clock = Clock.systemUTC();

        // 1. The world: a keyspace of four shards of unequal size (the fake stands in for your MySQL servers).
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-40", 1_200_000L);
        rows.put("40-80", 800_000L);
        rows.put("80-c0", 400_000L);
        rows.put("c0-", 200_000L);
        FakeTopology topology = new FakeTopology(clock).addKeyspace("commerce", rows);
        FakeEngine engine = FakeEngine.builder(topology).rowsPerSecond(120_000).build();
        StateStore store = new InMemoryStateStore(clock);
        ConsoleProgress console = new ConsoleProgress(out);

        // 2. The orchestrator: a store, a topology probe and an engine.
        try (MigrationOrchestrator osc = MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(engine)
                .progressSink(console)
                .pollInterval(Duration.ofMillis(250))
                .clock(clock)
                .build()) {
            osc.start();

            // 3. The change, submitted idempotently.
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("quickstart-orders-add-note")
                    .keyspace("commerce")
                    .table("orders")
                    .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(255) NULL")
                    .engine(engine.name())
                    .requestedBy("quickstart")
                    .build());
            out.println("osc4j quickstart: migration " + id + " submitted; 4 shards, 2,600,000 rows");

            Instant deadline = clock.instant().plus(Duration.ofMinutes(2));
            boolean lagInjected = false;
            MigrationRecord r = osc.get(id);
            while (!r.state().isTerminal()
                    && r.state() != MigrationState.FAILED
                    && clock.instant().isBefore(deadline)) {
                Thread.sleep(1000);
                r = osc.get(id);
                if (!lagInjected
                        && r.state() == MigrationState.COPYING_ROWS
                        && engine.phases().size() == 4
                        && topology.rows("commerce", "c0-") > 0
                        && r.shards().get(0).progress().percent() > 20) {
                    out.println("  -- injecting 12s of replica lag on shard 40-80 (threshold 10s) --");
                    topology.lagSpike("commerce", "40-80", Duration.ofSeconds(12), Duration.ofSeconds(4));
                    lagInjected = true;
                }
                console.render();
            }
            console.render();
            out.println("migration " + id + " ended " + r.state() + " after "
                    + osc.audit(id).size()
                    + " audit entries; DDL applied on "
                    + topology.shards("commerce").stream()
                            .filter(s -> !topology.appliedDdl("commerce", s).isEmpty())
                            .count()
                    + "/4 shards");
            if (r.state() != MigrationState.COMPLETED) {
                System.exit(1);
            }
        }
    }
}
