package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardRecord;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apiguardian.api.API;

/** Ready-made {@link HealthSignal}s: replica lag from the topology probe, and a Micrometer meter against a limit. */
@API(status = EXPERIMENTAL, since = "0.3")
public final class HealthSignals {
    private HealthSignals() {}

    /**
     * Unhealthy when a replica of any of the migration's shards lags more than {@code limit}; unknown when a shard's
     * health or a replica's lag cannot be read. Reads {@code probe} (the controller's topology probe) once per shard.
     */
    public static HealthSignal replicaLag(String name, TopologyProbe probe, Duration limit) {
        return named(name, migration -> {
            Duration worst = Duration.ZERO;
            String where = "";
            for (ShardRecord s : migration.shards()) {
                ShardHealth h;
                try {
                    h = probe.health(migration.spec().keyspace(), s.shard());
                } catch (RuntimeException e) {
                    return HealthVerdict.unknown(
                            "shard " + s.shard() + ": " + e.getClass().getSimpleName());
                }
                String unknown = h.replicaWithUnknownLag();
                if (unknown != null) {
                    return HealthVerdict.unknown("shard " + s.shard() + ": lag of " + unknown + " unknown");
                }
                if (h.maxKnownLag().compareTo(worst) > 0) {
                    worst = h.maxKnownLag();
                    where = " on " + s.shard();
                }
            }
            String detail = "replica lag " + worst.toMillis() + " ms" + where + ", limit " + limit.toMillis() + " ms";
            return worst.compareTo(limit) > 0 ? HealthVerdict.unhealthy(detail) : HealthVerdict.healthy(detail);
        });
    }

    /**
     * Unhealthy when the Micrometer meter {@code meterName} in {@code registry} (the application's p99 latency gauge,
     * error counter rate, ...) measures more than {@code limit}, summing the meters of that name and the first
     * measurement of each (a gauge's value, a counter's count); unknown when there is no such meter.
     */
    public static HealthSignal meter(String name, MeterRegistry registry, String meterName, double limit) {
        return named(name, migration -> {
            List<Meter> meters = new ArrayList<>(registry.find(meterName).meters());
            if (meters.isEmpty()) {
                return HealthVerdict.unknown("no meter " + meterName);
            }
            double value = 0;
            for (Meter m : meters) {
                for (Measurement measurement : m.measure()) {
                    value += measurement.getValue();
                    break;
                }
            }
            if (Double.isNaN(value)) {
                return HealthVerdict.unknown(meterName + " has no value");
            }
            String detail = meterName + " " + value + ", limit " + limit;
            return value > limit ? HealthVerdict.unhealthy(detail) : HealthVerdict.healthy(detail);
        });
    }

    /** A signal of this name whose check is {@code check}. */
    private static HealthSignal named(String name, java.util.function.Function<MigrationRecord, HealthVerdict> check) {
        return new HealthSignal() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthVerdict check(MigrationRecord migration) {
                return check.apply(migration);
            }
        };
    }
}
