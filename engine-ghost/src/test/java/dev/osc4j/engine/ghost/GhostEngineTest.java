package dev.osc4j.engine.ghost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Endpoint;
import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.EnginePhase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("GhostEngine, without gh-ost")
class GhostEngineTest {
    private static final DatabaseCredentials ACCOUNT = new DatabaseCredentials("osc", "pa\"ss\\word;#1");

    @TempDir
    Path dir;

    private GhostEngine engine() {
        return GhostEngine.builder()
                .executable(dir.resolve("gh-ost"))
                .workDirectory(dir.resolve("w"))
                .credentials(CredentialsProvider.of(ACCOUNT))
                .build();
    }

    private static final EngineKey KEY = new EngineKey(MigrationId.forIdempotencyKey("unit"), 2, "-80");
    private static final ShardTarget TARGET = new ShardTarget("ks", "-80", "shop", new Endpoint("db1", 3306));

    private static MigrationSpec spec(Map<String, String> options) {
        return new MigrationSpec("ks", "orders", "ADD COLUMN x INT", GhostEngine.NAME, options, List.of());
    }

    @Test
    @DisplayName("is named gh-ost and can hold the cut-over and reattach, but has no partial throttle")
    void capabilities() {
        GhostEngine e = engine();
        assertThat(e.name()).isEqualTo("gh-ost");
        assertThat(e.capabilities().postponedCutover()).isTrue();
        assertThat(e.capabilities().reattach()).isTrue();
        assertThat(e.capabilities().throttleRatio()).as("nice-ratio (issue 16)").isTrue();
        assertThat(e.capabilities().retryInPlace()).isFalse();
        assertThat(e.toString()).doesNotContain(ACCOUNT.password());
        assertThat(ACCOUNT.toString()).doesNotContain(ACCOUNT.password()).contains("osc");
    }

    @Test
    @DisplayName("a revertible run adds --checkpoint and never --ok-to-drop-table; a revert runs --revert"
            + " --old-table=_<t>_del without --alter")
    void revertCommandLines() {
        GhostEngine e = engine();
        RunDirectory run = RunDirectory.of(dir.resolve("w"), KEY);
        GhostOptions options = GhostOptions.resolve(Map.of(), Map.of("ok-to-drop-table", "true"));
        Endpoint primary = new Endpoint("db1", 3306);
        MigrationSpec forward = spec(Map.of("ok-to-drop-table", "true")).withRevertible(true);
        assertThat(e.arguments(run, TARGET, forward, KEY, options, primary, primary))
                .contains("--checkpoint", "--alter=ADD COLUMN x INT")
                .doesNotContain("--ok-to-drop-table");
        assertThat(e.arguments(run, TARGET, forward.withRevertible(false), KEY, options, primary, primary))
                .contains("--ok-to-drop-table")
                .doesNotContain("--checkpoint");
        MigrationSpec revert = forward.revertOf(KEY.migrationId(), 2, List.of("-80"));
        assertThat(e.arguments(run, TARGET, revert, KEY, options, primary, primary))
                .contains("--revert", "--old-table=_orders_del", "--execute")
                .doesNotContain("--checkpoint", "--ok-to-drop-table")
                .noneMatch(a -> a.startsWith("--alter"));
    }

    @Test
    @DisplayName("gh-ost can revert from 1.1.8 (--revert, PR #1607); without an executable it says it cannot")
    void revertVersions() {
        assertThat(GhostEngine.canRevert("1.1.7")).isFalse();
        assertThat(GhostEngine.canRevert("1.1.6")).isFalse();
        assertThat(GhostEngine.canRevert("1.1.8")).isTrue();
        assertThat(GhostEngine.canRevert("1.1.10")).isTrue();
        assertThat(GhostEngine.canRevert("v1.2.0")).isTrue();
        assertThat(GhostEngine.canRevert("1.0.49")).isFalse();
        assertThat(GhostEngine.canRevert("unknown")).isFalse();
        assertThat(engine().capabilities().revert()).isFalse();
    }

    @Test
    @DisplayName("builds gh-ost's command line: connection without credentials, postponed cut-over, per-run files")
    void commandLine() {
        GhostEngine e = engine();
        RunDirectory run = RunDirectory.of(dir.resolve("w"), KEY);
        GhostOptions options = GhostOptions.resolve(Map.of(), Map.of("chunk-size", "5000", "exact-rowcount", "true"));
        Endpoint primary = new Endpoint("db1", 3306);
        List<String> args = e.arguments(run, TARGET, spec(Map.of()), KEY, options, primary, primary);
        assertThat(args)
                .contains(
                        "--conf=" + run.conf(),
                        "--host=db1",
                        "--port=3306",
                        "--database=shop",
                        "--table=orders",
                        "--alter=ADD COLUMN x INT",
                        "--execute",
                        "--allow-on-master",
                        "--serve-socket-file=" + run.socket(),
                        "--initially-drop-socket-file",
                        "--postpone-cut-over-flag-file=" + run.postponeFlag(),
                        "--panic-flag-file=" + run.panicFlag(),
                        "--throttle-flag-file=" + run.throttleFlag(),
                        "--throttle-additional-flag-file=" + e.throttleAllFlagFile(),
                        "--hooks-path=" + run.hooks(),
                        "--hooks-hint=" + KEY.value(),
                        "--replica-server-id=" + RunDirectory.replicaServerId(KEY),
                        "--chunk-size=5000",
                        "--exact-rowcount");
        assertThat(args)
                .noneMatch(a -> a.contains(ACCOUNT.password()) || a.startsWith("--password") || a.startsWith("--user"));
    }

    @Test
    @DisplayName("connects to the replica in the replica modes and names the primary as master")
    void replicaModes() {
        GhostEngine e = engine();
        RunDirectory run = RunDirectory.of(dir.resolve("w"), KEY);
        Endpoint primary = new Endpoint("db1", 3306);
        Endpoint replica = new Endpoint("db1-replica", 3307);
        GhostOptions viaReplica =
                GhostOptions.resolve(Map.of(), Map.of("mode", "replica", "inspect-host", "db1-replica:3307"));
        assertThat(e.arguments(run, TARGET, spec(Map.of()), KEY, viaReplica, replica, primary))
                .contains("--host=db1-replica", "--port=3307", "--assume-master-host=db1:3306")
                .doesNotContain("--allow-on-master");
        GhostOptions onReplica = GhostOptions.resolve(
                Map.of(), Map.of("mode", "migrate-on-replica", "inspect-host", "db1-replica:3307"));
        assertThat(e.arguments(run, TARGET, spec(Map.of()), KEY, onReplica, replica, primary))
                .contains("--migrate-on-replica")
                .noneMatch(a -> a.startsWith("--assume-master-host"));
    }

    @Test
    @DisplayName("refuses bad settings, naming them")
    void builderValidation() {
        assertThatThrownBy(() -> GhostEngine.builder().build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("credentials");
        assertThatThrownBy(() -> GhostEngine.builder()
                        .credentials(t -> ACCOUNT)
                        .workDirectory(Path.of("/tmp/" + "x".repeat(120)))
                        .build())
                .hasMessageContaining("workDirectory")
                .hasMessageContaining("too long");
        assertThatThrownBy(() -> GhostEngine.builder()
                        .credentials(t -> ACCOUNT)
                        .socketTimeout(Duration.ZERO)
                        .build())
                .hasMessageContaining("socketTimeout");
        assertThatThrownBy(() -> GhostEngine.builder()
                        .credentials(t -> ACCOUNT)
                        .jdbcProperties(Map.of("password", "x"))
                        .build())
                .hasMessageContaining("jdbcProperties");
        assertThatThrownBy(() -> GhostEngine.builder()
                        .credentials(t -> ACCOUNT)
                        .defaults(Map.of("chunk-size", "1"))
                        .build())
                .hasMessageContaining("chunk-size");
    }

    @Test
    @DisplayName("refuses to start without a primary, or with options it does not know, before touching anything")
    void startRefusals() {
        GhostEngine e = engine();
        assertThatThrownBy(() -> e.start(new ShardTarget("ks", "-80", "shop", null), spec(Map.of()), KEY))
                .isInstanceOf(EngineException.class)
                .satisfies(
                        x -> assertThat(((EngineException) x).reason()).isEqualTo(FailureReason.ENGINE_CONFIGURATION))
                .satisfies(x -> assertThat(((EngineException) x).retryable()).isFalse());
        assertThatThrownBy(() -> e.start(TARGET, spec(Map.of("password", "x")), KEY))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("'password'");
        assertThat(e.runDirectory(KEY)).doesNotExist();
    }

    @Test
    @DisplayName("reports a run it has no directory for as NOT_FOUND, and finds nothing to reattach or clean")
    void unknownRun() {
        GhostEngine e = engine();
        EngineHandle handle = new EngineHandle(GhostEngine.NAME, KEY, Map.of());
        assertThat(e.observe(handle).phase()).isEqualTo(EnginePhase.NOT_FOUND);
        assertThat(e.reattach(TARGET, spec(Map.of()), KEY, null)).isEmpty();
        assertThat(e.cleanup(TARGET, spec(Map.of()), KEY).dropped()).isEmpty();
        assertThatThrownBy(() -> e.throttle(handle, 1.5)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> e.releaseCutover(handle))
                .isInstanceOf(EngineException.class)
                .satisfies(x -> assertThat(((EngineException) x).reason()).isEqualTo(FailureReason.RUN_LOST));
    }

    @Test
    @DisplayName("refuses an executable that does not exist with a clear error, without creating a run")
    void missingExecutable() {
        GhostEngine e = engine();
        assertThatThrownBy(() -> e.start(TARGET, spec(Map.of()), KEY))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("gh-ost executable")
                .hasMessageContaining("does not exist");
        assertThat(e.runDirectory(KEY)).doesNotExist();
    }
}
