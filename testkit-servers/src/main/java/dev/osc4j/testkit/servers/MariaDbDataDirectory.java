package dev.osc4j.testkit.servers;

import static dev.osc4j.testkit.servers.LocalMariaDb.DEBIAN_PACKAGE;
import static dev.osc4j.testkit.servers.LocalMariaDb.HOST;
import static dev.osc4j.testkit.servers.LocalMariaDb.LOG_TAIL_LINES;

import dev.osc4j.testkit.servers.LocalMariaDb.Settings;
import dev.osc4j.testkit.servers.internal.LogFiles;
import dev.osc4j.testkit.servers.internal.ManagedProcess;
import dev.osc4j.testkit.servers.internal.TempDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Initialises the data directory of a {@link LocalMariaDb}: {@code mariadb-install-db} runs once per JVM and settings
 * into a template that is never started, locked down so root logs in only through the server's unix socket; every new
 * server gets a copy of it and a script, run on its first start, that creates the application user.
 */
final class MariaDbDataDirectory {
    private static final System.Logger LOG = System.getLogger(LocalMariaDb.class.getName());

    /**
     * Given to the installer. The bootstrap runs with the grant tables off, so it loads them first; it leaves root
     * reachable only through the unix socket in the server's private directory.
     */
    private static final String LOCKDOWN_SCRIPT = """
            FLUSH PRIVILEGES;
            DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';
            DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';
            FLUSH PRIVILEGES;
            """;

    /** Data directories initialised once per JVM and settings, never started, copied for every new server. */
    private static final Map<List<String>, Path> TEMPLATES = new HashMap<>();

    private final LocalMariaDb server;

    MariaDbDataDirectory(LocalMariaDb server) {
        this.server = server;
    }

    /**
     * Copies a template data directory: running the installer costs from under one to several seconds on a busy
     * machine (it syncs its DDL log however InnoDB is configured); a copy costs milliseconds.
     */
    void create() {
        Path template = template(server.settings, server.config.runningAsRoot());
        try (Stream<Path> files = Files.walk(template)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target =
                        server.dataDirectory.resolve(template.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new ServerLaunchException(
                    "Cannot copy the MariaDB template data directory " + template + ": " + e, DEBIAN_PACKAGE, e);
        }
        TempDirectories.writePrivateFile(server.userScript, userScript());
    }

    /** Returns an initialised, never started data directory for these settings, creating it on first use. */
    private static synchronized Path template(Settings settings, boolean asRoot) {
        List<String> key = new ArrayList<>(List.of(settings.installer.toString(), settings.server.toString()));
        settings.serverOptions.forEach((name, value) -> key.add(name + "=" + value));
        Path existing = TEMPLATES.get(key);
        if (existing != null && Files.isDirectory(existing)) {
            return existing;
        }
        Path directory = TempDirectories.create("osc4j-mariadb-template-");
        Path data = directory.resolve("data");
        Path installLog = directory.resolve("install.log");
        Path lockdown = directory.resolve("lockdown.sql");
        TempDirectories.writePrivateFile(lockdown, LOCKDOWN_SCRIPT);
        List<String> command = new ArrayList<>();
        command.add(settings.installer.toString());
        command.add("--no-defaults");
        Path binDirectory = settings.server.getParent();
        Path basedir = binDirectory == null ? null : binDirectory.getParent();
        if (basedir != null) {
            // Makes the installer bootstrap the same server binary that will run.
            command.add("--basedir=" + basedir);
        }
        command.add("--datadir=" + data);
        command.add("--auth-root-authentication-method=normal");
        command.add("--skip-test-db");
        command.add("--skip-name-resolve");
        command.add("--extra-file=" + lockdown);
        if (asRoot) {
            command.add("--user=root");
        }
        command.addAll(MariaDbConfig.speedOptions());
        settings.serverOptions.forEach((name, value) -> command.add("--" + name + "=" + value));
        long started = System.nanoTime();
        boolean created = false;
        try {
            ManagedProcess installer = ManagedProcess.start(
                    "mariadb-install-db", command, directory, installLog, MariaDbConfig::isClientVariable);
            if (!installer.waitForExit(settings.startTimeout)) {
                installer.kill();
                throw new ServerLaunchException(
                        "Initialising a MariaDB data directory took longer than " + settings.startTimeout
                                + "; installer output:\n" + LogFiles.tail(installLog, LOG_TAIL_LINES),
                        DEBIAN_PACKAGE,
                        null);
            }
            int exitCode = installer.exitCode().orElse(-1);
            if (exitCode != 0) {
                throw new ServerLaunchException(
                        "Initialising a MariaDB data directory with " + settings.installer + " failed (exit code "
                                + exitCode + "). Is the Debian package " + DEBIAN_PACKAGE
                                + " installed completely? Installer output:\n"
                                + LogFiles.tail(installLog, LOG_TAIL_LINES),
                        DEBIAN_PACKAGE,
                        null);
            }
            created = true;
        } catch (UncheckedIOException e) {
            throw new ServerLaunchException(
                    "Cannot run " + settings.installer + ": " + e.getMessage() + ". Is the Debian package "
                            + DEBIAN_PACKAGE + " installed completely?",
                    DEBIAN_PACKAGE,
                    e);
        } finally {
            if (!created) {
                // The message carries the installer's output; the half-made directory is of no further use.
                TempDirectories.delete(directory);
            }
        }
        LOG.log(Level.DEBUG, "Initialised template {0} in {1} ms", data, (System.nanoTime() - started) / 1_000_000);
        TEMPLATES.put(List.copyOf(key), data);
        return data;
    }

    /**
     * Run once, through {@code --init-file} on the first start, so the password is in no installer and on no
     * command line. Kept out of the binary log, or a replica replaying it would fail on an existing user.
     */
    private String userScript() {
        StringBuilder sql = new StringBuilder();
        sql.append("SET sql_log_bin = 0;\n");
        for (String host : List.of(HOST, "localhost")) {
            String account = "'" + server.user + "'@'" + host + "'";
            sql.append("CREATE USER ")
                    .append(account)
                    .append(" IDENTIFIED BY '")
                    .append(server.password)
                    .append("';\n");
            sql.append("GRANT ALL PRIVILEGES ON *.* TO ").append(account).append(" WITH GRANT OPTION;\n");
        }
        return sql.toString();
    }
}
