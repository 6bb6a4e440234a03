package dev.osc4j.testkit;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ReplicationPosition;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.spi.TopologyProbe;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory topology: keyspaces, shards with row counts, a primary and replicas per shard with settable lag,
 * binlog positions that advance with the clock, a topology version, and fault injection (fail a shard's copy at a
 * given percent, stall it, reparent it, spike its lag). The {@link FakeEngine} and the testkit's fake VTGate run on
 * it. Thread-safe; time comes from the injected clock, so tests are deterministic.
 *
 * <pre>{@code
 * FakeTopology topology = new FakeTopology(clock)
 *     .addKeyspace("commerce", Map.of("-40", 400_000L, "40-80", 100_000L, "80-c0", 100_000L, "c0-", 100_000L));
 * topology.failAt("commerce", "-40", 40);
 * }</pre>
 */
public final class FakeTopology implements TopologyProbe {
    /** Binlog events the primary writes per second of clock time, so positions move. */
    static final long EVENTS_PER_SECOND = 10;

    private final Clock clock;
    private final Instant origin;
    private final Map<String, Map<String, Shard>> keyspaces = new LinkedHashMap<>();
    private long version = 1;
    private int nextServerId = 100;

    /** The state of one fake shard. */
    private static final class Shard {
        final String keyspace;
        final String name;
        long rows;
        int primaryServerId;
        Instant primarySince;
        final List<String> replicas = new ArrayList<>();
        Duration lag = Duration.ZERO;

        @Nullable
        Instant lagUntil;

        boolean replicationStopped;

        /** The primary's threads running; an idle primary runs the probe's own query. Null: unreadable. */
        @Nullable
        Integer threadsRunning = 1;

        @Nullable
        Double failAtPercent;

        boolean stalled;

        @Nullable
        String rejectStart;

        final List<String> appliedDdl = new ArrayList<>();

        Shard(String keyspace, String name, long rows, int primaryServerId, Instant primarySince) {
            this.keyspace = keyspace;
            this.name = name;
            this.rows = rows;
            this.primaryServerId = primaryServerId;
            this.primarySince = primarySince;
        }
    }

    /** A topology on {@code clock}. */
    public FakeTopology(Clock clock) {
        this.clock = clock;
        this.origin = clock.instant();
    }

    /** Adds a keyspace with shards and their row counts (insertion order is topology order), two replicas each. */
    public synchronized FakeTopology addKeyspace(String keyspace, Map<String, Long> rowsByShard) {
        Map<String, Shard> shards = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : rowsByShard.entrySet()) {
            Shard s = new Shard(keyspace, e.getKey(), e.getValue(), nextServerId++, clock.instant());
            s.replicas.add(keyspace + "-" + e.getKey() + "-replica-1");
            s.replicas.add(keyspace + "-" + e.getKey() + "-replica-2");
            shards.put(e.getKey(), s);
        }
        keyspaces.put(keyspace, shards);
        version++;
        return this;
    }

    /**
     * Adds a keyspace of {@code count} equal shards named like Vitess ranges for 2, 4, 8 or 16 shards, otherwise
     * {@code s0, s1, ...}.
     */
    public FakeTopology addUniformKeyspace(String keyspace, int count, long rowsPerShard) {
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String name : shardNames(count)) {
            rows.put(name, rowsPerShard);
        }
        return addKeyspace(keyspace, rows);
    }

    /** Vitess-style range names for a power of two up to 256, otherwise {@code s0..s(n-1)}. */
    public static List<String> shardNames(int count) {
        List<String> names = new ArrayList<>();
        if (count == 1) {
            names.add("-");
        } else if (count <= 256 && Integer.bitCount(count) == 1) {
            int step = 256 / count;
            for (int i = 0; i < count; i++) {
                String lo = i == 0 ? "" : String.format("%02x", i * step);
                String hi = i == count - 1 ? "" : String.format("%02x", (i + 1) * step);
                names.add(lo + "-" + hi);
            }
        } else {
            for (int i = 0; i < count; i++) {
                names.add("s" + i);
            }
        }
        return names;
    }

    private Shard shard(String keyspace, String shard) {
        Map<String, Shard> ks = keyspaces.get(keyspace);
        Shard s = ks == null ? null : ks.get(shard);
        if (s == null) {
            throw new IllegalArgumentException("no shard " + keyspace + "/" + shard + " in the fake topology");
        }
        return s;
    }

    @Override
    public synchronized KeyspaceTopology describe(String keyspace) {
        Map<String, Shard> ks = keyspaces.get(keyspace);
        if (ks == null) {
            throw new InvalidRequestException(
                    "unknown keyspace '" + keyspace + "'; known: " + keyspaces.keySet(), null);
        }
        List<ShardTarget> targets = new ArrayList<>();
        for (Shard s : ks.values()) {
            targets.add(new ShardTarget(keyspace, s.name, keyspace, new Endpoint("fake-" + s.primaryServerId, 3306)));
        }
        return new KeyspaceTopology(keyspace, targets, version);
    }

    @Override
    public synchronized ShardHealth health(String keyspace, String shard) {
        Map<String, Shard> ks = keyspaces.get(keyspace);
        if (ks == null || !ks.containsKey(shard)) {
            throw new InvalidRequestException(
                    "unknown shard '" + keyspace + "/" + shard + "' in the fake topology", null);
        }
        Shard s = shard(keyspace, shard);
        Instant now = clock.instant();
        long primarySeq = primarySeq(now);
        Duration lag = currentLag(s, now);
        List<ReplicaHealth> replicas = new ArrayList<>();
        for (String r : s.replicas) {
            long behind = lag.toSeconds() * EVENTS_PER_SECOND + (lag.isZero() ? 0 : 1);
            ReplicationPosition pos =
                    ReplicationPosition.of("0-" + s.primaryServerId + "-" + Math.max(0, primarySeq - behind));
            replicas.add(new ReplicaHealth(r, s.replicationStopped ? null : lag, pos));
        }
        return new ShardHealth(
                keyspace,
                shard,
                primaryName(s),
                version,
                ReplicationPosition.of("0-" + s.primaryServerId + "-" + primarySeq),
                replicas,
                now,
                s.threadsRunning);
    }

    @Override
    public synchronized long estimateRows(String keyspace, String shard, String table) {
        return shard(keyspace, shard).rows;
    }

    private long primarySeq(Instant now) {
        return 1000 + Math.max(0, Duration.between(origin, now).toSeconds()) * EVENTS_PER_SECOND;
    }

    private static String primaryName(Shard s) {
        return s.keyspace + "-" + s.name + "-primary-" + s.primaryServerId;
    }

    private Duration currentLag(Shard s, Instant now) {
        Instant until = s.lagUntil;
        if (until != null && !now.isBefore(until)) {
            s.lag = Duration.ZERO;
            s.lagUntil = null;
        }
        return s.lag;
    }

    /** Sets a shard's replica lag until changed again. */
    public synchronized FakeTopology setReplicaLag(String keyspace, String shard, Duration lag) {
        Shard s = shard(keyspace, shard);
        s.lag = lag;
        s.lagUntil = null;
        return this;
    }

    /**
     * Sets the primary's threads running (1 until set), the load ceiling's signal; null makes it unreadable, as a
     * probe that cannot read {@code Threads_running} reports it.
     */
    public synchronized FakeTopology setThreadsRunning(String keyspace, String shard, @Nullable Integer threads) {
        shard(keyspace, shard).threadsRunning = threads;
        return this;
    }

    /** Sets a shard's replica lag for {@code duration}, after which it drops back to zero. */
    public synchronized FakeTopology lagSpike(String keyspace, String shard, Duration lag, Duration duration) {
        Shard s = shard(keyspace, shard);
        s.lag = lag;
        s.lagUntil = clock.instant().plus(duration);
        return this;
    }

    /** Stops or restarts replication on a shard's replicas: their lag becomes unknown. */
    public synchronized FakeTopology stopReplication(String keyspace, String shard, boolean stopped) {
        shard(keyspace, shard).replicationStopped = stopped;
        return this;
    }

    /** Promotes a new primary: the primary's identity changes and the topology version grows. */
    public synchronized String reparent(String keyspace, String shard) {
        Shard s = shard(keyspace, shard);
        s.primaryServerId = nextServerId++;
        s.primarySince = clock.instant();
        version++;
        return primaryName(s);
    }

    /** The shard's current replica lag (zero when none; the set lag while replication is stopped). */
    public synchronized Duration replicaLag(String keyspace, String shard) {
        return currentLag(shard(keyspace, shard), clock.instant());
    }

    /**
     * What a fake engine asks about a shard, read at one instant under one lock.
     *
     * @param replicaLag the shard's replica lag now (see {@link #replicaLag})
     * @param replicationStopped whether replication is stopped (see {@link #replicationStopped})
     * @param stalled whether the copy is stalled (see {@link #stalled})
     * @param failAtPercent the armed one-shot failure, if any (see {@link #failAtPercent})
     */
    public record ShardConditions(
            Duration replicaLag,
            boolean replicationStopped,
            boolean stalled,
            @Nullable Double failAtPercent) {}

    /** The shard's {@link ShardConditions} now: one lookup for what an engine's observation needs. */
    public synchronized ShardConditions conditions(String keyspace, String shard) {
        Shard s = shard(keyspace, shard);
        return new ShardConditions(currentLag(s, clock.instant()), s.replicationStopped, s.stalled, s.failAtPercent);
    }

    /** Whether replication is stopped on the shard. */
    public synchronized boolean replicationStopped(String keyspace, String shard) {
        return shard(keyspace, shard).replicationStopped;
    }

    /** Makes the next copy on the shard fail when it reaches {@code percent}; the fault fires once. */
    public synchronized FakeTopology failAt(String keyspace, String shard, double percent) {
        shard(keyspace, shard).failAtPercent = percent;
        return this;
    }

    /**
     * The percent at which the next copy on the shard fails, if a failure is armed; for fake engines (the
     * {@link FakeEngine}, the fake VTGate), which call {@link #consumeFailure} when it fires.
     */
    public synchronized @Nullable Double failAtPercent(String keyspace, String shard) {
        return shard(keyspace, shard).failAtPercent;
    }

    /** Disarms the shard's one-shot failure once a fake engine made it fire. */
    public synchronized void consumeFailure(String keyspace, String shard) {
        shard(keyspace, shard).failAtPercent = null;
    }

    /** Stalls or un-stalls the copy on a shard (no progress, no error). */
    public synchronized FakeTopology stall(String keyspace, String shard, boolean stalled) {
        shard(keyspace, shard).stalled = stalled;
        return this;
    }

    /** Whether the copy on a shard is stalled. */
    public synchronized boolean stalled(String keyspace, String shard) {
        return shard(keyspace, shard).stalled;
    }

    /** Makes engines refuse to start on the shard with {@code reason} (null to stop refusing). */
    public synchronized FakeTopology rejectStart(String keyspace, String shard, @Nullable String reason) {
        shard(keyspace, shard).rejectStart = reason;
        return this;
    }

    /** Why engines refuse to start on the shard, if they do. */
    public synchronized @Nullable String rejectStart(String keyspace, String shard) {
        return shard(keyspace, shard).rejectStart;
    }

    /** A shard's table size. */
    public synchronized long rows(String keyspace, String shard) {
        return shard(keyspace, shard).rows;
    }

    /** The shard's current primary position, for engines that report what they applied. */
    public synchronized ReplicationPosition primaryPosition(String keyspace, String shard) {
        Shard s = shard(keyspace, shard);
        return ReplicationPosition.of("0-" + s.primaryServerId + "-" + primarySeq(clock.instant()));
    }

    /** Records that a DDL was applied on the shard (by a cut-over). */
    public synchronized void recordApplied(String keyspace, String shard, String ddl) {
        shard(keyspace, shard).appliedDdl.add(ddl);
    }

    /** The DDLs applied on a shard, in order. */
    public synchronized List<String> appliedDdl(String keyspace, String shard) {
        return List.copyOf(shard(keyspace, shard).appliedDdl);
    }

    /** The current primary's server id; a reparent gives the shard a new one. For fakes that name tablets. */
    public synchronized int primaryServerId(String keyspace, String shard) {
        return shard(keyspace, shard).primaryServerId;
    }

    /** The current primary's name, as {@link #health} reports it. */
    public synchronized String primary(String keyspace, String shard) {
        return primaryName(shard(keyspace, shard));
    }

    /** When the current primary became primary: when the keyspace was added, or the last reparent. */
    public synchronized Instant primarySince(String keyspace, String shard) {
        return shard(keyspace, shard).primarySince;
    }

    /** The names of the shard's replicas. */
    public synchronized List<String> replicas(String keyspace, String shard) {
        return List.copyOf(shard(keyspace, shard).replicas);
    }

    /** The keyspace names, in the order they were added. */
    public synchronized List<String> keyspaces() {
        return List.copyOf(keyspaces.keySet());
    }

    /** The topology version. */
    public synchronized long version() {
        return version;
    }

    /** The shard names of a keyspace, in topology order. */
    public synchronized List<String> shards(String keyspace) {
        Map<String, Shard> ks = keyspaces.get(keyspace);
        return ks == null ? List.of() : List.copyOf(ks.keySet());
    }

    /** The clock the topology runs on. */
    public Clock clock() {
        return clock;
    }
}
