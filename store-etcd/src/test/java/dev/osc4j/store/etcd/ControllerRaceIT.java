package dev.osc4j.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.servers.LocalEtcd;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Controllers race for 50 migrations on a real etcd for ten seconds, while one of them shuts down cleanly and another
 * loses its store abruptly, each replaced by a new controller. Each controller has its own store and jetcd client, as
 * separate processes would.
 */
class ControllerRaceIT {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerRaceIT.class);
    private static final int MIGRATIONS = 50;
    private static final String PREFIX = "/osc4j-race/";

    @Test
    @DisplayName(
            "racing controllers: every migration has one owner at a time, every write is its owner's, all complete")
    void controllersRace() throws Exception {
        FakeTopology topology = new FakeTopology(Clock.systemUTC()).addUniformKeyspace("commerce", 2, 20_000);
        FakeEngine engine = FakeEngine.builder(topology)
                .startupTime(Duration.ofMillis(300))
                .catchupTime(Duration.ofMillis(500))
                .cutoverTime(Duration.ofMillis(300))
                .build();
        List<AutoCloseable> open = new ArrayList<>();
        Set<String> controllerIds = new HashSet<>();
        try (LocalEtcd etcd = LocalEtcd.single();
                Client raw = Client.builder()
                        .endpoints(etcd.endpoints().toArray(URI[]::new))
                        .build()) {
            EtcdStateStore operatorStore = store(etcd, open);
            MigrationOrchestrator[] controllers = new MigrationOrchestrator[4];
            EtcdStateStore[] stores = new EtcdStateStore[4];
            for (int i = 0; i < 2; i++) {
                stores[i] = store(etcd, open);
                controllers[i] = Controllers.controller("c" + i, stores[i], topology, engine);
                open.add(controllers[i]);
                controllerIds.add(controllers[i].controllerId());
            }
            List<MigrationId> ids = new ArrayList<>();
            for (int i = 0; i < MIGRATIONS; i++) {
                // 4 to 10 seconds of copying per shard: migrations outlive the controllers that start them.
                long rate = 2_000 + 500L * (i % 7);
                ids.add(controllers[i % 2].submit(Controllers.request("race-" + i, "commerce", "t" + i, rate)));
            }
            long start = System.nanoTime();
            controllers[0].start();
            controllers[1].start();

            sleepUntil(start, Duration.ofMillis(3_500));
            LOG.info("controller {} shuts down cleanly", controllers[0].controllerId());
            controllers[0].close();
            stores[0].close();
            stores[2] = store(etcd, open);
            controllers[2] = Controllers.controller("c2", stores[2], topology, engine);
            open.add(controllers[2]);
            controllerIds.add(controllers[2].controllerId());
            controllers[2].start();

            sleepUntil(start, Duration.ofSeconds(7));
            LOG.info("controller {} loses its store abruptly", controllers[1].controllerId());
            stores[1].close();
            stores[3] = store(etcd, open);
            controllers[3] = Controllers.controller("c3", stores[3], topology, engine);
            open.add(controllers[3]);
            controllerIds.add(controllers[3].controllerId());
            controllers[3].start();
            controllers[1].close();

            sleepUntil(start, Duration.ofSeconds(10));
            for (MigrationId id : ids) {
                Controllers.awaitRecord(operatorStore, id, Controllers::completed, Duration.ofSeconds(90), "COMPLETED");
            }
            LOG.info(
                    "all {} migrations completed {} ms after the start",
                    MIGRATIONS,
                    (System.nanoTime() - start) / 1_000_000);

            OwnerHistory history = OwnerHistory.read(raw, PREFIX);
            int takeovers = 0;
            Set<String> writers = new HashSet<>();
            for (MigrationId id : ids) {
                MigrationRecord r = operatorStore.read(id).orElseThrow();
                assertThat(r.state()).isEqualTo(MigrationState.COMPLETED);
                List<AuditEntry> trail = operatorStore.audit(id, 0, 10_000);
                AuditTrails.assertSound(trail);
                takeovers += history.checkTrail(raw, PREFIX, id, controllerIds);
                trail.stream()
                        .map(AuditEntry::actor)
                        .filter(controllerIds::contains)
                        .forEach(writers::add);
            }
            LOG.info("{} owner changes along the trails; writers {}", takeovers, writers);
            assertThat(takeovers).as("ownership changed hands during the race").isPositive();
            assertThat(writers).as("more than one controller drove migrations").hasSizeGreaterThan(1);
            assertThat(engine.runsStarted()).as("one engine run per shard").isEqualTo(2 * MIGRATIONS);
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try {
                    open.get(i).close();
                } catch (Exception e) {
                    LOG.debug("closing {} failed", open.get(i), e);
                }
            }
        }
    }

    private static EtcdStateStore store(LocalEtcd etcd, List<AutoCloseable> open) {
        EtcdStateStore s = EtcdStateStore.builder()
                .endpoints(etcd.endpoints())
                .prefix(PREFIX)
                .build();
        open.add(s);
        return s;
    }

    private static void sleepUntil(long start, Duration offset) throws InterruptedException {
        long wait = start + offset.toNanos() - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000);
        }
    }
}
