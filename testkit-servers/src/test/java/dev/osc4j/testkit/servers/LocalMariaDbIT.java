package dev.osc4j.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("LocalMariaDb starts real MariaDB servers")
class LocalMariaDbIT {

    private static LocalMariaDb primary;
    private static LocalMariaDb replica;

    @BeforeAll
    static void startPrimaryAndReplica() throws SQLException {
        primary = LocalMariaDb.start();
        primary.createDatabase("app");
        primary.execute("CREATE TABLE app.item (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB");
        replica = primary.startReplica();
    }

    @AfterAll
    static void stopServers() {
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    @DisplayName("a row written on the primary appears on the replica through real GTID replication")
    void replicatesRows() throws SQLException {
        primary.execute("INSERT INTO app.item VALUES (1, 'first')");

        replica.waitForCatchUp(Duration.ofSeconds(10));

        assertThat(names(replica, "SELECT name FROM app.item WHERE id = 1")).containsExactly("first");
        assertThat(replica.queryForString("SELECT @@read_only")).isEqualTo("1");
        assertThat(replica.replicaStatus().get("Using_Gtid")).isEqualTo("Slave_Pos");
        assertThat(replica.serverId()).isNotEqualTo(primary.serverId());
        assertThat(primary.queryForString("SELECT @@binlog_format")).isEqualTo("ROW");
        assertThat(primary.queryForString("SELECT @@log_slave_updates")).isEqualTo("1");
    }

    @Test
    @DisplayName("the primary lists the replica in SHOW SLAVE HOSTS with its loopback host and port")
    void primaryListsReplica() throws SQLException {
        List<String> hosts = new ArrayList<>();
        try (Connection connection = primary.connect("");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW SLAVE HOSTS")) {
            while (rows.next()) {
                hosts.add(rows.getLong("Server_id") + "@" + rows.getString("Host") + ":" + rows.getInt("Port"));
            }
        }

        assertThat(hosts).containsExactly(replica.serverId() + "@127.0.0.1:" + replica.port());
    }

    @Test
    @DisplayName("with its SQL thread stopped the replica receives but does not apply changes, then catches up")
    void lagInjection() throws SQLException {
        replica.stopReplicaSqlThread();
        try {
            primary.execute("INSERT INTO app.item VALUES (2, 'lagging')");
            String primaryPosition =
                    Objects.requireNonNull(primary.queryForString("SELECT @@gtid_binlog_pos"), "gtid_binlog_pos");
            // The IO thread still runs: wait until the change has reached the relay log, so "not applied" is real.
            assertThat(poll(() -> primaryPosition.equals(replica.replicaStatus().get("Gtid_IO_Pos"))))
                    .isTrue();

            assertThat(names(replica, "SELECT name FROM app.item WHERE id = 2")).isEmpty();
            assertThat(replica.replicaLagSeconds()).isNull();
            assertThatThrownBy(() -> replica.waitForCatchUp(Duration.ofMillis(300)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("did not catch up")
                    .hasMessageContaining(primaryPosition)
                    .hasMessageContaining("Slave_SQL_Running=No");
        } finally {
            replica.startReplicaSqlThread();
        }

        replica.waitForCatchUp(Duration.ofSeconds(10));

        assertThat(names(replica, "SELECT name FROM app.item WHERE id = 2")).containsExactly("lagging");
        assertThat(replica.replicaLagSeconds()).isZero();
    }

    @Test
    @DisplayName("a restarted replica resumes replicating where it stopped")
    void replicaRestart() throws SQLException {
        int port = replica.port();
        replica.stop();
        assertThat(replica.isRunning()).isFalse();
        primary.execute("INSERT INTO app.item VALUES (3, 'while the replica was down')");

        replica.restart();
        replica.waitForCatchUp(Duration.ofSeconds(10));

        assertThat(replica.port()).isEqualTo(port);
        assertThat(names(replica, "SELECT name FROM app.item WHERE id = 3"))
                .containsExactly("while the replica was down");
        assertThat(replica.isReplicating()).isTrue();
    }

    @Test
    @DisplayName("the password is on no command line and in no environment of any process, nor in the logs")
    void passwordStaysSecret() throws IOException {
        String password = primary.password();
        List<String> commandLines = new ArrayList<>();
        List<String> leaks = new ArrayList<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : (Iterable<Path>) processes::iterator) {
                if (!process.getFileName().toString().matches("\\d+")) {
                    continue;
                }
                for (String file : List.of("cmdline", "environ")) {
                    String content = readQuietly(process.resolve(file));
                    if (file.equals("cmdline")) {
                        commandLines.add(content);
                    }
                    if (content.contains(password)) {
                        leaks.add(process + "/" + file);
                    }
                }
            }
        }
        // The scan really saw the servers' command lines, so an absent password means something.
        assertThat(commandLines).anyMatch(line -> line.contains("--port=" + primary.port()));
        assertThat(commandLines).anyMatch(line -> line.contains("--port=" + replica.port()));
        assertThat(leaks).isEmpty();

        for (LocalMariaDb server : List.of(primary, replica)) {
            Path base = Objects.requireNonNull(server.dataDirectory().getParent());
            assertThat(base.resolve("init-user.sql")).doesNotExist();
            assertThat(server.toString()).doesNotContain(password);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.optionFile())))
                    .isEqualTo("rw-------");
            assertThat(Files.readString(server.optionFile())).contains("password=" + password);
            // Logs, binary logs, table files: only the option file and the replica's master.info may hold it.
            List<Path> holders = new ArrayList<>();
            try (Stream<Path> files = Files.walk(base)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(file) && readQuietly(file).contains(password)) {
                        holders.add(base.relativize(file));
                    }
                }
            }
            assertThat(holders)
                    .isSubsetOf(Path.of("client.cnf"), Path.of("data/master.info"))
                    .contains(Path.of("client.cnf"));
        }
        assertThat(replica.password()).isEqualTo(password);
    }

    @Test
    @DisplayName("client tools log in with the option file alone")
    void optionFileWorksForTheClient() throws Exception {
        String output = run(
                "mariadb",
                "--defaults-extra-file=" + primary.optionFile(),
                "--batch",
                "--skip-column-names",
                "-e",
                "SELECT CURRENT_USER(), @@port");

        assertThat(output.trim()).isEqualTo("osc4j@127.0.0.1\t" + primary.port());
    }

    @Test
    @DisplayName("pt-online-schema-change logs in with the option file, discovers the replica and alters the table")
    void ptOnlineSchemaChangeFindsTheReplica() throws Exception {
        primary.execute("CREATE TABLE app.ptosc (id INT PRIMARY KEY, v INT)");
        primary.execute("INSERT INTO app.ptosc VALUES (1, 1), (2, 2)");

        // Replica discovery happens with --execute only; a dry run skips it.
        String output = run(
                "pt-online-schema-change",
                "--execute",
                "--alter",
                "ADD COLUMN note VARCHAR(10)",
                "h=127.0.0.1,P=" + primary.port() + ",F=" + primary.optionFile() + ",D=app,t=ptosc");
        replica.waitForCatchUp(Duration.ofSeconds(10));

        assertThat(output)
                .contains("Found 1 slaves")
                .contains("127.0.0.1:" + replica.port())
                .contains("Successfully altered");
        assertThat(names(replica, "SELECT COUNT(*) FROM app.ptosc WHERE note IS NULL"))
                .containsExactly("2");
    }

    @Test
    @DisplayName("a stopped server restarts on the same port with its data, and so does a killed one")
    void stopKillAndRestart() throws SQLException {
        LocalMariaDb server = LocalMariaDb.start();
        try {
            server.createDatabase("durable");
            server.execute("CREATE TABLE durable.t (id INT PRIMARY KEY)");
            server.execute("INSERT INTO durable.t VALUES (1)");
            int port = server.port();

            server.stop();
            assertThat(server.isRunning()).isFalse();
            assertThatThrownBy(() -> server.connect("")).isInstanceOf(SQLException.class);
            server.restart();
            assertThat(server.port()).isEqualTo(port);
            assertThat(names(server, "SELECT id FROM durable.t")).containsExactly("1");

            server.execute("INSERT INTO durable.t VALUES (2)");
            server.kill();
            assertThat(server.isRunning()).isFalse();
            assertThatThrownBy(() -> server.connect("")).isInstanceOf(SQLException.class);
            server.restart();
            assertThat(names(server, "SELECT id FROM durable.t ORDER BY id")).containsExactly("1", "2");
            assertThat(server.errorLogTail()).contains("ready for connections");

            server.close();
            server.close();
            assertThat(server.toString()).contains("closed");
            assertThat(server.dataDirectory()).doesNotExist();
            assertThatThrownBy(server::restart).isInstanceOf(IllegalStateException.class);
        } finally {
            server.close();
        }
    }

    @Test
    @DisplayName("a server that cannot be initialised fails with the installer's output and the package name")
    void initialisationFailure() {
        assertThatThrownBy(() -> LocalMariaDb.builder()
                        .serverOption("osc4j_no_such_option", "1")
                        .start())
                .isInstanceOf(ServerLaunchException.class)
                .isNotInstanceOf(MissingServerException.class)
                .hasMessageContaining("mariadb-server")
                .hasMessageContaining("osc4j_no_such_option");
    }

    @Test
    @DisplayName("without a server binary the failure names the Debian package to install")
    void missingBinary(@TempDir Path emptyDirectory) {
        assertThatThrownBy(() -> LocalMariaDb.builder()
                        .searchPath(List.of(emptyDirectory))
                        .start())
                .isInstanceOf(MissingServerException.class)
                .hasMessageContaining("mariadb-server")
                .hasMessageContaining("mariadbd")
                .hasMessageContaining(emptyDirectory.toString())
                .satisfies(e ->
                        assertThat(((MissingServerException) e).debianPackage()).isEqualTo("mariadb-server"));
    }

    private static List<String> names(LocalMariaDb server, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection connection = server.connect("");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    private static boolean poll(SqlCondition condition) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (condition.holds()) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.holds();
    }

    /** Runs a client tool and returns its output; fails the test unless it exits with 0 within 30 s. */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(text).isZero();
        return text;
    }

    private static String readQuietly(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // Processes come and go, and some files are unreadable; neither can leak anything to us.
            return "";
        }
    }

    @FunctionalInterface
    private interface SqlCondition {
        boolean holds() throws SQLException;
    }
}
