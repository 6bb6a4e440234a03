package dev.osc4j.testkit.mysql;

/**
 * Answers the text queries that the server's built-in connection-setup handling does not answer itself.
 *
 * <p>The server answers, before a handler sees them: {@code SET} of session and user variables (including {@code SET
 * NAMES} and {@code SET SESSION TRANSACTION ...}), {@code SELECT} lists made only of {@code @@variables}, {@code
 * @variables}, literals and {@code DATABASE()}/{@code VERSION()}/{@code CONNECTION_ID()}/{@code USER()}, {@code SHOW
 * WARNINGS}, {@code USE}, {@code BEGIN}/{@code COMMIT}/{@code ROLLBACK} and {@code KILL [QUERY]}. Everything else comes
 * here, exactly as the client sent it (including leading comments), with two exceptions: each statement of a
 * multi-statement comes on its own, without its semicolon, and an execution of a prepared statement comes as the
 * statement's text with the bound values in place of its {@code ?} placeholders.
 *
 * <p>A handler is called concurrently from the threads of different connections, and must be thread-safe. Calls for
 * one connection are sequential.
 */
@FunctionalInterface
public interface QueryHandler {

    /**
     * Answers one statement.
     *
     * @param session the connection's session: identity, current database and session variables
     * @param sql the statement text as the client sent it
     * @return a result set, an OK, or a fault
     * @throws MySqlError to answer with an ERR packet
     */
    QueryResult handle(Session session, String sql) throws MySqlError;

    /**
     * A handler that answers every statement with VTGate's "unsupported" error (1105, HY000).
     *
     * @return the handler
     */
    static QueryHandler unsupported() {
        return (session, sql) -> {
            throw MySqlError.unsupported(sql);
        };
    }
}
