package dev.osc4j.spring;

import dev.osc4j.AutoRevert;
import dev.osc4j.CutoverMode;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.Rollout;
import dev.osc4j.WindowSchedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the osc4j starter, under {@code osc4j.*}. Every one has a default. */
@ConfigurationProperties("osc4j")
public class Osc4jProperties {
    /** Prefix of the controller id (the id adds the pid and a random suffix); default: spring.application.name. */
    private @Nullable String controllerName;

    /** Time between two reconcile passes. */
    private Duration pollInterval = Duration.ofSeconds(1);

    /** Lease time to live: how long after a controller dies another takes its migrations over. */
    private Duration leaseTtl = Duration.ofSeconds(15);

    /** Whether the orchestrator's loop starts with the application (when engines and a topology probe are beans). */
    private boolean startController = true;

    private final Jdbc jdbc = new Jdbc();
    private final Etcd etcd = new Etcd();
    private final Dashboard dashboard = new Dashboard();
    private final Policy policy = new Policy();

    public @Nullable String getControllerName() {
        return controllerName;
    }

    public void setControllerName(@Nullable String value) {
        this.controllerName = value;
    }

    public Duration getPollInterval() {
        return pollInterval;
    }

    public void setPollInterval(Duration value) {
        this.pollInterval = value;
    }

    public Duration getLeaseTtl() {
        return leaseTtl;
    }

    public void setLeaseTtl(Duration value) {
        this.leaseTtl = value;
    }

    public boolean isStartController() {
        return startController;
    }

    public void setStartController(boolean value) {
        this.startController = value;
    }

    public Jdbc getJdbc() {
        return jdbc;
    }

    public Etcd getEtcd() {
        return etcd;
    }

    public Dashboard getDashboard() {
        return dashboard;
    }

    public Policy getPolicy() {
        return policy;
    }

    /** The JDBC store, on the application's DataSource. */
    public static class Jdbc {
        /** Prefix of the store's table names. */
        private String tablePrefix = "osc4j_";

        /** Whether the store creates or upgrades its tables at start. */
        private boolean createSchema = true;

        public String getTablePrefix() {
            return tablePrefix;
        }

        public void setTablePrefix(String value) {
            this.tablePrefix = value;
        }

        public boolean isCreateSchema() {
            return createSchema;
        }

        public void setCreateSchema(boolean value) {
            this.createSchema = value;
        }
    }

    /** The etcd store, used when endpoints are set (it then wins over the DataSource). */
    public static class Etcd {
        /** Endpoints, such as http://etcd-1:2379. */
        private List<String> endpoints = new ArrayList<>();

        /** Key prefix. */
        private String prefix = "/osc4j/";

        public List<String> getEndpoints() {
            return endpoints;
        }

        public void setEndpoints(List<String> value) {
            this.endpoints = value;
        }

        public String getPrefix() {
            return prefix;
        }

        public void setPrefix(String value) {
            this.prefix = value;
        }
    }

    /** The dashboard, mounted as a servlet when osc4j-dashboard is on the class path. */
    public static class Dashboard {
        /** Whether to mount it. */
        private boolean enabled = true;

        /** Where: the page is at PATH/. */
        private String path = "/osc4j";

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean value) {
            this.enabled = value;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String value) {
            this.path = value;
        }
    }

    /**
     * The default policy of migrations submitted without one ({@link MigrationPolicy}); a request's own policy wins.
     * Unset values keep {@link MigrationPolicy#defaults()}.
     */
    public static class Policy {
        /** Replica lag that holds the start and the cut-over, and throttles the copy (the hard limit). */
        private @Nullable Duration maxReplicaLag;

        /** Lag the closed-loop throttle aims at (below max-replica-lag); unset for the on/off throttle. */
        private @Nullable Duration targetReplicaLag;

        /** Whether the start needs an approval. */
        private boolean requireStartApproval;

        /** Whether the cut-over needs an approval. */
        private boolean requireCutoverApproval;

        /** Distinct approvers each approved stage needs. */
        private int requiredApprovers = 1;

        /** Whether the requester may approve their own migration. */
        private boolean allowSelfApproval;

        /** How long an approval counts; unset for as long as the migration runs. */
        private @Nullable Duration approvalValidity;

        /** AUTOMATIC, or MANUAL (the cut-over also waits for a release directive). */
        private CutoverMode cutoverMode = CutoverMode.AUTOMATIC;

        /** When cut-overs may happen, for example "all: Mon-Fri 02:00-05:00 Europe/Berlin"; unset for any time. */
        private @Nullable String cutoverSchedule;

        /** When copies may start, in the same form; unset for any time. */
        private @Nullable String copySchedule;

        /** Whether to swap without comparing the original table with its copy first. */
        private boolean skipChecksum;

        /**
         * How long a migration stays revertible after its swap (REVERTIBLE, the original table kept in sync); 0 for no
         * revert window; unset for 24h.
         */
        private @Nullable Duration revertWindow;

        /** How many times a failed migration is retried without an operator (0 to 100; 0 waits for one). */
        private int autoRetries;

        /**
         * Whether a final failure (after auto-retries) runs the fallback chain at once (stop the run, restore routing,
         * clean up, end ABORTED) instead of waiting for an operator's retry or abort.
         */
        private boolean fallbackOnFailure;

        /**
         * Approver groups: an approval counts only from a member of one of them, as the application's ApproverGroups
         * bean says (LDAP, GitHub teams, ...); empty for anyone but the requester.
         */
        private List<String> approverGroups = new ArrayList<>();

        /** A staged rollout: shards in the canary wave (unset: every shard cuts over at once). */
        private @Nullable Integer rolloutCanaryShards;

        /** A staged rollout: shards in each wave after the canary (unset: all the others in one wave). */
        private @Nullable Integer rolloutWaveShards;

        /** A staged rollout: how long a wave runs on the new schema before the next may swap. */
        private Duration rolloutBakeTime = Duration.ZERO;

        /**
         * Health signals (the names of the application's HealthSignal beans) that revert a migration on their own
         * while it bakes after its swap; empty for none.
         */
        private List<String> autoRevertSignals = new ArrayList<>();

        /** How long after the swap the auto-revert signals are watched. */
        private Duration autoRevertBakeTime = Duration.ofMinutes(15);

        /** The policy these settings make. */
        public MigrationPolicy toPolicy() {
            MigrationPolicy.Builder b = MigrationPolicy.builder()
                    .requireStartApproval(requireStartApproval)
                    .requireCutoverApproval(requireCutoverApproval)
                    .requiredApprovers(requiredApprovers)
                    .allowSelfApproval(allowSelfApproval)
                    .approvalValidity(approvalValidity)
                    .cutoverMode(cutoverMode)
                    .targetReplicaLag(targetReplicaLag)
                    .skipChecksum(skipChecksum)
                    .revertWindow(revertWindow)
                    .autoRetries(autoRetries)
                    .fallbackOnFailure(fallbackOnFailure);
            if (maxReplicaLag != null) {
                b.maxReplicaLag(maxReplicaLag);
            }
            if (cutoverSchedule != null && !cutoverSchedule.isBlank()) {
                b.cutoverSchedule(WindowSchedule.parse(cutoverSchedule));
            }
            if (copySchedule != null && !copySchedule.isBlank()) {
                b.copySchedule(WindowSchedule.parse(copySchedule));
            }
            b.approverGroups(approverGroups.toArray(String[]::new));
            if (rolloutCanaryShards != null) {
                b.rollout(new Rollout(
                        rolloutCanaryShards,
                        rolloutWaveShards == null ? Integer.MAX_VALUE : rolloutWaveShards,
                        rolloutBakeTime));
            }
            if (!autoRevertSignals.isEmpty()) {
                b.autoRevert(AutoRevert.on(autoRevertBakeTime, autoRevertSignals.toArray(String[]::new)));
            }
            return b.build();
        }

        public @Nullable Duration getMaxReplicaLag() {
            return maxReplicaLag;
        }

        public void setMaxReplicaLag(@Nullable Duration value) {
            this.maxReplicaLag = value;
        }

        public @Nullable Duration getTargetReplicaLag() {
            return targetReplicaLag;
        }

        public void setTargetReplicaLag(@Nullable Duration value) {
            this.targetReplicaLag = value;
        }

        public boolean isRequireStartApproval() {
            return requireStartApproval;
        }

        public void setRequireStartApproval(boolean value) {
            this.requireStartApproval = value;
        }

        public boolean isRequireCutoverApproval() {
            return requireCutoverApproval;
        }

        public void setRequireCutoverApproval(boolean value) {
            this.requireCutoverApproval = value;
        }

        public int getRequiredApprovers() {
            return requiredApprovers;
        }

        public void setRequiredApprovers(int value) {
            this.requiredApprovers = value;
        }

        public boolean isAllowSelfApproval() {
            return allowSelfApproval;
        }

        public void setAllowSelfApproval(boolean value) {
            this.allowSelfApproval = value;
        }

        public @Nullable Duration getApprovalValidity() {
            return approvalValidity;
        }

        public void setApprovalValidity(@Nullable Duration value) {
            this.approvalValidity = value;
        }

        public CutoverMode getCutoverMode() {
            return cutoverMode;
        }

        public void setCutoverMode(CutoverMode value) {
            this.cutoverMode = value;
        }

        public @Nullable String getCutoverSchedule() {
            return cutoverSchedule;
        }

        public void setCutoverSchedule(@Nullable String value) {
            this.cutoverSchedule = value;
        }

        public @Nullable String getCopySchedule() {
            return copySchedule;
        }

        public void setCopySchedule(@Nullable String value) {
            this.copySchedule = value;
        }

        public boolean isSkipChecksum() {
            return skipChecksum;
        }

        public void setSkipChecksum(boolean value) {
            this.skipChecksum = value;
        }

        public @Nullable Duration getRevertWindow() {
            return revertWindow;
        }

        public void setRevertWindow(@Nullable Duration value) {
            this.revertWindow = value;
        }

        public int getAutoRetries() {
            return autoRetries;
        }

        public void setAutoRetries(int value) {
            this.autoRetries = value;
        }

        public boolean isFallbackOnFailure() {
            return fallbackOnFailure;
        }

        public void setFallbackOnFailure(boolean value) {
            this.fallbackOnFailure = value;
        }

        public List<String> getApproverGroups() {
            return approverGroups;
        }

        public void setApproverGroups(List<String> value) {
            this.approverGroups = new ArrayList<>(value);
        }

        public @Nullable Integer getRolloutCanaryShards() {
            return rolloutCanaryShards;
        }

        public void setRolloutCanaryShards(@Nullable Integer value) {
            this.rolloutCanaryShards = value;
        }

        public @Nullable Integer getRolloutWaveShards() {
            return rolloutWaveShards;
        }

        public void setRolloutWaveShards(@Nullable Integer value) {
            this.rolloutWaveShards = value;
        }

        public Duration getRolloutBakeTime() {
            return rolloutBakeTime;
        }

        public void setRolloutBakeTime(Duration value) {
            this.rolloutBakeTime = value;
        }

        public List<String> getAutoRevertSignals() {
            return autoRevertSignals;
        }

        public void setAutoRevertSignals(List<String> value) {
            this.autoRevertSignals = new ArrayList<>(value);
        }

        public Duration getAutoRevertBakeTime() {
            return autoRevertBakeTime;
        }

        public void setAutoRevertBakeTime(Duration value) {
            this.autoRevertBakeTime = value;
        }
    }
}
