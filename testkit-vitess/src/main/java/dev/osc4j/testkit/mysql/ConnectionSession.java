package dev.osc4j.testkit.mysql;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** The {@link Session} of one connection; variables are guarded by {@code this}. */
final class ConnectionSession implements Session {

    private final long connectionId;
    private final String user;
    private final String clientHost;
    private final Map<String, @Nullable Object> defaults;
    private final Map<String, String> attributes;
    private final Map<String, @Nullable Object> variables = new HashMap<>();
    private final Map<String, @Nullable Object> userVariables = new HashMap<>();
    private volatile @Nullable String database;

    ConnectionSession(
            long connectionId,
            String user,
            String clientHost,
            @Nullable String database,
            Map<String, @Nullable Object> defaults,
            Map<String, String> attributes) {
        this.connectionId = connectionId;
        this.user = user;
        this.clientHost = clientHost;
        this.database = database;
        this.defaults = defaults;
        this.attributes = attributes;
        variables.putAll(defaults);
    }

    @Override
    public long connectionId() {
        return connectionId;
    }

    @Override
    public String user() {
        return user;
    }

    String clientHost() {
        return clientHost;
    }

    @Override
    public Optional<String> database() {
        return Optional.ofNullable(database);
    }

    @Override
    public void setDatabase(@Nullable String database) {
        this.database = database == null || database.isEmpty() ? null : database;
    }

    @Override
    public synchronized boolean hasVariable(String name) {
        return variables.containsKey(SessionVariables.normalizeName(name));
    }

    @Override
    public synchronized @Nullable Object variable(String name) {
        return variables.get(SessionVariables.normalizeName(name));
    }

    @Override
    public void setVariable(String name, @Nullable Object value) {
        String normalized = SessionVariables.normalizeName(name);
        Object normalizedValue = SessionVariables.normalizeValue(normalized, value);
        synchronized (this) {
            variables.put(normalized, normalizedValue);
        }
    }

    /** {@code SET name = DEFAULT}: back to the server default, or unset if there is none. */
    synchronized void resetVariable(String name) {
        String normalized = SessionVariables.normalizeName(name);
        if (defaults.containsKey(normalized)) {
            variables.put(normalized, defaults.get(normalized));
        } else {
            variables.remove(normalized);
        }
    }

    /** The value a {@code @@global.name} read sees: the server default, which sessions cannot change. */
    boolean hasGlobalVariable(String name) {
        return defaults.containsKey(SessionVariables.normalizeName(name));
    }

    @Nullable
    Object globalVariable(String name) {
        return defaults.get(SessionVariables.normalizeName(name));
    }

    @Override
    public synchronized Map<String, @Nullable Object> variables() {
        return Collections.unmodifiableMap(new TreeMap<>(variables));
    }

    @Override
    public Map<String, String> connectionAttributes() {
        return attributes;
    }

    synchronized @Nullable Object userVariable(String name) {
        return userVariables.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    void setUserVariable(String name, @Nullable Object value) {
        Object normalized = SessionVariables.normalizeValue("@" + name, value);
        synchronized (this) {
            userVariables.put(name.toLowerCase(java.util.Locale.ROOT), normalized);
        }
    }

    /** COM_RESET_CONNECTION: session and user variables back to their initial state; user and database stay. */
    synchronized void reset() {
        variables.clear();
        variables.putAll(defaults);
        userVariables.clear();
    }

    boolean autocommit() {
        Object value = variable("autocommit");
        return !(value instanceof Long flag) || flag != 0L;
    }

    @Override
    public String toString() {
        return "Session[id=" + connectionId + ", user=" + user + ", database=" + database + "]";
    }
}
