package dev.osc4j.engine.vitess;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.engine.vitess.VtgateRows.MigrationRow;
import dev.osc4j.spi.CleanupReport;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ExecutionEngine;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a migration as Vitess native Online DDL, driven through VTGate over the MySQL protocol.
 *
 * <pre>{@code
 * VitessEngine vitess = VitessEngine.builder()
 *     .jdbcUrl("jdbc:mysql://vtgate.internal:15306/")
 *     .credentials(endpoint -> vault.vtgateCredentials(endpoint))   // a CredentialsProvider, asked per connection
 *     .build();
 * }</pre>
 *
 * <h2>How a migration maps onto Vitess</h2>
 *
 * <ul>
 *   <li><b>Submission.</b> The migration's Vitess {@code migration_context} is {@link EngineKey#context()} ({@code
 *       osc4j:<migration id>}), the same for every shard and attempt. The first {@link #start} of a migration sends the
 *       request's {@code ALTER TABLE} with {@code SET @@ddl_strategy='vitess --postpone-completion [flags]'} and that
 *       context to the whole keyspace: one uuid, one row per shard. Every {@code start} first looks the context up with
 *       {@code SHOW VITESS_MIGRATIONS LIKE '<context>'} and adopts the shard's row when there is one; after any error
 *       or timeout it looks again before reporting failure, so a submission is never repeated on a shard that has it.
 *   <li><b>Partial submission.</b> When a shard refused the keyspace-wide statement (VTGate answers with an error while
 *       the other shards keep their rows), that shard's {@code start} sends the statement to the shard alone, with
 *       VTGate shard targeting ({@code USE keyspace:shard@primary}) and the same context. Vitess cannot take a uuid
 *       through VTGate (only {@code vtctldclient ApplySchema --uuid-list} can), so that shard gets a uuid of its own;
 *       the migration stays one set of rows under one context, and each shard's handle records its own uuid. A request
 *       that names a subset of shards is submitted shard by shard in the same way.
 *   <li><b>Retry.</b> {@linkplain EngineCapabilities#retryInPlace() In place}: a retried attempt's {@code start} finds
 *       the shard's failed or cancelled row and sends {@code ALTER VITESS_MIGRATION '<uuid>' RETRY} to that shard,
 *       unless the row's {@code retries} already counts this attempt (a retry sent before a controller crash).
 *   <li><b>Observation.</b> {@code SHOW VITESS_MIGRATIONS LIKE '<context>'}, read by column name; one query serves
 *       every shard of the migration for {@linkplain Builder#observationMaxAge a short time}. See {@link
 *       MigrationPhases} for the phase of each row.
 *   <li><b>Directives</b>, each on the handle's shard only: {@link #releaseCutover} sends {@code COMPLETE} (the
 *       orchestrator releases all shards in one pass, so they complete closely but not atomically, as Vitess's own
 *       gated cut-over does; shard targeting works on every Vitess version, where {@code COMPLETE VITESS_SHARDS} needs
 *       v23); {@link #throttle} sends {@code THROTTLE EXPIRE '8760h' RATIO r} or, at 0, {@code UNTHROTTLE}: VTGate keeps
 *       it as one rule per keyspace, so it holds every shard of the migration ({@linkplain
 *       EngineCapabilities#keyspaceWideThrottle the orchestrator decides it once for the keyspace}); with the tablet
 *       throttler disabled VTGate still accepts it but nothing slows, and observations say so instead of "throttled"; {@link #cancel} sends {@code CANCEL}; {@link #cleanup} cancels a pending row and
 *       sends {@code CLEANUP}, after which Vitess's table garbage collector drops the artifact tables.
 *   <li><b>Revert</b> ({@link EngineCapabilities#revert()}: every osc4j migration runs with the {@code vitess}
 *       strategy, the one whose ALTERs Vitess can revert). A {@linkplain MigrationSpec#revertOf() revert} sends {@code
 *       REVERT VITESS_MIGRATION '<forward uuid>'} to its shard under the same {@code @@ddl_strategy}, so {@code
 *       --postpone-completion} holds it at ready_to_complete until {@link #releaseCutover}. VTGate gives a revert its
 *       own uuid, the {@code online} strategy and the context {@code vtgate:<session uuid>}, so the engine finds it by
 *       {@code SHOW VITESS_MIGRATIONS WHERE reverted_uuid = '<forward uuid>'} and observes it by its uuid. Vitess
 *       checks the revert when it runs it ({@code validateMigrationRevertible} in
 *       go/vt/vttablet/onlineddl/executor.go: the last migration completed on the table, nothing pending on it, a
 *       {@code vitess}/{@code online} ALTER); a refusal is a failed revert carrying Vitess's message. A completed
 *       {@linkplain MigrationSpec#revertible() revertible} migration's {@link #cleanup} does not send {@code CLEANUP}
 *       (which would hand its artifact, the original table, to the garbage collector at once); {@link #retire} sends
 *       it. A revert that did not complete is never sent {@code CLEANUP}: its artifact is the forward's table. Vitess
 *       keeps artifacts for {@code --retain-artifacts} (24 h by default) whatever osc4j does: a revert window longer
 *       than that needs the option.
 * </ul>
 *
 * <p>The engine holds no state that matters: a new engine in a new process finds every run again by its context.
 * Credentials come from a {@link CredentialsProvider} asked on every new connection (or the caller's DataSource); they
 * never appear in handles, logs, {@link #toString()} or exception messages.
 */
public final class VitessEngine implements ExecutionEngine {
    /** The default engine name requests use. */
    public static final String DEFAULT_NAME = "vitess";
    /**
     * Engine option: extra {@code ddl_strategy} flags, space-separated, such as {@code --allow-concurrent
     * --cut-over-threshold=20s}. Allowed: {@code --allow-concurrent}, {@code --allow-zero-in-date}, {@code
     * --analyze-table}, {@code --cut-over-threshold=<d>}, {@code --force-cut-over-after=<d>}, {@code
     * --in-order-completion}, {@code --retain-artifacts=<d>}, {@code --fast-range-rotation}.
     */
    public static final String OPTION_STRATEGY_FLAGS = "strategy-flags";
    /** Default for {@link Builder#queryTimeout}: 30 seconds. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(30);
    /** Default for {@link Builder#connectTimeout}: 10 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Default for {@link Builder#observationMaxAge}: 500 ms. */
    public static final Duration DEFAULT_OBSERVATION_MAX_AGE = Duration.ofMillis(500);
    /** Default for {@link Builder#throttleRecency}: 1 minute, about one Vitess scheduler interval. */
    public static final Duration DEFAULT_THROTTLE_RECENCY = Duration.ofMinutes(1);
    /** Default for {@link Builder#serverZone}: UTC, the time zone Vitess tablets normally run in. */
    public static final ZoneId DEFAULT_SERVER_ZONE = ZoneOffset.UTC;

    static final String UUID = "uuid";
    static final String KEYSPACE = "keyspace";
    static final String SHARD = "shard";
    static final String CONTEXT = "context";

    private static final Logger LOG = LoggerFactory.getLogger(VitessEngine.class);

    private final String name;
    private final Vtgate vtgate;
    private final Clock clock;
    private final Duration observationMaxAge;
    private final Duration throttleRecency;
    private final String description;
    private final Map<String, Snapshot> snapshots = new HashMap<>(); // guarded by this
    private final Map<String, ThrottlerStatus> throttlerStatuses = new HashMap<>(); // guarded by this

    private record Snapshot(List<MigrationRow> rows, Instant readAt) {}

    /** Shard to whether its tablet throttler is enabled; empty when VTGate would not say. */
    private record ThrottlerStatus(Map<String, Boolean> enabled, Instant readAt) {}

    private VitessEngine(Builder b, ConnectionSource source, String description) {
        this.name = b.name;
        this.vtgate = new Vtgate(source, b.queryTimeout, b.serverZone);
        this.clock = b.clock;
        this.observationMaxAge = b.observationMaxAge;
        this.throttleRecency = b.throttleRecency;
        this.description = description;
    }

    /** Configures an engine. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Postponed cut-over, throttle ratios, reattach, retry in place and revert; no applied binlog position; and a
     * throttle that is keyspace-wide: VTGate writes {@code ALTER VITESS_MIGRATION ... THROTTLE} as a rule for the migration's
     * uuid in the keyspace's throttler config, for every shard at once, whatever shard the statement targets.
     */
    @Override
    public EngineCapabilities capabilities() {
        return new EngineCapabilities(true, true, true, true, false, true).withRevert(true);
    }

    /** Checks the {@value #OPTION_STRATEGY_FLAGS} option. */
    @Override
    public void validate(MigrationSpec spec) {
        StrategyFlags.strategy(spec);
    }

    @Override
    public EngineHandle start(ShardTarget target, MigrationSpec spec, EngineKey key) {
        if (spec.revertOf() != null) {
            return startRevert(target, spec, key);
        }
        String keyspace = target.keyspace();
        String shard = target.shard();
        String context = key.context();
        String strategy = StrategyFlags.strategy(spec);
        List<MigrationRow> rows = lookup(keyspace, context, key, shard);
        MigrationRow mine = rowOn(rows, shard, null);
        if (mine == null) {
            String submitTo = rows.isEmpty() && spec.shards().isEmpty() ? null : shard;
            String where = submitTo == null ? "keyspace " + keyspace : keyspace + "/" + shard;
            try {
                List<String> uuids = vtgate.submit(keyspace, submitTo, strategy, context, spec.ddl());
                invalidate(keyspace, context);
                if (uuids.size() != 1 || !Vtgate.UUID.matcher(uuids.get(0)).matches()) {
                    throw EngineException.permanent(
                            FailureReason.ENGINE_FAILED,
                            "VTGate answered the migration's ALTER with " + uuids + " instead of one uuid;"
                                    + " is @@ddl_strategy honoured (online DDL enabled)?");
                }
                LOG.info(
                        "submitted migration {} to {} as Vitess migration {} ({})",
                        key.migrationId(),
                        where,
                        uuids.get(0),
                        strategy);
                return handle(key, keyspace, shard, uuids.get(0));
            } catch (SQLException e) {
                invalidate(keyspace, context);
                LOG.warn(
                        "submitting migration {} to {} failed ({}); looking it up by its context {}",
                        key.migrationId(),
                        where,
                        e.getMessage(),
                        context);
                mine = rowOn(lookup(keyspace, context, key, shard), shard, null);
                if (mine == null) {
                    throw SqlFailures.of(
                            e,
                            "submitting the migration to " + where + " (shard " + shard + " has no row)",
                            key.migrationId(),
                            shard);
                }
                LOG.info(
                        "shard {}/{} received Vitess migration {} despite the error; adopting it",
                        keyspace,
                        shard,
                        mine.uuid());
            }
        }
        checkSameChange(mine, spec, key);
        if (needsRetry(mine, key)) {
            try {
                long n = vtgate.alterMigration(keyspace, shard, mine.uuid(), "RETRY");
                LOG.info(
                        "attempt {} of migration {}: RETRY of Vitess migration {} on {}/{} ({} row(s))",
                        key.attempt(),
                        key.migrationId(),
                        mine.uuid(),
                        keyspace,
                        shard,
                        n);
            } catch (SQLException e) {
                throw SqlFailures.of(e, "RETRY of Vitess migration " + mine.uuid(), key.migrationId(), shard);
            } finally {
                invalidate(keyspace, context);
            }
        } else {
            LOG.info(
                    "adopting Vitess migration {} ({}) on {}/{} for {}",
                    mine.uuid(),
                    mine.status(),
                    keyspace,
                    shard,
                    key);
        }
        return handle(key, keyspace, shard, mine.uuid());
    }

    /** Whether the row is the failed run of an earlier attempt that this attempt must RETRY. */
    private static boolean needsRetry(MigrationRow row, EngineKey key) {
        if (key.attempt() <= 1 || !row.retryable()) {
            return false;
        }
        Integer retries = row.retries();
        return retries == null || retries < key.attempt() - 1;
    }

    private static void checkSameChange(MigrationRow row, MigrationSpec spec, EngineKey key) {
        String table = row.table();
        if (table != null && !table.equalsIgnoreCase(spec.table())) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION,
                    "Vitess migration " + row.uuid() + " with context " + key.context() + " alters table " + table
                            + ", not " + spec.table() + "; another tool uses this migration context");
        }
    }

    @Override
    public EngineObservation observe(EngineHandle handle) {
        Run run = run(handle);
        MigrationRow row;
        try {
            Snapshot snapshot = snapshot(run.keyspace, run.context, false);
            row = rowOn(snapshot.rows, run.shard, run.uuid);
            if (row == null) { // a row submitted since the snapshot was read: look again before saying NOT_FOUND
                row = rowOn(snapshot(run.keyspace, run.context, true).rows, run.shard, run.uuid);
            }
        } catch (SQLException e) {
            throw SqlFailures.of(
                    e, "observing Vitess migration " + run.uuid, handle.key().migrationId(), run.shard);
        }
        if (row == null) {
            return EngineObservation.of(EnginePhase.NOT_FOUND)
                    .withMessage("VTGate shows no Vitess migration " + run.uuid + " on shard " + run.keyspace + "/"
                            + run.shard);
        }
        return MigrationPhases.observe(row, clock.instant(), throttleRecency, throttlerDisabled(row));
    }

    /**
     * Whether the row's shard has its tablet throttler off, asked only when the row shows a throttle ratio: then
     * VTGate took the THROTTLE but nothing slows the copy. Unknown (false) when VTGate does not answer.
     */
    private boolean throttlerDisabled(MigrationRow row) {
        Double ratio = row.userThrottleRatio();
        if (ratio == null || ratio <= 0 || !row.pending() || row.keyspace() == null) {
            return false;
        }
        String keyspace = Objects.requireNonNull(row.keyspace());
        Instant now = clock.instant();
        ThrottlerStatus status;
        synchronized (this) {
            status = throttlerStatuses.get(keyspace);
        }
        if (status == null || Duration.between(status.readAt(), now).compareTo(observationMaxAge) > 0) {
            Map<String, Boolean> enabled;
            try {
                enabled = vtgate.throttlerEnabled(keyspace);
            } catch (SQLException e) {
                LOG.debug("SHOW VITESS_THROTTLER STATUS on {} failed: {}", keyspace, e.getMessage());
                enabled = Map.of();
            }
            status = new ThrottlerStatus(enabled, now);
            synchronized (this) {
                throttlerStatuses.put(keyspace, status);
            }
        }
        return Boolean.FALSE.equals(status.enabled().get(row.shard()));
    }

    @Override
    public void releaseCutover(EngineHandle handle) {
        alter(handle, "COMPLETE");
    }

    @Override
    public void throttle(EngineHandle handle, double ratio) {
        alter(handle, Vtgate.throttleAction(ratio));
    }

    @Override
    public void cancel(EngineHandle handle) {
        Run run = run(handle);
        try {
            vtgate.alterMigration(run.keyspace, run.shard, run.uuid, "CANCEL");
            LOG.info("CANCEL of Vitess migration {} on {}/{}", run.uuid, run.keyspace, run.shard);
        } catch (SQLException e) {
            if (!SqlFailures.migrationNotFound(e)) {
                throw SqlFailures.of(
                        e,
                        "CANCEL of Vitess migration " + run.uuid,
                        handle.key().migrationId(),
                        run.shard);
            }
            LOG.info("nothing to cancel: Vitess migration {} is not on {}/{}", run.uuid, run.keyspace, run.shard);
        } finally {
            invalidate(run.keyspace, run.context);
        }
    }

    @Override
    public CleanupReport cleanup(ShardTarget target, MigrationSpec spec, EngineKey key) {
        String keyspace = target.keyspace();
        String shard = target.shard();
        MigrationRow row = spec.revertOf() != null
                ? revertRow(target, spec, key)
                : rowOn(lookup(keyspace, key.context(), key, shard), shard, null);
        if (row == null) {
            return new CleanupReport(
                    List.of(),
                    List.of("no Vitess migration "
                            + (spec.revertOf() != null ? "reverting the forward run" : "with context " + key.context())
                            + " on "
                            + keyspace + "/" + shard));
        }
        String kept = keptForRevert(spec, row);
        if (kept != null) {
            if (row.pending()) {
                cancel(handle(key, keyspace, shard, row.uuid()));
            }
            return new CleanupReport(List.of(), List.of(kept));
        }
        return sendCleanup(keyspace, shard, row, key);
    }

    /**
     * Why CLEANUP must not be sent for {@code row} now, or null. CLEANUP sets {@code retain_artifacts_seconds=-1}, so
     * the executor hands the migration's artifact tables to the table garbage collector at once ({@code
     * sqlUpdateReadyForCleanup} in go/vt/vttablet/onlineddl/schema.go, {@code gcArtifacts} in executor.go). A
     * revertible migration that completed keeps its artifact, the original table, for a revert until {@link #retire};
     * a revert that did not complete has the forward migration's artifact as its own ({@code
     * initVreplicationRevertMigration}), which CLEANUP would collect, making the forward unrevertible.
     */
    private static @Nullable String keptForRevert(MigrationSpec spec, MigrationRow row) {
        boolean complete = row.status().equals("complete");
        if (spec.revertOf() != null && !complete) {
            return "no CLEANUP of Vitess revert " + row.uuid() + " (" + row.status() + "): its artifact is the forward"
                    + " migration's kept table, so the forward migration stays revertible";
        }
        if (spec.revertOf() == null && spec.revertible() && complete) {
            return "kept the artifacts of Vitess migration " + row.uuid() + " (" + row.artifacts() + ") for a revert"
                    + " until the revert window ends (retire sends CLEANUP)";
        }
        return null;
    }

    /**
     * Ends the revert window of the forward run {@code key}: sends {@code CLEANUP} for its completed Vitess migration,
     * which hands its artifact tables to Vitess's table garbage collector (Vitess offers nothing finer: the artifact is
     * what a revert replays into). Idempotent: a CLEANUP sent again changes nothing; a migration that is not complete
     * is left to {@link #cleanup}.
     */
    @Override
    public CleanupReport retire(ShardTarget target, MigrationSpec spec, EngineKey key) {
        String keyspace = target.keyspace();
        String shard = target.shard();
        MigrationRow row = rowOn(lookup(keyspace, key.context(), key, shard), shard, null);
        if (row == null || !row.status().equals("complete")) {
            return new CleanupReport(
                    List.of(),
                    List.of("nothing kept for a revert: no completed Vitess migration with context " + key.context()
                            + " on " + keyspace + "/" + shard));
        }
        return sendCleanup(keyspace, shard, row, key);
    }

    private CleanupReport sendCleanup(String keyspace, String shard, MigrationRow row, EngineKey key) {
        List<String> notes = new ArrayList<>();
        try {
            if (row.pending()) {
                vtgate.alterMigration(keyspace, shard, row.uuid(), "CANCEL");
                notes.add("cancelled Vitess migration " + row.uuid() + ", which was " + row.status());
            }
            long cleaned = vtgate.alterMigration(keyspace, shard, row.uuid(), "CLEANUP");
            if (cleaned == 0 && row.pending()) {
                throw EngineException.transientFailure(
                        "Vitess migration " + row.uuid() + " on " + keyspace + "/" + shard
                                + " is still being cancelled; CLEANUP will be sent again",
                        null);
            }
        } catch (SQLException e) {
            throw SqlFailures.of(e, "CLEANUP of Vitess migration " + row.uuid(), key.migrationId(), shard);
        } finally {
            invalidate(keyspace, key.context());
            invalidate(keyspace, row.uuid());
        }
        List<String> dropped = new ArrayList<>();
        String artifacts = row.artifacts();
        if (artifacts != null) {
            for (String a : artifacts.split(",")) {
                if (!a.isBlank()) {
                    dropped.add(a.strip());
                }
            }
        }
        notes.add("CLEANUP of Vitess migration " + row.uuid()
                + " hands its artifact tables to Vitess's table garbage collector, which drops them in the"
                + " background");
        LOG.info("CLEANUP of Vitess migration {} on {}/{}: {}", row.uuid(), keyspace, shard, dropped);
        return new CleanupReport(dropped, notes);
    }

    @Override
    public Optional<EngineHandle> reattach(
            ShardTarget target, MigrationSpec spec, EngineKey key, @Nullable EngineHandle recorded) {
        if (spec.revertOf() != null) {
            MigrationRow revert = revertRow(target, spec, key);
            return revert == null || !adoptable(revert)
                    ? Optional.empty()
                    : Optional.of(handle(key, target.keyspace(), target.shard(), revert.uuid(), revert.uuid()));
        }
        MigrationRow row = rowOn(lookup(target.keyspace(), key.context(), key, target.shard()), target.shard(), null);
        if (row == null || needsRetry(row, key)) {
            return Optional.empty(); // nothing of this attempt runs on the shard: the start has to happen
        }
        return Optional.of(handle(key, target.keyspace(), target.shard(), row.uuid()));
    }

    /** Closes the engine's own connection (not a caller's DataSource). Migrations continue in Vitess. Idempotent. */
    @Override
    public void close() {
        vtgate.close();
    }

    @Override
    public String toString() {
        return "VitessEngine[name=" + name + ", vtgate=" + description + "]";
    }

    // ---- internals ----

    private record Run(String keyspace, String shard, String uuid, String context) {}

    private Run run(EngineHandle handle) {
        String uuid = handle.attribute(UUID, "");
        String keyspace = handle.attribute(KEYSPACE, "");
        String shard = handle.attribute(SHARD, "");
        if (!Vtgate.UUID.matcher(uuid).matches() || keyspace.isEmpty() || shard.isEmpty()) {
            throw EngineException.permanent(
                    FailureReason.RUN_LOST,
                    "not a Vitess engine handle: " + handle.attributes() + " (" + handle.key() + ")");
        }
        return new Run(
                keyspace, shard, uuid, handle.attribute(CONTEXT, handle.key().context()));
    }

    private EngineHandle handle(EngineKey key, String keyspace, String shard, String uuid) {
        return handle(key, keyspace, shard, uuid, key.context());
    }

    /**
     * A handle whose observations look the row up with {@code SHOW VITESS_MIGRATIONS LIKE '<lookup>'}: the context for
     * a migration osc4j submitted, the uuid itself for a revert (VTGate gives a revert the context {@code
     * vtgate:<session uuid>}, not the session's {@code @@migration_context}).
     */
    private EngineHandle handle(EngineKey key, String keyspace, String shard, String uuid, String lookup) {
        return new EngineHandle(name, key, Map.of(UUID, uuid, KEYSPACE, keyspace, SHARD, shard, CONTEXT, lookup));
    }

    // ---- reverts ----

    /**
     * Starts (or adopts) the revert of the forward run {@code spec.revertOf()} on the shard: {@code REVERT
     * VITESS_MIGRATION '<forward uuid>'} on that shard alone, under the same {@code @@ddl_strategy} as any osc4j
     * migration, so {@code --postpone-completion} holds it at ready_to_complete until {@link #releaseCutover} (VTGate
     * keeps the flags and makes the strategy {@code online}, go/vt/vtgate/engine/revert_migration.go). A queued,
     * running or complete revert of that forward migration on the shard is adopted instead of submitting another.
     * Vitess checks the revert when it runs it ({@code validateMigrationRevertible}): a refusal is a failed revert
     * whose message is the executor's.
     */
    private EngineHandle startRevert(ShardTarget target, MigrationSpec spec, EngineKey key) {
        String keyspace = target.keyspace();
        String shard = target.shard();
        MigrationRow forward = forwardRow(target, spec, key);
        MigrationRow existing = revertOf(keyspace, shard, forward.uuid(), key);
        if (existing != null && adoptable(existing)) {
            LOG.info(
                    "adopting Vitess revert {} ({}) of {} on {}/{} for {}",
                    existing.uuid(),
                    existing.status(),
                    forward.uuid(),
                    keyspace,
                    shard,
                    key);
            return handle(key, keyspace, shard, existing.uuid(), existing.uuid());
        }
        String strategy = StrategyFlags.strategy(spec);
        try {
            List<String> uuids = vtgate.submit(
                    keyspace, shard, strategy, key.context(), "REVERT VITESS_MIGRATION '" + forward.uuid() + "'");
            if (uuids.size() != 1 || !Vtgate.UUID.matcher(uuids.get(0)).matches()) {
                throw EngineException.permanent(
                        FailureReason.ENGINE_FAILED,
                        "VTGate answered REVERT VITESS_MIGRATION with " + uuids + " instead of one uuid");
            }
            LOG.info(
                    "submitted the revert of Vitess migration {} on {}/{} as {} for {}",
                    forward.uuid(),
                    keyspace,
                    shard,
                    uuids.get(0),
                    key);
            return handle(key, keyspace, shard, uuids.get(0), uuids.get(0));
        } catch (SQLException e) {
            throw SqlFailures.of(e, "REVERT of Vitess migration " + forward.uuid(), key.migrationId(), shard);
        }
    }

    private static boolean adoptable(MigrationRow revert) {
        return revert.pending() || revert.status().equals("complete");
    }

    /** The forward run's row on the shard, found by its context. */
    private MigrationRow forwardRow(ShardTarget target, MigrationSpec spec, EngineKey key) {
        EngineKey forwardKey = Objects.requireNonNull(spec.revertOf()).forwardKey(target.shard());
        MigrationRow forward =
                rowOn(lookup(target.keyspace(), forwardKey.context(), key, target.shard()), target.shard(), null);
        if (forward == null) {
            throw EngineException.permanent(
                    FailureReason.RUN_LOST,
                    "no Vitess migration with context " + forwardKey.context() + " on " + target.keyspace() + "/"
                            + target.shard() + " to revert");
        }
        return forward;
    }

    /** The revert of the forward run on the shard: an adoptable one first, else the latest; null when none. */
    private @Nullable MigrationRow revertRow(ShardTarget target, MigrationSpec spec, EngineKey key) {
        return revertOf(
                target.keyspace(), target.shard(), forwardRow(target, spec, key).uuid(), key);
    }

    private @Nullable MigrationRow revertOf(String keyspace, String shard, String forwardUuid, EngineKey key) {
        List<MigrationRow> reverts;
        try {
            reverts = vtgate.revertsOf(keyspace, shard, forwardUuid);
        } catch (SQLException e) {
            throw SqlFailures.of(e, "looking up reverts of Vitess migration " + forwardUuid, key.migrationId(), shard);
        }
        MigrationRow found = null;
        for (MigrationRow r : reverts) {
            if (r.shard().equals(shard) && (found == null || adoptable(r) || !adoptable(found))) {
                found = r;
            }
        }
        return found;
    }

    private void alter(EngineHandle handle, String action) {
        Run run = run(handle);
        try {
            long n = vtgate.alterMigration(run.keyspace, run.shard, run.uuid, action);
            LOG.info("{} of Vitess migration {} on {}/{} ({} row(s))", action, run.uuid, run.keyspace, run.shard, n);
        } catch (SQLException e) {
            throw SqlFailures.of(
                    e, action + " of Vitess migration " + run.uuid, handle.key().migrationId(), run.shard);
        } finally {
            invalidate(run.keyspace, run.context);
        }
    }

    /** A fresh look at the migration's rows, by context; exact context match only. */
    private List<MigrationRow> lookup(String keyspace, String context, EngineKey key, String shard) {
        try {
            return snapshot(keyspace, context, true).rows;
        } catch (SQLException e) {
            throw SqlFailures.of(e, "looking up Vitess migrations with context " + context, key.migrationId(), shard);
        }
    }

    private Snapshot snapshot(String keyspace, String context, boolean fresh) throws SQLException {
        String cacheKey = keyspace + "/" + context;
        Instant now = clock.instant();
        synchronized (this) {
            Snapshot s = snapshots.get(cacheKey);
            if (!fresh && s != null && Duration.between(s.readAt, now).compareTo(observationMaxAge) <= 0) {
                return s;
            }
        }
        List<MigrationRow> rows = new ArrayList<>();
        for (MigrationRow r : vtgate.migrationsLike(keyspace, null, context)) {
            boolean mine = context.equals(r.context()) || context.equalsIgnoreCase(r.uuid());
            if (mine && (r.keyspace() == null || keyspace.equals(r.keyspace()))) {
                rows.add(r);
            }
        }
        Snapshot s = new Snapshot(List.copyOf(rows), now);
        synchronized (this) {
            snapshots.put(cacheKey, s);
        }
        return s;
    }

    private synchronized void invalidate(String keyspace, String context) {
        snapshots.remove(keyspace + "/" + context);
    }

    /** The row on {@code shard} (of {@code uuid}, when given); the newest when several. */
    private static @Nullable MigrationRow rowOn(List<MigrationRow> rows, String shard, @Nullable String uuid) {
        MigrationRow found = null;
        for (MigrationRow r : rows) {
            if (r.shard().equals(shard) && (uuid == null || r.uuid().equalsIgnoreCase(uuid))) {
                found = r;
            }
        }
        return found;
    }

    /** Configures a {@link VitessEngine}: a DataSource, or a JDBC URL with a CredentialsProvider. */
    public static final class Builder {
        private @Nullable DataSource dataSource;
        private @Nullable String jdbcUrl;
        private @Nullable CredentialsProvider credentials;
        private String name = DEFAULT_NAME;
        private Clock clock = Clock.systemUTC();
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration observationMaxAge = DEFAULT_OBSERVATION_MAX_AGE;
        private Duration throttleRecency = DEFAULT_THROTTLE_RECENCY;
        private ZoneId serverZone = DEFAULT_SERVER_ZONE;

        private Builder() {}

        /**
         * Connections from {@code value}, which may pool them: the engine puts back the session target and variables
         * it changes before it returns a connection.
         */
        public Builder dataSource(DataSource value) {
            this.dataSource = value;
            return this;
        }

        /** A mysql-connector-j URL of VTGate, {@code jdbc:mysql://host:port/}; the engine keeps one connection. */
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

        /** The engine name requests use (default {@value #DEFAULT_NAME}). */
        public Builder name(String value) {
            this.name = value;
            return this;
        }

        /** The clock (default the system clock); observations compare throttle times with it. */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** Timeout of each statement (default {@link #DEFAULT_QUERY_TIMEOUT}); at least one second. */
        public Builder queryTimeout(Duration value) {
            this.queryTimeout = value;
            return this;
        }

        /** Connect timeout, with {@link #jdbcUrl} (default {@link #DEFAULT_CONNECT_TIMEOUT}). */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        /**
         * How long one {@code SHOW VITESS_MIGRATIONS} serves the observations of a migration's other shards (default
         * {@link #DEFAULT_OBSERVATION_MAX_AGE}); zero reads for every observation.
         */
        public Builder observationMaxAge(Duration value) {
            this.observationMaxAge = value;
            return this;
        }

        /**
         * A migration counts as throttled while its {@code last_throttled_timestamp} is at most this old (default
         * {@link #DEFAULT_THROTTLE_RECENCY}).
         */
        public Builder throttleRecency(Duration value) {
            this.throttleRecency = value;
            return this;
        }

        /** The time zone of the tablets' timestamps (default {@link #DEFAULT_SERVER_ZONE}). */
        public Builder serverZone(ZoneId value) {
            this.serverZone = value;
            return this;
        }

        /**
         * Builds the engine. Connects lazily, on the first call that needs VTGate.
         *
         * @throws InvalidRequestException naming the parameter that is missing or wrong
         */
        public VitessEngine build() {
            Settings.checkName(name);
            Settings.checkPositive("queryTimeout", queryTimeout);
            Settings.checkPositive("connectTimeout", connectTimeout);
            Settings.checkNotNegative("observationMaxAge", observationMaxAge);
            Settings.checkPositive("throttleRecency", throttleRecency);
            Settings.Source source = Settings.source(dataSource, jdbcUrl, credentials, connectTimeout);
            return new VitessEngine(this, source.source(), source.description());
        }
    }
}
