package dev.osc4j.samples.quickstart;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.TransitionEvent;
import dev.osc4j.cli.LiveView;
import dev.osc4j.spi.StateStore;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs a 4-shard online schema change on the testkit's fake topology and prints every transition and live progress
 * per shard and for the keyspace. Halfway through the copy, one shard's replicas lag for a few seconds and osc4j
 * throttles that shard. Exits 0 once the migration is COMPLETED, 1 otherwise.
 *
 * <p>The state lives in the embedded default store, an H2 database file, so a quickstart that is killed and run again
 * resumes the same migration where it was. Options:
 *
 * <ul>
 *   <li>{@code --data=DIR}: where the state is kept (default {@code osc4j-quickstart} in the temporary directory)
 *   <li>{@code --fresh}: forget the state of earlier runs first
 *   <li>{@code --store=memory}: keep the state in memory instead (nothing survives the process)
 * </ul>
 */
public final class Quickstart {
    private Quickstart() {}

    /** Entry point. */
    public static void main(String[] args) throws InterruptedException, IOException {
        PrintStream out = System.out;
        Path data = Path.of(System.getProperty("java.io.tmpdir"), "osc4j-quickstart");
        boolean fresh = false;
        boolean memory = false;
        for (String arg : args) {
            if (arg.startsWith("--data=")) {
                data = Path.of(arg.substring("--data=".length()));
            } else if (arg.equals("--fresh")) {
                fresh = true;
            } else if (arg.equals("--store=memory")) {
                memory = true;
            } else if (!arg.equals("--store=h2")) {
                System.err.println("unknown option '" + arg + "'; options: --data=DIR --fresh --store=h2|memory");
                System.exit(2);
            }
        }
        if (fresh) {
            deleteState(data);
        }
        ReplayClock clock = new ReplayClock(Clock.systemUTC());

        // 1. The world: a keyspace of four shards of unequal size (the fake stands in for your MySQL servers).
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-40", 1_200_000L);
        rows.put("40-80", 800_000L);
        rows.put("80-c0", 400_000L);
        rows.put("c0-", 200_000L);
        FakeTopology topology = new FakeTopology(clock).addKeyspace("commerce", rows);
        FakeEngine fake = FakeEngine.builder(topology).rowsPerSecond(120_000).build();

        // 2. The store: the embedded default keeps everything in one H2 file; the engine's runs outlive the process.
        StateStore store;
        JournaledEngine engine;
        if (memory) {
            store = new InMemoryStateStore(clock);
            engine = JournaledEngine.inMemory(fake, topology, clock);
        } else {
            Files.createDirectories(data);
            store = JdbcStateStore.h2File(data.resolve("osc4j"));
            engine = JournaledEngine.open(fake, topology, clock, data.resolve("engine-journal.tsv"), store);
            out.println("osc4j quickstart: state in " + data.toAbsolutePath() + " (run with --fresh to start over)");
        }
        // In a terminal the bars are redrawn in place under the transitions; piped, a block per visible change.
        LiveView view = LiveView.system(false, 120);
        boolean completed;

        // 3. The orchestrator: a store, a topology probe and an engine.
        try (view;
                store;
                MigrationOrchestrator osc = MigrationOrchestrator.builder()
                        .store(store)
                        .topology(topology)
                        .engine(engine)
                        .progressSink(new ProgressSink() {
                            @Override
                            public void onProgress(ProgressSnapshot snapshot) {}

                            @Override
                            public void onTransition(TransitionEvent e) {
                                view.println(String.format(
                                        Locale.ROOT,
                                        "  %-12s %-20s -> %-20s %s",
                                        e.shard() == null ? "[migration]" : "[" + e.shard() + "]",
                                        e.from(),
                                        e.to(),
                                        e.detail()));
                            }
                        })
                        .pollInterval(Duration.ofMillis(250))
                        // A killed quickstart's lease expires 3 s later by the database clock; then the next run takes
                        // over.
                        .leaseTtl(Duration.ofSeconds(3))
                        .clock(clock)
                        .build()) {
            osc.start();

            // 4. The change, submitted idempotently: a second run finds the same migration and resumes it.
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("quickstart-orders-add-note")
                    .keyspace("commerce")
                    .table("orders")
                    .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(255) NULL")
                    .engine(engine.name())
                    .requestedBy("quickstart")
                    .build());
            MigrationRecord submitted = osc.get(id);
            if (submitted.auditSeq() > 1) {
                view.println("osc4j quickstart: resuming migration " + id + ", " + submitted.state() + " after "
                        + submitted.auditSeq() + " audit entries");
            } else {
                view.println("osc4j quickstart: migration " + id + " submitted; 4 shards, 2,600,000 rows");
            }

            Instant deadline = clock.instant().plus(Duration.ofMinutes(2));
            MigrationRecord r = osc.get(id);
            while (!r.state().isTerminal()
                    && r.state() != MigrationState.FAILED
                    && clock.instant().isBefore(deadline)) {
                Thread.sleep(1000);
                r = osc.get(id);
                if (!engine.lagInjected()
                        && r.state() == MigrationState.COPYING_ROWS
                        && fake.phases().size() == 4
                        && topology.rows("commerce", "c0-") > 0
                        && r.shards().get(0).progress().percent() > 20) {
                    view.println("  -- injecting 12s of replica lag on shard 40-80 (threshold 10s) --");
                    engine.lagSpike("commerce", "40-80", Duration.ofSeconds(12), Duration.ofSeconds(4));
                }
                view.show(r);
            }
            view.last(r);
            view.println("migration " + id + " ended " + r.state() + " after "
                    + osc.audit(id).size()
                    + " audit entries; DDL applied on "
                    + topology.shards("commerce").stream()
                            .filter(s -> !topology.appliedDdl("commerce", s).isEmpty())
                            .count()
                    + "/4 shards");
            completed = r.state() == MigrationState.COMPLETED;
        }
        if (!completed) {
            System.exit(1);
        }
    }

    private static void deleteState(Path data) throws IOException {
        if (!Files.isDirectory(data)) {
            return;
        }
        try (Stream<Path> files = Files.list(data)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.startsWith("osc4j.") || name.equals("engine-journal.tsv")) {
                    Files.delete(file);
                }
            }
        }
    }
}
