package dev.osc4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.store.etcd.EtcdStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.servers.LocalEtcd;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The command line against a real etcd store (one node). */
class CliEtcdIT {
    @Test
    @DisplayName("list --output json and pause against etcd")
    void listAndPause() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.single();
                EtcdStateStore store = EtcdStateStore.builder()
                        .endpoints(etcd.endpoints())
                        .prefix("/cli-test/")
                        .build()) {
            SettableClock clock = SettableClock.startingAtEpoch2026();
            FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", 2, 100_000);
            MigrationOrchestrator osc = MigrationOrchestrator.builder()
                    .store(store)
                    .topology(topology)
                    .engine(FakeEngine.builder(topology).rowsPerSecond(100).build())
                    .clock(clock)
                    .build();
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("etcd-cli")
                    .keyspace("commerce")
                    .table("orders")
                    .ddl("ALTER TABLE orders ADD COLUMN note VARCHAR(64)")
                    .engine(FakeEngine.DEFAULT_NAME)
                    .requestedBy("test")
                    .build());
            Simulation.of(osc, clock).runUntil(id, MigrationState.COPYING_ROWS, Duration.ofMinutes(5));
            URI endpoint = etcd.endpoints().get(0);
            Cli cli = new Cli();
            cli.env.put("OSC4J_STORE", "etcd://" + endpoint.getHost() + ":" + endpoint.getPort());
            cli.env.put("OSC4J_ETCD_PREFIX", "/cli-test/");
            Cli.Run list = cli.run("list", "--output", "json");
            assertThat(list.code()).as(list.toString()).isZero();
            assertThat(new ObjectMapper().readTree(list.out()).findValuesAsText("state"))
                    .containsExactly("COPYING_ROWS");
            Cli.Run pause = cli.run("pause", id.value(), "--directive-id", "etcd-1");
            assertThat(pause.code()).as(pause.toString()).isZero();
            assertThat(store.read(id).orElseThrow().controls().paused()).isTrue();
            osc.close();
        }
    }
}
