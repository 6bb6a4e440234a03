package dev.osc4j.testkit.vitess;

import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.mysql.MySqlError;
import dev.osc4j.testkit.vitess.FakeMigration.Status;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The fake's Vitess side: a {@code _vt.schema_migrations} table per shard, a throttler config per keyspace, the Online
 * DDL scheduler that moves rows with the clock, and the record of what clients did. Every method is synchronized; time
 * only moves when the topology's clock does, and rows are brought up to the clock's time before anything reads or
 * changes them.
 *
 * <p>Modelled on vitessio/vitess: the scheduler's review, scheduling and immediate operations on {@code
 * reviewQueuedMigrations}, {@code scheduleNextMigration} and {@code reviewImmediateOperations} in
 * go/vt/vttablet/onlineddl/executor.go and on go/vt/vttablet/onlineddl/analysis.go; RETRY on {@code
 * sqlRetryMigrationWhere} in go/vt/vttablet/onlineddl/schema.go; REVERT on {@code validateMigrationRevertible} in
 * executor.go; throttling on go/vt/vtgate/planbuilder/migration.go (a keyspace rule, 100 years without EXPIRE); the
 * columns on go/vt/sidecardb/schema/onlineddl/schema_migrations.sql. docs/engine-vitess.md lists what was checked.
 */
final class VtgateState {
    private static final DateTimeFormatter ARTIFACT_TIME =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    private final FakeTopology topology;
    private final Clock clock;
    private final FakeVtgate.Settings settings;
    private final Map<String, ShardTable> shards = new HashMap<>();
    private final Map<String, Integer> replicaIds = new HashMap<>();
    private final List<FakeVtgate.Submission> submissions = new ArrayList<>();
    private final List<FakeVtgate.Rejection> rejections = new ArrayList<>();
    private final List<FakeVtgate.Executed> executed = new ArrayList<>();
    private long uuidSequence;

    /** Each keyspace's throttler config in the topo: its throttled-app rules, and whether the throttler is on. */
    private final Map<String, KeyspaceThrottler> throttlers = new HashMap<>();

    /** One shard's migrations table. */
    private static final class ShardTable {
        final List<FakeMigration> migrations = new ArrayList<>();
        long nextId = 1;
    }

    /**
     * A keyspace's throttler config. VTGate plans {@code ALTER VITESS_MIGRATION ... THROTTLE|UNTHROTTLE} as a
     * throttled-app rule in the keyspace's throttler config in the topo, whatever shard the session targets
     * ({@code buildAlterMigrationThrottleAppPlan} in go/vt/vtgate/planbuilder/migration.go; {@code ThrottleApp} in
     * go/vt/vtgate/vcursor_impl.go): every tablet of the keyspace reads the same rules.
     */
    private static final class KeyspaceThrottler {
        final Map<String, ThrottleRule> throttledApps = new LinkedHashMap<>();
        boolean enabled = true;
    }

    private record ThrottleRule(double ratio, Instant expireAt) {}

    VtgateState(FakeTopology topology, FakeVtgate.Settings settings) {
        this.topology = topology;
        this.clock = topology.clock();
        this.settings = settings;
    }

    Instant now() {
        return clock.instant();
    }

    // ---- what clients did ----

    synchronized void recordStatement(String target, String sql) {
        executed.add(new FakeVtgate.Executed(target, sql, now()));
    }

    synchronized List<FakeVtgate.Executed> statements() {
        return List.copyOf(executed);
    }

    synchronized List<FakeVtgate.Submission> submissions(String keyspace, String shard) {
        return submissions.stream()
                .filter(s -> s.keyspace().equals(keyspace) && s.shard().equals(shard))
                .toList();
    }

    synchronized List<FakeVtgate.Submission> submissions() {
        return List.copyOf(submissions);
    }

    synchronized List<FakeVtgate.Rejection> rejections(String keyspace, String shard) {
        return rejections.stream()
                .filter(r -> r.keyspace().equals(keyspace) && r.shard().equals(shard))
                .toList();
    }

    synchronized List<FakeVtgate.MigrationView> migrations(String keyspace, String shard) {
        Instant now = now();
        ShardTable table = table(keyspace, shard);
        advance(keyspace, shard, table, now);
        List<FakeVtgate.MigrationView> out = new ArrayList<>();
        for (FakeMigration m : table.migrations) {
            out.add(new FakeVtgate.MigrationView(
                    m.uuid,
                    m.context,
                    m.status.sql(),
                    m.tablet,
                    m.retries,
                    (long) m.copied,
                    m.tableRows,
                    m.readyToComplete,
                    m.postponeCompletion,
                    currentRatio(keyspace, m.uuid, now),
                    m.cutoverAttempts,
                    m.retainArtifactsSeconds < 0,
                    m.message));
        }
        return out;
    }

    // ---- topology views ----

    boolean hasKeyspace(String keyspace) {
        return topology.keyspaces().contains(keyspace);
    }

    List<String> shardsOf(String keyspace) {
        return topology.shards(keyspace);
    }

    String primaryAlias(String keyspace, String shard) {
        return alias(topology.primaryServerId(keyspace, shard));
    }

    synchronized String replicaAlias(String replica) {
        int id = replicaIds.computeIfAbsent(replica, r -> 10_000 + replicaIds.size());
        return alias(id);
    }

    private String alias(int id) {
        return settings.cell() + "-" + String.format(Locale.ROOT, "%010d", id);
    }

    String cell() {
        return settings.cell();
    }

    Duration throttleThreshold() {
        return settings.throttleThreshold();
    }

    int vitessVersion() {
        return settings.vitessVersion();
    }

    FakeTopology topology() {
        return topology;
    }

    // ---- submission ----

    /**
     * Submits an ALTER to {@code shards} of {@code keyspace} the way VTGate's OnlineDDL primitive does: one uuid, sent
     * to every shard; a shard that refuses makes the whole statement fail after the others got it.
     */
    synchronized String submit(
            String keyspace,
            List<String> targetShards,
            String table,
            String statement,
            String strategy,
            String options,
            boolean postponeCompletion,
            boolean allowConcurrent,
            boolean immediateEligible,
            long cutoverThresholdSeconds,
            String context,
            @Nullable String revertOf)
            throws MySqlError {
        Instant now = now();
        String uuid = nextUuid();
        MySqlError firstError = null;
        for (String shard : targetShards) {
            ShardTable t = table(keyspace, shard);
            advance(keyspace, shard, t, now);
            String reject = topology.rejectStart(keyspace, shard);
            if (reject != null) {
                rejections.add(new FakeVtgate.Rejection(keyspace, shard, context, reject, now));
                if (firstError == null) {
                    firstError = MySqlError.unknownError(
                            "target: " + keyspace + "." + shard + ".primary: vttablet: " + reject);
                }
                continue;
            }
            FakeMigration m = new FakeMigration(
                    t.nextId++,
                    uuid,
                    keyspace,
                    shard,
                    revertOf == null ? table : revertedTable(t, revertOf),
                    statement,
                    strategy,
                    options,
                    context,
                    postponeCompletion,
                    allowConcurrent,
                    immediateEligible,
                    now);
            m.cutoverThresholdSeconds = cutoverThresholdSeconds;
            m.revertOf = revertOf;
            t.migrations.add(m);
            submissions.add(new FakeVtgate.Submission(keyspace, shard, uuid, context, strategy, statement, now));
        }
        if (firstError != null) {
            throw firstError;
        }
        return uuid;
    }

    /** The table of the migration a REVERT reverts, as the executor's review fills it in; empty when unknown. */
    private static String revertedTable(ShardTable t, String uuid) {
        for (FakeMigration m : t.migrations) {
            if (m.uuid.equals(uuid)) {
                return m.table;
            }
        }
        return "";
    }

    private String nextUuid() {
        uuidSequence++;
        byte[] seed = ("osc4j-fake-vtgate-" + uuidSequence).getBytes(StandardCharsets.UTF_8);
        return UUID.nameUUIDFromBytes(seed).toString().replace('-', '_');
    }

    // ---- reads ----

    /** The rows of {@code shards} matching {@code filter}, brought up to now. */
    synchronized List<FakeMigration> select(
            String keyspace, List<String> targetShards, Predicate<FakeMigration> filter) {
        Instant now = now();
        List<FakeMigration> out = new ArrayList<>();
        for (String shard : targetShards) {
            ShardTable t = table(keyspace, shard);
            advance(keyspace, shard, t, now);
            for (FakeMigration m : t.migrations) {
                m.userThrottleRatio = m.status.pending() ? currentRatio(keyspace, m.uuid, now) : m.userThrottleRatio;
                if (filter.test(m)) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    // ---- ALTER VITESS_MIGRATION ----

    /** What {@code ALTER VITESS_MIGRATION} does to one row. */
    enum Verb {
        RETRY,
        CLEANUP,
        CANCEL,
        COMPLETE
    }

    /**
     * Applies {@code verb} to {@code uuid} on each of {@code targetShards} (or to every migration of the shards when
     * {@code uuid} is null: the {@code ... ALL} forms); returns the rows affected.
     */
    synchronized long alter(String keyspace, List<String> targetShards, @Nullable String uuid, Verb verb)
            throws MySqlError {
        Instant now = now();
        long affected = 0;
        for (String shard : targetShards) {
            ShardTable t = table(keyspace, shard);
            advance(keyspace, shard, t, now);
            List<FakeMigration> rows = new ArrayList<>();
            for (FakeMigration m : t.migrations) {
                if (uuid == null || m.uuid.equals(uuid)) {
                    rows.add(m);
                }
            }
            if (rows.isEmpty() && uuid != null && verb == Verb.CANCEL) {
                throw MySqlError.unknownError("target: " + keyspace + "." + shard
                        + ".primary: vttablet: rpc error: code = Unknown desc = migration not found");
            }
            for (FakeMigration m : rows) {
                if (apply(m, verb, now)) {
                    affected++;
                }
            }
        }
        return affected;
    }

    /**
     * {@code ALTER VITESS_MIGRATION ['uuid'] THROTTLE [EXPIRE d] [RATIO r]} or {@code UNTHROTTLE}: a rule for the app
     * ({@code uuid}, or {@code online-ddl} for the ALL forms) in the keyspace's throttler config, expiring after
     * {@code expire}; without EXPIRE VTGate sets 100 years, and UNTHROTTLE is a rule that expires at once
     * ({@code validateThrottleParams} in go/vt/vtgate/planbuilder/migration.go). The rule is written whether or not
     * the keyspace's throttler is enabled.
     */
    synchronized void throttleApp(String keyspace, @Nullable String uuid, double ratio, @Nullable Duration expire) {
        Instant now = now();
        for (String shard : shardsOf(keyspace)) {
            advance(keyspace, shard, table(keyspace, shard), now);
        }
        Instant until = expire == null ? now.plus(Duration.ofDays(365L * 100)) : now.plus(expire);
        String app = uuid == null ? "online-ddl" : uuid;
        KeyspaceThrottler throttler = throttler(keyspace);
        if (until.isAfter(now)) {
            throttler.throttledApps.put(app, new ThrottleRule(ratio, until));
        } else {
            throttler.throttledApps.remove(app);
        }
    }

    /** Turns the keyspace's tablet throttler on or off ({@code UpdateThrottlerConfig --enable/--disable}). */
    synchronized void setThrottlerEnabled(String keyspace, boolean enabled) {
        Instant now = now();
        for (String shard : shardsOf(keyspace)) {
            advance(keyspace, shard, table(keyspace, shard), now);
        }
        throttler(keyspace).enabled = enabled;
    }

    /** Whether the keyspace's tablet throttler is enabled. */
    synchronized boolean throttlerEnabled(String keyspace) {
        return throttler(keyspace).enabled;
    }

    private KeyspaceThrottler throttler(String keyspace) {
        return throttlers.computeIfAbsent(keyspace, k -> new KeyspaceThrottler());
    }

    private boolean apply(FakeMigration m, Verb verb, Instant now) {
        switch (verb) {
            case RETRY -> {
                // sqlRetryMigrationWhere (go/vt/vttablet/onlineddl/schema.go): status, tablet, retries, message,
                // stage, cutover_attempts and the ready/started/liveness/cancelled/completed/cleanup timestamps are
                // reset; progress, rows_copied, table_rows, eta_seconds and ready_to_complete are not.
                if (m.status != Status.FAILED && m.status != Status.CANCELLED) {
                    return false;
                }
                double progress = m.progress();
                m.status = Status.QUEUED;
                m.staleProgress = progress;
                m.queuedAt = now;
                m.cursor = now;
                m.retries++;
                m.message = "";
                m.stage = "";
                m.cutoverAttempts = 0;
                m.ready = null;
                m.started = null;
                m.liveness = null;
                m.cancelled = null;
                m.completed = null;
                m.cleanup = null;
                m.copyDoneAt = null;
                m.readyNotBefore = null;
                m.cutoverStartedAt = null;
                return true;
            }
            case CLEANUP -> {
                if (m.status.pending()) {
                    return false;
                }
                m.retainArtifactsSeconds = -1;
                m.cleanup = now;
                return true;
            }
            case CANCEL -> {
                if (!m.status.pending()) {
                    return false;
                }
                m.status = Status.CANCELLED;
                m.cancelled = now;
                m.message = "CANCEL issued by user";
                m.messageAt = now;
                m.cursor = now;
                return true;
            }
            case COMPLETE -> {
                if (!m.status.pending() || !m.postponeCompletion) {
                    return false;
                }
                m.postponeCompletion = false;
                return true;
            }
            default -> throw new IllegalArgumentException("not a row verb: " + verb);
        }
    }

    // ---- the scheduler ----

    private ShardTable table(String keyspace, String shard) {
        return shards.computeIfAbsent(keyspace + "/" + shard, k -> new ShardTable());
    }

    /** The ratio of the rules for the migration's app (or all Online DDL) in the keyspace's throttler config. */
    private double currentRatio(String keyspace, String uuid, Instant now) {
        KeyspaceThrottler throttler = throttler(keyspace);
        double ratio = 0;
        for (String app : new String[] {uuid, "online-ddl"}) {
            ThrottleRule rule = throttler.throttledApps.get(app);
            if (rule != null && now.isBefore(rule.expireAt())) {
                ratio = Math.max(ratio, rule.ratio());
            }
        }
        return ratio;
    }

    private void advance(String keyspace, String shard, ShardTable t, Instant now) {
        for (FakeMigration m : t.migrations) {
            advance(keyspace, shard, t, m, now);
        }
    }

    private boolean anotherRunning(ShardTable t, FakeMigration m) {
        for (FakeMigration other : t.migrations) {
            if (other != m && other.status == Status.RUNNING && !other.allowConcurrent) {
                return true;
            }
        }
        return false;
    }

    private @Nullable FakeMigration completedDuplicate(ShardTable t, FakeMigration m) {
        for (FakeMigration other : t.migrations) {
            if (other != m
                    && other.status == Status.COMPLETE
                    && !m.context.isEmpty()
                    && other.context.equals(m.context)
                    && other.statement.equals(m.statement)) {
                return other;
            }
        }
        return null;
    }

    private void advance(String keyspace, String shard, ShardTable t, FakeMigration m, Instant now) {
        int guard = 0;
        while (m.cursor.isBefore(now) && guard++ < 100) {
            switch (m.status) {
                case QUEUED -> {
                    Instant due = m.queuedAt.plus(settings.schedulerTick());
                    if (due.isAfter(now)) {
                        m.cursor = now;
                        return;
                    }
                    Instant at = later(due, m.cursor);
                    if (m.reviewed == null) {
                        // reviewQueuedMigrations: a special plan makes the ALTER an immediate operation.
                        m.reviewed = at;
                        m.immediate = m.immediateEligible;
                        if (m.strategy.equals("mysql") && m.postponeCompletion) {
                            // reviewQueuedMigrations, "Find conditions where the migration cannot take place"
                            m.status = Status.FAILED;
                            m.completed = at;
                            m.message = "--postpone-completion not supported in 'mysql' strategy";
                            m.messageAt = at;
                            m.cursor = at;
                            continue;
                        }
                    }
                    if (m.immediate && !m.readyToComplete) {
                        // scheduleNextMigration: an immediate operation is ready to complete from the start...
                        m.readyToComplete = true;
                        m.readyToCompleteAt = at;
                    }
                    if (m.immediate && m.postponeCompletion) {
                        // ...and, postponed, stays queued until COMPLETE clears postpone_completion.
                        m.cursor = now;
                        return;
                    }
                    FakeMigration duplicate = completedDuplicate(t, m);
                    if (duplicate != null) {
                        m.status = Status.COMPLETE;
                        m.completed = at;
                        m.message = "duplicate migration of " + duplicate.uuid + " in context " + m.context
                                + ", which is complete";
                        m.cursor = at;
                        continue;
                    }
                    if (!m.allowConcurrent && anotherRunning(t, m)) {
                        m.cursor = now;
                        return;
                    }
                    m.status = Status.READY;
                    m.ready = at;
                    m.cursor = at;
                }
                case READY -> {
                    Instant readyAt = m.ready == null ? m.cursor : m.ready;
                    Instant due = readyAt.plus(settings.schedulerTick());
                    if (due.isAfter(now)) {
                        m.cursor = now;
                        return;
                    }
                    Instant at = later(due, m.cursor);
                    m.status = Status.RUNNING;
                    m.started = at;
                    m.liveness = at;
                    String revertRefused = m.revertOf == null ? null : revertRefusal(t, m);
                    if (revertRefused != null) {
                        m.status = Status.FAILED;
                        m.completed = at;
                        m.message = revertRefused;
                        m.messageAt = at;
                        m.cursor = at;
                        continue;
                    }
                    if (m.immediate) {
                        // An immediate operation runs its statement directly: no shadow table, no copy.
                        m.status = Status.COMPLETE;
                        m.completed = at;
                        m.tablet = primaryAlias(keyspace, shard);
                        m.stage = "";
                        m.cursor = at;
                        topology.recordApplied(keyspace, shard, m.statement);
                        continue;
                    }
                    if (m.retries > 0 && m.staleProgress != null) {
                        m.staleUntil = at.plus(settings.schedulerTick());
                    }
                    m.tableRows = topology.rows(keyspace, shard);
                    m.tablet = primaryAlias(keyspace, shard);
                    FakeMigration reverted = m.revertOf == null ? null : reverted(t, m);
                    // a revert's artifact is the reverted migration's VReplication table, the original table it kept
                    // (initVreplicationRevertMigration, executor.go)
                    m.artifacts = reverted != null ? reverted.artifacts : artifactName(m.uuid, at) + ",";
                    m.stage = "copying rows";
                    if (reverted != null) {
                        // no copy: VReplication resumes the reverted migration's stream at its stored position and
                        // applies what changed since its cut-over (v.pos = revertStream.pos)
                        m.copied = m.tableRows;
                        m.copyDoneAt = at;
                        m.stage = "";
                    }
                    m.cursor = at;
                }
                case RUNNING -> running(keyspace, shard, m, now);
                default -> m.cursor = now;
            }
        }
    }

    /**
     * Why the executor refuses to run a REVERT of {@code m.revertOf}, or null: the reverted migration must be complete,
     * no other migration may be pending on the table, and it must be the last migration completed on the table
     * ({@code validateMigrationRevertible} in go/vt/vttablet/onlineddl/executor.go); an ALTER must have run with the
     * {@code online} or {@code vitess} strategy (the fake's other one is {@code mysql}), in the executor's words.
     */
    private static @Nullable String revertRefusal(ShardTable t, FakeMigration m) {
        FakeMigration reverted = reverted(t, m);
        if (reverted == null) {
            return "cannot read migration " + m.revertOf + " reverted by migration " + m.uuid + ": migration not found";
        }
        if (reverted.revertOf == null && !reverted.strategy.equals("online") && !reverted.strategy.equals("vitess")) {
            return "can only revert a online strategy migration. Migration " + reverted.uuid + " has "
                    + reverted.strategy + " strategy";
        }
        if (reverted.status != Status.COMPLETE) {
            return "can only revert a migration in a 'complete' state. Migration " + reverted.uuid + " is in '"
                    + reverted.status.sql() + "' state";
        }
        FakeMigration lastComplete = null;
        for (FakeMigration other : t.migrations) {
            if (other != m && other.table.equals(reverted.table)) {
                if (other.status.pending()) {
                    return "can not revert migration " + reverted.uuid + " on table " + reverted.table
                            + " because migration " + other.uuid + " is in " + other.status.sql()
                            + " status. May only revert if all migrations on this table are completed or failed";
                }
                Instant done = other.completed;
                Instant last = lastComplete == null ? null : lastComplete.completed;
                if (other.status == Status.COMPLETE && done != null && (last == null || !done.isBefore(last))) {
                    lastComplete = other;
                }
            }
        }
        if (lastComplete != null && lastComplete != reverted) {
            return "can not revert migration " + reverted.uuid + " on table " + reverted.table
                    + " because it is not the last migration to complete on that table. The last migration to"
                    + " complete was " + lastComplete.uuid;
        }
        return null;
    }

    /** The migration {@code m} reverts, on the same shard, or null. */
    private static @Nullable FakeMigration reverted(ShardTable t, FakeMigration m) {
        for (FakeMigration other : t.migrations) {
            if (other.uuid.equals(m.revertOf)) {
                return other;
            }
        }
        return null;
    }

    /**
     * The shadow table's name: {@code _<uuid>_<yyyyMMddHHmmss>_vrepl} up to v19, {@code
     * _vt_vrp_<uuid without underscores>_<yyyyMMddHHmmss>_} from v20 (schema.GenerateInternalTableName in
     * go/vt/schema/name.go).
     */
    private String artifactName(String uuid, Instant at) {
        String time = ARTIFACT_TIME.format(at);
        return settings.vitessVersion() >= 20
                ? "_vt_vrp_" + uuid.replace("_", "") + "_" + time + "_"
                : "_" + uuid + "_" + time + "_vrepl";
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private void running(String keyspace, String shard, FakeMigration m, Instant now) {
        Instant staleUntil = m.staleUntil;
        if (staleUntil != null) {
            if (staleUntil.isAfter(now)) {
                m.cursor = now; // the new run has not been reviewed yet: the row shows the previous run's figures
                return;
            }
            // First review of the new run: VReplication copies again from scratch into a new shadow table.
            m.staleUntil = null;
            m.staleProgress = null;
            m.copied = 0;
            m.readyToComplete = false;
            m.cursor = staleUntil;
        }
        String primary = primaryAlias(keyspace, shard);
        if (!primary.equals(m.tablet)) {
            // Failover: the new primary adopts the migration and VReplication resumes there; it must catch up again.
            m.tablet = primary;
            m.readyToComplete = false;
            m.readyNotBefore =
                    later(m.readyNotBefore == null ? now : m.readyNotBefore, now.plus(settings.catchupTime()));
            m.message = "adopted by new primary " + primary;
            m.messageAt = now;
        }
        Duration lag = topology.replicaLag(keyspace, shard);
        boolean replicationStopped = topology.replicationStopped(keyspace, shard);
        String lagProblem = replicationStopped
                ? "replication stopped on a replica of " + keyspace + "/" + shard
                : lag.compareTo(settings.throttleThreshold()) > 0
                        ? "lag=" + lag.toSeconds() + "s exceeds threshold "
                                + settings.throttleThreshold().toSeconds() + "s"
                        : null;
        double ratio = currentRatio(keyspace, m.uuid, now);
        m.userThrottleRatio = ratio;
        if (!throttler(keyspace).enabled) {
            // A disabled throttler answers every check with OK: neither the rule nor the lag slows the copy.
            ratio = 0;
            lagProblem = null;
        }
        m.liveness = now;
        if (m.copyDoneAt == null) {
            copy(keyspace, shard, m, now, lagProblem, ratio);
        } else if (m.cutoverStartedAt == null) {
            catchUp(m, now, lagProblem, ratio);
        } else {
            Instant done = m.cutoverStartedAt.plus(settings.cutoverTime());
            if (done.isAfter(now)) {
                m.cursor = now;
                return;
            }
            m.status = Status.COMPLETE;
            m.completed = later(done, m.cursor);
            m.stage = "re-enabling writes";
            m.readyToComplete = true;
            m.cursor = m.completed;
            topology.recordApplied(keyspace, shard, m.statement);
        }
    }

    private void throttled(FakeMigration m, Instant now, String component, String reason) {
        m.lastThrottled = now;
        m.componentThrottled = component;
        m.reasonThrottled = reason;
    }

    private void copy(
            String keyspace, String shard, FakeMigration m, Instant now, @Nullable String lagProblem, double ratio) {
        double rate;
        if (lagProblem != null) {
            throttled(m, now, "vcopier", lagProblem);
            rate = 0;
        } else if (ratio >= 1) {
            throttled(m, now, "vcopier", "app " + m.uuid + " is throttled by the user (ratio " + ratio + ")");
            rate = 0;
        } else {
            rate = topology.stalled(keyspace, shard) ? 0 : settings.rowsPerSecond() * (1 - ratio);
            if (ratio > 0) {
                throttled(m, now, "vcopier", "app " + m.uuid + " is throttled by the user (ratio " + ratio + ")");
            }
        }
        if (rate <= 0) {
            m.cursor = now;
            return;
        }
        double stop = m.tableRows;
        Double failAt = topology.failAtPercent(keyspace, shard);
        boolean failing = false;
        if (failAt != null && m.tableRows * failAt / 100.0 < stop) {
            stop = Math.max(m.copied, m.tableRows * failAt / 100.0);
            failing = true;
        }
        double seconds = (stop - m.copied) / rate;
        Instant reach = m.cursor.plusNanos((long) Math.ceil(seconds * 1e9));
        if (reach.isAfter(now)) {
            m.copied = Math.min(
                    stop, m.copied + rate * (Duration.between(m.cursor, now).toNanos() / 1e9));
            m.cursor = now;
            return;
        }
        m.copied = stop;
        m.cursor = reach;
        if (failing) {
            topology.consumeFailure(keyspace, shard);
            m.status = Status.FAILED;
            m.completed = reach;
            m.message = "injected failure at " + failAt + "% of the copy";
            m.messageAt = reach;
            m.stage = "";
        } else {
            m.copyDoneAt = reach;
            m.readyNotBefore = reach.plus(settings.catchupTime());
            m.stage = "waiting for post-copy catch-up";
        }
    }

    private void catchUp(FakeMigration m, Instant now, @Nullable String lagProblem, double ratio) {
        if (lagProblem != null || ratio >= 1) {
            throttled(
                    m, now, "vplayer", lagProblem != null ? lagProblem : "app " + m.uuid + " is throttled by the user");
            m.readyToComplete = false;
            Instant notBefore = now.plus(settings.catchupTime());
            m.readyNotBefore = m.readyNotBefore == null ? notBefore : later(m.readyNotBefore, notBefore);
            m.cursor = now;
            return;
        }
        Instant readyAt = later(m.readyNotBefore == null ? m.cursor : m.readyNotBefore, m.cursor);
        if (readyAt.isAfter(now)) {
            m.cursor = now;
            return;
        }
        if (!m.readyToComplete) {
            m.readyToComplete = true;
            m.readyToCompleteAt = readyAt;
        }
        if (m.postponeCompletion) {
            m.cursor = now;
            return;
        }
        m.cutoverStartedAt = readyAt;
        m.cutoverAttempts++;
        m.lastCutoverAttempt = readyAt;
        m.stage = "starting cut-over";
        m.cursor = readyAt;
    }
}
