package dev.osc4j.testkit.testcontainers;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration and SQL that make a MySQL 8 container a primary or a replica: kept apart from the containers so
 * that it is tested without Docker.
 */
final class MySqlSetup {

    /** The port MySQL listens on inside its container. */
    static final int CONTAINER_PORT = 3306;

    /** Where the official image's {@code /etc/my.cnf} includes extra configuration from. */
    static final String CONFIG_PATH = "/etc/mysql/conf.d/osc4j.cnf";

    /** Where the official image's entrypoint runs SQL scripts from, as root, on the first start only. */
    static final String INIT_SCRIPT_PATH = "/docker-entrypoint-initdb.d/osc4j-grants.sql";

    /** Options {@link #serverConfig} sets itself; a user may not override them. */
    static final Set<String> MANAGED_OPTIONS = Set.of(
            "server_id",
            "port",
            "bind_address",
            "skip_networking",
            "socket",
            "datadir",
            "log_bin",
            "binlog_format",
            "gtid_mode",
            "enforce_gtid_consistency",
            "relay_log",
            "report_host",
            "report_port",
            "read_only",
            "super_read_only",
            "user");

    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\..*");

    private MySqlSetup() {}

    /**
     * The {@code [mysqld]} file copied into the container: a row-based binary log with GTIDs and a unique
     * {@code server_id}, reporting the host and port the test JVM reaches the server on; read-only for a replica.
     * No secret goes in it.
     */
    static String serverConfig(
            long serverId, boolean replica, String reportHost, int reportPort, Map<String, String> extraOptions) {
        StringBuilder config = new StringBuilder("[mysqld]\n");
        line(config, "server_id", Long.toString(serverId));
        line(config, "log_bin", "mysql-bin");
        line(config, "binlog_format", "ROW");
        line(config, "gtid_mode", "ON");
        line(config, "enforce_gtid_consistency", "ON");
        line(config, "relay_log", "relay-bin");
        line(config, "report_host", reportHost);
        line(config, "report_port", Integer.toString(reportPort));
        line(config, "skip_name_resolve", "ON");
        line(config, "innodb_flush_log_at_trx_commit", "2");
        line(config, "sync_binlog", "0");
        if (replica) {
            line(config, "read_only", "ON");
        }
        extraOptions.forEach((name, value) -> line(config, name, value));
        return config.toString();
    }

    /**
     * Run by the entrypoint as root after it created the application user: gives that user every privilege, as
     * {@code LocalMariaDb} does, including replicating from the primary.
     */
    static String grantScript(String user) {
        return "GRANT ALL PRIVILEGES ON *.* TO '" + user + "'@'%' WITH GRANT OPTION;\n";
    }

    /**
     * Points a replica at its source with GTID auto-positioning. The password travels in this statement over JDBC,
     * never on a command line; {@code GET_SOURCE_PUBLIC_KEY} lets the replica log in with MySQL 8's default
     * {@code caching_sha2_password} without TLS.
     */
    static String changeSource(String sourceHost, String user, String password) {
        return "CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + sourceHost + "', SOURCE_PORT=" + CONTAINER_PORT
                + ", SOURCE_USER='" + user + "', SOURCE_PASSWORD='" + password + "', SOURCE_AUTO_POSITION=1,"
                + " SOURCE_CONNECT_RETRY=1, GET_SOURCE_PUBLIC_KEY=1";
    }

    /**
     * Clears a new replica's own GTIDs: MySQL 8.2 renamed {@code RESET MASTER} to {@code RESET BINARY LOGS AND
     * GTIDS}, and 8.4 removed the old name.
     *
     * @param version what {@code SELECT VERSION()} returned, for example {@code 8.4.3} or {@code 8.0.40-log}
     */
    static String resetGtids(String version) {
        Matcher matcher = VERSION.matcher(version);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("Not a MySQL version: '" + version + "'");
        }
        int major = Integer.parseInt(matcher.group(1));
        int minor = Integer.parseInt(matcher.group(2));
        boolean renamed = major > 8 || (major == 8 && minor >= 2);
        return renamed ? "RESET BINARY LOGS AND GTIDS" : "RESET MASTER";
    }

    /**
     * The host the test JVM reaches published ports on: a local Docker daemon publishes them on the loopback
     * address, spelled as an address so that clients do not try {@code ::1} first.
     */
    static String reachableHost(String dockerHost) {
        return isLocal(dockerHost) ? "127.0.0.1" : dockerHost;
    }

    /**
     * Publishes the MySQL port on a host port chosen before the start, so that it stays the same when the
     * container is stopped and started again (Docker gives an ephemeral port a new number on every start); on
     * loopback only when Docker runs on this machine.
     */
    static List<String> portBindings(String dockerHost, int hostPort) {
        String address = isLocal(dockerHost) ? "127.0.0.1:" : "";
        return List.of(address + hostPort + ":" + CONTAINER_PORT);
    }

    /** Replaces every occurrence of the password, for messages built from server errors or statements. */
    static String redact(String text, String password) {
        return password.isEmpty() ? text : text.replace(password, "****");
    }

    private static boolean isLocal(String dockerHost) {
        return dockerHost.equals("localhost") || dockerHost.startsWith("127.") || dockerHost.equals("::1");
    }

    private static void line(StringBuilder config, String name, String value) {
        config.append(name).append(" = ").append(value).append('\n');
    }
}
