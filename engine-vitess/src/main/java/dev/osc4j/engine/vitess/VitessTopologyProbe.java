package dev.osc4j.engine.vitess;

import dev.osc4j.EngineException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.ShardTarget;
import dev.osc4j.engine.vitess.VtgateRows.ReplicaRow;
import dev.osc4j.engine.vitess.VtgateRows.TabletRow;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.KeyspaceTopology;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ShardHealth;
import dev.osc4j.spi.TopologyProbe;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Reads the topology from VTGate for the gates: {@code SHOW VITESS_TABLETS} gives a keyspace's shards and each shard's
 * primary (its tablet alias is the primary's identity, so a reparent shows as a new alias), {@code SHOW
 * VITESS_REPLICATION_STATUS} gives each replica's lag.
 *
 * <ul>
 *   <li>The topology version is the newest primary term start (epoch seconds) of the keyspace's primaries, or of the
 *       shard's primary in {@link #health}: it grows with every reparent.
 *   <li>Replicas are the REPLICA and RDONLY tablets VTGate reports. Their lag is in whole seconds; a lag VTGate could
 *       not read ({@code -1}, {@code NULL}) or replication threads that are not running count as unknown, which holds
 *       the gates.
 *   <li>VTGate does not expose binlog positions, so {@link ShardHealth#primaryPosition()} is null and the alignment
 *       gate relies on replicas at zero lag and on Vitess's own {@code ready_to_complete}.
 *   <li>Both statements list every tablet; one read serves all shards for {@linkplain Builder#cacheMaxAge a short
 *       time}, and {@link ShardHealth#readAt()} says when it was read.
 * </ul>
 */
public final class VitessTopologyProbe implements TopologyProbe, AutoCloseable {
    /** Default for {@link Builder#cacheMaxAge}: 500 ms. */
    public static final Duration DEFAULT_CACHE_MAX_AGE = Duration.ofMillis(500);

    private final Vtgate vtgate;
    private final Clock clock;
    private final Duration cacheMaxAge;
    private final String description;
    private @Nullable Read<TabletRow> tablets; // guarded by this
    private @Nullable Read<ReplicaRow> replicas; // guarded by this

    private record Read<T>(List<T> rows, Instant at) {}

    private VitessTopologyProbe(Builder b, Settings.Source source) {
        this.vtgate = new Vtgate(source.source(), b.queryTimeout, VitessEngine.DEFAULT_SERVER_ZONE);
        this.clock = b.clock;
        this.cacheMaxAge = b.cacheMaxAge;
        this.description = source.description();
    }

    /** Configures a probe. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The shards of {@code keyspace} with at least one tablet VTGate sees, in key-range order.
     *
     * @throws InvalidRequestException when VTGate knows no tablet of the keyspace
     */
    @Override
    public KeyspaceTopology describe(String keyspace) {
        List<TabletRow> all = tablets().rows();
        Set<String> shards = new TreeSet<>(
                Comparator.comparing(VitessTopologyProbe::rangeStart).thenComparing(Comparator.naturalOrder()));
        Set<String> keyspaces = new TreeSet<>();
        long version = 0;
        for (TabletRow t : all) {
            keyspaces.add(t.keyspace());
            if (t.keyspace().equals(keyspace)) {
                shards.add(t.shard());
                if (t.primary() && t.primaryTermStart() != null) {
                    version = Math.max(version, t.primaryTermStart().getEpochSecond());
                }
            }
        }
        if (shards.isEmpty()) {
            throw new InvalidRequestException(
                    "VTGate shows no tablet of keyspace '" + keyspace + "'; keyspaces with tablets: " + keyspaces,
                    null);
        }
        List<ShardTarget> targets = new ArrayList<>();
        for (String shard : shards) {
            targets.add(new ShardTarget(keyspace, shard, keyspace, null));
        }
        return new KeyspaceTopology(keyspace, targets, version);
    }

    private static String rangeStart(String shard) {
        int dash = shard.indexOf('-');
        return dash < 0
                ? shard.toLowerCase(Locale.ROOT)
                : shard.substring(0, dash).toLowerCase(Locale.ROOT);
    }

    /**
     * The shard's serving primary (the newest primary term when VTGate briefly shows two) and its replicas.
     *
     * @throws InvalidRequestException when VTGate shows no tablet of the shard at all (an unknown shard)
     * @throws EngineException (retryable) when VTGate cannot be read or shows no serving primary for the shard
     */
    @Override
    public ShardHealth health(String keyspace, String shard) {
        Read<TabletRow> tabletRead = tablets();
        Read<ReplicaRow> replicaRead = replicas();
        TabletRow primary = null;
        boolean known = false;
        for (TabletRow t : tabletRead.rows()) {
            if (t.keyspace().equals(keyspace) && t.shard().equals(shard)) {
                known = true;
                if (t.primary() && t.serving() && (primary == null || newer(t, primary))) {
                    primary = t;
                }
            }
        }
        if (!known) {
            throw new InvalidRequestException(
                    "VTGate shows no tablet of shard " + keyspace + "/" + shard + "; is the shard name right?", null);
        }
        if (primary == null) {
            throw EngineException.transientFailure(
                    "VTGate shows no serving primary tablet for " + keyspace + "/" + shard, null);
        }
        List<ReplicaHealth> replicaHealth = new ArrayList<>();
        for (ReplicaRow r : replicaRead.rows()) {
            if (r.keyspace().equals(keyspace) && r.shard().equals(shard)) {
                Long lag = r.lagSeconds();
                replicaHealth.add(new ReplicaHealth(r.alias(), lag == null ? null : Duration.ofSeconds(lag), null));
            }
        }
        Instant start = primary.primaryTermStart();
        Instant readAt = tabletRead.at().isBefore(replicaRead.at()) ? tabletRead.at() : replicaRead.at();
        return new ShardHealth(
                keyspace,
                shard,
                primary.alias(),
                start == null ? 0 : start.getEpochSecond(),
                null,
                replicaHealth,
                readAt);
    }

    private static boolean newer(TabletRow a, TabletRow b) {
        Instant ta = a.primaryTermStart();
        Instant tb = b.primaryTermStart();
        return ta != null && (tb == null || ta.isAfter(tb));
    }

    private synchronized Read<TabletRow> tablets() {
        Read<TabletRow> r = tablets;
        if (r == null || stale(r.at())) {
            try {
                r = new Read<>(vtgate.tablets(), clock.instant());
            } catch (SQLException e) {
                throw SqlFailures.of(e, "SHOW VITESS_TABLETS", null, null);
            }
            tablets = r;
        }
        return r;
    }

    private synchronized Read<ReplicaRow> replicas() {
        Read<ReplicaRow> r = replicas;
        if (r == null || stale(r.at())) {
            try {
                r = new Read<>(vtgate.replicationStatus(), clock.instant());
            } catch (SQLException e) {
                throw SqlFailures.of(e, "SHOW VITESS_REPLICATION_STATUS", null, null);
            }
            replicas = r;
        }
        return r;
    }

    private boolean stale(Instant at) {
        return Duration.between(at, clock.instant()).compareTo(cacheMaxAge) > 0;
    }

    /** Closes the probe's own connection (not a caller's DataSource). Idempotent. */
    @Override
    public void close() {
        vtgate.close();
    }

    @Override
    public String toString() {
        return "VitessTopologyProbe[vtgate=" + description + "]";
    }

    /** Configures a {@link VitessTopologyProbe}: a DataSource, or a JDBC URL with a CredentialsProvider. */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private @Nullable String jdbcUrl;
        private @Nullable CredentialsProvider credentials;
        private Clock clock = Clock.systemUTC();
        private Duration queryTimeout = VitessEngine.DEFAULT_QUERY_TIMEOUT;
        private Duration connectTimeout = VitessEngine.DEFAULT_CONNECT_TIMEOUT;
        private Duration cacheMaxAge = DEFAULT_CACHE_MAX_AGE;

        private Builder() {}

        /** Connections from {@code value}. */
        public Builder dataSource(DataSource value) {
            this.dataSource = value;
            return this;
        }

        /** A mysql-connector-j URL of VTGate; the probe keeps one connection. */
        public Builder jdbcUrl(String value) {
            this.jdbcUrl = value;
            return this;
        }

        /**
         * The VTGate account, with {@link #jdbcUrl}: asked for VTGate's endpoint each time a connection is opened (the
         * first use, and after a connection broke), never cached, so a rotated password is picked up. The password
         * is never logged or shown.
         */
        public Builder credentials(CredentialsProvider value) {
            this.credentials = value;
            return this;
        }

        /** The clock that stamps reads (default the system clock). */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** Timeout of each statement (default {@link VitessEngine#DEFAULT_QUERY_TIMEOUT}). */
        public Builder queryTimeout(Duration value) {
            this.queryTimeout = value;
            return this;
        }

        /** Connect timeout, with {@link #jdbcUrl}. */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        /** How long one read serves every shard (default {@link #DEFAULT_CACHE_MAX_AGE}); zero reads every time. */
        public Builder cacheMaxAge(Duration value) {
            this.cacheMaxAge = value;
            return this;
        }

        /**
         * Builds the probe; it connects on first use.
         *
         * @throws InvalidRequestException naming the parameter that is missing or wrong
         */
        public VitessTopologyProbe build() {
            Settings.checkPositive("queryTimeout", queryTimeout);
            Settings.checkPositive("connectTimeout", connectTimeout);
            Settings.checkNotNegative("cacheMaxAge", cacheMaxAge);
            return new VitessTopologyProbe(this, Settings.source(dataSource, jdbcUrl, credentials, connectTimeout));
        }
    }
}
