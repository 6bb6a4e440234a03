package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.spi.TopologyProbe;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeTopology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The binlog-alignment gate's target is fixed when the engine is first seen ready: a replica that trails a busy primary
 * by a constant few transactions (its lag reads 0 s, its position is always a little behind the primary's position
 * of the moment) no longer holds the cut-over forever.
 */
class CatchupTargetTest {

    /** The fake topology, with every replica a constant {@code behind} transactions behind the primary. */
    private static TopologyProbe trailing(AtomicReference<FakeTopology> fake, long behind) {
        return new TopologyProbe() {
            @Override
            public KeyspaceTopology describe(String keyspace) {
                return fake.get().describe(keyspace);
            }

            @Override
            public ShardHealth health(String keyspace, String shard) {
                ShardHealth h = fake.get().health(keyspace, shard);
                ReplicationPosition primary = h.primaryPosition();
                String value = primary == null ? "" : primary.value();
                int dash = value.lastIndexOf('-');
                String trailing = value.substring(0, dash + 1) + (Long.parseLong(value.substring(dash + 1)) - behind);
                List<ReplicaHealth> replicas = new ArrayList<>();
                for (ReplicaHealth r : h.replicas()) {
                    replicas.add(new ReplicaHealth(r.replica(), Duration.ZERO, ReplicationPosition.of(trailing)));
                }
                return new ShardHealth(
                        h.keyspace(), h.shard(), h.primary(), h.topologyVersion(), primary, replicas, h.readAt());
            }

            @Override
            public long estimateRows(String keyspace, String shard, String table) {
                return fake.get().estimateRows(keyspace, shard, table);
            }
        };
    }

    @Test
    @DisplayName("a replica trailing a busy primary by a constant 3 transactions is caught up within a pass or two")
    void constantTrailDoesNotHoldTheCutover() {
        AtomicReference<FakeTopology> fake = new AtomicReference<>();
        World trailingWorld = new World(b -> b.topology(trailing(fake, 3)));
        fake.set(trailingWorld.topology);
        MigrationId id = trailingWorld.submit("trailing", null);
        MigrationRecord done = trailingWorld.runUntil(id, MigrationState.COMPLETED);
        assertThat(done.state()).isEqualTo(MigrationState.COMPLETED);
        List<AuditEntry> trail = trailingWorld.osc.audit(id);
        AuditTrails.assertSound(trail);
        for (String shard : List.of("-40", "40-80", "80-c0", "c0-")) {
            Instant catchingUp = at(trail, shard, MigrationState.WAITING_FOR_CATCHUP);
            Instant pending = at(trail, shard, MigrationState.CUTOVER_PENDING);
            assertThat(Duration.between(catchingUp, pending))
                    .as("shard %s waited for catch-up", shard)
                    .isLessThanOrEqualTo(Duration.ofSeconds(10));
        }
    }

    private static Instant at(List<AuditEntry> trail, String shard, MigrationState to) {
        return trail.stream()
                .filter(e -> e.kind() == AuditEntry.Kind.TRANSITION && shard.equals(e.shard()) && e.to() == to)
                .map(AuditEntry::at)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no transition of " + shard + " to " + to));
    }
}
