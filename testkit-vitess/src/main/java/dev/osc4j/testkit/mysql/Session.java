package dev.osc4j.testkit.mysql;

import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The state of one client connection, as a {@link QueryHandler} sees it.
 *
 * <p>Session variables are the values {@code SELECT @@name} returns: the server's defaults, overridden by the
 * connection's {@code SET} statements ({@code SET @@name = ...}, {@code SET SESSION name = ...}, {@code SET name =
 * ...}). Names are case-insensitive and may be given with or without an {@code @@}, {@code @@session.} or {@code
 * @@local.} prefix. Values are {@link String}, {@link Long}, {@link java.math.BigDecimal} or {@link Double}; boolean
 * variables such as {@code autocommit} hold {@code 1L}/{@code 0L}.
 *
 * <p>A session is safe to read from other threads.
 */
public interface Session {

    /**
     * The connection id sent in the handshake, which {@code KILL} refers to.
     *
     * @return the id, unique per server
     */
    long connectionId();

    /**
     * The authenticated user name.
     *
     * @return the user
     */
    String user();

    /**
     * The current database, from the connect request, {@code COM_INIT_DB} or {@code USE}.
     *
     * @return the database, empty when none is selected
     */
    Optional<String> database();

    /**
     * Changes the current database.
     *
     * @param database the database, or {@code null} for none
     */
    void setDatabase(@Nullable String database);

    /**
     * Whether the variable has a value (possibly SQL NULL) in this session.
     *
     * @param name the variable name, for example {@code "ddl_strategy"} or {@code "@@session.autocommit"}
     * @return true if set or defaulted
     */
    boolean hasVariable(String name);

    /**
     * The value of a session variable.
     *
     * @param name the variable name, for example {@code "ddl_strategy"} or {@code "@@session.autocommit"}
     * @return the value, or {@code null} when the variable is unknown or SQL NULL
     */
    @Nullable
    Object variable(String name);

    /**
     * The value of a session variable as text ({@code 1L} becomes {@code "1"}).
     *
     * @param name the variable name
     * @return the text, empty when the variable is unknown or SQL NULL
     */
    default Optional<String> stringVariable(String name) {
        Object value = variable(name);
        return value == null ? Optional.empty() : Optional.of(value.toString());
    }

    /**
     * Sets a session variable, as {@code SET @@name = value} would.
     *
     * @param name the variable name
     * @param value a {@link String}, {@link Number} (integral numbers are stored as {@link Long}) or {@code null}
     * @throws IllegalArgumentException if the name is empty or the value has another type
     */
    void setVariable(String name, @Nullable Object value);

    /**
     * A snapshot of all session variables, defaults included, by lower-case name without prefix.
     *
     * @return an unmodifiable snapshot, sorted by name
     */
    Map<String, @Nullable Object> variables();

    /**
     * The connection attributes the client sent ({@code _client_name}, {@code _client_version}, {@code program_name}
     * ...).
     *
     * @return an unmodifiable map, empty when the client sent none
     */
    Map<String, String> connectionAttributes();
}
