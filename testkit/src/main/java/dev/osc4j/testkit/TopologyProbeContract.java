package dev.osc4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.osc4j.InvalidRequestException;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.spi.TopologyProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link TopologyProbe} must show, as a JUnit 5 suite: what the gates rely on. A probe module's
 * test extends it and supplies the probe, a keyspace with a shard that has at least one replica, the probe's clock, a
 * way to let time pass and a way to stop and start that replica's replication:
 *
 * <pre>{@code
 * class MyProbeContractIT extends TopologyProbeContract {
 *     protected TopologyProbe createProbe() { return MyProbe.builder()...build(); }
 *     protected String keyspace() { return "commerce"; }
 *     protected String shard() { return "s1"; }
 *     protected Instant now() { return Instant.now(); }
 *     protected void letTimePass() throws InterruptedException { Thread.sleep(200); }
 *     protected void replicationRunning(boolean running) throws Exception { ... STOP / START REPLICA ... }
 * }
 * }</pre>
 */
public abstract class TopologyProbeContract {
    private TopologyProbe probe;

    /** A new probe; called before each test. */
    protected abstract TopologyProbe createProbe() throws Exception;

    /** A keyspace the probe knows. */
    protected abstract String keyspace();

    /** A shard of {@link #keyspace()} with at least one replica, replicating when each test starts. */
    protected abstract String shard();

    /** The time on the clock the probe stamps its reads with. */
    protected abstract Instant now();

    /** Lets a little time pass (sleep, or advance a settable clock). */
    protected abstract void letTimePass() throws Exception;

    /** Stops or starts replication on the shard's replicas. */
    protected abstract void replicationRunning(boolean running) throws Exception;

    /** Whether the probe reports binlog positions (Vitess's VTGate does not expose them). */
    protected boolean reportsPositions() {
        return true;
    }

    /** How many times a test lets time pass while it waits for the probe to see a change, before it fails. */
    protected int maxWaits() {
        return 300;
    }

    /** The probe under test. */
    protected final TopologyProbe probe() {
        return probe;
    }

    @BeforeEach
    final void setUpProbe() throws Exception {
        probe = createProbe();
    }

    @AfterEach
    final void closeProbe() throws Exception {
        replicationRunning(true);
        if (probe instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /** Reads the shard's health until {@code condition} holds; fails with the last read otherwise. */
    protected final ShardHealth awaitHealth(String what, Predicate<ShardHealth> condition) throws Exception {
        ShardHealth last = probe.health(keyspace(), shard());
        for (int i = 0; !condition.test(last); i++) {
            if (i >= maxWaits()) {
                return fail("the probe did not report " + what + " after " + maxWaits() + " waits; last: " + last);
            }
            letTimePass();
            last = probe.health(keyspace(), shard());
        }
        return last;
    }

    @Test
    @DisplayName("describe lists the keyspace's shards in a stable order, the test's shard among them")
    void describeListsTheShards() {
        KeyspaceTopology first = probe.describe(keyspace());
        KeyspaceTopology again = probe.describe(keyspace());

        assertEquals(keyspace(), first.keyspace());
        assertTrue(
                first.shards().stream().map(ShardTarget::shard).anyMatch(shard()::equals),
                () -> "shard " + shard() + " missing from " + first);
        assertTrue(first.shards().stream().allMatch(s -> s.keyspace().equals(keyspace())));
        assertEquals(first.shards(), again.shards());
    }

    @Test
    @DisplayName("health names the shard's primary, the same one on every read while nothing changes")
    void healthNamesThePrimary() {
        ShardHealth first = probe.health(keyspace(), shard());
        ShardHealth again = probe.health(keyspace(), shard());

        assertEquals(keyspace(), first.keyspace());
        assertEquals(shard(), first.shard());
        assertFalse(first.primary().isBlank(), "the primary's identity is blank");
        assertEquals(first.primary(), again.primary());
        assertEquals(first.topologyVersion(), again.topologyVersion());
    }

    @Test
    @DisplayName("health reports the primary's position and each replica's position, when the probe reports positions")
    void healthReportsPositions() {
        ShardHealth health = probe.health(keyspace(), shard());

        assertFalse(health.replicas().isEmpty(), "the test's shard has a replica");
        if (reportsPositions()) {
            assertNotNull(health.primaryPosition(), "the primary's position");
            health.replicas().forEach(r -> assertNotNull(r.position(), () -> "position of replica " + r));
        } else {
            assertNull(health.primaryPosition(), "a probe that reports no positions invents none");
        }
    }

    @Test
    @DisplayName("a replicating replica has a known lag; a replica whose replication stopped has an unknown lag (null),"
            + " never zero")
    void lagIsKnownWhileReplicatingAndUnknownWhenStopped() throws Exception {
        ShardHealth running = awaitHealth("a known lag", h -> h.replicaWithUnknownLag() == null);
        for (ReplicaHealth r : running.replicas()) {
            Duration lag = r.lag();
            assertNotNull(lag);
            assertFalse(lag.isNegative(), () -> "negative lag of " + r);
        }

        replicationRunning(false);

        ShardHealth stopped = awaitHealth("an unknown lag", h -> h.replicaWithUnknownLag() != null);
        assertNotNull(stopped.replicaWithUnknownLag());
        replicationRunning(true);
        awaitHealth("a known lag again", h -> h.replicaWithUnknownLag() == null);
    }

    @Test
    @DisplayName("an unknown keyspace or shard is an InvalidRequestException, not another exception")
    void unknownNamesAreTypedErrors() {
        assertThrows(InvalidRequestException.class, () -> probe.describe("osc4j_no_such_keyspace"));
        assertThrows(InvalidRequestException.class, () -> probe.health(keyspace(), "osc4j-no-such-shard"));
    }

    @Test
    @DisplayName("health says when it was read: never in the future, and newer reads as time passes")
    void healthSaysWhenItWasRead() throws Exception {
        ShardHealth first = probe.health(keyspace(), shard());
        Instant after = now();
        assertFalse(first.readAt().isAfter(after), () -> "read at " + first.readAt() + ", after " + after);

        ShardHealth later = awaitHealth("a newer read", h -> h.readAt().isAfter(first.readAt()));
        assertFalse(later.readAt().isAfter(now()), () -> "read at " + later.readAt() + ", in the future");
    }
}
