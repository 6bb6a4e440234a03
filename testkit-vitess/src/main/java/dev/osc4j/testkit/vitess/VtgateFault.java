package dev.osc4j.testkit.vitess;

import dev.osc4j.testkit.mysql.MySqlError;

/**
 * Transient errors VTGate answers while a shard's primary changes (a reparent, a failover, a restart), for {@link
 * FakeVtgate#failNext}. Each arrives as error 1105, SQLSTATE HY000, the text being all a client can tell them by:
 * VTGate maps the Vitess codes UNAVAILABLE and CLUSTER_EVENT to MySQL's ER_UNKNOWN_ERROR ({@code
 * mapToSQLErrorFromErrorCode} in go/mysql/sqlerror/sql_error.go).
 */
public enum VtgateFault {
    /**
     * No serving primary in VTGate's health check: {@code "no healthy tablet available for '<target>'"}, code
     * UNAVAILABLE ({@code withRetry} in go/vt/vtgate/tabletgateway.go).
     */
    NO_HEALTHY_TABLET,
    /**
     * The old primary refuses the query while it transitions: {@code "operation not allowed in state NOT_SERVING"},
     * code CLUSTER_EVENT, relayed by VTGate as {@code vttablet: rpc error: code = ClusterEvent desc = ...}.
     */
    NOT_SERVING,
    /**
     * VTGate's failover buffer gave up: {@code "primary is not serving, there may be a reparent operation in
     * progress"} (ClusterEventReparentInProgress, code CLUSTER_EVENT, in go/vt/vtgate/buffer/buffer.go).
     */
    REPARENT_IN_PROGRESS,
    /** VTGate's failover buffer is full: {@code "primary buffer is full"}, code UNAVAILABLE (buffer.go). */
    BUFFER_FULL;

    /** The error as VTGate sends it for a statement on {@code keyspace}/{@code shard}. */
    MySqlError error(String keyspace, String shard) {
        String target = "target: " + keyspace + "." + shard + ".primary: ";
        String message =
                switch (this) {
                    case NO_HEALTHY_TABLET ->
                        target + "no healthy tablet available for 'keyspace:\"" + keyspace + "\" shard:\"" + shard
                                + "\" tablet_type:PRIMARY'";
                    case NOT_SERVING ->
                        target + "vttablet: rpc error: code = ClusterEvent desc = operation not allowed in state"
                                + " NOT_SERVING";
                    case REPARENT_IN_PROGRESS ->
                        target + "primary is not serving, there may be a reparent operation in progress";
                    case BUFFER_FULL -> target + "primary buffer is full";
                };
        return new MySqlError(MySqlError.UNKNOWN_ERROR, MySqlError.GENERAL_SQL_STATE, message);
    }
}
