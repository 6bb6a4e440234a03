package dev.osc4j.testkit.servers;

import static dev.osc4j.testkit.servers.LocalMariaDb.HOST;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The configuration a {@link LocalMariaDb} runs with: the server's command line (no option files are read; its
 * private directory, loopback port, identity, binary log for replication and the test sizing, then the builder's
 * options), the client option file that holds the password, and the environment variables its processes must not
 * inherit.
 */
final class MariaDbConfig {
    private final LocalMariaDb server;

    MariaDbConfig(LocalMariaDb server) {
        this.server = server;
    }

    /** The server's command line: everything it needs is given here, no option file is read. */
    List<String> serverCommand() {
        List<String> command = new ArrayList<>();
        command.add(server.settings.server.toString());
        command.add("--no-defaults");
        if (runningAsRoot()) {
            command.add("--user=root");
        }
        command.add("--datadir=" + server.dataDirectory);
        if (Files.exists(server.userScript)) {
            command.add("--init-file=" + server.userScript);
        }
        command.add("--tmpdir=" + server.baseDirectory);
        command.add("--socket=" + server.socket);
        command.add("--pid-file=" + server.baseDirectory.resolve("mariadbd.pid"));
        command.add("--log-error=" + server.errorLog);
        command.add("--bind-address=" + HOST);
        command.add("--port=" + server.port);
        command.add("--skip-name-resolve");
        command.add("--server-id=" + server.serverId);
        command.add("--log-bin=mysql-bin");
        command.add("--binlog-format=ROW");
        command.add("--log-slave-updates=ON");
        command.add("--relay-log=relay-bin");
        command.add("--report-host=" + HOST);
        command.add("--report-port=" + server.port);
        command.add("--character-set-server=utf8mb4");
        command.add("--collation-server=utf8mb4_general_ci");
        command.add("--performance-schema=OFF");
        command.add("--innodb-flush-log-at-trx-commit=2");
        command.add("--sync-binlog=0");
        command.add("--key-buffer-size=1M");
        command.add("--aria-pagecache-buffer-size=8M");
        command.add("--query-cache-size=0");
        command.add("--table-open-cache=200");
        command.addAll(speedOptions());
        if (server.primary != null) {
            command.add("--read-only=ON");
        }
        command.addAll(extraOptions());
        return command;
    }

    /**
     * Small and without fsync: on a busy machine fsync made initialisation take seconds instead of under one. A
     * killed server still recovers everything committed (the page cache survives it); a crashed machine would not.
     * {@code loose-} keeps a MariaDB that dropped {@code nosync} starting.
     */
    static List<String> speedOptions() {
        return List.of(
                "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=8M",
                "--innodb-doublewrite=0",
                "--loose-innodb-flush-method=nosync");
    }

    private List<String> extraOptions() {
        List<String> options = new ArrayList<>();
        server.settings.serverOptions.forEach((name, value) -> options.add("--" + name + "=" + value));
        return options;
    }

    /** The {@code [client]} group of {@link LocalMariaDb#optionFile()}. */
    String clientOptions() {
        return "[client]\n" + "user=" + server.user + "\n" + "password=" + server.password + "\n" + "host=" + HOST
                + "\n" + "port=" + server.port + "\n" + "protocol=TCP\n";
    }

    /** Whether this JVM runs as root (it owns the private directory), so the server must be told to run as root. */
    boolean runningAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(server.baseDirectory, "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** MySQL clients and servers read these; a test environment must not change the servers it starts. */
    static boolean isClientVariable(String name) {
        return name.startsWith("MYSQL_") || name.startsWith("MARIADB_");
    }
}
