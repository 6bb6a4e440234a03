package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.internal.DefaultMigrationOrchestrator;
import dev.osc4j.internal.GateOnEdge;
import dev.osc4j.spi.ApproverGroups;
import dev.osc4j.spi.AuditCheckpoints;
import dev.osc4j.spi.AuditKeys;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.Gate;
import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.StateStore;
import dev.osc4j.spi.TopologyProbe;
import dev.osc4j.spi.TrafficSwitch;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Runs online schema changes as durable, gated, observable processes.
 *
 * <p>Every instance is a controller: {@link #submit} and the directives of {@link MigrationClient} work on any instance
 * (they only write the store), and after {@link #start()} the instance also takes ownership of migrations through leases and drives them.
 * Several controllers can share one store; each migration is driven by exactly one of them at a time, and another
 * takes over when its owner dies.
 *
 * <pre>{@code
 * try (MigrationOrchestrator osc = MigrationOrchestrator.builder()
 *         .store(store).topology(topology).engine(engine)
 *         .build()) {
 *     osc.start();
 *     MigrationId id = osc.submit(request);
 * }
 * }</pre>
 */
@API(status = MAINTAINED, since = "0.1")
public interface MigrationOrchestrator extends MigrationClient, AutoCloseable {

    /** Starts configuring an orchestrator. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Submits a migration. Idempotent on the request's idempotency key: the same request again returns the same id and
     * creates nothing.
     *
     * @throws InvalidRequestException for bad input (unknown keyspace, engine or shard; invalid DDL or options)
     * @throws IdempotencyConflictException when the key was used for a different request
     */
    MigrationId submit(MigrationRequest request);

    /** Starts the reconcile loop on a thread of its own. Idempotent. */
    void start();

    /** This controller's identity, unique per process. */
    String controllerId();

    /** Stops the loop (waiting at most the close timeout) and releases this controller's leases. Idempotent. */
    @Override
    void close();

    /**
     * Configures a {@link MigrationOrchestrator}. A store, a topology probe and at least one engine are required; the
     * rest has defaults ({@code DEFAULT_*}).
     */
    final class Builder {
        /** Default lease time to live: 15 seconds. */
        public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(15);
        /** Default time between reconcile passes: 1 second. */
        public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
        /**
         * Default interval for writing progress when nothing else changes: 1 second, so that a {@link MigrationClient}
         * in another process (a command line, a dashboard) reads figures at most about a second old. Progress is
         * written only while a figure changes; raise it for very large fleets (see docs/architecture.md, "Progress
         * freshness", for the store load it adds).
         */
        public static final Duration DEFAULT_PROGRESS_WRITE_INTERVAL = Duration.ofSeconds(1);
        /** Default time {@link #close()} waits for the loop to stop: 10 seconds. */
        public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
        /** Default number of migrations one controller drives at most. */
        public static final int DEFAULT_MAX_OWNED = 10_000;

        /** Default for {@link #releaseParallelism}: the releases of up to 16 shards reach their engines at once. */
        public static final int DEFAULT_RELEASE_PARALLELISM = 16;

        private @Nullable StateStore store;
        private @Nullable TopologyProbe topology;
        private final Map<String, ExecutionEngine> engines = new LinkedHashMap<>();
        private final List<ProgressSink> sinks = new ArrayList<>();
        private final List<GateOnEdge> gates = new ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private MigrationPolicy defaultPolicy = MigrationPolicy.defaults();
        private String controllerName = "osc4j";
        private Duration leaseTtl = DEFAULT_LEASE_TTL;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration progressWriteInterval = DEFAULT_PROGRESS_WRITE_INTERVAL;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private int maxOwnedMigrations = DEFAULT_MAX_OWNED;
        private int releaseParallelism = DEFAULT_RELEASE_PARALLELISM;
        private @Nullable ThreadFactory threadFactory;
        private TrafficSwitch trafficSwitch = TrafficSwitch.NONE;
        private final Map<String, HealthSignal> healthSignals = new LinkedHashMap<>();
        private @Nullable ApproverGroups approverGroups;
        private @Nullable AuditKeys auditKeys;
        private @Nullable AuditCheckpoints auditCheckpoints;

        Builder() {}

        /** The state store. Required. */
        public Builder store(StateStore value) {
            this.store = value;
            return this;
        }

        /** The topology probe. Required. */
        public Builder topology(TopologyProbe value) {
            this.topology = value;
            return this;
        }

        /** Adds an engine, chosen by requests through its {@link ExecutionEngine#name()}. */
        public Builder engine(ExecutionEngine value) {
            if (engines.putIfAbsent(value.name(), value) != null) {
                throw new InvalidRequestException("engine '" + value.name() + "' is registered twice", null);
            }
            return this;
        }

        /** Adds a progress sink. */
        public Builder progressSink(ProgressSink value) {
            sinks.add(value);
            return this;
        }

        /** Adds a gate of your own on the edge {@code from → to}, evaluated after the built-in ones. */
        public Builder gate(MigrationState from, MigrationState to, Gate gate) {
            if (!Transitions.allowed(from, to)) {
                throw new InvalidRequestException("there is no transition " + from + " -> " + to + " to gate", null);
            }
            gates.add(new GateOnEdge(from, to, gate));
            return this;
        }

        /** The clock (default: system UTC). Inject a settable one in tests. */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** The policy of requests that name none. */
        public Builder defaultPolicy(MigrationPolicy value) {
            this.defaultPolicy = value;
            return this;
        }

        /** A readable prefix of the controller id; the id adds the process id and a random suffix. */
        public Builder controllerName(String value) {
            if (!value.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new InvalidRequestException(
                        "controllerName must be 1-64 of [A-Za-z0-9_.-], got '" + value + "'", null);
            }
            this.controllerName = value;
            return this;
        }

        /** How long a lease lasts unless renewed; renewed every third of it. */
        public Builder leaseTtl(Duration value) {
            this.leaseTtl = value;
            return this;
        }

        /** Time between reconcile passes of {@link #start()}. */
        public Builder pollInterval(Duration value) {
            this.pollInterval = value;
            return this;
        }

        /**
         * How often progress is written to the store when nothing else changes (and a figure did): the age bound of
         * what readers in other processes see.
         */
        public Builder progressWriteInterval(Duration value) {
            this.progressWriteInterval = value;
            return this;
        }

        /** How long {@link #close()} waits for the loop to stop. */
        public Builder closeTimeout(Duration value) {
            this.closeTimeout = value;
            return this;
        }

        /** The most migrations this controller drives at once. */
        public Builder maxOwnedMigrations(int value) {
            this.maxOwnedMigrations = value;
            return this;
        }

        /**
         * Makes the thread {@link #start()} runs the loop on (for instance to name it, set its priority, or run it as a
         * virtual thread). Default: a daemon platform thread named {@code osc4j-controller-<controller id>}.
         */
        public Builder threadFactory(ThreadFactory value) {
            this.threadFactory = value;
            return this;
        }

        /**
         * How many shards' cut-over releases are sent to their engines at once (default
         * {@value #DEFAULT_RELEASE_PARALLELISM}; 1 sends them one after the other). The barrier releases every shard of
         * a migration in one write; sending the releases in parallel keeps the time between the first and the last
         * shard's swap short when each release is a remote call.
         */
        public Builder releaseParallelism(int value) {
            if (value < 1) {
                throw new InvalidRequestException("releaseParallelism must be >= 1, got " + value, null);
            }
            this.releaseParallelism = value;
            return this;
        }

        /**
         * What the cut-over changes in front of the database (default {@link TrafficSwitch#NONE}): held through a
         * write-ahead intent before each shard's swap, restored after it, and restored by the fallback chain of a
         * shard that fails with traffic held.
         */
        public Builder trafficSwitch(TrafficSwitch value) {
            this.trafficSwitch = value;
            return this;
        }

        /**
         * Registers a health signal that policies can name in {@link AutoRevert#signals()}: while a migration bakes
         * after its swap, the controller asks it and reverts the migration when it keeps saying unhealthy. Every
         * controller that may own such a migration must register the same signals (one that lacks a signal counts
         * its verdicts as unknown).
         */
        public Builder healthSignal(HealthSignal value) {
            if (healthSignals.putIfAbsent(value.name(), value) != null) {
                throw new InvalidRequestException("health signal '" + value.name() + "' is registered twice", null);
            }
            return this;
        }

        /**
         * Who belongs to which approver group, for policies that name {@link MigrationPolicy#approverGroups()}: an
         * approval then counts only from a member of one of them.
         */
        public Builder approverGroups(ApproverGroups value) {
            this.approverGroups = value;
            return this;
        }

        /**
         * Seals the audit trail with HMACs under these keys instead of plain hashes, so that someone who can edit the
         * store but does not hold a key cannot rewrite the trail unseen. Give every controller and every {@link
         * MigrationClient} that writes ({@link MigrationClient#of(StateStore, Clock, AuditKeys)}) the same keys.
         */
        public Builder auditKeys(AuditKeys value) {
            this.auditKeys = value;
            return this;
        }

        /** Tells {@code value} the audit chain's head after every write, to keep it outside the store. */
        public Builder auditCheckpoints(AuditCheckpoints value) {
            this.auditCheckpoints = value;
            return this;
        }

        /**
         * Builds the orchestrator. Starts no thread.
         *
         * @throws InvalidRequestException naming the missing or invalid setting
         */
        public MigrationOrchestrator build() {
            if (store == null) {
                throw new InvalidRequestException("store is required", null);
            }
            if (topology == null) {
                throw new InvalidRequestException("topology is required", null);
            }
            if (engines.isEmpty()) {
                throw new InvalidRequestException("at least one engine is required", null);
            }
            requirePositive("leaseTtl", leaseTtl);
            requirePositive("pollInterval", pollInterval);
            requirePositive("progressWriteInterval", progressWriteInterval);
            requirePositive("closeTimeout", closeTimeout);
            if (leaseTtl.compareTo(pollInterval.multipliedBy(3)) < 0) {
                throw new InvalidRequestException(
                        "leaseTtl (" + leaseTtl + ") must be at least 3 x pollInterval (" + pollInterval + ")", null);
            }
            if (maxOwnedMigrations < 1) {
                throw new InvalidRequestException("maxOwnedMigrations must be >= 1, got " + maxOwnedMigrations, null);
            }
            return new DefaultMigrationOrchestrator(new DefaultMigrationOrchestrator.Settings(
                    store,
                    topology,
                    Map.copyOf(engines),
                    List.copyOf(sinks),
                    List.copyOf(gates),
                    clock,
                    defaultPolicy,
                    controllerName,
                    leaseTtl,
                    pollInterval,
                    progressWriteInterval,
                    closeTimeout,
                    maxOwnedMigrations,
                    releaseParallelism,
                    threadFactory,
                    trafficSwitch,
                    Map.copyOf(healthSignals),
                    approverGroups,
                    auditKeys,
                    auditCheckpoints));
        }

        private static void requirePositive(String name, Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new InvalidRequestException(name + " must be positive, got " + value, null);
            }
        }
    }
}
