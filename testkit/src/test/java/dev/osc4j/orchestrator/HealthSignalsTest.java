package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.HealthSignals;
import dev.osc4j.spi.HealthVerdict;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.SettableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The ready-made health signals")
class HealthSignalsTest {
    private static final String KS = "commerce";

    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace(KS, 2, 1_000);
    private final MigrationOrchestrator osc = MigrationOrchestrator.builder()
            .store(new InMemoryStateStore(clock))
            .topology(topology)
            .engine(FakeEngine.on(topology))
            .clock(clock)
            .build();

    private MigrationRecord migration() {
        MigrationId id = osc.submit(MigrationRequest.builder()
                .idempotencyKey("signals")
                .keyspace(KS)
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("carol")
                .policy(MigrationPolicy.builder().revertWindow(Duration.ZERO).build())
                .build());
        return osc.get(id);
    }

    @Test
    @DisplayName(
            "replica lag: healthy under the limit, unhealthy over it naming the shard, unknown when it cannot tell")
    void replicaLag() {
        MigrationRecord rec = migration();
        HealthSignal lag = HealthSignals.replicaLag("lag", topology, Duration.ofSeconds(2));
        assertThat(lag.check(rec).status()).isEqualTo(HealthVerdict.Status.HEALTHY);
        String shard = topology.shards(KS).get(1);
        topology.lagSpike(KS, shard, Duration.ofSeconds(5), Duration.ofMinutes(1));
        HealthVerdict over = lag.check(rec);
        assertThat(over.status()).isEqualTo(HealthVerdict.Status.UNHEALTHY);
        assertThat(over.detail()).isEqualTo("replica lag 5000 ms on " + shard + ", limit 2000 ms");
        topology.stopReplication(KS, shard, true);
        assertThat(lag.check(rec).status()).isEqualTo(HealthVerdict.Status.UNKNOWN);
    }

    @Test
    @DisplayName("a Micrometer meter against a limit; no such meter, or one without a value, is unknown")
    void meter() {
        MigrationRecord rec = migration();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HealthSignal p99 = HealthSignals.meter("p99", registry, "orders.p99.ms", 250);
        assertThat(p99.check(rec).status()).isEqualTo(HealthVerdict.Status.UNKNOWN);
        AtomicReference<Double> value = new AtomicReference<>(120.0);
        registry.gauge("orders.p99.ms", value, AtomicReference::get);
        assertThat(p99.check(rec)).isEqualTo(HealthVerdict.healthy("orders.p99.ms 120.0, limit 250.0"));
        value.set(410.0);
        assertThat(p99.check(rec).status()).isEqualTo(HealthVerdict.Status.UNHEALTHY);
        value.set(Double.NaN);
        assertThat(p99.check(rec).status()).isEqualTo(HealthVerdict.Status.UNKNOWN);
    }
}
