package dev.osc4j.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import dev.osc4j.KeyspaceProgress;
import dev.osc4j.MigrationId;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardSnapshot;
import dev.osc4j.TransitionEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.apiguardian.api.API;

/** Publishes progress as Micrometer gauges and transitions as a counter. */
@API(status = INTERNAL, since = "0.1")
public final class MicrometerProgressSink implements ProgressSink {
    private final MeterRegistry registry;
    private final Map<MigrationId, Map<String, Values>> byMigration = new ConcurrentHashMap<>();

    /** Publishes to {@code registry}. */
    public MicrometerProgressSink(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The current values of one shard or aggregate; gauges read them. */
    private static final class Values {
        volatile double percent;
        volatile double etaSeconds = -1;
        volatile double rowsCopied;
        volatile double throttled;
        volatile double stalled;
        volatile double state;
        final List<Meter> meters = new ArrayList<>();
    }

    @Override
    public void onProgress(ProgressSnapshot s) {
        Map<String, Values> shards = byMigration.computeIfAbsent(s.migrationId(), k -> new ConcurrentHashMap<>());
        if (s.state().isTerminal()) {
            for (Values v : shards.values()) {
                v.meters.forEach(registry::remove);
            }
            byMigration.remove(s.migrationId());
            return;
        }
        for (ShardSnapshot shard : s.shards()) {
            Values v = shards.computeIfAbsent(shard.shard(), k -> register(s, k));
            ShardProgress p = shard.progress();
            v.percent = p.percent();
            v.etaSeconds = seconds(p.eta());
            v.rowsCopied = p.rowsCopied();
            v.throttled = p.throttled() ? 1 : 0;
            v.stalled = p.stalled() ? 1 : 0;
            v.state = shard.state().pathIndex();
        }
        Values all = shards.computeIfAbsent(MetricNames.ALL_SHARDS, k -> register(s, k));
        KeyspaceProgress a = s.aggregate();
        all.percent = a.percent();
        all.etaSeconds = seconds(a.eta());
        all.rowsCopied = a.rowsCopied();
        all.throttled = a.throttledShards();
        all.stalled = a.stalledShards();
        all.state = s.state().pathIndex();
    }

    private static double seconds(java.time.@org.jspecify.annotations.Nullable Duration d) {
        return d == null ? -1 : d.toMillis() / 1000.0;
    }

    private Values register(ProgressSnapshot s, String shard) {
        Values v = new Values();
        Tags tags = Tags.of(
                "migration", s.migrationId().value(), "keyspace", s.keyspace(), "table", s.table(), "shard", shard);
        gauge(v, MetricNames.PROGRESS_PERCENT, tags, x -> x.percent);
        gauge(v, MetricNames.ETA_SECONDS, tags, x -> x.etaSeconds);
        gauge(v, MetricNames.ROWS_COPIED, tags, x -> x.rowsCopied);
        gauge(v, MetricNames.THROTTLED, tags, x -> x.throttled);
        gauge(v, MetricNames.STALLED, tags, x -> x.stalled);
        gauge(v, MetricNames.STATE, tags, x -> x.state);
        return v;
    }

    private void gauge(Values v, String name, Tags tags, ToDoubleFunction<Values> f) {
        v.meters.add(Gauge.builder(name, v, f).tags(tags).strongReference(true).register(registry));
    }

    @Override
    public void onTransition(TransitionEvent e) {
        Counter.builder(MetricNames.TRANSITIONS)
                .tags(
                        "from", e.from().name(),
                        "to", e.to().name(),
                        "trigger", e.trigger().name().toLowerCase(Locale.ROOT),
                        "level", e.shard() == null ? "migration" : "shard")
                .register(registry)
                .increment();
    }
}
