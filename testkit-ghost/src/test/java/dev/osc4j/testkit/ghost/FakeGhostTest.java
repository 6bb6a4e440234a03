package dev.osc4j.testkit.ghost;

import static org.assertj.core.api.Assertions.assertThat;

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
    @DisplayName("answers --version with gh-ost's version line")
    void version() {
        assertThat(run("--version")).isZero();
        assertThat(out()).startsWith("1.1.6 ");
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
    @DisplayName("reads [client] user and password from a --conf file, quoted values with escapes included")
    void conf(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("c.cnf");
        Files.writeString(conf, "[client]\nuser = \"osc\"\npassword = \"p\\\"a;s#s\\\\w\"\n[osc]\nchunk_size=10\n");
        String[] account = FakeGhost.readConf(conf);
        assertThat(account).containsExactly("osc", "p\"a;s#s\\w");
        Files.writeString(conf, "[client]\nuser=plain ; comment\npassword=secret\n");
        assertThat(FakeGhost.readConf(conf)).containsExactly("plain", "secret");
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
