package dev.osc4j.testkit.ghost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The fake gh-ost, without a server")
class FakeGhostTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return FakeGhost.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("answers --version with gh-ost 1.1.10's version line (its default version)")
    void version() {
        assertThat(run("--version")).isZero();
        assertThat(out()).isEqualTo("1.1.10 (git commit: osc4j-fake)\n");
    }

    @Test
    @DisplayName("--check-flag exits 0 when every flag exists and 2 when one does not, as Go's flag package does")
    void checkFlag() {
        assertThat(run("--check-flag", "--postpone-cut-over-flag-file=/x", "-chunk-size", "100", "--execute"))
                .isZero();
        assertThat(run("--check-flag", "--no-such-flag")).isEqualTo(2);
        assertThat(out())
                .contains("flag provided but not defined: -no-such-flag")
                .contains("Usage of gh-ost:");
    }

    @Test
    @DisplayName("refuses bad values of typed flags with exit code 2")
    void badValues() {
        assertThat(run("--chunk-size=many")).isEqualTo(2);
        assertThat(out()).contains("invalid value \"many\" for flag -chunk-size");
        assertThat(run("--execute=maybe")).isEqualTo(2);
        assertThat(run("--chunk-size")).isEqualTo(2);
        assertThat(out()).contains("flag needs an argument: -chunk-size");
    }

    @Test
    @DisplayName("refuses what gh-ost 1.1.8+'s main.go refuses about --revert and --checkpoint-seconds, in its words;"
            + " --revert needs no --alter")
    void revertRefusals() {
        assertThat(run("--database=d", "--table=t", "--revert", "--resume")).isEqualTo(1);
        assertThat(err()).contains("FATAL --revert cannot be used with --resume");
        assertThat(run("--database=d", "--table=t", "--revert")).isEqualTo(1);
        assertThat(err())
                .contains("FATAL --revert must be called with --old-table")
                .doesNotContain("--alter must");
        assertThat(run("--alter=x", "--database=d", "--table=t", "--checkpoint", "--checkpoint-seconds=5"))
                .isEqualTo(1);
        assertThat(err()).contains("FATAL --checkpoint-seconds should be >=10");
    }

    @Test
    @DisplayName("fails with exit 1 and a FATAL log line when --alter, --database or --table is missing")
    void missingMandatory() {
        assertThat(run("--database=d", "--table=t")).isEqualTo(1);
        assertThat(err()).containsPattern("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d FATAL --alter must be provided");
        assertThat(run("--alter=ADD COLUMN x INT", "--table=t")).isEqualTo(1);
        assertThat(err()).contains("--database must be provided");
        assertThat(run("--alter=x", "--database=d", "--table=t", "--allow-on-master", "--test-on-replica"))
                .isEqualTo(1);
        assertThat(err()).contains("--allow-on-master and --test-on-replica are mutually exclusive");
    }

    @Test
    @DisplayName("reads --conf as gh-ost 1.1.6+ does (go-ini): no unescaping, # and ; cut even inside double quotes,"
            + " back quotes verbatim to the last one, %(key)s substituted")
    void conf(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("c.cnf");
        Files.writeString(conf, "[client]\nuser = \"osc\"\npassword = \"p\\\"a;s#s\\\\w\"\n[osc]\nchunk_size=10\n");
        FakeGhost.ConfAccount gcfgStyle = FakeGhost.readConf(conf, "1.1.6");
        assertThat(gcfgStyle.user()).as("surrounding double quotes dropped").isEqualTo("osc");
        assertThat(gcfgStyle.password()).as("cut at ';', nothing unescaped").isEqualTo("\"p\\\"a");
        Files.writeString(conf, "[client]\nuser=plain ; comment\npassword = `a`b;c#d\\e\"f`  \n");
        FakeGhost.ConfAccount backQuoted = FakeGhost.readConf(conf, "1.1.10");
        assertThat(backQuoted.user()).isEqualTo("plain");
        assertThat(backQuoted.password()).isEqualTo("a`b;c#d\\e\"f");
        Files.writeString(conf, "[client]\nuser = `me`\npassword = `x%(user)sy`\n");
        assertThat(FakeGhost.readConf(conf, "1.1.10").password()).isEqualTo("xmey");
        Files.writeString(conf, "[client]\nuser = me\npassword = ends\\\n  more\n");
        assertThat(FakeGhost.readConf(conf, "1.1.10").password())
                .as("a trailing \\ joins the next line")
                .isEqualTo("endsmore");
        Files.writeString(conf, "[client]\nuser\n");
        assertThatThrownBy(() -> FakeGhost.readConf(conf, "1.1.10")).isInstanceOf(java.io.IOException.class);
    }

    @Test
    @DisplayName("knows the flags of the version it is, and prints --version in that version's form")
    void versions() {
        assertThat(GoFlags.defines("checkpoint", "1.1.6")).isFalse();
        assertThat(GoFlags.defines("checkpoint", "1.1.8")).isTrue();
        assertThat(GoFlags.defines("charset", "1.1.7")).isTrue();
        assertThat(GoFlags.defines("statsd-addr", "1.1.9")).isFalse();
        assertThat(GoFlags.defines("statsd-addr", "1.1.10")).isTrue();
        assertThat(GoFlags.defines("attempt-instant-ddl", "1.1.6")).isTrue();
        assertThatThrownBy(() -> GoFlags.parse(new String[] {"--resume"}, "1.1.6"))
                .hasMessage("flag provided but not defined: -resume");
    }

    @Test
    @DisplayName("answers panic, help and unknown socket commands in the words of the version it is (server.go)")
    void socketRepliesPerVersion() throws Exception {
        FakeGhostRun v6 = runOf("1.1.6");
        FakeGhostRun v10 = runOf("1.1.10");
        assertThat(v6.command("nonsense")).isEqualTo("Unknown command: nonsense\n");
        assertThat(v10.command("nonsense")).isEqualTo("unknown command: nonsense\n");
        assertThat(v6.command("panic"))
                .isEqualTo("User commanded 'panic'. The migration will be aborted without cleanup. Please drop the"
                        + " gh-ost tables before trying again.\n");
        assertThat(v10.command("panic"))
                .isEqualTo("user commanded 'panic'. The migration will be aborted without cleanup. Please drop the"
                        + " gh-ost tables before trying again\n");
        assertThat(v6.command("help")).startsWith("available commands:\n").doesNotContain("cpu-profile=");
        assertThat(runOf("1.1.7").command("help"))
                .contains("cpu-profile=")
                .doesNotContain("postpone-cut-over-flag-file=");
        assertThat(v10.command("help"))
                .contains("\npostpone-cut-over-flag-file=<path>   # Postpone the cut-over phase")
                .endsWith("will just print out current max-load.\n");
    }

    private FakeGhostRun runOf(String version) throws Exception {
        return new FakeGhostRun(
                GoFlags.parse(new String[] {"--database=d", "--table=t", "--alter=x"}, version),
                FakeGhostBehavior.builder().version(version).build(),
                "u",
                "p",
                new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("prints durations the way gh-ost prettifies them")
    void durations() {
        assertThat(FakeGhostRun.goDuration(Duration.ofMillis(999))).isEqualTo("0s");
        assertThat(FakeGhostRun.goDuration(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(FakeGhostRun.goDuration(Duration.ofMinutes(2))).isEqualTo("2m0s");
        assertThat(FakeGhostRun.goDuration(Duration.ofSeconds(3723))).isEqualTo("1h2m3s");
        assertThat(FakeGhostRun.goDuration(Duration.ofHours(1))).isEqualTo("1h0m0s");
    }

    @Test
    @DisplayName("names its tables as gh-ost does, cut to 64 characters")
    void names() {
        assertThat(FakeGhostRun.safeName("orders", "gho")).isEqualTo("_orders_gho");
        assertThat(FakeGhostRun.safeName("x".repeat(64), "del")).hasSize(64).endsWith("_del");
    }

    @Test
    @DisplayName("installs a launcher script and keeps its behaviour beside it")
    void install(@TempDir Path dir) throws Exception {
        Path exe = FakeGhost.install(dir);
        assertThat(Files.isExecutable(exe)).isTrue();
        assertThat(Files.readString(exe)).contains("exec ").contains(FakeGhost.class.getName());
        FakeGhost.configure(
                exe,
                FakeGhostBehavior.builder().failAtPercent(40).faultTable("t").build());
        FakeGhostBehavior b = FakeGhostBehavior.fromProperties(Files.readString(dir.resolve("fake-gh-ost.properties")));
        assertThat(b.failAtPercent()).isEqualTo(40.0);
        assertThat(b.faultsApplyTo("t")).isTrue();
        assertThat(b.faultsApplyTo("u")).isFalse();
        assertThat(FakeGhost.launches(exe)).isEmpty();
        Process p = new ProcessBuilder(exe.toString(), "--check-flag", "--nope").start();
        assertThat(p.waitFor()).isEqualTo(2);
    }
}
