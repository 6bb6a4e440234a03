package dev.osc4j.testkit.vitess;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** One row of a shard's {@code _vt.schema_migrations} in the fake, mutable, guarded by the {@link VtgateState}. */
final class FakeMigration {
    /** Values of {@code migration_status}. */
    enum Status {
        QUEUED,
        READY,
        RUNNING,
        COMPLETE,
        FAILED,
        CANCELLED;

        String sql() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        boolean pending() {
            return this == QUEUED || this == READY || this == RUNNING;
        }
    }

    final long id;
    final String uuid;
    final String keyspace;
    final String shard;
    final String table;
    final String statement;
    final String strategy;
    final String options;
    final String context;
    final boolean allowConcurrent;
    final Instant added;

    Status status = Status.QUEUED;
    /** When the row became queued (submission, or the last RETRY); the scheduler counts its ticks from here. */
    Instant queuedAt;

    @Nullable
    Instant ready;

    @Nullable
    Instant reviewed;

    @Nullable
    Instant started;

    @Nullable
    Instant liveness;

    @Nullable
    Instant completed;

    @Nullable
    Instant cleanup;

    @Nullable
    Instant cancelled;

    @Nullable
    Instant readyToCompleteAt;

    @Nullable
    Instant lastThrottled;

    @Nullable
    Instant lastCutoverAttempt;

    @Nullable
    Instant messageAt;

    String artifacts = "";
    int retries;
    String tablet = "";
    String message = "";
    String stage = "";
    int cutoverAttempts;
    double copied;
    long tableRows;
    boolean postponeCompletion;
    boolean readyToComplete;
    double userThrottleRatio;
    String componentThrottled = "";
    String reasonThrottled = "";
    long retainArtifactsSeconds = 86_400;
    /** {@code is_immediate_operation}: set by the executor's review (a special plan such as a range partition rotation). */
    boolean immediate;
    /** Whether the review will find the ALTER immediate (its strategy flags and statement allow a special plan). */
    final boolean immediateEligible;
    /** {@code special_plan}: the special plan's JSON, empty for a VReplication migration. */
    String specialPlan = "";
    /** The uuid a {@code REVERT VITESS_MIGRATION} reverts ({@code reverted_uuid}), or null for an ALTER. */
    @Nullable
    String revertOf;

    /** {@code cutover_threshold_seconds}. */
    long cutoverThresholdSeconds = 10;

    /**
     * After a RETRY, the run's figures ({@code progress}, {@code rows_copied}, {@code ready_to_complete}) keep the
     * previous run's values until the executor first reviews the new run: RETRY does not reset them
     * ({@code sqlRetryMigrationWhere} in go/vt/vttablet/onlineddl/schema.go). Non-null while that is so.
     */
    @Nullable
    Double staleProgress;

    /** When the executor first reviews the new run after a RETRY; null otherwise. */
    @Nullable
    Instant staleUntil;

    /** When the row copy finished; null while copying. */
    @Nullable
    Instant copyDoneAt;

    /** The migration is not ready to complete before this (catch-up after the copy, a reparent or a lag spike). */
    @Nullable
    Instant readyNotBefore;

    @Nullable
    Instant cutoverStartedAt;

    /** How far the simulation of this row has advanced. */
    Instant cursor;

    FakeMigration(
            long id,
            String uuid,
            String keyspace,
            String shard,
            String table,
            String statement,
            String strategy,
            String options,
            String context,
            boolean postponeCompletion,
            boolean allowConcurrent,
            boolean immediateEligible,
            Instant now) {
        this.id = id;
        this.uuid = uuid;
        this.keyspace = keyspace;
        this.shard = shard;
        this.table = table;
        this.statement = statement;
        this.strategy = strategy;
        this.options = options;
        this.context = context;
        this.postponeCompletion = postponeCompletion;
        this.allowConcurrent = allowConcurrent;
        this.immediateEligible = immediateEligible;
        this.added = now;
        this.queuedAt = now;
        this.cursor = now;
    }

    /** {@code progress} as Vitess computes it. */
    double progress() {
        Double stale = staleProgress;
        if (stale != null) {
            return stale;
        }
        return switch (status) {
            case QUEUED, READY -> 0;
            case COMPLETE -> 100;
            case RUNNING, FAILED, CANCELLED -> {
                if (readyToComplete) {
                    yield 100;
                }
                if (started == null) {
                    yield 0;
                }
                yield tableRows == 0 ? 100 : Math.min(100, 100.0 * copied / tableRows);
            }
        };
    }

    /** {@code eta_seconds} as Vitess computes it: linear from the start time. */
    long etaSeconds(Instant now) {
        if (status == Status.COMPLETE || readyToComplete) {
            return 0;
        }
        double progress = progress();
        Instant start = started;
        if (status != Status.RUNNING || start == null || progress <= 0) {
            return -1;
        }
        if (tableRows == 0) {
            return 0;
        }
        double elapsed = java.time.Duration.between(start, now).toMillis() / 1000.0;
        return Math.max(0, Math.round(elapsed * (100.0 / progress - 1)));
    }
}
