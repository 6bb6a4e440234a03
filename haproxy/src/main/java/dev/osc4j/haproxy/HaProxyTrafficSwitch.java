package dev.osc4j.haproxy;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.TrafficSwitch;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TrafficSwitch} that drains, in HAProxy, the server that carries a shard's primary while the tables are
 * swapped, through HAProxy's runtime API ({@code stats socket ... level admin}, on TCP or a unix socket).
 *
 * <p><b>What {@link #hold} does.</b> It puts the configured {@code backend/server} in HAProxy's {@code drain} state
 * ({@code set server B/S state drain}): HAProxy sends it no new connection, except the ones a persistence rule (a
 * stick table or a cookie) ties to it; the connections already established go on untouched, queries and all. A new
 * connection that load balancing would have sent to it goes to another server of the backend if there is one, and
 * otherwise is accepted by HAProxy and closed at once (in TCP mode, "no server available"): a MySQL client sees the
 * connection lost while reading the server's greeting, and must retry. So {@code hold} is a drain, not a queue: it
 * refuses new connections to the primary for the length of the swap rather than making them wait. HAProxy proxies
 * TCP and knows nothing of tables, so it cannot hold the traffic of one table: it is the whole server that is
 * drained, for every table and every schema behind it. An application whose connection pool keeps its connections
 * open sees no change at all; one that opens connections during the swap sees them fail. (HAProxy's queue, a server
 * {@code maxconn} with {@code timeout queue}, makes new connections wait instead, but a server's maxconn cannot be 0,
 * so the queue holds only once the established connections reach the limit, which a pool never lets go of: it is no
 * hold for the swap.)
 *
 * <p><b>What it remembers, and where.</b> To put back exactly what it changed, from any process and after a crash,
 * the switch writes one entry per run and server in a stick table of HAProxy itself ({@value #DEFAULT_HOLD_TABLE}
 * unless {@link Builder#holdTable} says otherwise; {@link #holdTableSection} is the configuration to add), keyed
 * {@code BACKEND/SERVER/RUN-KEY} with {@code gpt0} = 1 if the server was {@code ready} before the first hold (so the
 * switch drained it) and 0 if it was already drained or in maintenance (so the switch changed nothing). The entry is
 * written before the server is drained, and {@link #restore} removes it only after it has put the state back, so a
 * crash between the two steps is repaired by calling the same method again. {@code show table osc4j_holds} shows an
 * operator what is held, by which run.
 *
 * <p><b>Idempotence.</b> A second {@code hold} for the same run keeps the entry it finds, so "the state before the
 * hold" stays {@code ready} rather than becoming the {@code drain} the first hold set. {@code restore} without an
 * entry of its run does nothing, whatever the server's state (an operator's drain is left alone). When several runs
 * hold the same server, each entry carries the state from before the first hold, and only the last {@code restore}
 * puts it back. {@code restore} sets {@code ready} only if the server is still in the drain the switch set: a server
 * an operator has meanwhile put in maintenance stays there.
 *
 * <p><b>Errors.</b> A runtime API that cannot be reached or does not answer within the timeout is a retryable {@link
 * EngineException} ({@link FailureReason#CONNECTION}); a backend, server or stick table HAProxy does not know, a shard
 * with no server configured, or a socket below level admin are permanent ({@link
 * FailureReason#ENGINE_CONFIGURATION}). Messages name the runtime API's address, the backend and the server; the
 * runtime API has no credentials, so there is no secret to leak.
 *
 * <p>Not atomic across processes: two controllers holding and restoring the same server at the same moment can race
 * (the orchestrator runs one cut-over of a shard at a time). HAProxy forgets runtime changes, drain and stick table
 * alike, when it is reloaded without a server state file; after such a reload the server is in its configured state
 * and {@code restore} finds nothing to do. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * TrafficSwitch routing = HaProxyTrafficSwitch.builder()
 *         .runtimeApi(Path.of("/run/haproxy/admin.sock"))
 *         .server("-80", "mysql_shard1", "primary")
 *         .server("80-", "mysql_shard2", "primary")
 *         .build();
 * }</pre>
 */
public final class HaProxyTrafficSwitch implements TrafficSwitch {

    /** The stick table that records holds, unless {@link Builder#holdTable} says otherwise. */
    public static final String DEFAULT_HOLD_TABLE = "osc4j_holds";

    /** How long one runtime API command may take, unless {@link Builder#timeout} says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(HaProxyTrafficSwitch.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
    private static final Pattern ENTRY = Pattern.compile("\\skey=(\\S+)\\s.*\\sgpt0=(\\d+)");
    /** {@code srv_admin_state}: forced drain, set by {@code set server B/S state drain}. */
    private static final int ADMIN_FORCED_DRAIN = 0x08;

    private final RuntimeApi api;
    private final String holdTable;
    private final Map<String, Binding> servers;

    private HaProxyTrafficSwitch(Builder builder, SocketAddress address) {
        this.api = new RuntimeApi(address, builder.timeout);
        this.holdTable = builder.holdTable;
        this.servers = Map.copyOf(builder.servers);
    }

    /**
     * Returns a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the HAProxy configuration section that declares the stick table holds are recorded in: a backend
     * without servers, keys of up to 256 characters, 1024 entries, never purged.
     *
     * @param table the table's name, {@value #DEFAULT_HOLD_TABLE} by default
     * @return the section, to add to {@code haproxy.cfg}
     */
    public static String holdTableSection(String table) {
        requireName("table", table);
        return "backend " + table + "\n    stick-table type string len 256 size 1k nopurge store gpt0\n";
    }

    @Override
    public void hold(ShardTarget target, MigrationSpec spec, EngineKey key) {
        Binding binding = binding(target, key);
        String entry = binding.entry(key);
        Map<String, Integer> holds = holds(binding, key);
        int admin = adminState(binding, key);
        if (!holds.containsKey(entry)) {
            int drained = holds.isEmpty()
                    ? (admin == 0 ? 1 : 0)
                    : holds.values().iterator().next();
            expectEmpty(
                    "set table " + holdTable + " key " + entry + " data.gpt0 " + drained,
                    binding,
                    key,
                    "record the hold");
            if (!holds(binding, key).containsKey(entry)) {
                throw permanent(
                        "HAProxy's stick table " + holdTable + " did not keep the key " + entry + " ("
                                + entry.length() + " characters): declare it with keys of 256 characters, "
                                + holdTableSection(holdTable).strip(),
                        key,
                        binding);
            }
        }
        if (admin == 0) {
            expectEmpty("set server " + binding.path() + " state drain", binding, key, "drain the server");
            LOG.info("Drained HAProxy server {} at {} for {}", binding.path(), api.describe(), key);
        } else {
            LOG.info(
                    "HAProxy server {} at {} receives no new connection already (admin state {}); held for {}",
                    binding.path(),
                    api.describe(),
                    admin,
                    key);
        }
    }

    @Override
    public void restore(ShardTarget target, MigrationSpec spec, EngineKey key) {
        Binding binding = binding(target, key);
        String entry = binding.entry(key);
        Map<String, Integer> holds = holds(binding, key);
        Integer drained = holds.get(entry);
        if (drained == null) {
            LOG.debug("Nothing held on HAProxy server {} for {}", binding.path(), key);
            return;
        }
        if (holds.size() > 1) {
            LOG.info("HAProxy server {} stays drained: other runs hold it too {}", binding.path(), holds.keySet());
        } else if (drained == 1) {
            int admin = adminState(binding, key);
            if (admin == ADMIN_FORCED_DRAIN) {
                expectEmpty("set server " + binding.path() + " state ready", binding, key, "make the server ready");
                LOG.info("Made HAProxy server {} at {} ready again for {}", binding.path(), api.describe(), key);
            } else {
                LOG.info(
                        "HAProxy server {} is no longer in the drain set for {} (admin state {}); left as it is",
                        binding.path(),
                        key,
                        admin);
            }
        }
        expectEmpty("clear table " + holdTable + " key " + entry, binding, key, "remove the hold's record");
    }

    @Override
    public String name() {
        return "haproxy";
    }

    @Override
    public String toString() {
        return "HaProxyTrafficSwitch{" + api.describe() + ", " + servers + "}";
    }

    private Binding binding(ShardTarget target, EngineKey key) {
        Binding binding = servers.get(target.shard());
        if (binding == null) {
            throw new EngineException(
                    FailureReason.ENGINE_CONFIGURATION,
                    false,
                    "No HAProxy server is configured for shard " + target.shard() + " (configured: " + servers.keySet()
                            + ")",
                    key.migrationId(),
                    target.shard(),
                    null);
        }
        return binding;
    }

    /** The hold entries of the server, key to {@code gpt0}. */
    private Map<String, Integer> holds(Binding binding, EngineKey key) {
        String reply = call("show table " + holdTable, binding, key);
        if (!reply.startsWith("# table: ")) {
            throw refused(reply, "read the stick table " + holdTable, binding, key);
        }
        Map<String, Integer> holds = new LinkedHashMap<>();
        String prefix = binding.path() + "/";
        for (String line : reply.split("\n")) {
            Matcher m = ENTRY.matcher(line);
            if (m.find() && m.group(1).startsWith(prefix)) {
                holds.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        }
        return holds;
    }

    /** The server's {@code srv_admin_state}, 0 when it is ready. */
    private int adminState(Binding binding, EngineKey key) {
        String reply = call("show servers state " + binding.backend, binding, key);
        List<String> lines = List.of(reply.split("\n"));
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("# be_id")) {
                header = i;
                break;
            }
        }
        if (header < 0) {
            throw refused(reply, "read the state of backend " + binding.backend, binding, key);
        }
        List<String> columns = List.of(lines.get(header).substring(2).trim().split("\\s+"));
        int name = columns.indexOf("srv_name");
        int admin = columns.indexOf("srv_admin_state");
        if (name < 0 || admin < 0) {
            throw permanent("HAProxy's 'show servers state' has no srv_name or srv_admin_state column", key, binding);
        }
        for (String line : lines.subList(header + 1, lines.size())) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > Math.max(name, admin) && fields[name].equals(binding.server)) {
                try {
                    return Integer.parseInt(fields[admin]);
                } catch (NumberFormatException e) {
                    throw permanent(
                            "HAProxy reported an admin state that is not a number: " + fields[admin], key, binding);
                }
            }
        }
        throw permanent(
                "HAProxy at " + api.describe() + " has no server " + binding.server + " in backend " + binding.backend
                        + " (configured for shard " + binding.shard + ")",
                key,
                binding);
    }

    private void expectEmpty(String command, Binding binding, EngineKey key, String what) {
        String reply = call(command, binding, key);
        if (!reply.isBlank()) {
            throw refused(reply, what, binding, key);
        }
    }

    private String call(String command, Binding binding, EngineKey key) {
        try {
            return api.execute(command);
        } catch (IOException e) {
            throw new EngineException(
                    FailureReason.CONNECTION,
                    true,
                    "HAProxy's runtime API at " + api.describe() + " did not answer ("
                            + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ") for server "
                            + binding.path() + "; calling again may succeed",
                    key.migrationId(),
                    binding.shard,
                    e);
        }
    }

    private EngineException refused(String reply, String what, Binding binding, EngineKey key) {
        String said = reply.strip();
        String hint;
        if (said.contains("Permission denied")) {
            hint = ": the runtime API at " + api.describe() + " must be a stats socket with level admin";
        } else if (said.toLowerCase(java.util.Locale.ROOT).contains("table")) {
            hint = ": declare the stick table in haproxy.cfg, "
                    + holdTableSection(holdTable).strip();
        } else {
            hint = "";
        }
        return permanent(
                "HAProxy at " + api.describe() + " refused to " + what + " for " + binding.path() + ": '" + said + "'"
                        + hint,
                key,
                binding);
    }

    private static EngineException permanent(String message, EngineKey key, Binding binding) {
        return new EngineException(
                FailureReason.ENGINE_CONFIGURATION, false, message, key.migrationId(), binding.shard, null);
    }

    private static void requireName(String what, String value) {
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    what + " must be an HAProxy name, 1 to 100 of [A-Za-z0-9._:-], but was '" + value + "'");
        }
    }

    /** The backend and server that carry one shard's primary. */
    private static final class Binding {
        final String shard;
        final String backend;
        final String server;

        Binding(String shard, String backend, String server) {
            this.shard = shard;
            this.backend = backend;
            this.server = server;
        }

        String path() {
            return backend + "/" + server;
        }

        String entry(EngineKey key) {
            return path() + "/" + key.value();
        }

        @Override
        public String toString() {
            return path();
        }
    }

    /** Settings for a {@link HaProxyTrafficSwitch}. Not thread-safe. */
    public static final class Builder {

        private @Nullable SocketAddress runtimeApi;
        private String holdTable = DEFAULT_HOLD_TABLE;
        private Duration timeout = DEFAULT_TIMEOUT;
        private final Map<String, Binding> servers = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Talks to a runtime API on TCP: {@code stats socket ipv4@HOST:PORT level admin}.
         *
         * @param address the address; the runtime API has no authentication, so keep it on loopback or a private
         *     network
         * @return this builder
         */
        public Builder runtimeApi(InetSocketAddress address) {
            this.runtimeApi = address;
            return this;
        }

        /**
         * Talks to a runtime API on a unix socket: {@code stats socket PATH level admin}.
         *
         * @param socket the socket's path, for example {@code /run/haproxy/admin.sock}
         * @return this builder
         */
        public Builder runtimeApi(Path socket) {
            this.runtimeApi = UnixDomainSocketAddress.of(socket);
            return this;
        }

        /**
         * Says which server of which backend carries the primary of a shard.
         *
         * @param shard the shard's name, as in {@link ShardTarget#shard()}
         * @param backend the backend (or {@code listen} section) in haproxy.cfg
         * @param server the server's name in it
         * @return this builder
         */
        public Builder server(String shard, String backend, String server) {
            requireName("backend", backend);
            requireName("server", server);
            servers.put(shard, new Binding(shard, backend, server));
            return this;
        }

        /**
         * Sets the stick table holds are recorded in; {@link #holdTableSection} declares it.
         *
         * @param table the table's name; default {@value #DEFAULT_HOLD_TABLE}
         * @return this builder
         */
        public Builder holdTable(String table) {
            requireName("table", table);
            this.holdTable = table;
            return this;
        }

        /**
         * Sets how long one runtime API command (connect, send, read the reply) may take.
         *
         * @param timeout a positive duration; default {@link #DEFAULT_TIMEOUT}
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must be positive but was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Builds the switch; it connects to HAProxy only when called.
         *
         * @return the switch
         * @throws IllegalStateException if no runtime API or no server was given
         */
        public HaProxyTrafficSwitch build() {
            SocketAddress address = runtimeApi;
            if (address == null) {
                throw new IllegalStateException("runtimeApi(...) is required: where HAProxy's stats socket is");
            }
            if (servers.isEmpty()) {
                throw new IllegalStateException("server(shard, backend, server) is required for at least one shard");
            }
            return new HaProxyTrafficSwitch(this, address);
        }
    }
}
