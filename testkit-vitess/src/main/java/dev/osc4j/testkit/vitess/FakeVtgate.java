package dev.osc4j.testkit.vitess;

import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.mysql.MySqlProtocolServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A fake VTGate on a loopback port: it speaks the MySQL protocol (mysql-connector-j connects to {@link #jdbcUrl()}),
 * keeps a {@code _vt.schema_migrations} table per shard of a {@link FakeTopology}, and runs Vitess Online DDL
 * migrations on the topology's clock, so an engine's real JDBC code path is tested without Vitess.
 *
 * <pre>{@code
 * SettableClock clock = SettableClock.startingAtEpoch2026();
 * FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("commerce", 4, 100_000);
 * try (FakeVtgate vtgate = FakeVtgate.builder(topology).build().start();
 *      Connection c = DriverManager.getConnection(vtgate.jdbcUrl("commerce"), vtgate.user(), vtgate.password())) {
 *     ...
 * }
 * }</pre>
 *
 * <p>The protocol is that of {@link MySqlProtocolServer}: text queries, server-side prepared statements and
 * multi-statements (split as VTGate splits them), {@code mysql_native_password}, no TLS; the testkit's README lists the
 * commands and limits.
 *
 * <h2>What it answers, as VTGate does</h2>
 *
 * <ul>
 *   <li>{@code USE keyspace[:shard][@primary]} ({@code /} may replace {@code :}): the session target. Statements go to
 *       every shard of the keyspace, or to the one shard named.
 *   <li>{@code ALTER TABLE ...} under {@code SET @@ddl_strategy='vitess [flags]'} (or {@code online}): one uuid for the
 *       statement, a {@code queued} row on every target shard with the session's {@code @@migration_context} (default
 *       {@code vtgate:<session uuid>}), and a result set with one {@code uuid} column. When the topology makes a shard
 *       {@linkplain FakeTopology#rejectStart reject} the start, the other shards keep their row and the statement fails
 *       with error 1105 naming the shard: a partial submission. There is no way to choose the uuid: VTGate generates
 *       it.
 *   <li>{@code SHOW VITESS_MIGRATIONS [FROM ks] [LIKE 'pattern' | WHERE ...]}: one row per shard and migration, the
 *       pattern matched against {@code migration_uuid}, {@code migration_context} and {@code migration_status}
 *       ({@code like_or_where_opt} in go/vt/sqlparser/sql.y), WHERE with {@code =}, {@code !=}, {@code LIKE}, {@code IN}
 *       and AND, with the columns of the chosen {@linkplain Builder#vitessVersion version} (or those chosen with
 *       {@link Builder#migrationColumns}).
 *   <li>{@code ALTER VITESS_MIGRATION 'uuid' RETRY | CLEANUP | CANCEL | COMPLETE [VITESS_SHARDS 'a,b'] | THROTTLE
 *       [EXPIRE 'd'] [RATIO r] | UNTHROTTLE}, and {@code CANCEL|COMPLETE|CLEANUP|UNTHROTTLE ALL}, on the target
 *       shards; the OK packet's affected rows count the rows changed. CANCEL of a uuid a target shard does not have
 *       fails ("migration not found"), like the tablet's executor.
 *   <li>{@code REVERT VITESS_MIGRATION 'uuid'}: a new uuid, a queued revert row per target shard under the context
 *       {@code vtgate:<session uuid>}, with strategy {@code online} and the session's flags (so {@code
 *       --postpone-completion} holds it), {@code reverted_uuid} set at submission (go/vt/vtgate/engine/revert_migration.go,
 *       {@code sqlInsertMigration} in go/vt/vttablet/onlineddl/schema.go); when it runs, it fails unless the reverted
 *       migration ran with the {@code online} or {@code vitess} strategy, is complete, nothing else is pending on its
 *       table, and it is the last migration completed on that table ({@code validateMigrationRevertible} in
 *       executor.go, with its messages); otherwise it takes the reverted migration's artifact as its own, copies
 *       nothing (VReplication resumes at the reverted stream's position, {@code initVreplicationRevertMigration}) and
 *       catches up and cuts over like an ALTER.
 *   <li>{@code SET @@ddl_strategy='mysql'}: the ALTER gets a row that runs directly, without a shadow table (modelled
 *       as an immediate operation); with {@code --postpone-completion} it fails at review, as the executor refuses it.
 *   <li>{@code SHOW VITESS_TABLETS} (primary and replicas of every shard, aliases {@code <cell>-<10-digit id>}, the
 *       primary's id changing with a reparent, {@code PrimaryTermStartTime} in RFC 3339) and {@code SHOW
 *       VITESS_REPLICATION_STATUS [LIKE 'ks/shard']} (lag in whole seconds, {@code NULL} with replication stopped).
 *   <li>Anything else: error 1105 {@code unsupported: ...}; no keyspace selected: 1046 {@code VT09005}; an unknown
 *       keyspace: 1049 {@code VT05003}.
 * </ul>
 *
 * <h2>The scheduler, simplified</h2>
 *
 * <p>Each shard runs its migrations on the clock: a queued row becomes {@code ready} one {@linkplain
 * Builder#schedulerTick tick} after it was queued and {@code running} one tick later (one running ALTER per shard
 * unless {@code --allow-concurrent}); a row whose context and statement equal those of a complete row on the shard is
 * marked complete instead (Vitess's duplicate detection). A running migration copies {@linkplain
 * Builder#rowsPerSecond rows per second} times (1 - the throttle ratio); {@code table_rows} is the topology's row
 * count. Replica lag above the {@linkplain Builder#throttleThreshold throttler threshold}, or stopped replication,
 * throttles it ({@code last_throttled_timestamp}, {@code component_throttled}, {@code reason_throttled}); a stalled
 * shard copies nothing; a {@linkplain FakeTopology#failAt failure} fails the row at that percent. After the copy the
 * migration catches up for {@linkplain Builder#catchupTime a while} and then shows {@code ready_to_complete=1}, which
 * falls back to 0 while the lag is high and after a reparent (the new primary adopts the migration: the {@code tablet}
 * column changes and VReplication catches up again). With {@code --postpone-completion} it waits there until {@code
 * COMPLETE}; then it cuts over in {@linkplain Builder#cutoverTime a fixed time} and becomes {@code complete}, and the
 * statement is {@linkplain FakeTopology#recordApplied recorded as applied} on the shard. Progress and ETA follow
 * Vitess's formulas.
 *
 * <p>Checked against vitessio/vitess (details and versions in docs/engine-vitess.md): an ALTER with a special plan
 * (a single RANGE partition ADD/DROP under {@code --fast-range-rotation}, an INSTANT-eligible ADD COLUMN under {@code
 * --prefer-instant-ddl}; go/vt/vttablet/onlineddl/analysis.go) is an immediate operation: reviewed as {@code
 * is_immediate_operation=1}, {@code ready_to_complete=1} while queued, and under {@code --postpone-completion} left
 * queued until COMPLETE ({@code scheduleNextMigration} in executor.go), then run directly without a copy. RETRY keeps
 * {@code progress}, {@code rows_copied} and {@code ready_to_complete} until the executor first reviews the new run
 * ({@code sqlRetryMigrationWhere} in schema.go). THROTTLE and UNTHROTTLE are rules in the keyspace's throttler config,
 * whatever shard the session targets, 100 years without EXPIRE (go/vt/vtgate/planbuilder/migration.go); with the
 * keyspace's throttler {@linkplain #setThrottlerEnabled disabled} they are accepted and shown but slow nothing, and
 * {@code SHOW VITESS_THROTTLER STATUS} answers {@code enabled=0} (tabletserver/query_executor.go). From v22 a {@code
 * --cut-over-threshold} outside 5s..30s is refused at submission. {@link #failNext} answers with VTGate's reparent
 * errors ({@link VtgateFault}).
 *
 * <p>Not modelled: cut-over backoff and failures, tablet failures and their automatic retry, stale
 * migrations, LAUNCH, declarative migrations, the {@code mysql} strategy, {@code --singleton*}.
 *
 * <h2>For assertions</h2>
 *
 * <p>{@link #submissions} (every row a DDL created, per shard), {@link #rejections}, {@link #migrations} (the rows as
 * they are now) and {@link #statements} (everything clients sent, with the session target). {@link #loseNextResponse}
 * executes a statement and then drops the connection without answering, as a timeout after the fact would.
 */
public final class FakeVtgate implements AutoCloseable {
    /** Every column of {@code SHOW VITESS_MIGRATIONS} in a recent Vitess (v22), in table order. */
    public static final List<String> RECENT_MIGRATION_COLUMNS = MigrationColumns.RECENT;

    /**
     * The columns as Vitess v18-v19 have them (go/vt/sidecardb/schema/onlineddl/schema_migrations.sql up to {@code
     * force_cutover}): without the later {@code message_timestamp ... shadow_analyzed_timestamp}.
     */
    public static final List<String> V18_MIGRATION_COLUMNS = MigrationColumns.V18;

    /** Default user. */
    public static final String DEFAULT_USER = "vtgate-user";
    /** Default password of {@link #DEFAULT_USER}. */
    public static final String DEFAULT_PASSWORD = "vtgate-secret";
    /** Default scheduler tick. */
    public static final Duration DEFAULT_SCHEDULER_TICK = Duration.ofSeconds(1);
    /** Default copy rate per shard. */
    public static final long DEFAULT_ROWS_PER_SECOND = 10_000;
    /** Default catch-up time after the copy. */
    public static final Duration DEFAULT_CATCHUP_TIME = Duration.ofSeconds(2);
    /** Default cut-over time. */
    public static final Duration DEFAULT_CUTOVER_TIME = Duration.ofSeconds(1);
    /** Default throttler threshold: Vitess's default lag threshold. */
    public static final Duration DEFAULT_THROTTLE_THRESHOLD = Duration.ofSeconds(5);
    /** The oldest Vitess major version the fake imitates. */
    public static final int OLDEST_VITESS_VERSION = 19;
    /** The newest Vitess major version the fake imitates. */
    public static final int NEWEST_VITESS_VERSION = 23;
    /** The Vitess major version imitated unless chosen. */
    public static final int DEFAULT_VITESS_VERSION = 22;
    /** Default cell of the tablet aliases. */
    public static final String DEFAULT_CELL = "zone1";

    /** The fake's settings. */
    record Settings(
            Duration schedulerTick,
            long rowsPerSecond,
            Duration catchupTime,
            Duration cutoverTime,
            Duration throttleThreshold,
            String cell,
            int vitessVersion) {}

    /**
     * A row a DDL created on a shard.
     *
     * @param keyspace the keyspace
     * @param shard the shard
     * @param uuid the migration uuid
     * @param context the migration context
     * @param strategy the strategy ({@code vitess})
     * @param statement the statement as sent
     * @param at when
     */
    public record Submission(
            String keyspace,
            String shard,
            String uuid,
            String context,
            String strategy,
            String statement,
            Instant at) {}

    /**
     * A shard that refused a DDL.
     *
     * @param keyspace the keyspace
     * @param shard the shard
     * @param context the migration context of the refused statement
     * @param reason why
     * @param at when
     */
    public record Rejection(String keyspace, String shard, String context, String reason, Instant at) {}

    /**
     * A statement a client sent.
     *
     * @param target the session target when it was sent (empty when none)
     * @param sql the statement
     * @param at when
     */
    public record Executed(String target, String sql, Instant at) {}

    /**
     * A migration row as it is now.
     *
     * @param uuid {@code migration_uuid}
     * @param context {@code migration_context}
     * @param status {@code migration_status}
     * @param tablet {@code tablet}: the primary that runs it
     * @param retries {@code retries}
     * @param rowsCopied {@code rows_copied}
     * @param tableRows {@code table_rows}
     * @param readyToComplete {@code ready_to_complete}
     * @param postponeCompletion {@code postpone_completion}
     * @param userThrottleRatio the throttle ratio in force for the migration on the shard
     * @param cutoverAttempts {@code cutover_attempts}
     * @param cleanedUp whether CLEANUP marked its artifacts for collection
     * @param message {@code message}
     */
    public record MigrationView(
            String uuid,
            String context,
            String status,
            String tablet,
            int retries,
            long rowsCopied,
            long tableRows,
            boolean readyToComplete,
            boolean postponeCompletion,
            double userThrottleRatio,
            int cutoverAttempts,
            boolean cleanedUp,
            String message) {}

    private final VtgateState state;
    private final VtgateHandler handler;
    private final MySqlProtocolServer server;
    private final String user;
    private final String password;

    private FakeVtgate(Builder b) {
        Settings settings = new Settings(
                b.schedulerTick,
                b.rowsPerSecond,
                b.catchupTime,
                b.cutoverTime,
                b.throttleThreshold,
                b.cell,
                b.vitessVersion);
        this.state = new VtgateState(b.topology, settings);
        List<String> columns = b.migrationColumns;
        if (columns == null) {
            columns = b.vitessVersion <= 19 ? V18_MIGRATION_COLUMNS : RECENT_MIGRATION_COLUMNS;
        }
        this.handler = new VtgateHandler(state, columns);
        this.user = b.user;
        this.password = b.password;
        this.server = MySqlProtocolServer.builder()
                .user(b.user, b.password)
                .sessionVariable("ddl_strategy", "direct")
                .sessionVariable("migration_context", "")
                .handler(handler)
                .build();
    }

    /** Configures a fake VTGate over {@code topology} (and its clock). */
    public static Builder builder(FakeTopology topology) {
        return new Builder(topology);
    }

    /** Starts listening on a free loopback port. */
    public FakeVtgate start() {
        server.start();
        return this;
    }

    /** A mysql-connector-j URL without a default database. */
    public String jdbcUrl() {
        return server.jdbcUrl();
    }

    /** A mysql-connector-j URL whose default database is {@code target} (a keyspace, or {@code ks:shard}). */
    public String jdbcUrl(String target) {
        return server.jdbcUrl(target);
    }

    /** The port. */
    public int port() {
        return server.port();
    }

    /** The user clients log in as. */
    public String user() {
        return user;
    }

    /** The user's password. */
    public String password() {
        return password;
    }

    /** The rows DDLs created on a shard, in order: exactly one per shard for a migration submitted once. */
    public List<Submission> submissions(String keyspace, String shard) {
        return state.submissions(keyspace, shard);
    }

    /** Every row DDLs created, in order. */
    public List<Submission> submissions() {
        return state.submissions();
    }

    /** The DDLs a shard refused. */
    public List<Rejection> rejections(String keyspace, String shard) {
        return state.rejections(keyspace, shard);
    }

    /** The migrations of a shard as they are at the clock's time. */
    public List<MigrationView> migrations(String keyspace, String shard) {
        return state.migrations(keyspace, shard);
    }

    /** The one migration of {@code uuid} on a shard, or null. */
    public @Nullable MigrationView migration(String keyspace, String shard, String uuid) {
        for (MigrationView m : migrations(keyspace, shard)) {
            if (m.uuid().equals(uuid)) {
                return m;
            }
        }
        return null;
    }

    /** Every statement clients sent (after the connection setup the server answers itself), in order. */
    public List<Executed> statements() {
        return state.statements();
    }

    /**
     * Makes the next statement starting with {@code statementPrefix} (case-insensitive) take effect and then lose its
     * answer: the connection is closed instead, and the client sees a communications failure.
     */
    public FakeVtgate loseNextResponse(String statementPrefix) {
        handler.loseNextResponse(statementPrefix);
        return this;
    }

    /**
     * Makes the next statement starting with {@code statementPrefix} (case-insensitive) fail with {@code fault}, as
     * VTGate answers during a reparent, without taking effect.
     */
    public FakeVtgate failNext(String statementPrefix, VtgateFault fault) {
        handler.failNext(statementPrefix, fault);
        return this;
    }

    /**
     * Turns the keyspace's tablet throttler on (the default) or off. Off, THROTTLE is still accepted and shows in
     * {@code user_throttle_ratio}, but nothing slows the copy, and {@code SHOW VITESS_THROTTLER STATUS} answers
     * {@code enabled=0}.
     */
    public FakeVtgate setThrottlerEnabled(String keyspace, boolean enabled) {
        state.setThrottlerEnabled(keyspace, enabled);
        return this;
    }

    /** Closes every client connection, as a restarting VTGate would. Returns how many were closed. */
    public int disconnectAll() {
        return server.disconnectAll();
    }

    /** Stops the server. Idempotent. */
    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return "FakeVtgate[" + server + "]";
    }

    /** Configures a {@link FakeVtgate}; setters validate their argument. */
    public static final class Builder {
        private final FakeTopology topology;
        private Duration schedulerTick = DEFAULT_SCHEDULER_TICK;
        private long rowsPerSecond = DEFAULT_ROWS_PER_SECOND;
        private Duration catchupTime = DEFAULT_CATCHUP_TIME;
        private Duration cutoverTime = DEFAULT_CUTOVER_TIME;
        private Duration throttleThreshold = DEFAULT_THROTTLE_THRESHOLD;
        private String cell = DEFAULT_CELL;
        private int vitessVersion = DEFAULT_VITESS_VERSION;
        private @Nullable List<String> migrationColumns;
        private String user = DEFAULT_USER;
        private String password = DEFAULT_PASSWORD;

        private Builder(FakeTopology topology) {
            this.topology = topology;
        }

        /** Time between scheduler steps: queued to ready, ready to running (default 1 s). */
        public Builder schedulerTick(Duration value) {
            this.schedulerTick = positive("schedulerTick", value);
            return this;
        }

        /** Copy rate of one shard's migration (default {@value #DEFAULT_ROWS_PER_SECOND}). */
        public Builder rowsPerSecond(long value) {
            if (value < 1) {
                throw new IllegalArgumentException("rowsPerSecond must be >= 1, got " + value);
            }
            this.rowsPerSecond = value;
            return this;
        }

        /** Catch-up time after the copy, a reparent or a lag spike, before ready_to_complete (default 2 s). */
        public Builder catchupTime(Duration value) {
            this.catchupTime = notNegative("catchupTime", value);
            return this;
        }

        /** Time a cut-over takes (default 1 s). */
        public Builder cutoverTime(Duration value) {
            this.cutoverTime = notNegative("cutoverTime", value);
            return this;
        }

        /** Replica lag above which the tablet throttler holds the migration (default 5 s). */
        public Builder throttleThreshold(Duration value) {
            this.throttleThreshold = positive("throttleThreshold", value);
            return this;
        }

        /** Cell name in tablet aliases (default {@value #DEFAULT_CELL}). */
        public Builder cell(String value) {
            if (!value.matches("[a-z0-9_]+")) {
                throw new IllegalArgumentException("cell must match [a-z0-9_]+, got '" + value + "'");
            }
            this.cell = value;
            return this;
        }

        /**
         * The columns of {@code SHOW VITESS_MIGRATIONS}, in order, to imitate another Vitess version: names from
         * {@link #RECENT_MIGRATION_COLUMNS} get their values, any other name is sent as NULL.
         */
        public Builder migrationColumns(List<String> columns) {
            if (columns.isEmpty()) {
                throw new IllegalArgumentException("migrationColumns must not be empty");
            }
            this.migrationColumns = List.copyOf(columns);
            return this;
        }

        /**
         * The Vitess major version whose behaviour to imitate, {@value #OLDEST_VITESS_VERSION} to {@value
         * #NEWEST_VITESS_VERSION} (default {@value #DEFAULT_VITESS_VERSION}): from v20 artifact tables are named
         * {@code _vt_vrp_<uuid hex>_<timestamp>_}, from v22 a {@code --cut-over-threshold} outside 5s..30s is refused;
         * unless {@link #migrationColumns} chooses them, v19 shows {@link #V18_MIGRATION_COLUMNS} (the schema up to
         * {@code force_cutover}) and later versions {@link #RECENT_MIGRATION_COLUMNS}.
         */
        public Builder vitessVersion(int value) {
            if (value < OLDEST_VITESS_VERSION || value > NEWEST_VITESS_VERSION) {
                throw new IllegalArgumentException("vitessVersion must be " + OLDEST_VITESS_VERSION + "-"
                        + NEWEST_VITESS_VERSION + ", got " + value);
            }
            this.vitessVersion = value;
            return this;
        }

        /** The user and password clients log in with. */
        public Builder user(String name, String secret) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("user must not be empty");
            }
            this.user = name;
            this.password = secret;
            return this;
        }

        /** Builds the fake; {@link FakeVtgate#start()} starts it. */
        public FakeVtgate build() {
            return new FakeVtgate(this);
        }

        private static Duration positive(String name, Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }

        private static Duration notNegative(String name, Duration value) {
            if (value.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, got " + value);
            }
            return value;
        }
    }
}
