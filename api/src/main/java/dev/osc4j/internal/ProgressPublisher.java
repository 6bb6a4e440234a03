package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.KeyspaceProgress;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardSnapshot;
import dev.osc4j.TransitionEvent;
import dev.osc4j.internal.Decider.LiveShard;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the sinks each migration's live progress (every pass, written to the store or not) and each transition once it
 * is written. A sink that throws is logged and skipped: it never stops the loop.
 */
final class ProgressPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressPublisher.class);

    private final List<ProgressSink> sinks;
    private final Clock clock;

    ProgressPublisher(List<ProgressSink> sinks, Clock clock) {
        this.sinks = sinks;
        this.clock = clock;
    }

    /** Publishes the transitions among {@code audit}, which has just been written. */
    void transitions(List<AuditEntry> audit) {
        if (sinks.isEmpty()) {
            return;
        }
        for (AuditEntry e : audit) {
            MigrationState from = e.from();
            MigrationState to = e.to();
            if (e.kind() == AuditEntry.Kind.TRANSITION && from != null && to != null && e.trigger() != null) {
                TransitionEvent event = new TransitionEvent(
                        e.migrationId(), e.shard(), from, to, Objects.requireNonNull(e.trigger()), e.detail(), e.at());
                for (ProgressSink sink : sinks) {
                    try {
                        sink.onTransition(event);
                    } catch (RuntimeException ex) {
                        LOG.warn("progress sink {} failed on a transition", sink, ex);
                    }
                }
            }
        }
    }

    /** Publishes the record's progress, with the controller's live figures where it has them. */
    void progress(MigrationRecord rec, Map<String, ShardProgress> liveProgress) {
        if (sinks.isEmpty()) {
            return;
        }
        Map<String, LiveShard> live = new HashMap<>();
        for (ShardRecord s : rec.shards()) {
            live.put(s.shard(), new LiveShard(liveProgress.getOrDefault(s.shard(), s.progress()), s.waitReason()));
        }
        progressOf(rec, live);
    }

    /** Publishes the record's progress with the live figures and wait reasons of a decision. */
    void progressOf(MigrationRecord rec, Map<String, LiveShard> live) {
        if (sinks.isEmpty()) {
            return;
        }
        List<ShardSnapshot> shards = new ArrayList<>(rec.shards().size());
        MigrationState[] states = new MigrationState[rec.shards().size()];
        ShardProgress[] progress = new ShardProgress[states.length];
        int i = 0;
        for (ShardRecord s : rec.shards()) {
            LiveShard l = live.get(s.shard());
            ShardProgress p = l == null ? s.progress() : l.progress();
            shards.add(new ShardSnapshot(s.shard(), s.state(), p, l == null ? s.waitReason() : l.waitReason()));
            states[i] = s.state();
            progress[i++] = p;
        }
        KeyspaceProgress aggregate = ProgressMath.aggregate(states, progress);
        ProgressSnapshot snapshot = new ProgressSnapshot(
                rec.id(),
                rec.spec().keyspace(),
                rec.spec().table(),
                rec.state(),
                rec.attempt(),
                rec.controls().paused(),
                shards,
                aggregate,
                clock.instant());
        for (ProgressSink sink : sinks) {
            try {
                sink.onProgress(snapshot);
            } catch (RuntimeException ex) {
                LOG.warn("progress sink {} failed", sink, ex);
            }
        }
    }
}
