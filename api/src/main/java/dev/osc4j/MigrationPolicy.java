package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * How a migration is gated. Immutable; build with {@link #builder()} or start from {@link #defaults()}. The policy is
 * stored in the migration's record, so every controller decides with the same rules.
 *
 * @param maxReplicaLag replica lag above this holds the start and the cut-over, and throttles the copy
 * @param throttleOnReplicaLag whether the orchestrator throttles the engine itself while lag is above the threshold
 * @param requireStartApproval whether an {@link ApprovalStage#START} approval is needed before any engine starts
 * @param requireCutoverApproval whether an {@link ApprovalStage#CUTOVER} approval is needed before the swap
 * @param cutoverMode whether the cut-over also needs an explicit release
 * @param cutoverWindow when cut-overs may happen; {@code null} means at any time
 * @param maxTopologyAge the topology must have been read at most this long ago for a cut-over
 * @param stallTimeout no progress for this long marks a shard stalled
 * @param failOnStall whether a stalled shard fails (otherwise it is only marked)
 * @param copySchedule when copies may start (a shard waits in QUEUED outside it); null for any time
 * @param cutoverSchedule when cut-overs may happen, in addition to {@code cutoverWindow}; a cut-over begins only if the
 *     schedule stays open for the expected cut-over time; null for any time
 * @param expectedCutoverTime how long the swap is expected to take (checksums, ANALYZE and warming before it are not
 *     counted); null for {@link #DEFAULT_EXPECTED_CUTOVER_TIME}
 * @param targetReplicaLag with lag throttling on, the lag a closed-loop controller aims at by setting the copy rate
 *     continuously (AIMD with a dead band, see docs/throttling.md); {@code maxReplicaLag} then is the hard limit that
 *     stops the copy, as does unknown lag; null for the on/off throttle at {@code maxReplicaLag}
 * @param requiredApprovers how many distinct people must approve each stage the policy asks approval for (0 or 1:
 *     one)
 * @param allowSelfApproval whether the requester may approve their own migration (by default they may not)
 * @param approvalValidity how long an approval counts after it was given; null for as long as the migration runs
 * @param skipChecksum whether to swap without first comparing the original table with its copy; by default (false)
 *     an engine that can compare ({@link dev.osc4j.spi.EngineCapabilities#checksum()}) does so before every swap, and
 *     a copy that still differs after its copies again fails the shard ({@link FailureReason#CHECKSUM_MISMATCH})
 * @param revertWindow how long a completed migration stays revertible ({@link MigrationState#REVERTIBLE}): the engine
 *     keeps the original table, in sync with the new one, so that a revert loses nothing; null for {@link
 *     #DEFAULT_REVERT_WINDOW}, zero for no revert window (the swap ends the migration, as before 0.3)
 * @param autoRetries how many times a failed migration is retried without an operator (0: it waits for one)
 * @param fallbackOnFailure whether a failure that is final (after {@code autoRetries} retries) runs the fallback chain
 *     at once (stop the run, restore routing, remove the intermediate artifacts, end {@link MigrationState#ABORTED}),
 *     instead of waiting for an operator's retry or abort
 * @param autoRevert health signals that revert the migration on their own while it bakes after its swap (or, for a
 *     migration that cannot be reverted, raise {@link MigrationState#ALERTED}); null for none
 * @param rollout cut over in waves (a canary, a bake time, then the rest); null for every shard at once
 * @param shardCutoverSchedules per shard, a cut-over schedule that replaces {@code cutoverSchedule} for that shard (a
 *     shard serving Asia follows Asia's window); the shards of one wave swap together, so a policy whose shards of one
 *     wave never share an opening within {@link #SCHEDULE_HORIZON} is refused at submit; null or empty for none
 * @param approverGroups an approval counts only from a member of one of these groups ({@link
 *     dev.osc4j.spi.ApproverGroups}, registered on the controllers); null or empty: anyone but the requester
 * @param preSwap the replicated ANALYZE and the warming of the new table before the swap (docs/warming.md); null for
 *     {@link PreSwapPolicy#defaults()}
 * @param maxThreadsRunning a load ceiling for the closed-loop throttle (needs {@code targetReplicaLag}): while the
 *     primary's {@code Threads_running} is over it the copy slows down as it does for a lag over the target, and while
 *     the probe cannot read it the copy stops (fail closed); null for none (docs/throttling.md)
 */
@API(status = MAINTAINED, since = "0.1")
public record MigrationPolicy(
        Duration maxReplicaLag,
        boolean throttleOnReplicaLag,
        boolean requireStartApproval,
        boolean requireCutoverApproval,
        CutoverMode cutoverMode,
        @Nullable MigrationWindow cutoverWindow,
        Duration maxTopologyAge,
        Duration stallTimeout,
        boolean failOnStall,
        @Nullable WindowSchedule copySchedule,
        @Nullable WindowSchedule cutoverSchedule,
        @Nullable Duration expectedCutoverTime,
        @Nullable Duration targetReplicaLag,
        int requiredApprovers,
        boolean allowSelfApproval,
        @Nullable Duration approvalValidity,
        boolean skipChecksum,
        @Nullable Duration revertWindow,
        int autoRetries,
        boolean fallbackOnFailure,
        @Nullable AutoRevert autoRevert,
        @Nullable Rollout rollout,
        @Nullable Map<String, WindowSchedule> shardCutoverSchedules,
        @Nullable List<String> approverGroups,
        @Nullable PreSwapPolicy preSwap,
        @Nullable Integer maxThreadsRunning) {

    /** The largest {@link #maxThreadsRunning()} accepted (MySQL's {@code max_connections} tops out at 100,000). */
    public static final int MAX_THREADS_RUNNING_LIMIT = 100_000;

    /** Default for {@link #revertWindow()}: 24 hours, as long as Vitess retains a migration's artifacts. */
    public static final Duration DEFAULT_REVERT_WINDOW = Duration.ofHours(24);

    /** Default for {@link #maxReplicaLag()}: 10 seconds (Vitess's default cut-over threshold). */
    public static final Duration DEFAULT_MAX_REPLICA_LAG = Duration.ofSeconds(10);
    /** Default for {@link #maxTopologyAge()}: 30 seconds. */
    public static final Duration DEFAULT_MAX_TOPOLOGY_AGE = Duration.ofSeconds(30);
    /** Default for {@link #expectedCutoverTime()}: 5 minutes. */
    public static final Duration DEFAULT_EXPECTED_CUTOVER_TIME = Duration.ofMinutes(5);

    /** How far ahead a schedule must open (for at least the expected cut-over time) for a migration to be accepted. */
    public static final Duration SCHEDULE_HORIZON = Duration.ofDays(30);

    /** Default for {@link #stallTimeout()}: 5 minutes. */
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(5);

    private static final MigrationPolicy DEFAULTS = builder().build();

    /** Validates. */
    public MigrationPolicy {
        requirePositive("maxReplicaLag", maxReplicaLag);
        requirePositive("maxTopologyAge", maxTopologyAge);
        requirePositive("stallTimeout", stallTimeout);
        if (expectedCutoverTime != null) {
            requirePositive("expectedCutoverTime", expectedCutoverTime);
        }
        if (requiredApprovers < 0 || requiredApprovers > 20) {
            throw new InvalidRequestException("policy requiredApprovers must be 1-20, got " + requiredApprovers, null);
        }
        if (approvalValidity != null) {
            requirePositive("approvalValidity", approvalValidity);
        }
        if (revertWindow != null && revertWindow.isNegative()) {
            throw new InvalidRequestException("policy revertWindow must not be negative, got " + revertWindow, null);
        }
        if (autoRevert != null
                && !revertWindowOrDefault(revertWindow).isZero()
                && autoRevert.bakeTime().compareTo(revertWindowOrDefault(revertWindow)) > 0) {
            throw new InvalidRequestException(
                    "policy autoRevert bakeTime (" + autoRevert.bakeTime() + ") must not exceed the revert window ("
                            + revertWindowOrDefault(revertWindow) + "): after the window there is nothing to revert to",
                    null);
        }
        if (autoRetries < 0 || autoRetries > 100) {
            throw new InvalidRequestException("policy autoRetries must be 0-100, got " + autoRetries, null);
        }
        if (targetReplicaLag != null) {
            requirePositive("targetReplicaLag", targetReplicaLag);
            if (targetReplicaLag.compareTo(maxReplicaLag) >= 0) {
                throw new InvalidRequestException(
                        "policy targetReplicaLag (" + targetReplicaLag + ") must be below maxReplicaLag ("
                                + maxReplicaLag + "), the hard limit",
                        null);
            }
        }
        if (maxThreadsRunning != null) {
            if (maxThreadsRunning < 1 || maxThreadsRunning > MAX_THREADS_RUNNING_LIMIT) {
                throw new InvalidRequestException(
                        "policy maxThreadsRunning must be 1-" + MAX_THREADS_RUNNING_LIMIT + ", got "
                                + maxThreadsRunning,
                        null);
            }
            if (targetReplicaLag == null) {
                throw new InvalidRequestException(
                        "policy maxThreadsRunning is a ceiling of the closed-loop throttle: set targetReplicaLag too",
                        null);
            }
        }
    }

    /** How many distinct approvers each stage needs: at least one. */
    public int approversRequired() {
        return Math.max(1, requiredApprovers);
    }

    /** The cut-over schedule of {@code shard}: its own if the policy gives it one, else {@link #cutoverSchedule()}. */
    public @Nullable WindowSchedule cutoverScheduleOf(String shard) {
        WindowSchedule own = shardCutoverSchedules == null ? null : shardCutoverSchedules.get(shard);
        return own != null ? own : cutoverSchedule;
    }

    /** The revert window, or its default when none is set; zero when the migration is not to be revertible. */
    public Duration revertWindowOrDefault() {
        return revertWindowOrDefault(revertWindow);
    }

    private static Duration revertWindowOrDefault(@Nullable Duration value) {
        return value == null ? DEFAULT_REVERT_WINDOW : value;
    }

    /** The ANALYZE and warming settings, or their defaults when none are set. */
    public PreSwapPolicy preSwapOrDefault() {
        return preSwap == null ? PreSwapPolicy.defaults() : preSwap;
    }

    /** The expected cut-over time, or its default when none is set. */
    public Duration expectedCutoverTimeOrDefault() {
        return expectedCutoverTime == null ? DEFAULT_EXPECTED_CUTOVER_TIME : expectedCutoverTime;
    }

    private static void requirePositive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new InvalidRequestException("policy " + name + " must be positive, got " + value, null);
        }
    }

    /** The default policy: automatic cut-over behind the gates, no approvals, no window. */
    public static MigrationPolicy defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this policy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxReplicaLag = maxReplicaLag;
        b.throttleOnReplicaLag = throttleOnReplicaLag;
        b.requireStartApproval = requireStartApproval;
        b.requireCutoverApproval = requireCutoverApproval;
        b.cutoverMode = cutoverMode;
        b.cutoverWindow = cutoverWindow;
        b.maxTopologyAge = maxTopologyAge;
        b.stallTimeout = stallTimeout;
        b.failOnStall = failOnStall;
        b.copySchedule = copySchedule;
        b.cutoverSchedule = cutoverSchedule;
        b.expectedCutoverTime = expectedCutoverTime;
        b.targetReplicaLag = targetReplicaLag;
        b.requiredApprovers = requiredApprovers;
        b.allowSelfApproval = allowSelfApproval;
        b.approvalValidity = approvalValidity;
        b.skipChecksum = skipChecksum;
        b.revertWindow = revertWindow;
        b.autoRetries = autoRetries;
        b.fallbackOnFailure = fallbackOnFailure;
        b.autoRevert = autoRevert;
        b.rollout = rollout;
        if (shardCutoverSchedules != null) {
            b.shardCutoverSchedules.putAll(shardCutoverSchedules);
        }
        b.approverGroups = approverGroups;
        b.preSwap = preSwap;
        b.maxThreadsRunning = maxThreadsRunning;
        return b;
    }

    /** Whether the policy makes {@code stage} wait for an approval. */
    public boolean requiresApproval(ApprovalStage stage) {
        return switch (stage) {
            case START -> requireStartApproval;
            case CUTOVER -> requireCutoverApproval;
        };
    }

    /** Builds a {@link MigrationPolicy}. */
    public static final class Builder {
        private Duration maxReplicaLag = DEFAULT_MAX_REPLICA_LAG;
        private boolean throttleOnReplicaLag = true;
        private boolean requireStartApproval;
        private boolean requireCutoverApproval;
        private CutoverMode cutoverMode = CutoverMode.AUTOMATIC;
        private @Nullable MigrationWindow cutoverWindow;
        private Duration maxTopologyAge = DEFAULT_MAX_TOPOLOGY_AGE;
        private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;
        private boolean failOnStall;
        private boolean skipChecksum;
        private @Nullable Duration targetReplicaLag;
        private int requiredApprovers = 1;
        private boolean allowSelfApproval;
        private @Nullable Duration approvalValidity;
        private @Nullable WindowSchedule copySchedule;
        private @Nullable WindowSchedule cutoverSchedule;
        private @Nullable Duration expectedCutoverTime;
        private @Nullable Duration revertWindow;
        private int autoRetries;
        private boolean fallbackOnFailure;
        private @Nullable AutoRevert autoRevert;
        private @Nullable Rollout rollout;
        private final Map<String, WindowSchedule> shardCutoverSchedules = new TreeMap<>();
        private @Nullable List<String> approverGroups;
        private @Nullable PreSwapPolicy preSwap;
        private @Nullable Integer maxThreadsRunning;

        /** See {@link MigrationPolicy#maxThreadsRunning()}: 1 to {@link #MAX_THREADS_RUNNING_LIMIT}, null for none. */
        public Builder maxThreadsRunning(@Nullable Integer value) {
            this.maxThreadsRunning = value;
            return this;
        }

        /** See {@link MigrationPolicy#preSwap()}. */
        public Builder preSwap(@Nullable PreSwapPolicy value) {
            this.preSwap = value;
            return this;
        }

        private Builder() {}

        /** See {@link MigrationPolicy#approverGroups()}. */
        public Builder approverGroups(String... groups) {
            this.approverGroups = groups.length == 0 ? null : List.of(groups);
            return this;
        }

        /** See {@link MigrationPolicy#shardCutoverSchedules()}: {@code shard} cuts over in {@code schedule}. */
        public Builder shardCutoverSchedule(String shard, WindowSchedule schedule) {
            shardCutoverSchedules.put(shard, schedule);
            return this;
        }

        /** See {@link MigrationPolicy#rollout()}. */
        public Builder rollout(@Nullable Rollout value) {
            this.rollout = value;
            return this;
        }

        /** See {@link MigrationPolicy#autoRevert()}. */
        public Builder autoRevert(@Nullable AutoRevert value) {
            this.autoRevert = value;
            return this;
        }

        /** See {@link MigrationPolicy#revertWindow()}; {@link Duration#ZERO} for none. */
        public Builder revertWindow(@Nullable Duration value) {
            this.revertWindow = value;
            return this;
        }

        /** See {@link MigrationPolicy#autoRetries()}. */
        public Builder autoRetries(int value) {
            this.autoRetries = value;
            return this;
        }

        /** See {@link MigrationPolicy#fallbackOnFailure()}. */
        public Builder fallbackOnFailure(boolean value) {
            this.fallbackOnFailure = value;
            return this;
        }

        /** See {@link MigrationPolicy#copySchedule()}. */
        public Builder copySchedule(@Nullable WindowSchedule value) {
            this.copySchedule = value;
            return this;
        }

        /** See {@link MigrationPolicy#cutoverSchedule()}. */
        public Builder cutoverSchedule(@Nullable WindowSchedule value) {
            this.cutoverSchedule = value;
            return this;
        }

        /** See {@link MigrationPolicy#expectedCutoverTime()}. */
        public Builder expectedCutoverTime(@Nullable Duration value) {
            this.expectedCutoverTime = value;
            return this;
        }

        /** See {@link MigrationPolicy#maxReplicaLag()}. */
        public Builder maxReplicaLag(Duration value) {
            this.maxReplicaLag = value;
            return this;
        }

        /** See {@link MigrationPolicy#throttleOnReplicaLag()}. */
        public Builder throttleOnReplicaLag(boolean value) {
            this.throttleOnReplicaLag = value;
            return this;
        }

        /** See {@link MigrationPolicy#requireStartApproval()}. */
        public Builder requireStartApproval(boolean value) {
            this.requireStartApproval = value;
            return this;
        }

        /** See {@link MigrationPolicy#requireCutoverApproval()}. */
        public Builder requireCutoverApproval(boolean value) {
            this.requireCutoverApproval = value;
            return this;
        }

        /** See {@link MigrationPolicy#cutoverMode()}. */
        public Builder cutoverMode(CutoverMode value) {
            this.cutoverMode = value;
            return this;
        }

        /** See {@link MigrationPolicy#cutoverWindow()}. */
        public Builder cutoverWindow(@Nullable MigrationWindow value) {
            this.cutoverWindow = value;
            return this;
        }

        /** See {@link MigrationPolicy#maxTopologyAge()}. */
        public Builder maxTopologyAge(Duration value) {
            this.maxTopologyAge = value;
            return this;
        }

        /** See {@link MigrationPolicy#stallTimeout()}. */
        public Builder stallTimeout(Duration value) {
            this.stallTimeout = value;
            return this;
        }

        /** See {@link MigrationPolicy#failOnStall()}. */
        public Builder failOnStall(boolean value) {
            this.failOnStall = value;
            return this;
        }

        /** See {@link MigrationPolicy#requiredApprovers()}: 1 to 20. */
        public Builder requiredApprovers(int value) {
            if (value < 1) {
                throw new InvalidRequestException("policy requiredApprovers must be 1-20, got " + value, null);
            }
            this.requiredApprovers = value;
            return this;
        }

        /** See {@link MigrationPolicy#allowSelfApproval()}. */
        public Builder allowSelfApproval(boolean value) {
            this.allowSelfApproval = value;
            return this;
        }

        /** See {@link MigrationPolicy#approvalValidity()}. */
        public Builder approvalValidity(@Nullable Duration value) {
            this.approvalValidity = value;
            return this;
        }

        /** See {@link MigrationPolicy#targetReplicaLag()}. */
        public Builder targetReplicaLag(@Nullable Duration value) {
            this.targetReplicaLag = value;
            return this;
        }

        /** See {@link MigrationPolicy#skipChecksum()}. */
        public Builder skipChecksum(boolean value) {
            this.skipChecksum = value;
            return this;
        }

        /** Builds and validates the policy. */
        public MigrationPolicy build() {
            return new MigrationPolicy(
                    maxReplicaLag,
                    throttleOnReplicaLag,
                    requireStartApproval,
                    requireCutoverApproval,
                    cutoverMode,
                    cutoverWindow,
                    maxTopologyAge,
                    stallTimeout,
                    failOnStall,
                    copySchedule,
                    cutoverSchedule,
                    expectedCutoverTime,
                    targetReplicaLag,
                    requiredApprovers,
                    allowSelfApproval,
                    approvalValidity,
                    skipChecksum,
                    revertWindow,
                    autoRetries,
                    fallbackOnFailure,
                    autoRevert,
                    rollout,
                    shardCutoverSchedules.isEmpty() ? null : Map.copyOf(shardCutoverSchedules),
                    approverGroups,
                    preSwap,
                    maxThreadsRunning);
        }
    }
}
