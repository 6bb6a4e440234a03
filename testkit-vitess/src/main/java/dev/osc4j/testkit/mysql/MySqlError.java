package dev.osc4j.testkit.mysql;

/**
 * A MySQL error that the server sends to the client as an ERR packet: error number, SQLSTATE and message.
 *
 * <p>mysql-connector-j turns it into an {@link java.sql.SQLException} whose {@code getErrorCode()} and {@code
 * getSQLState()} are {@link #errorCode()} and {@link #sqlState()}.
 */
public final class MySqlError extends Exception {

    /** {@code ER_UNKNOWN_ERROR}: what VTGate answers for statements it does not support. */
    public static final int UNKNOWN_ERROR = 1105;

    /** {@code ER_ACCESS_DENIED_ERROR}. */
    public static final int ACCESS_DENIED = 1045;

    /** {@code ER_UNKNOWN_COM_ERROR}: a command byte the server does not implement. */
    public static final int UNKNOWN_COMMAND = 1047;

    /** {@code ER_PARSE_ERROR}. */
    public static final int PARSE_ERROR = 1064;

    /** {@code ER_UNKNOWN_SYSTEM_VARIABLE}. */
    public static final int UNKNOWN_SYSTEM_VARIABLE = 1193;

    /** {@code ER_QUERY_INTERRUPTED}: the statement was stopped by {@code KILL QUERY}. */
    public static final int QUERY_INTERRUPTED = 1317;

    /** The SQLSTATE of errors without a more specific class ("general error"). */
    public static final String GENERAL_SQL_STATE = "HY000";

    private final int errorCode;
    private final String sqlState;

    /**
     * Creates an error.
     *
     * @param errorCode the MySQL error number, 1 to 65535
     * @param sqlState five ASCII letters or digits, for example {@code "HY000"} or {@code "42S02"}
     * @param message the human-readable message; it is sent to the client as is
     * @throws IllegalArgumentException if {@code errorCode} or {@code sqlState} is out of range
     */
    public MySqlError(int errorCode, String sqlState, String message) {
        super(message);
        if (errorCode < 1 || errorCode > 0xFFFF) {
            throw new IllegalArgumentException("errorCode must be between 1 and 65535 but was " + errorCode);
        }
        if (!sqlState.matches("[0-9A-Z]{5}")) {
            throw new IllegalArgumentException(
                    "sqlState must be five upper-case letters or digits but was '" + sqlState + "'");
        }
        this.errorCode = errorCode;
        this.sqlState = sqlState;
    }

    /**
     * VTGate's catch-all error: 1105, SQLSTATE HY000, with the given message.
     *
     * @param message the message the client sees
     * @return the error
     */
    public static MySqlError unknownError(String message) {
        return new MySqlError(UNKNOWN_ERROR, GENERAL_SQL_STATE, message);
    }

    /**
     * The answer for a statement the handler does not support: 1105, SQLSTATE HY000, {@code "unsupported: <what>"}.
     *
     * @param what the statement or feature that is not supported
     * @return the error
     */
    public static MySqlError unsupported(String what) {
        return unknownError("unsupported: " + what);
    }

    /**
     * The MySQL error number.
     *
     * @return the error number, 1 to 65535
     */
    public int errorCode() {
        return errorCode;
    }

    /**
     * The SQLSTATE.
     *
     * @return five characters, for example {@code "HY000"}
     */
    public String sqlState() {
        return sqlState;
    }

    @Override
    public String getMessage() {
        String message = super.getMessage();
        return message == null ? "" : message;
    }

    @Override
    public String toString() {
        return "MySqlError " + errorCode + " (" + sqlState + "): " + getMessage();
    }
}
