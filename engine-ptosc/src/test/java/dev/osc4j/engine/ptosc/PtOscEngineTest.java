package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.process.RunFiles;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EnginePhase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("PtOscEngine without a server")
class PtOscEngineTest {
    @TempDir
    Path work;

    private PtOscEngine engine() {
        return PtOscEngine.builder()
                .credentials(CredentialsProvider.of("osc", "s3cret"))
                .workDirectory(work)
                .build();
    }

    private static MigrationSpec spec(Map<String, String> options) {
        return new MigrationSpec("ks", "orders", "ADD COLUMN x INT", "pt-osc", options, List.of());
    }

    private static final EngineKey KEY = new EngineKey(MigrationId.of("m-1"), 1, "s1");

    @Test
    @DisplayName("the builder names what is missing or wrong")
    void builder() {
        assertThatThrownBy(() -> PtOscEngine.builder().build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("credentials are required");
        assertThatThrownBy(() -> PtOscEngine.builder()
                        .credentials(CredentialsProvider.of("u", "p"))
                        .binary("no-such-tool-osc4j")
                        .build())
                .hasMessageContaining("no-such-tool-osc4j is not on PATH")
                .hasMessageContaining("percona-toolkit");
        assertThatThrownBy(() -> PtOscEngine.builder()
                        .credentials(CredentialsProvider.of("u", "p"))
                        .defaultOption("chunk-size", "lots")
                        .build())
                .hasMessageContaining("chunk-size");
        assertThatThrownBy(() -> PtOscEngine.builder()
                        .credentials(CredentialsProvider.of("u", "p"))
                        .cancelTimeout(java.time.Duration.ZERO)
                        .build())
                .hasMessageContaining("cancelTimeout");
    }

    @Test
    @DisplayName("finds pt-online-schema-change on PATH, or says which Debian package provides it")
    void binaryOnPath() {
        assertThat(engine().binary().getFileName().toString())
                .as("pt-online-schema-change must be installed (Debian package %s)", PtOscEngine.DEBIAN_PACKAGE)
                .isEqualTo("pt-online-schema-change");
    }

    @Test
    @DisplayName("pt-osc, a postponed cut-over and reattach; no throttle ratios, no retry in place, no position")
    void capabilities() {
        PtOscEngine e = engine();
        assertThat(e.name()).isEqualTo("pt-osc");
        assertThat(e.capabilities().postponedCutover()).isTrue();
        assertThat(e.capabilities().reattach()).isTrue();
        assertThat(e.capabilities().throttleRatio())
                .as("a pause after each chunk (issue 16)")
                .isTrue();
        assertThat(e.capabilities().checksum()).isTrue();
        assertThat(e.capabilities().retryInPlace()).isFalse();
        assertThat(e.capabilities().reportsAppliedPosition()).isFalse();
    }

    @Test
    @DisplayName("validate refuses an unknown option by name, and accepts the reviewed ones")
    void validate() {
        PtOscEngine e = engine();
        e.validate(spec(Map.of("chunk-size", "500", "max-lag", "2")));
        assertThatThrownBy(() -> e.validate(spec(Map.of("no-swap-tables", "true"))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'no-swap-tables'");
    }

    @Test
    @DisplayName("credentials: the option file quotes the password (validation is DatabaseCredentialsTest's)")
    void credentials() {
        DatabaseCredentials c = new DatabaseCredentials("osc", "p#a\"s\\s w'ord");
        assertThat(RunLauncher.optionFile(c)).isEqualTo("[client]\nuser=\"osc\"\npassword=\"p#a\\\"s\\\\s w'ord\"\n");
    }

    @Test
    @DisplayName("a shard without a primary endpoint is refused before anything happens")
    void noPrimary() {
        assertThatThrownBy(() -> engine().start(new ShardTarget("ks", "s1", "app", null), spec(Map.of()), KEY))
                .isInstanceOf(EngineException.class)
                .satisfies(
                        t -> assertThat(((EngineException) t).reason()).isEqualTo(FailureReason.ENGINE_CONFIGURATION))
                .hasMessageContaining("no primary endpoint");
        assertThat(work).isEmptyDirectory();
    }

    @Test
    @DisplayName("start with bad options refuses without touching the work directory")
    void badOptionsAtStart() {
        ShardTarget target = new ShardTarget("ks", "s1", "app", new Endpoint("127.0.0.1", 1));
        assertThatThrownBy(() -> engine().start(target, spec(Map.of("chunk-size", "0")), KEY))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("chunk-size");
        assertThat(work).isEmptyDirectory();
    }

    @Test
    @DisplayName("a command holding a NUL can never be launched: named by position, never by content")
    void unlaunchable() {
        assertThat(Processes.unlaunchable(List.of("pt-online-schema-change", "--alter", "ADD COLUMN a INT")))
                .isNull();
        assertThat(Processes.unlaunchable(List.of("pt-online-schema-change", "--alter", "DEFAULT 's3cret\0'")))
                .isEqualTo("argument 2 of the pt-online-schema-change command contains a NUL character, which no"
                        + " process can be given");
    }

    @Test
    @DisplayName("a server that cannot be reached is a retryable failure and starts nothing")
    void unreachable() throws IOException {
        ShardTarget target = new ShardTarget("ks", "s1", "app", new Endpoint("127.0.0.1", freePort()));
        assertThatThrownBy(() -> engine().start(target, spec(Map.of()), KEY))
                .isInstanceOf(EngineException.class)
                .satisfies(t -> assertThat(((EngineException) t).retryable()).isTrue())
                .hasMessageNotContaining("s3cret");
        RunDirectory run = RunDirectory.of(work, KEY);
        assertThat(run.launchRecord()).doesNotExist();
        assertThat(run.optionFile()).doesNotExist();
        assertThat(engine().reattach(target, spec(Map.of()), KEY, null)).isEmpty();
        assertThat(engine().cleanup(target, spec(Map.of()), KEY).dropped()).isEmpty();
    }

    @Test
    @DisplayName("observe of a run whose directory is gone is NOT_FOUND; directives on it are refused")
    void goneRun() {
        EngineHandle handle = new EngineHandle(
                "pt-osc",
                KEY,
                Map.of(PtOscEngine.ATTR_RUN_DIR, work.resolve("gone").toString()));
        PtOscEngine e = engine();
        assertThat(e.observe(handle).phase()).isEqualTo(EnginePhase.NOT_FOUND);
        assertThatThrownBy(() -> e.releaseCutover(handle)).isInstanceOf(EngineException.class);
        assertThatThrownBy(() -> e.throttle(handle, 2.0)).hasMessageContaining("0-1");
    }

    @Test
    @DisplayName("a run on another host is not failed from here: observe throws a retryable error")
    void otherHost() throws IOException {
        RunDirectory run = RunDirectory.of(work, KEY);
        run.create();
        EngineHandle handle = new EngineHandle(
                "pt-osc",
                KEY,
                Map.of(PtOscEngine.ATTR_RUN_DIR, run.dir().toString(), PtOscEngine.ATTR_HOST, "elsewhere.example"));
        assertThatThrownBy(() -> engine().observe(handle))
                .isInstanceOf(EngineException.class)
                .satisfies(t -> assertThat(((EngineException) t).retryable()).isTrue())
                .hasMessageContaining("elsewhere.example");
    }

    @Test
    @DisplayName("run directories: named after the key, private, with records that read back")
    void runDirectory() throws IOException {
        RunDirectory run = RunDirectory.of(work, KEY);
        assertThat(run.dir().getFileName().toString()).startsWith("osc4j_m-1_1_s1-");
        assertThat(RunDirectory.of(work, new EngineKey(MigrationId.of("m-1"), 2, "s1"))
                        .dir())
                .isNotEqualTo(run.dir());
        run.create();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(run.dir())))
                .isEqualTo("rwx------");
        RunDirectory.RunRecord record = new RunDirectory.RunRecord(
                KEY.value(),
                "db1",
                3306,
                "app",
                "orders",
                "ADD COLUMN x INT",
                Instant.parse("2026-01-02T03:04:05Z"),
                List.of("_orders_new"),
                List.of(),
                List.of("pt-online-schema-change", "--execute"),
                true,
                "_orders_old");
        RunFiles.write(run.runRecord(), record.toJson());
        assertThat(run.runRecordContent()).contains(record);
        RunDirectory.LaunchRecord launch =
                new RunDirectory.LaunchRecord(123, 456, "host-a", Instant.parse("2026-01-02T03:04:06Z"));
        RunFiles.write(run.launchRecord(), launch.toJson());
        assertThat(run.launchRecordContent()).contains(launch);
        RunFiles.writePrivate(run.optionFile(), "[client]\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(run.optionFile())))
                .isEqualTo("rw-------");
        RunFiles.write(run.exitFile(), "137\n");
        assertThat(run.exitStatus()).contains(137);
    }

    @Test
    @DisplayName("the plugin compiles under the installed Perl")
    void pluginCompiles() throws Exception {
        Path plugin = work.resolve(RunDirectory.PLUGIN_RESOURCE);
        try (var in = PtOscEngine.class.getResourceAsStream(RunDirectory.PLUGIN_RESOURCE)) {
            Files.write(plugin, in.readAllBytes());
        }
        Process p = new ProcessBuilder("perl", "-c", plugin.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("syntax OK");
    }

    private static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
