package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/** The built-in gates, as named on the edges of {@link Transitions}. */
@API(status = MAINTAINED, since = "0.1")
public enum GateId {
    /** A {@link ApprovalStage#START} approval is present, when the policy asks for one. */
    START_APPROVAL,
    /** The policy's copy schedule is open, when it has one. */
    COPY_WINDOW,
    /** The shard's replica lag is under the policy's threshold. */
    REPLICA_LAG,
    /** The engine has applied up to the primary's position and the replicas have caught up. */
    BINLOG_ALIGNMENT,
    /** Every shard of the migration is ready to cut over (the global barrier). */
    BARRIER,
    /** A {@link ApprovalStage#CUTOVER} approval is present, when the policy asks for one. */
    CUTOVER_APPROVAL,
    /** The cut-over was released, when the policy's cut-over mode is {@link CutoverMode#MANUAL}. */
    CUTOVER_RELEASE,
    /** The cut-over window and schedule are open, the schedule for at least the expected cut-over time. */
    WINDOW,
    /** The topology was read recently and the primary is the one recorded at start. */
    TOPOLOGY_FRESH
}
