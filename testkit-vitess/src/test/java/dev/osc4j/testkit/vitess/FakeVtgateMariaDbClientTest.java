package dev.osc4j.testkit.vitess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.servers.internal.Binaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fake VTGate as the stock {@code mariadb} command-line client (Debian package mariadb-client) sees it: the
 * password travels in a 0600 defaults file, never on the command line. It needs the client installed, as the ITs need the servers.
 */
class FakeVtgateMariaDbClientTest {

    @TempDir
    Path directory;

    @Test
    @DisplayName("the mariadb client runs single statements and a multi-statement line with 0 failures")
    void mariadbClient() throws Exception {
        Path client = Binaries.find(Binaries.defaultSearchPath(), List.of("mariadb", "mysql"))
                .orElseThrow(() ->
                        new AssertionError("no mariadb client on PATH: install the Debian package mariadb-client"));
        SettableClock clock = SettableClock.startingAtEpoch2026();
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-80", 20_000L);
        rows.put("80-", 10_000L);
        FakeTopology topology = new FakeTopology(clock).addKeyspace("commerce", rows);
        try (FakeVtgate vtgate = FakeVtgate.builder(topology).build().start()) {
            Path defaults = defaultsFile(vtgate);
            String script = """
                    USE commerce
                    SELECT @@ddl_strategy;
                    SET @@ddl_strategy='vitess', @@migration_context='cli-1';
                    ALTER TABLE orders ADD COLUMN note VARCHAR(64);
                    SHOW VITESS_MIGRATIONS LIKE 'cli-1';
                    SHOW VITESS_TABLETS;
                    DELIMITER //
                    SET @@migration_context='cli-2'; SET @@ddl_strategy='vitess --postpone-completion'; \
                    SELECT @@migration_context AS ctx, @@ddl_strategy AS strategy //
                    DELIMITER ;
                    SELECT @@migration_context AS after_multi;
                    """;
            Path stdout = directory.resolve("stdout.txt");
            Path stderr = directory.resolve("stderr.txt");
            Process process = new ProcessBuilder(
                            client.toString(),
                            "--defaults-extra-file=" + defaults,
                            "--protocol=TCP",
                            "--skip-ssl",
                            "--batch",
                            "--no-auto-rehash")
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            process.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the mariadb client did not finish");
            }
            String out = Files.readString(stdout);
            String err = Files.readString(stderr);
            assertThat(err).as("the client's errors").isEmpty();
            assertThat(process.exitValue()).as("exit code; output:%n%s", out).isZero();
            assertThat(out).contains("@@ddl_strategy\ndirect\n");
            assertThat(out).containsPattern("uuid\n[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}\n");
            assertThat(out).contains("ctx\tstrategy\ncli-2\tvitess --postpone-completion\n");
            assertThat(out).contains("after_multi\ncli-2\n");
            assertThat(vtgate.submissions())
                    .extracting(FakeVtgate.Submission::context)
                    .containsExactly("cli-1", "cli-1");
        }
    }

    /** A 0600 option file with the credentials, so that the password is never on a command line. */
    private Path defaultsFile(FakeVtgate vtgate) throws IOException {
        Path file = Files.createFile(
                directory.resolve("client.cnf"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, """
                [client]
                host=127.0.0.1
                port=%d
                user=%s
                password=%s
                """.formatted(vtgate.port(), vtgate.user(), vtgate.password()));
        return file;
    }
}
