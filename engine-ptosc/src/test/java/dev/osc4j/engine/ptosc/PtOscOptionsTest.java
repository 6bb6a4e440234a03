package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("The pt-osc engine's reviewed option list")
class PtOscOptionsTest {
    private static final RunDirectory RUN = new RunDirectory(Path.of("/var/osc4j/runs/r1"));

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "chunk-size|1000",
                "chunk-time|0.5",
                "chunk-time|0",
                "chunk-size-limit|4.0",
                "chunk-index|idx_created",
                "max-lag|1.5",
                "check-interval|0.2",
                "max-load|Threads_running=25",
                "critical-load|Threads_running=50,Threads_connected=900",
                "recursion-method|hosts",
                "recursion-method|processlist,hosts",
                "recursion-method|none",
                "recursion-method|dsn=D=percona,t=dsns",
                "recursion-method|dsn=h=10.0.0.1,P=3306,D=percona,t=dsns",
                "replicas|10.0.0.2:3307",
                "replicas|replica-1.example.com",
                "alter-foreign-keys-method|rebuild_constraints",
                "sleep|0.05",
                "set-vars|lock_wait_timeout=5,innodb_lock_wait_timeout=2",
                "tries|swap_tables:20:0.5,copy_rows:10:0.25",
                "progress-interval|5",
                "pause-poll|0.5",
                "hold-keepalive|30",
                "flags|--no-check-alter --print",
            })
    @DisplayName("accepts well-formed values")
    void accepts(String name, String value) {
        PtOscOptions.validate(Map.of(name, value));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "chunk-size|0|chunk-size",
                "chunk-size|1e3|chunk-size",
                "chunk-time|-1|chunk-time",
                "max-lag|0|max-lag",
                "max-lag|1s; rm -rf /|max-lag",
                "max-load|Threads_running>25|max-load",
                "recursion-method|dsn=D=percona,t=dsns,u=root,p=secret|recursion-method",
                "recursion-method|everything|recursion-method",
                "replicas|a:1,b:2|one explicit replica",
                "replicas|a b:1|replicas",
                "alter-foreign-keys-method|none|interactive confirmation",
                "set-vars|sql_mode='',foo=$(id)|set-vars",
                "tries|swap:1:1|tries",
                "flags|--no-swap-tables|swap",
                "flags|--dry-run|--execute",
                "flags|--password=x|CredentialsProvider",
                "password|secret|CredentialsProvider",
                "plugin|/tmp/evil.pm|its own plugin",
                "pause-file|/tmp/p|pause file",
                "no-drop-triggers|1|unknown engine option",
                "chunk_size|100|unknown engine option",
            })
    @DisplayName("refuses the rest, naming the option")
    void refuses(String name, String value, String message) {
        assertThatThrownBy(() -> PtOscOptions.validate(Map.of(name, value)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(name)
                .hasMessageContaining(message);
    }

    @Test
    @DisplayName("unknown options list the accepted ones")
    void unknownListsAccepted() {
        assertThatThrownBy(() -> PtOscOptions.validate(Map.of("nice-ratio", "0.5")))
                .hasMessageContaining("unknown engine option 'nice-ratio'")
                .hasMessageContaining("chunk-size")
                .hasMessageContaining("max-lag");
    }

    @Test
    @DisplayName("request options override builder defaults, which override the engine's own")
    void layering() {
        Map<String, String> eff =
                PtOscOptions.effective(Map.of("max-lag", "5", "progress-interval", "10"), Map.of("max-lag", "2"));
        assertThat(eff)
                .containsEntry("max-lag", "2")
                .containsEntry("progress-interval", "10")
                .containsEntry("pause-poll", "1");
    }

    @Test
    @DisplayName("the command line: --execute, the plugin, the pause file, the options, and a DSN whose F= names the"
            + " option file (no credentials)")
    void command() {
        Map<String, String> options = new HashMap<>(PtOscOptions.effective(Map.of(), Map.of()));
        options.put("chunk-size", "500");
        options.put("replicas", "10.0.0.2:3307");
        options.put("flags", "--no-check-alter");
        List<String> cmd = PtOscOptions.command(
                "/usr/bin/pt-online-schema-change",
                options,
                new Endpoint("db1.example.com", 3306),
                "shop",
                "orders",
                "ADD COLUMN note VARCHAR(8)",
                RUN);
        assertThat(cmd)
                .startsWith("/usr/bin/pt-online-schema-change", "--execute", "--no-version-check")
                .containsSequence("--alter", "ADD COLUMN note VARCHAR(8)")
                .containsSequence("--plugin", "/var/osc4j/runs/r1/osc4j_plugin.pm")
                .containsSequence("--pause-file", "/var/osc4j/runs/r1/pause")
                .containsSequence("--progress", "time,2")
                .containsSequence("--recursion-method", "none")
                .containsSequence("--check-slave-lag", "h=10.0.0.2,P=3307,F=/var/osc4j/runs/r1/client.cnf")
                .containsSequence("--chunk-size", "500")
                .contains("--no-check-alter")
                .endsWith("D=shop,t=orders,h=db1.example.com,P=3306,F=/var/osc4j/runs/r1/client.cnf");
        assertThat(String.join(" ", cmd))
                .doesNotContain("u=")
                .doesNotContain("p=")
                .doesNotContain("--password");
    }

    @Test
    @DisplayName("an explicit recursion method wins over the one the replicas option implies")
    void recursionMethodWins() {
        Map<String, String> options = new HashMap<>(PtOscOptions.effective(Map.of(), Map.of()));
        options.put("replicas", "r1:3306");
        options.put("recursion-method", "hosts");
        List<String> cmd = PtOscOptions.command("pt", options, new Endpoint("p", 3306), "s", "t", "ENGINE=InnoDB", RUN);
        assertThat(cmd).containsSequence("--recursion-method", "hosts").doesNotContain("none");
    }

    @Test
    @DisplayName("the plugin configuration names the events, release file and intervals")
    void pluginConfiguration() {
        String conf = PtOscOptions.pluginConfiguration(PtOscOptions.effective(Map.of(), Map.of()), RUN);
        assertThat(conf)
                .contains("events=/var/osc4j/runs/r1/events.jsonl\n")
                .contains("release=/var/osc4j/runs/r1/release\n")
                .contains("pause_poll=1\n")
                .contains("keepalive=60\n");
    }
}
