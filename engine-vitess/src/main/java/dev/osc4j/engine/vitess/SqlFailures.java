package dev.osc4j.engine.vitess;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientException;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Turns what VTGate or the driver threw into an {@link EngineException}: retryable when calling again may succeed,
 * permanent otherwise, with the error number and SQLSTATE in the message.
 *
 * <p>Retryable: a broken connection or a timeout; error 1317 (ER_QUERY_INTERRUPTED, which VTGate sends for its codes
 * CANCELED, DEADLINE_EXCEEDED and ABORTED: {@code mapToSQLErrorFromErrorCode} in go/mysql/sqlerror/sql_error.go); and
 * the texts of VTGate's transient errors, which otherwise arrive as the generic 1105 / HY000 (codes UNAVAILABLE and
 * CLUSTER_EVENT have no MySQL number of their own): a tablet error relayed with {@code code = Unavailable}, {@code
 * DeadlineExceeded}, {@code ResourceExhausted}, {@code Aborted} or {@code ClusterEvent}; {@code no healthy tablet
 * available} (go/vt/vtgate/tabletgateway.go); a tablet {@code NOT_SERVING} or {@code SHUTTING_DOWN} during a
 * transition; the failover buffer's {@code primary is not serving, there may be a reparent operation in progress},
 * {@code current keyspace is being resharded}, {@code primary buffer is full}, {@code request evicted for newer
 * request}, {@code context was canceled before failover finished} (go/vt/vtgate/buffer/buffer.go); and a demoted
 * primary's {@code --read-only} / {@code --super-read-only} refusal (errno 1290, told by its text: 1290 also covers
 * options such as {@code --secure-file-priv}), which the buffer also counts as a failover.
 */
final class SqlFailures {
    private static final int ER_QUERY_INTERRUPTED = 1317;
    private static final List<String> TRANSIENT_TEXTS = List.of(
            "code = unavailable",
            "code = deadlineexceeded",
            "code = resourceexhausted",
            "code = aborted",
            "code = clusterevent",
            "no healthy tablet available",
            "not_serving",
            "shutting_down",
            "primary is not serving",
            "current keyspace is being resharded",
            "primary buffer is full",
            "request evicted for newer request",
            "context was canceled before failover finished",
            "--read-only option",
            "--super-read-only option");

    private SqlFailures() {}

    static boolean retryable(SQLException e) {
        if (ConnectionSource.connectionBroken(e)
                || e instanceof SQLTimeoutException
                || e instanceof SQLTransientException
                || e.getErrorCode() == ER_QUERY_INTERRUPTED) {
            return true;
        }
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        for (String text : TRANSIENT_TEXTS) {
            if (message.contains(text)) {
                return true;
            }
        }
        return false;
    }

    static EngineException of(SQLException e, String what, @Nullable MigrationId migration, @Nullable String shard) {
        boolean retryable = retryable(e);
        FailureReason reason;
        if (retryable) {
            reason = FailureReason.CONNECTION;
        } else {
            reason = switch (e.getErrorCode()) {
                case 1046, 1049, 1045 -> FailureReason.ENGINE_CONFIGURATION;
                case 1064, 1149 -> FailureReason.INVALID_DDL;
                case 1146 -> FailureReason.TABLE_NOT_FOUND;
                default -> FailureReason.ENGINE_FAILED;
            };
        }
        return new EngineException(reason, retryable, describe(e, what), migration, shard, e);
    }

    static String describe(SQLException e, String what) {
        return what + ": " + e.getMessage() + " (error " + e.getErrorCode() + ", SQLSTATE " + e.getSQLState() + ")";
    }

    /** Whether the tablet said the migration does not exist on the shard. */
    static boolean migrationNotFound(SQLException e) {
        return String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("migration not found");
    }
}
