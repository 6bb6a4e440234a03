package dev.osc4j;

import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.ReplicaHealth;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Builds records in a given state for unit tests, through the public constructors only (the api module cannot use
 * the testkit). Shards are built as the orchestrator would leave them: a started shard has its primary recorded and
 * an engine handle of the current attempt; a failed one also has a failure.
 *
 * <pre>{@code
 * MigrationRecord rec = TestRecords.migration("-80", "80-").in(COPYING_ROWS).controls(TestRecords.PAUSED).build();
 * }</pre>
 */
public final class TestRecords {
    /** The time every fixture is built at (a Monday, 10:00 UTC). */
    public static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    /** The idempotency key of the fixture migration. */
    public static final String IDEMPOTENCY_KEY = "test-migration";

    /** The id of the fixture migration. */
    public static final MigrationId ID = MigrationId.forIdempotencyKey(IDEMPOTENCY_KEY);

    /** The keyspace of the fixture migration. */
    public static final String KEYSPACE = "commerce";

    /** The engine name of the fixture migration. */
    public static final String ENGINE = "fake";

    /** Nothing approved, released, paused or throttled; an abort requested. */
    public static final Controls ABORTING = new Controls(List.of(), false, false, 0, true);

    /** Paused by the operator. */
    public static final Controls PAUSED = new Controls(List.of(), false, true, 0, false);

    /** Cut-over released by the operator. */
    public static final Controls RELEASED = new Controls(List.of(), true, false, 0, false);

    private TestRecords() {}

    /** The fixture spec: add a column to {@code commerce.orders} with the fake engine. */
    public static MigrationSpec spec() {
        return new MigrationSpec(KEYSPACE, "orders", "ADD COLUMN note VARCHAR(64)", ENGINE, Map.of(), List.of());
    }

    /** Controls with the operator's throttle ratio. */
    public static Controls throttled(double ratio) {
        return new Controls(List.of(), false, false, ratio, false);
    }

    /** Controls with approvals of the given stages. */
    public static Controls approved(ApprovalStage... stages) {
        List<Approval> approvals = new ArrayList<>();
        for (ApprovalStage stage : stages) {
            approvals.add(new Approval(stage, "approver", "approve-" + stage, T0));
        }
        return new Controls(approvals, false, false, 0, false);
    }

    /** Where the engine runs for {@code shard}. */
    public static ShardTarget target(String shard) {
        return new ShardTarget(KEYSPACE, shard, "vt_" + KEYSPACE, new Endpoint("db" + shard, 3306));
    }

    /** The primary the fixtures record for {@code shard}. */
    public static String primaryOf(String shard) {
        return "primary" + shard;
    }

    /** The replica the fixtures' health reports for {@code shard}. */
    public static String replicaOf(String shard) {
        return "replica" + shard;
    }

    /** The engine key of {@code shard} in {@code attempt}. */
    public static EngineKey key(String shard, int attempt) {
        return new EngineKey(ID, attempt, shard);
    }

    /** The engine handle of {@code shard} in {@code attempt}. */
    public static EngineHandle handle(String shard, int attempt) {
        return new EngineHandle(ENGINE, key(shard, attempt), Map.of("run", shard + "#" + attempt));
    }

    /** A shard in {@code state}, as the orchestrator leaves it there. */
    public static ShardRecord shard(String name, MigrationState state, int attempt) {
        ShardRecord s = ShardRecord.queued(target(name), T0);
        if (state == MigrationState.QUEUED) {
            return s;
        }
        s = s.withState(state, T0);
        if (state == MigrationState.ABORTED) {
            return s.withFailure(new Failure(FailureReason.CANCELLED, "aborted by operator", T0));
        }
        s = s.withPrimary(primaryOf(name)).withHandle(handle(name, attempt));
        if (state == MigrationState.FAILED) {
            s = s.withFailure(new Failure(FailureReason.ENGINE_FAILED, "engine failed", T0));
        }
        return s;
    }

    /** Health of a shard with one replica and the recorded primary, read at {@link #T0}. */
    public static ShardHealth health(String shard, @Nullable Duration replicaLag) {
        return new ShardHealth(
                KEYSPACE,
                shard,
                primaryOf(shard),
                1,
                null,
                List.of(new ReplicaHealth(replicaOf(shard), replicaLag, null)),
                T0);
    }

    /** Health of a shard whose one replica has no lag. */
    public static ShardHealth healthy(String shard) {
        return health(shard, Duration.ZERO);
    }

    /** A migration over these shards, all {@link MigrationState#QUEUED} until told otherwise. */
    public static Builder migration(String... shards) {
        return new Builder(List.of(shards));
    }

    /** Builds a {@link MigrationRecord}; the migration's state is its shards' common state unless set. */
    public static final class Builder {
        private final Map<String, ShardRecord> shards = new LinkedHashMap<>();
        private MigrationSpec spec = TestRecords.spec();
        private MigrationPolicy policy = MigrationPolicy.defaults();
        private Controls controls = Controls.NONE;
        private int attempt = 1;
        private @Nullable MigrationState state;
        private Map<String, DirectiveResult> directives = Map.of();
        private long auditSeq = 1;
        private @Nullable Instant progressPersistedAt;

        private Builder(List<String> names) {
            for (String name : names) {
                shards.put(name, TestRecords.shard(name, MigrationState.QUEUED, attempt));
            }
        }

        /** Every shard in {@code value}; call {@link #attempt} first for handles of a later attempt. */
        public Builder in(MigrationState value) {
            for (String name : List.copyOf(shards.keySet())) {
                shards.put(name, TestRecords.shard(name, value, attempt));
            }
            return this;
        }

        /** One shard in {@code value}. */
        public Builder shard(String name, MigrationState value) {
            requireShard(name);
            shards.put(name, TestRecords.shard(name, value, attempt));
            return this;
        }

        /** One shard changed. */
        public Builder shard(String name, UnaryOperator<ShardRecord> change) {
            shards.put(name, change.apply(requireShard(name)));
            return this;
        }

        /** Every shard changed. */
        public Builder shards(UnaryOperator<ShardRecord> change) {
            shards.replaceAll((name, s) -> change.apply(s));
            return this;
        }

        /** The spec. */
        public Builder spec(MigrationSpec value) {
            this.spec = value;
            return this;
        }

        /** The policy. */
        public Builder policy(MigrationPolicy value) {
            this.policy = value;
            return this;
        }

        /** The default policy, changed. */
        public Builder policy(UnaryOperator<MigrationPolicy.Builder> change) {
            this.policy = change.apply(MigrationPolicy.builder()).build();
            return this;
        }

        /** The controls. */
        public Builder controls(Controls value) {
            this.controls = value;
            return this;
        }

        /** The attempt. */
        public Builder attempt(int value) {
            this.attempt = value;
            return this;
        }

        /** The migration's state, when its shards are in different states. */
        public Builder state(MigrationState value) {
            this.state = value;
            return this;
        }

        /** The directives received. */
        public Builder directives(Map<String, DirectiveResult> value) {
            this.directives = value;
            return this;
        }

        /** The last audit sequence number written. */
        public Builder auditSeq(long value) {
            this.auditSeq = value;
            return this;
        }

        /** When progress was last written. */
        public Builder progressPersistedAt(@Nullable Instant value) {
            this.progressPersistedAt = value;
            return this;
        }

        /** Builds the record (store version 1). */
        public MigrationRecord build() {
            MigrationState migrationState = state;
            if (migrationState == null) {
                Set<MigrationState> distinct =
                        shards.values().stream().map(ShardRecord::state).collect(Collectors.toCollection(TreeSet::new));
                if (distinct.size() != 1) {
                    throw new IllegalStateException(
                            "shards are in " + distinct + ": set the migration's state with state(..)");
                }
                migrationState = distinct.iterator().next();
            }
            return new MigrationRecord(
                    MigrationRecord.SCHEMA_VERSION,
                    ID,
                    1,
                    IDEMPOTENCY_KEY,
                    "fingerprint",
                    spec,
                    policy,
                    "requester", // nobody who sends directives in these tests: a requester may not approve their own
                    // migration
                    migrationState,
                    attempt,
                    List.copyOf(shards.values()),
                    controls,
                    directives,
                    auditSeq,
                    progressPersistedAt,
                    T0,
                    T0,
                    null);
        }

        private ShardRecord requireShard(String name) {
            ShardRecord s = shards.get(name);
            if (s == null) {
                throw new IllegalArgumentException("no shard " + name + " in " + shards.keySet());
            }
            return s;
        }
    }
}
