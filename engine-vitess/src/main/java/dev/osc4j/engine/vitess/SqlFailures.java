package dev.osc4j.engine.vitess;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationId;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Turns what VTGate or the driver threw into an {@link EngineException}: retryable when calling again may succeed (the
 * connection, a timeout, or a tablet error VTGate reports as Unavailable, DeadlineExceeded, ResourceExhausted or
 * Aborted), permanent otherwise, with the error number and SQLSTATE in the message.
 */
final class SqlFailures {
    private SqlFailures() {}

    static boolean retryable(SQLException e) {
        if (ConnectionSource.connectionBroken(e)
                || e instanceof SQLTimeoutException
                || e instanceof SQLTransientException) {
            return true;
        }
        String message = String.valueOf(e.getMessage());
        return message.contains("code = Unavailable")
                || message.contains("code = DeadlineExceeded")
                || message.contains("code = ResourceExhausted")
                || message.contains("code = Aborted");
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
