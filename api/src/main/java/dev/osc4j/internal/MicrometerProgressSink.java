package dev.osc4j.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import dev.osc4j.KeyspaceProgress;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationState;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Publishes progress as Micrometer gauges and transitions as a counter; the names, units and tags are in
 * {@link MetricNames}. Values a shard does not know yet (ETA, estimate, lag) are NaN, which Prometheus and Grafana
 * show as "no value" rather than as a misleading number.
 */
@API(status = INTERNAL, since = "0.1")
public final class MicrometerProgressSink implements ProgressSink {
    private final MeterRegistry registry;
    private final Map<MigrationId, Map<String, Values>> byMigration = new ConcurrentHashMap<>();
    private final Map<MigrationId, MigrationState> states = new ConcurrentHashMap<>();

    /** Publishes to {@code registry}. */
    public MicrometerProgressSink(MeterRegistry registry) {
        this.registry = registry;
        for (MigrationState state : MigrationState.values()) {
            if (!state.isTerminal()) {
                Gauge.builder(MetricNames.ACTIVE, states, m -> count(m, state))
                        .description("migrations this controller drives, by state")
                        .tag("state", state.name())
                        .strongReference(true)
                        .register(registry);
            }
        }
    }

    private static double count(Map<MigrationId, MigrationState> states, MigrationState state) {
        return states.values().stream().filter(state::equals).count();
    }

    /** The current values of one shard or of the migration as a whole; gauges read them. */
    private static final class Values {
        volatile double progress;
        volatile double etaSeconds = Double.NaN;
        volatile double copied;
        volatile double estimated = Double.NaN;
        volatile double lagSeconds = Double.NaN;
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
            states.remove(s.migrationId());
            return;
        }
        states.put(s.migrationId(), s.state());
        double maxLag = Double.NaN;
        for (ShardSnapshot shard : s.shards()) {
            Values v = shards.computeIfAbsent(shard.shard(), k -> register(s, k));
            ShardProgress p = shard.progress();
            v.progress = p.percent() / 100.0;
            v.etaSeconds = seconds(p.eta());
            v.copied = p.rowsCopied();
            v.estimated = p.rowsTotal() < 0 ? Double.NaN : p.rowsTotal();
            v.lagSeconds = seconds(p.replicaLag());
            v.throttled = p.throttled() ? 1 : 0;
            v.stalled = p.stalled() ? 1 : 0;
            v.state = shard.state().pathIndex();
            if (!Double.isNaN(v.lagSeconds) && !(v.lagSeconds <= maxLag)) {
                maxLag = v.lagSeconds;
            }
        }
        Values all = shards.computeIfAbsent(MetricNames.ALL_SHARDS, k -> register(s, k));
        KeyspaceProgress a = s.aggregate();
        all.progress = a.percent() / 100.0;
        all.etaSeconds = seconds(a.eta());
        all.copied = a.rowsCopied();
        all.estimated = a.rowsTotal() < 0 ? Double.NaN : a.rowsTotal();
        all.lagSeconds = maxLag;
        all.throttled = a.throttledShards();
        all.stalled = a.stalledShards();
        all.state = s.state().pathIndex();
    }

    private static double seconds(@Nullable Duration d) {
        return d == null ? Double.NaN : d.toMillis() / 1000.0;
    }

    private Values register(ProgressSnapshot s, String shard) {
        Values v = new Values();
        Tags tags = Tags.of(
                "migration", s.migrationId().value(), "keyspace", s.keyspace(), "table", s.table(), "shard", shard);
        gauge(v, MetricNames.PROGRESS, MetricNames.RATIO, tags, x -> x.progress);
        gauge(v, MetricNames.ETA, MetricNames.SECONDS, tags, x -> x.etaSeconds);
        gauge(v, MetricNames.COPIED, MetricNames.ROWS, tags, x -> x.copied);
        gauge(v, MetricNames.ESTIMATED, MetricNames.ROWS, tags, x -> x.estimated);
        gauge(v, MetricNames.REPLICA_LAG, MetricNames.SECONDS, tags, x -> x.lagSeconds);
        gauge(v, MetricNames.THROTTLED, null, tags, x -> x.throttled);
        gauge(v, MetricNames.STALLED, null, tags, x -> x.stalled);
        gauge(v, MetricNames.STATE, null, tags, x -> x.state);
        return v;
    }

    private void gauge(Values v, String name, @Nullable String baseUnit, Tags tags, ToDoubleFunction<Values> f) {
        v.meters.add(Gauge.builder(name, v, f)
                .baseUnit(baseUnit)
                .tags(tags)
                .strongReference(true)
                .register(registry));
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
