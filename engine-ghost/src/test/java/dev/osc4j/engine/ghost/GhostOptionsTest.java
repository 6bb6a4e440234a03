package dev.osc4j.engine.ghost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Endpoint;
import dev.osc4j.InvalidRequestException;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("gh-ost engine options")
class GhostOptionsTest {

    @Test
    @DisplayName("pass allowed gh-ost flags through, sorted, booleans as bare flags or =false")
    void passThrough() {
        GhostOptions o = GhostOptions.resolve(
                Map.of("chunk-size", "500", "max-lag-millis", "2000"),
                Map.of("chunk-size", "2000", "exact-rowcount", "true", "assume-rbr", "false", "cut-over", "two-step"));
        assertThat(o.passThroughArguments())
                .containsExactly(
                        "--assume-rbr=false",
                        "--chunk-size=2000",
                        "--cut-over=two-step",
                        "--exact-rowcount",
                        "--max-lag-millis=2000");
        assertThat(o.maxLagMillis()).isEqualTo(2000);
        assertThat(o.mode()).isEqualTo(GhostOptions.Mode.ALLOW_ON_MASTER);
    }

    @Test
    @DisplayName("refuse an unknown option, naming it and listing what is supported")
    void unknown() {
        assertThatThrownBy(() -> GhostOptions.resolve(Map.of(), Map.of("chunk-sise", "100")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'chunk-sise' is not supported")
                .hasMessageContaining("chunk-size");
    }

    @Test
    @DisplayName("refuse --attempt-instant-ddl, as an option or a default, naming the flag and the barrier")
    void attemptInstantDdl() {
        for (String value : java.util.List.of("true", "false")) {
            assertThatThrownBy(() -> GhostOptions.resolve(Map.of(), Map.of("attempt-instant-ddl", value)))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("'attempt-instant-ddl' is refused")
                    .hasMessageContaining("barrier");
        }
        assertThatThrownBy(() -> GhostOptions.resolve(Map.of("attempt-instant-ddl", "true"), Map.of()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'attempt-instant-ddl'");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "password",
                "serve-socket-file",
                "postpone-cut-over-flag-file",
                "hooks-path",
                "host",
                "replica-server-id",
                "force-table-names",
                "execute",
                "initially-drop-ghost-table"
            })
    @DisplayName("refuse flags the engine sets itself, without repeating the value")
    void managed(String name) {
        assertThatThrownBy(() -> GhostOptions.resolve(Map.of(), Map.of(name, "s3cr3t-value")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'" + name + "' is set by the gh-ost engine")
                .hasMessageNotContaining("s3cr3t-value");
    }

    @ParameterizedTest
    @CsvSource({
        "chunk-size,5",
        "chunk-size,100001",
        "chunk-size,many",
        "dml-batch-size,0",
        "max-lag-millis,50",
        "cut-over,fast",
        "exact-rowcount,yes",
        "nice-ratio,101",
        "max-load,Threads_running>5",
        "throttle-control-replicas,host:port:x",
        "mode,sideways",
        "inspect-host,nohostport"
    })
    @DisplayName("refuse invalid values, naming the option, never the value (it may hold a credential)")
    void invalidValues(String name, String value) {
        assertThatThrownBy(() -> GhostOptions.resolve(Map.of(), Map.of(name, value)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'" + name + "'")
                .hasMessageNotContaining("'" + value + "'");
    }

    @Test
    @DisplayName("name the option when an engine default is wrong")
    void invalidDefault() {
        assertThatThrownBy(() -> GhostOptions.resolve(Map.of("chunk-size", "1"), Map.of()))
                .hasMessageContaining("engine default option 'chunk-size'");
    }

    @Test
    @DisplayName("need an inspect-host in the replica modes, and find it per shard")
    void replicaModes() {
        assertThatThrownBy(() -> GhostOptions.resolve(Map.of(), Map.of("mode", "replica")))
                .hasMessageContaining("needs 'inspect-host'");
        GhostOptions o = GhostOptions.resolve(
                Map.of(),
                Map.of("mode", "migrate-on-replica", "inspect-host", "r1:3306", "inspect-host.-80", "r2:3307"));
        assertThat(o.mode()).isEqualTo(GhostOptions.Mode.MIGRATE_ON_REPLICA);
        assertThat(o.inspectHost("-80")).isEqualTo(new Endpoint("r2", 3307));
        assertThat(o.inspectHost("80-")).isEqualTo(new Endpoint("r1", 3306));
        assertThat(o.passThroughArguments()).isEmpty();
    }
}
