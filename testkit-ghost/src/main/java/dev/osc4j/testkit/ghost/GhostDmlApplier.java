package dev.osc4j.testkit.ghost;

import static dev.osc4j.testkit.ghost.FakeGhostRun.sleep;

import dev.osc4j.testkit.ghost.FakeGhostRun.Fatal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The forward run's binlog streamer and DML applier: what makes changes to the original table during and after the copy
 * reach the ghost table, asynchronously, as in gh-ost. {@code addDMLEventsListener} in {@code go/logic/migrator.go}
 * queues each row event on the original table that the streamer ({@code go/logic/streamer.go},
 * {@code go/binlog/gomysql_reader.go}) reads into {@code applyEventsQueue} (capacity {@code MaxEventsBatchSize}, 1000,
 * in {@code go/base/context.go}; a full queue blocks the streamer); {@code executeWriteFuncs} takes events before row
 * copy chunks, waits while throttled, and {@code onApplyEventStruct} applies up to {@code dml-batch-size} of them in one
 * transaction ({@code ApplyDMLEventQueries} in {@code go/logic/applier.go}), then adds them to
 * {@code TotalDMLEventsApplied}. The status line shows the three: {@code Applied: <applied>; Backlog:
 * <queued>/1000; ... streamer: <file:pos read>}.
 *
 * <p>The fake's streamer is {@link GhostBinlogReplay#readBatch} every 50 ms from where the listener was added (gh-ost's
 * streamer starts earlier, but drops row events while no listener is registered, which comes to the same); the
 * streamer's coordinates move once the batch is queued (gh-ost moves them per event, just before queueing it). The
 * applier runs on its own thread rather than interleaved with the copy, and holds each event at least
 * {@link FakeGhostBehavior#applyDelay()} after it was read, to make gh-ost's lag behind the original table visible.
 */
final class GhostDmlApplier {
    /** {@code base.MaxEventsBatchSize}: the capacity of gh-ost's {@code applyEventsQueue}. */
    static final int QUEUE_CAPACITY = 1000;

    private static final Duration READ_INTERVAL = Duration.ofMillis(50);

    private final FakeGhostRun run;
    private final GhostBinlogReplay log;
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private long applied;
    private boolean inFlight;

    private record Queued(GhostBinlogReplay.Change change, long readNanos) {}

    GhostDmlApplier(FakeGhostRun run, GhostBinlogReplay log) {
        this.run = run;
        this.log = log;
    }

    /** Starts the streamer and the applier threads; the applier writes over {@code connection}, which it owns. */
    void start(Connection connection) {
        run.streamer = log.coordinates();
        run.background("streamer", this::stream);
        run.background("applier", () -> applyLoop(connection));
    }

    /** {@code TotalDMLEventsApplied}. */
    synchronized long applied() {
        return applied;
    }

    /** {@code len(applyEventsQueue)}: events read and not yet taken by the applier. */
    synchronized int backlog() {
        return queue.size();
    }

    /**
     * Waits until every event up to {@code file:position} has been read and applied ({@code waitForEventsUpToLock} in
     * {@code go/logic/migrator.go}, which writes a changelog marker and waits for the applier to reach it).
     */
    void awaitUpTo(String file, long position) throws Fatal {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            synchronized (this) {
                if (log.reached(file, position) && queue.isEmpty() && !inFlight) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new Fatal("fake gh-ost: events up to " + file + ":" + position + " not applied within 60 s");
            }
            sleep(Duration.ofMillis(10));
        }
    }

    private void stream() {
        while (!run.finished) {
            try {
                GhostBinlogReplay.Batch batch = log.readBatch();
                for (GhostBinlogReplay.Change change : batch.changes()) {
                    enqueue(new Queued(change, System.nanoTime()));
                }
                log.advance(batch);
                run.streamer = log.coordinates();
            } catch (Fatal e) {
                if (!run.finished) {
                    run.panic(String.valueOf(e.getMessage()));
                }
                return;
            }
            sleep(READ_INTERVAL);
        }
    }

    private void enqueue(Queued q) {
        while (!run.finished) {
            synchronized (this) {
                if (queue.size() < QUEUE_CAPACITY) {
                    queue.addLast(q);
                    return;
                }
            }
            sleep(Duration.ofMillis(10)); // a full applyEventsQueue blocks the streamer
        }
    }

    private void applyLoop(Connection connection) {
        try (connection) {
            while (!run.finished) {
                if (run.throttleReason != null) { // executeWriteFuncs: throttler.throttle(nil) before each event
                    sleep(Duration.ofMillis(50));
                    continue;
                }
                List<GhostBinlogReplay.Change> batch = take();
                if (batch.isEmpty()) {
                    sleep(Duration.ofMillis(10));
                    continue;
                }
                try {
                    log.apply(connection, batch);
                } catch (SQLException e) {
                    if (!run.finished) {
                        run.panic(GoMySql.goError(e, run.applierKey));
                    }
                    return;
                }
                synchronized (this) {
                    applied += batch.size();
                    inFlight = false;
                }
            }
        } catch (SQLException e) {
            // closing the connection at the end
        }
    }

    /** Up to {@code dml-batch-size} events whose delay has passed, marked in flight; empty when none is due. */
    private synchronized List<GhostBinlogReplay.Change> take() {
        List<GhostBinlogReplay.Change> out = new ArrayList<>();
        long due = System.nanoTime() - run.behavior.applyDelay().toNanos();
        while (out.size() < run.dmlBatchSize) {
            Queued head = queue.peekFirst();
            if (head == null || head.readNanos() > due) {
                break;
            }
            out.add(queue.removeFirst().change());
        }
        inFlight = !out.isEmpty();
        return out;
    }
}
