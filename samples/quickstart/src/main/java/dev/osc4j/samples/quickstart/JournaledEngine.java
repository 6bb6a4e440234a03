package dev.osc4j.samples.quickstart;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.ForwardingExecutionEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The quickstart's engine: the testkit's {@link FakeEngine}, made to outlive the quickstart process the way a real
 * engine run (a gh-ost process, a Vitess migration) outlives the controller that started it.
 *
 * <p>The fake engine keeps its runs in memory, so a restarted quickstart would find none and the migration could not
 * continue. Instead of a second, in-memory-only model of engine progress, every command the engine accepts (and the
 * fault the quickstart injects into the topology) is appended to a small journal file, with the time it happened, in
 * the same call and before it returns. A restarted quickstart replays the journal on a fresh fake engine with the clock
 * pinned to each command's time; the fake engine's progress is a pure function of its commands and the clock, so the
 * runs come back exactly as they were, and keep going through the time the process was down, as real runs would. A
 * command lost because the process died before journaling it was never seen by anyone: the orchestrator recorded the
 * intent first and simply issues it again with the same engine key.
 *
 * <p>Journal lines: {@code <epoch-second>.<nanos> TAB <command> TAB <migration> TAB <attempt> TAB <shard> TAB <arg>}.
 */
final class JournaledEngine extends ForwardingExecutionEngine {
    private final FakeEngine engine;
    private final FakeTopology topology;
    private final ReplayClock clock;
    private final @Nullable Path journal;
    private final Map<EngineKey, EngineHandle> handles = new HashMap<>();
    private boolean lagInjected;

    private JournaledEngine(FakeEngine engine, FakeTopology topology, ReplayClock clock, @Nullable Path journal) {
        super(engine);
        this.engine = engine;
        this.topology = topology;
        this.clock = clock;
        this.journal = journal;
    }

    /**
     * Opens the journal, replaying what it holds onto {@code engine} (records the runs were started for are read from
     * {@code store}).
     */
    static JournaledEngine open(
            FakeEngine engine, FakeTopology topology, ReplayClock clock, Path journal, StateStore store) {
        JournaledEngine journaled = new JournaledEngine(engine, topology, clock, journal);
        if (Files.exists(journal)) {
            journaled.replay(journal, store);
        }
        return journaled;
    }

    /** The engine without a journal, for a quickstart whose store does not outlive it either. */
    static JournaledEngine inMemory(FakeEngine engine, FakeTopology topology, ReplayClock clock) {
        return new JournaledEngine(engine, topology, clock, null);
    }

    private void replay(Path journal, StateStore store) {
        String content;
        try {
            content = Files.readString(journal, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the engine journal " + journal, e);
        }
        // Only whole lines count: a last line without its newline was cut short by a kill mid-write.
        int end = content.lastIndexOf('\n');
        List<String> lines =
                end < 0 ? List.of() : List.of(content.substring(0, end).split("\n"));
        try {
            for (String line : lines) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                if (f.length != 6) {
                    throw new IllegalStateException("malformed line in the engine journal " + journal + ": " + line);
                }
                String[] time = f[0].split("\\.");
                clock.pin(Instant.ofEpochSecond(Long.parseLong(time[0]), Long.parseLong(time[1])));
                if (f[1].equals("LAG")) {
                    String[] lag = f[5].split("/");
                    topology.lagSpike(
                            f[2],
                            f[4],
                            Duration.ofSeconds(Long.parseLong(lag[0])),
                            Duration.ofSeconds(Long.parseLong(lag[1])));
                    lagInjected = true;
                    continue;
                }
                EngineKey key = new EngineKey(MigrationId.of(f[2]), Integer.parseInt(f[3]), f[4]);
                switch (f[1]) {
                    case "START" -> {
                        Target t = target(store, key);
                        handles.put(key, engine.start(t.shard(), t.spec(), key));
                    }
                    case "RELEASE" -> engine.releaseCutover(handle(key));
                    case "THROTTLE" -> engine.throttle(handle(key), Double.parseDouble(f[5]));
                    case "CANCEL" -> engine.cancel(handle(key));
                    case "CLEANUP" -> {
                        Target t = target(store, key);
                        engine.cleanup(t.shard(), t.spec(), key);
                    }
                    default -> throw new IllegalStateException("unknown command in " + journal + ": " + line);
                }
            }
        } finally {
            clock.unpin();
        }
        // Bring every run up to now, through the time the process was down, as a real engine's runs would have gone.
        handles.values().forEach(engine::observe);
    }

    private record Target(ShardTarget shard, MigrationSpec spec) {}

    private static Target target(StateStore store, EngineKey key) {
        MigrationRecord record = store.read(key.migrationId())
                .orElseThrow(() -> new IllegalStateException(
                        "the engine journal names migration " + key.migrationId() + ", which the store does not have;"
                                + " delete the quickstart's data directory to start over"));
        ShardRecord shard = record.shard(key.shard())
                .orElseThrow(() ->
                        new IllegalStateException("migration " + key.migrationId() + " has no shard " + key.shard()));
        return new Target(shard.target(), record.spec());
    }

    private EngineHandle handle(EngineKey key) {
        EngineHandle handle = handles.get(key);
        if (handle == null) {
            throw new IllegalStateException(
                    "the engine journal " + journal + " uses run " + key.value() + " before starting it");
        }
        return handle;
    }

    /** Injects a replica lag spike into the topology, journaled so a restarted quickstart sees the same world. */
    synchronized void lagSpike(String keyspace, String shard, Duration lag, Duration duration) {
        topology.lagSpike(keyspace, shard, lag, duration);
        lagInjected = true;
        append("LAG", keyspace, "0", shard, lag.toSeconds() + "/" + duration.toSeconds());
    }

    /** Whether the lag spike was injected, in this process or an earlier one. */
    synchronized boolean lagInjected() {
        return lagInjected;
    }

    @Override
    public synchronized EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key) {
        EngineHandle handle = super.start(target, spec, key);
        if (!handles.containsKey(key)) {
            handles.put(key, handle);
            append("START", key, "");
        }
        return handle;
    }

    @Override
    public synchronized void releaseCutover(EngineHandle handle) {
        super.releaseCutover(handle);
        append("RELEASE", handle.key(), "");
    }

    @Override
    public synchronized void throttle(EngineHandle handle, double ratio) {
        super.throttle(handle, ratio);
        append("THROTTLE", handle.key(), Double.toString(ratio));
    }

    @Override
    public synchronized void cancel(EngineHandle handle) {
        super.cancel(handle);
        append("CANCEL", handle.key(), "");
    }

    @Override
    public synchronized CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key) {
        CleanupReport report = super.cleanup(target, spec, key);
        append("CLEANUP", key, "");
        return report;
    }

    private void append(String command, EngineKey key, String arg) {
        append(command, key.migrationId().value(), Integer.toString(key.attempt()), key.shard(), arg);
    }

    private void append(String command, String migration, String attempt, String shard, String arg) {
        Path journal = this.journal;
        if (journal == null) {
            return;
        }
        Instant at = clock.instant();
        String line = at.getEpochSecond() + "." + at.getNano() + "\t" + command + "\t" + migration + "\t" + attempt
                + "\t" + shard + "\t" + arg + "\n";
        try {
            // One write per line: a killed process leaves whole lines, or a last one cut short that replay skips.
            Files.writeString(
                    journal, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the engine journal " + journal, e);
        }
    }
}
