package dev.osc4j.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.ErrorCode;
import dev.osc4j.FencedException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Osc4jException;
import dev.osc4j.ShardRecord;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import dev.osc4j.spi.Lease;
import dev.osc4j.spi.RecordCodec;
import dev.osc4j.testkit.AuditTrails;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the JDBC store promises beyond the common contract: its schema (created, upgraded in place, refused when newer,
 * missing), unknown outcomes resolved by re-reading, bounded retries of transient errors, clear errors for bad input,
 * and no connection kept between operations. Runs on H2 ({@link H2StoreBehaviourTest}) and on a real MariaDB
 * ({@link MariaDbStoreBehaviourIT}).
 */
abstract class JdbcStoreBehaviour {
    private String prefix = "unset_";

    /** The database of the test class; each test works on tables of its own prefix in it. */
    protected abstract DataSource dataSource();

    /** Whether the database speaks the MySQL dialect (for vendor error codes). */
    protected abstract boolean mysql();

    @BeforeEach
    final void freshTables() {
        prefix = TestDatabases.freshPrefix();
    }

    private JdbcStateStore.Builder builder(DataSource dataSource) {
        return JdbcStateStore.builder(dataSource)
                .tablePrefix(prefix)
                .initialBackoff(Duration.ofMillis(5))
                .maxBackoff(Duration.ofMillis(50));
    }

    private JdbcStateStore store() {
        return builder(dataSource()).build();
    }

    private Sql sql() {
        return new Sql(mysql() ? Sql.Dialect.MYSQL : Sql.Dialect.H2, prefix);
    }

    private void execute(String statement, Object... args) throws SQLException {
        try (Connection c = dataSource().getConnection();
                PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.execute();
        }
    }

    private List<Integer> schemaVersions() throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (Connection c = dataSource().getConnection();
                PreparedStatement s =
                        c.prepareStatement("SELECT version FROM " + prefix + "schema_version ORDER BY version");
                ResultSet rows = s.executeQuery()) {
            while (rows.next()) {
                out.add(rows.getInt(1));
            }
        }
        return out;
    }

    private static MigrationRecord created(JdbcStateStore store, String key) {
        MigrationRecord r = Records.queued(key, 2);
        return store.create(r, List.of(Records.submitted(r))).record();
    }

    private SQLException deadlock() {
        return new SQLException("injected: Deadlock found when trying to get lock", "40001", mysql() ? 1213 : 40001);
    }

    private SQLException lockWaitTimeout() {
        return mysql()
                ? new SQLException("injected: Lock wait timeout exceeded", "HY000", 1205)
                : new SQLException("injected: Timeout trying to lock table", "HYT00", 50200);
    }

    // ----------------------------------------------------------------------------------------------------- schema

    @Test
    @DisplayName("a new database gets the current schema, recorded step by step in the schema-version table")
    void createsSchema() throws Exception {
        try (JdbcStateStore store = store()) {
            assertThat(store.list(MigrationFilter.all())).isEmpty();
        }
        assertThat(schemaVersions()).containsExactly(1, 2, 3, 4);
        assertThat(JdbcStateStore.SCHEMA_VERSION).isEqualTo(4);
        try (JdbcStateStore again = store()) {
            assertThat(again.list(MigrationFilter.all())).isEmpty();
        }
        assertThat(schemaVersions()).as("building again changes nothing").containsExactly(1, 2, 3, 4);
    }

    @Test
    @DisplayName("controllers starting at once on an empty database all get the schema, and each step is recorded once")
    void concurrentSchemaCreation() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Integer>> builds = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                builds.add(pool.submit(() -> {
                    go.await();
                    try (JdbcStateStore store = store()) {
                        return store.list(MigrationFilter.all()).size();
                    }
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<Integer> build : builds) {
                assertThat(build.get(60, java.util.concurrent.TimeUnit.SECONDS)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(schemaVersions()).containsExactly(1, 2, 3, 4);
    }

    @Test
    @DisplayName("a schema newer than the code is refused with STORE_SCHEMA, and nothing is changed")
    void newerSchemaRefused() throws Exception {
        try (JdbcStateStore store = store()) {
            created(store, "newer-schema");
        }
        execute(
                "INSERT INTO " + prefix + "schema_version (version, description, installed_at) VALUES (?, ?, ?)",
                5,
                "from a future osc4j",
                LocalDateTime.now(ZoneOffset.UTC));
        assertThatThrownBy(this::store)
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_SCHEMA))
                .hasMessageContaining("schema version 5")
                .hasMessageContaining("newer than this osc4j understands (4)")
                .hasMessageContaining("upgrade this controller");
        assertThat(schemaVersions()).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    @DisplayName("missing tables with createSchema off are a STORE_SCHEMA error that says how to create them")
    void missingTablesWithoutCreateSchema() throws Exception {
        assertThatThrownBy(() -> builder(dataSource()).createSchema(false).build())
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_SCHEMA))
                .hasMessageContaining(prefix + "migrations")
                .hasMessageContaining("do not exist")
                .hasMessageContaining("createSchema(true)");
        assertThatThrownBy(this::schemaVersions).isInstanceOf(SQLException.class);
    }

    @Test
    @DisplayName("a table dropped under a running store is a STORE_SCHEMA error naming it, and the write is undone")
    void droppedTable() throws Exception {
        try (JdbcStateStore store = store()) {
            MigrationRecord r = created(store, "dropped");
            execute("DROP TABLE " + prefix + "audit");
            assertThatThrownBy(() -> store.audit(r.id(), 0, 10))
                    .isInstanceOfSatisfying(
                            StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_SCHEMA))
                    .hasMessageContaining("missing")
                    .satisfies(e -> assertThat(String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT))
                            .contains(prefix + "audit"));
            Records.Change c = Records.transition(r, MigrationState.INITIALIZING, "test", "start");
            assertThatThrownBy(() -> store.compareAndSet(c.record(), r.version(), null, c.audit()))
                    .isInstanceOfSatisfying(
                            StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_SCHEMA));
            MigrationRecord after = store.read(r.id()).orElseThrow();
            assertThat(after.state())
                    .as("the UPDATE ran before the audit insert failed; the transaction undid it")
                    .isEqualTo(MigrationState.QUEUED);
            assertThat(after.version()).isEqualTo(r.version());
        }
    }

    @Test
    @DisplayName("a version 1 schema with data is upgraded in place: summary columns added and filled from the JSON")
    void upgradeInPlaceFromVersion1() throws Exception {
        try (Connection c = dataSource().getConnection()) {
            new SchemaMigrator(sql()).upgrade(c, 1);
        }
        assertThat(schemaVersions()).containsExactly(1);
        MigrationRecord queued = Records.queued("upgrade", 2);
        MigrationRecord r = queued.withShard("s0", s -> s.withState(MigrationState.COMPLETED, queued.updatedAt()));
        MigrationSummary expected = MigrationSummary.of(r.withVersion(7));
        assertThat(expected.percent()).isEqualTo(50.0);
        // A row as version 1 of the store wrote it: no summary columns.
        execute(
                "INSERT INTO " + prefix + "migrations (id, version, keyspace_name, table_name, engine, state, attempt,"
                        + " audit_seq, record_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                r.id().value(),
                7L,
                "commerce",
                "orders",
                "fake",
                r.state().name(),
                1,
                1L,
                RecordCodec.encode(r),
                Sql.time(r.createdAt()),
                Sql.time(r.updatedAt()));
        execute(
                "INSERT INTO " + prefix
                        + "audit (migration_id, seq, kind, written_at, entry_json) VALUES (?, ?, ?, ?, ?)",
                r.id().value(),
                1L,
                "SUBMITTED",
                Sql.time(r.createdAt()),
                RecordCodec.encodeAudit(Records.submitted(r)));

        assertThatThrownBy(() -> builder(dataSource()).createSchema(false).build())
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_SCHEMA))
                .hasMessageContaining("schema version 1, older than this osc4j needs (4)");

        try (JdbcStateStore store = store()) {
            assertThat(schemaVersions()).containsExactly(1, 2, 3, 4);
            assertThat(store.list(MigrationFilter.all())).containsExactly(expected);
            assertThat(shardRows(r))
                    .as("version 4 split the record into its shards")
                    .containsExactly(
                            RecordCodec.encodeShard(r.shards().get(0)),
                            RecordCodec.encodeShard(r.shards().get(1)));
            assertThat(storedHead(r)).isEqualTo(RecordCodec.encodeHead(r));
            MigrationRecord read = store.read(r.id()).orElseThrow();
            assertThat(read).isEqualTo(r.withVersion(7));
            Records.Change c = Records.transition(read, MigrationState.INITIALIZING, "test", "after upgrade");
            assertThat(store.compareAndSet(c.record(), 7, null, c.audit()).version())
                    .isEqualTo(8);
            AuditTrails.assertSound(store.audit(r.id(), 0, 100));
        }
    }

    @Test
    @DisplayName(
            "a version 3 schema interrupted while splitting records (one split, one whole) completes when run again")
    void interruptedSplitCompletes() throws Exception {
        try (Connection c = dataSource().getConnection()) {
            new SchemaMigrator(sql()).upgrade(c, 3);
        }
        execute(sql().schemaV4().get(0));
        MigrationRecord whole = Records.queued("split-whole", 3);
        MigrationRecord done = Records.queued("split-done", 2);
        for (MigrationRecord r : List.of(whole, done)) {
            execute(
                    "INSERT INTO " + prefix + "migrations (id, version, keyspace_name, table_name, engine, state,"
                            + " attempt, audit_seq, record_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?,"
                            + " ?, ?, ?, ?)",
                    r.id().value(),
                    3L,
                    "commerce",
                    "orders",
                    "fake",
                    r.state().name(),
                    1,
                    0L,
                    r.equals(done) ? RecordCodec.encodeHead(r) : RecordCodec.encode(r),
                    Sql.time(r.createdAt()),
                    Sql.time(r.updatedAt()));
        }
        for (int i = 0; i < 2; i++) {
            execute(
                    "INSERT INTO " + prefix + "shards (migration_id, shard_index, shard_json) VALUES (?, ?, ?)",
                    done.id().value(),
                    i,
                    RecordCodec.encodeShard(done.shards().get(i)));
        }
        try (JdbcStateStore store = store()) {
            assertThat(schemaVersions()).containsExactly(1, 2, 3, 4);
            assertThat(store.read(whole.id()).orElseThrow()).isEqualTo(whole.withVersion(3));
            assertThat(store.read(done.id()).orElseThrow()).isEqualTo(done.withVersion(3));
            assertThat(shardRows(whole)).hasSize(3);
        }
    }

    @Test
    @DisplayName("an upgrade interrupted half-way (a column added, the step not recorded) completes when run again")
    void interruptedUpgradeCompletes() throws Exception {
        try (Connection c = dataSource().getConnection()) {
            new SchemaMigrator(sql()).upgrade(c, 1);
        }
        execute(sql().schemaV2().get(0));
        execute(sql().schemaV2().get(2));
        assertThat(schemaVersions()).containsExactly(1);
        try (JdbcStateStore store = store()) {
            created(store, "interrupted");
            assertThat(store.list(MigrationFilter.all())).hasSize(1);
        }
        assertThat(schemaVersions()).containsExactly(1, 2, 3, 4);
    }

    // --------------------------------------------------------------------------------------------- shards apart

    @Test
    @DisplayName(
            "a change of one shard rewrites that shard's row and the head, and leaves the other shards' rows alone")
    void oneShardRewritten() throws Exception {
        try (JdbcStateStore store = store()) {
            MigrationRecord r = created(store, "one-shard");
            // Shard 0's row, rewritten by hand with a field the code ignores: a rewrite by the store would drop it.
            String marked = RecordCodec.encodeShard(r.shards().get(0)).replaceFirst("^\\{", "{\"mark\":1,");
            execute(
                    "UPDATE " + prefix + "shards SET shard_json = ? WHERE migration_id = ? AND shard_index = 0",
                    marked,
                    r.id().value());
            MigrationRecord next = r.withShard("s1", s -> s.withWaitReason("waiting for the test"));
            MigrationRecord written = store.compareAndSet(next, r.version(), null, List.of());
            assertThat(shardRows(r))
                    .containsExactly(
                            marked, RecordCodec.encodeShard(next.shards().get(1)));
            assertThat(store.read(r.id()).orElseThrow()).isEqualTo(written);
        }
        try (JdbcStateStore fresh = store()) {
            // A store that remembers nothing of the record compares with the stored rows: the marked row differs.
            MigrationRecord r = fresh.list(MigrationFilter.all()).stream()
                    .map(s -> fresh.read(s.id()).orElseThrow())
                    .findFirst()
                    .orElseThrow();
            MigrationRecord next = r.withShard("s1", s -> s.withWaitReason(null));
            fresh.compareAndSet(next, r.version(), null, List.of());
            // It read the record above, so it remembers that version and rewrites only shard 1 ...
            assertThat(shardRows(r).get(0)).contains("\"mark\":1");
        }
        try (JdbcStateStore fresh = store()) {
            MigrationRecord r = fresh.list(MigrationFilter.all()).stream()
                    .map(s -> fresh.read(s.id()).orElseThrow())
                    .findFirst()
                    .orElseThrow();
            try (JdbcStateStore other = store()) {
                // ... while one that did not read it (another controller's store) compares with the rows, and fixes 0.
                MigrationRecord next = r.withShard("s1", s -> s.withWaitReason("again"));
                other.compareAndSet(next, r.version(), null, List.of());
                assertThat(shardRows(r))
                        .containsExactly(
                                RecordCodec.encodeShard(next.shards().get(0)),
                                RecordCodec.encodeShard(next.shards().get(1)));
                assertThat(other.read(r.id()).orElseThrow()).isEqualTo(next.withVersion(r.version() + 1));
            }
        }
    }

    @Test
    @DisplayName("a record of one shard is kept whole in its row, without shard rows, through its writes")
    void oneShardKeptWhole() throws Exception {
        try (JdbcStateStore store = store()) {
            MigrationRecord queued = Records.queued("one-shard-whole", 1);
            MigrationRecord r =
                    store.create(queued, List.of(Records.submitted(queued))).record();
            Records.Change c = Records.transition(
                    r.withShard("s0", s -> s.withWaitReason("moving")), MigrationState.INITIALIZING, "test", "go");
            MigrationRecord written = store.compareAndSet(c.record(), r.version(), null, c.audit());
            assertThat(shardRows(r)).isEmpty();
            assertThat(storedHead(r)).isEqualTo(RecordCodec.encode(written));
            assertThat(store.read(r.id()).orElseThrow()).isEqualTo(written);
        }
    }

    @Test
    @DisplayName(
            "a progress write that changes every shard of a 130-shard record rewrites them all, in statements of 100")
    void everyShardRewritten() throws Exception {
        try (JdbcStateStore store = store()) {
            MigrationRecord queued = Records.queued("every-shard", 130);
            MigrationRecord r =
                    store.create(queued, List.of(Records.submitted(queued))).record();
            MigrationRecord next = r;
            for (ShardRecord shard : r.shards()) {
                next = next.withShard(shard.shard(), s -> s.withWaitReason("copying " + s.shard()));
            }
            MigrationRecord written = store.compareAndSet(next, r.version(), null, List.of());
            assertThat(shardRows(r))
                    .containsExactlyElementsOf(
                            next.shards().stream().map(RecordCodec::encodeShard).toList());
            assertThat(store.read(r.id()).orElseThrow()).isEqualTo(written);
        }
    }

    @Test
    @DisplayName("a missing shard row is a CORRUPT_RECORD error naming the migration and the shard")
    void missingShardRow() throws Exception {
        try (JdbcStateStore store = store()) {
            MigrationRecord r = created(store, "missing-shard");
            execute("DELETE FROM " + prefix + "shards WHERE migration_id = ? AND shard_index = 0", r.id().value());
            assertThatThrownBy(() -> store.read(r.id()))
                    .isInstanceOfSatisfying(
                            StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_RECORD))
                    .hasMessageContaining(r.id().value())
                    .hasMessageContaining("no stored shard 0");
        }
    }

    @Test
    @DisplayName("a write of a shard whose row was removed by hand writes the record whole again, once")
    void removedShardRowRewritten() throws Exception {
        try (JdbcStateStore store = store()) {
            MigrationRecord r = created(store, "removed-shard");
            execute("DELETE FROM " + prefix + "shards WHERE migration_id = ? AND shard_index = 1", r.id().value());
            MigrationRecord next = r.withShard("s1", s -> s.withWaitReason("after the row was removed"));
            Records.Change c = Records.transition(next, MigrationState.INITIALIZING, "test", "start");
            MigrationRecord written = store.compareAndSet(c.record(), r.version(), null, c.audit());
            assertThat(written.version()).isEqualTo(r.version() + 1);
            assertThat(shardRows(r))
                    .containsExactly(
                            RecordCodec.encodeShard(next.shards().get(0)),
                            RecordCodec.encodeShard(next.shards().get(1)));
            assertThat(store.read(r.id()).orElseThrow()).isEqualTo(written);
            assertThat(store.audit(r.id(), 0, 100)).hasSize(2);
        }
    }

    private List<String> shardRows(MigrationRecord r) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource().getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT shard_json FROM " + prefix + "shards WHERE migration_id = ? ORDER BY shard_index")) {
            s.setString(1, r.id().value());
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    out.add(rows.getString(1));
                }
            }
        }
        return out;
    }

    private String storedHead(MigrationRecord r) throws SQLException {
        try (Connection c = dataSource().getConnection();
                PreparedStatement s =
                        c.prepareStatement("SELECT record_json FROM " + prefix + "migrations WHERE id = ?")) {
            s.setString(1, r.id().value());
            try (ResultSet rows = s.executeQuery()) {
                assertThat(rows.next()).isTrue();
                return rows.getString(1);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ unknown outcomes

    @Test
    @DisplayName("a compare-and-set whose commit landed but whose connection broke is reported done, not applied twice")
    void commitLandedConnectionLost() throws Exception {
        FaultyDataSource faulty = new FaultyDataSource(dataSource());
        try (JdbcStateStore store = builder(faulty).build()) {
            MigrationRecord r = created(store, "lost-after");
            Lease lease =
                    store.tryAcquire(r.id(), "owner-a", Duration.ofSeconds(30)).orElseThrow();
            Records.Change c = Records.transition(r, MigrationState.INITIALIZING, "owner-a", "start");
            int commitsBefore = faulty.commits();
            faulty.failNextCommit(FaultyDataSource.CommitFault.LOST_AFTER_COMMIT);
            MigrationRecord stored = store.compareAndSet(c.record(), r.version(), lease, c.audit());
            assertThat(stored.version()).isEqualTo(r.version() + 1);
            assertThat(faulty.commits() - commitsBefore)
                    .as("committed once, then only read")
                    .isEqualTo(2);
            MigrationRecord read = store.read(r.id()).orElseThrow();
            assertThat(read.version()).isEqualTo(r.version() + 1);
            assertThat(read.state()).isEqualTo(MigrationState.INITIALIZING);
            List<AuditEntry> trail = store.audit(r.id(), 0, 100);
            assertThat(trail).hasSize(2);
            AuditTrails.assertSound(trail);
        }
    }

    @Test
    @DisplayName("a compare-and-set whose commit never landed is applied by the next attempt, exactly once")
    void commitLostBeforeLanding() {
        FaultyDataSource faulty = new FaultyDataSource(dataSource());
        try (JdbcStateStore store = builder(faulty).build()) {
            MigrationRecord r = created(store, "lost-before");
            Records.Change c = Records.transition(r, MigrationState.INITIALIZING, "test", "start");
            faulty.failNextCommit(FaultyDataSource.CommitFault.LOST_BEFORE_COMMIT);
            MigrationRecord stored = store.compareAndSet(c.record(), r.version(), null, c.audit());
            assertThat(stored.version()).isEqualTo(r.version() + 1);
            assertThat(store.read(r.id()).orElseThrow().state()).isEqualTo(MigrationState.INITIALIZING);
            assertThat(store.audit(r.id(), 0, 100)).hasSize(2);
        }
    }

    @Test
    @DisplayName("a create whose commit landed but whose connection broke reports created, with one audit entry")
    void createCommitLandedConnectionLost() {
        FaultyDataSource faulty = new FaultyDataSource(dataSource());
        try (JdbcStateStore store = builder(faulty).build()) {
            MigrationRecord r = Records.queued("create-lost", 1);
            faulty.failNextCommit(FaultyDataSource.CommitFault.LOST_AFTER_COMMIT);
            assertThat(store.create(r, List.of(Records.submitted(r))).created()).isTrue();
            assertThat(store.create(r, List.of(Records.submitted(r))).created())
                    .as("a real second create is still told apart")
                    .isFalse();
            assertThat(store.audit(r.id(), 0, 100)).hasSize(1);
        }
    }

    @Test
    @DisplayName("a compare-and-set without audit entries whose commit landed is recognised by its stored JSON")
    void unauditedWriteCommitLanded() {
        FaultyDataSource faulty = new FaultyDataSource(dataSource());
        try (JdbcStateStore store = builder(faulty).build()) {
            MigrationRecord r = created(store, "progress-only");
            MigrationRecord next = r.with(
                            r.state(),
                            r.attempt(),
                            r.shards(),
                            new Controls(List.of(), false, true, 0.5, false),
                            r.directives(),
                            r.auditSeq(),
                            Records.now(),
                            Records.now())
                    .withShard("s1", s -> s.withWaitReason("a shard changed too"));
            faulty.failNextCommit(FaultyDataSource.CommitFault.LOST_AFTER_COMMIT);
            assertThat(store.compareAndSet(next, r.version(), null, List.of()).version())
                    .isEqualTo(r.version() + 1);
            assertThat(store.read(r.id()).orElseThrow().version()).isEqualTo(r.version() + 1);
            assertThat(store.list(MigrationFilter.all()).get(0).paused()).isTrue();
            assertThat(store.read(r.id()).orElseThrow()).isEqualTo(next.withVersion(r.version() + 1));
        }
    }

    // ---------------------------------------------------------------------------------------------------- retries

    @Test
    @DisplayName("deadlocks and lock wait timeouts are retried, and the write lands once")
    void transientErrorsRetried() {
        FaultyDataSource faulty = new FaultyDataSource(dataSource());
        try (JdbcStateStore store = builder(faulty).build()) {
            MigrationRecord r = created(store, "deadlock");
            Records.Change c = Records.transition(r, MigrationState.INITIALIZING, "test", "start");
            faulty.failStatement("UPDATE " + prefix + "migrations", deadlock(), 2);
            MigrationRecord first = store.compareAndSet(c.record(), r.version(), null, c.audit());
            Records.Change d = Records.transition(first, MigrationState.FAILED, "test", "fail");
            faulty.failStatement("INSERT INTO " + prefix + "audit", lockWaitTimeout(), 1);
            store.compareAndSet(d.record(), first.version(), null, d.audit());
            List<AuditEntry> trail = store.audit(r.id(), 0, 100);
            assertThat(trail).hasSize(3);
            AuditTrails.assertSound(trail);
        }
    }

    @Test
    @DisplayName("retries are bounded: a persistent transient error ends as STORE_UNAVAILABLE, nothing written")
    void retriesBounded() {
        FaultyDataSource faulty = new FaultyDataSource(dataSource());
        try (JdbcStateStore store = builder(faulty).maxAttempts(3).build()) {
            MigrationRecord r = created(store, "bounded");
            Records.Change c = Records.transition(r, MigrationState.INITIALIZING, "test", "start");
            faulty.failStatement("UPDATE " + prefix + "migrations", deadlock(), 1000);
            assertThatThrownBy(() -> store.compareAndSet(c.record(), r.version(), null, c.audit()))
                    .isInstanceOfSatisfying(
                            StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE))
                    .hasMessageContaining("compare-and-set of migration " + r.id())
                    .hasMessageContaining("failed 3 times")
                    .hasMessageContaining("Deadlock");
            faulty.failStatement("nothing", deadlock(), 0);
            assertThat(store.read(r.id()).orElseThrow().version()).isEqualTo(r.version());
            assertThat(store.audit(r.id(), 0, 100)).hasSize(1);
        }
    }

    @Test
    @DisplayName("no connection is kept between operations, whether they succeed or fail")
    void connectionsReturned() {
        FaultyDataSource faulty = new FaultyDataSource(dataSource());
        try (JdbcStateStore store = builder(faulty).build()) {
            MigrationRecord r = created(store, "connections");
            Lease lease =
                    store.tryAcquire(r.id(), "owner-a", Duration.ofSeconds(30)).orElseThrow();
            store.renew("owner-a", Duration.ofSeconds(30));
            Records.Change c = Records.transition(r, MigrationState.INITIALIZING, "owner-a", "start");
            store.compareAndSet(c.record(), r.version(), lease, c.audit());
            assertThatThrownBy(() -> store.compareAndSet(c.record(), r.version(), lease, c.audit()))
                    .isInstanceOf(VersionConflictException.class);
            Lease stale = new Lease(r.id(), "owner-a", lease.fencingToken() - 1, lease.expiresAt());
            assertThatThrownBy(() -> store.compareAndSet(c.record(), r.version() + 1, stale, List.of()))
                    .isInstanceOf(FencedException.class);
            store.list(MigrationFilter.active());
            store.audit(r.id(), 0, 10);
            store.release(lease);
            assertThat(faulty.borrowed()).isGreaterThan(8);
            assertThat(faulty.returned()).isEqualTo(faulty.borrowed());
        }
    }

    // ------------------------------------------------------------------------------------------------- bad input

    @Test
    @DisplayName("audit entries that do not continue the stored trail are refused and nothing is written")
    void auditMustContinueTrail() {
        try (JdbcStateStore store = store()) {
            MigrationRecord r = created(store, "trail");
            Records.Change c = Records.transition(r, MigrationState.INITIALIZING, "test", "start");
            AuditEntry gap = c.audit().get(0);
            AuditEntry skipped = new AuditEntry(
                    gap.migrationId(),
                    gap.seq() + 1,
                    gap.at(),
                    gap.actor(),
                    gap.kind(),
                    gap.shard(),
                    gap.from(),
                    gap.to(),
                    gap.trigger(),
                    gap.stepId(),
                    gap.detail());
            MigrationRecord claims = c.record()
                    .with(
                            MigrationState.INITIALIZING,
                            1,
                            r.shards(),
                            r.controls(),
                            r.directives(),
                            skipped.seq(),
                            null,
                            Records.now());
            // Consistent in itself, but the stored trail ends at 1, so entry 3 would leave a gap.
            assertThatThrownBy(() -> store.compareAndSet(claims, r.version(), null, List.of(skipped)))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("stored trail ends at 1");
            // Inconsistent in itself: the record says 2, the entries end at 3.
            assertThatThrownBy(() -> store.compareAndSet(c.record(), r.version(), null, List.of(gap, skipped)))
                    .isInstanceOf(InvalidRequestException.class);
            assertThat(store.read(r.id()).orElseThrow()).isEqualTo(r);
            assertThat(store.audit(r.id(), 0, 100)).hasSize(1);
        }
    }

    @Test
    @DisplayName("a corrupt record still lists from its summary columns, while reading it is CORRUPT_RECORD")
    void corruptRecordListsFromColumns() throws Exception {
        try (JdbcStateStore store = store()) {
            MigrationRecord r = created(store, "corrupt-listed");
            MigrationSummary before = store.list(MigrationFilter.all()).get(0);
            execute("UPDATE " + prefix + "migrations SET record_json = ? WHERE id = ?", "{not json", r.id().value());
            assertThatThrownBy(() -> store.read(r.id()))
                    .isInstanceOfSatisfying(
                            StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_RECORD))
                    .hasMessageContaining(r.id().value());
            assertThat(store.list(MigrationFilter.all())).containsExactly(before);
        }
    }

    @Test
    @DisplayName("invalid settings and arguments are refused naming the parameter and its value")
    void badSettings() {
        assertThatThrownBy(() -> JdbcStateStore.builder(dataSource()).tablePrefix("x; DROP TABLE y"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("tablePrefix")
                .hasMessageContaining("x; DROP TABLE y");
        assertThatThrownBy(() -> JdbcStateStore.builder(dataSource()).maxAttempts(0))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("maxAttempts must be 1-100, got 0");
        assertThatThrownBy(() -> JdbcStateStore.builder(dataSource())
                        .initialBackoff(Duration.ofSeconds(5))
                        .maxBackoff(Duration.ofSeconds(1))
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("maxBackoff");
        try (JdbcStateStore store = store()) {
            MigrationRecord r = created(store, "bad-args");
            assertThatThrownBy(() -> store.tryAcquire(r.id(), "owner", Duration.ZERO))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("ttl");
            assertThatThrownBy(() -> store.tryAcquire(r.id(), " ", Duration.ofSeconds(1)))
                    .isInstanceOf(Osc4jException.class)
                    .hasMessageContaining("owner");
        }
    }

    // ----------------------------------------------------------------------------------------------------- leases

    @Test
    @DisplayName("fencing tokens only grow, across releases, expiries and a restarted store")
    void tokensNeverReused() throws Exception {
        long last = 0;
        MigrationRecord r;
        try (JdbcStateStore store = store()) {
            r = created(store, "tokens");
            for (int i = 0; i < 3; i++) {
                Lease l = store.tryAcquire(r.id(), "owner-" + i, Duration.ofSeconds(30))
                        .orElseThrow();
                assertThat(l.fencingToken()).isGreaterThan(last);
                last = l.fencingToken();
                store.release(l);
            }
            Lease shortLived =
                    store.tryAcquire(r.id(), "owner-x", Duration.ofMillis(200)).orElseThrow();
            assertThat(shortLived.fencingToken()).isGreaterThan(last);
            last = shortLived.fencingToken();
            Thread.sleep(600);
            assertThat(store.renew("owner-x", Duration.ofSeconds(30)))
                    .as("expired: lost")
                    .isEmpty();
        }
        try (JdbcStateStore restarted = store()) {
            Lease after = restarted
                    .tryAcquire(r.id(), "owner-y", Duration.ofSeconds(30))
                    .orElseThrow();
            assertThat(after.fencingToken()).isGreaterThan(last);
        }
    }

    @Test
    @DisplayName("summary columns follow every write, so a dashboard sees state, attempt, percent and pause")
    void summaryFollowsWrites() {
        try (JdbcStateStore store = store()) {
            MigrationRecord r = created(store, "summary");
            MigrationRecord next = r.withShard("s0", s -> s.withState(MigrationState.COMPLETED, r.updatedAt()));
            next = next.with(
                    MigrationState.COPYING_ROWS,
                    2,
                    next.shards(),
                    new Controls(List.of(), false, true, 0, false),
                    r.directives(),
                    r.auditSeq(),
                    null,
                    Records.now());
            MigrationRecord stored = store.compareAndSet(next, r.version(), null, List.of());
            assertThat(store.list(MigrationFilter.active())).containsExactly(MigrationSummary.of(stored));
            assertThat(store.list(MigrationFilter.active()).get(0).percent()).isEqualTo(50.0);
        }
    }
}
