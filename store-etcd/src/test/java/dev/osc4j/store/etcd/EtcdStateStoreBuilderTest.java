package dev.osc4j.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.ErrorCode;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Configuration is checked before anything connects; the key layout sorts as the listing needs. */
class EtcdStateStoreBuilderTest {

    @ParameterizedTest
    @ValueSource(strings = {"/vitess/", "/vitess/global/osc4j/", "/Vitess/zone1/"})
    @DisplayName("a prefix inside a Vitess topology root is refused, naming the root")
    void vitessRootRefused(String prefix) {
        assertThatThrownBy(() -> EtcdStateStore.builder()
                        .endpoints("http://127.0.0.1:2379")
                        .prefix(prefix)
                        .build())
                .isInstanceOfSatisfying(
                        InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST))
                .hasMessageContaining("Vitess topology root '/vitess/'")
                .hasMessageContaining(prefix);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "osc4j/", "/osc4j", "//osc4j/", "/osc 4j/", "/osc4j//x/"})
    @DisplayName("a prefix that is not an absolute path of segments ending in '/' is refused, quoted")
    void malformedPrefixRefused(String prefix) {
        assertThatThrownBy(() -> EtcdStateStore.builder()
                        .endpoints("http://127.0.0.1:2379")
                        .prefix(prefix)
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("prefix must be")
                .hasMessageContaining("'" + prefix + "'");
    }

    @Test
    @DisplayName("other roots can be declared; good prefixes pass")
    void customRoots() {
        assertThatThrownBy(() -> Keys.validatePrefix("/topo/global/x/", Set.of("/topo")))
                .hasMessageContaining("'/topo/'");
        assertThat(Keys.validatePrefix("/osc4j/", EtcdStateStore.DEFAULT_VITESS_ROOTS))
                .isEqualTo("/osc4j/");
        assertThat(Keys.validatePrefix("/team-a/osc4j.v1/", EtcdStateStore.DEFAULT_VITESS_ROOTS))
                .isEqualTo("/team-a/osc4j.v1/");
        assertThat(Keys.validatePrefix("/vitess-ops/", EtcdStateStore.DEFAULT_VITESS_ROOTS))
                .isEqualTo("/vitess-ops/");
    }

    @Test
    @DisplayName("endpoints or a client, exactly one; timeouts and sizes are checked by name")
    void settingsChecked() {
        assertThatThrownBy(() -> EtcdStateStore.builder().build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("exactly one of endpoints and client is required, got neither");
        assertThatThrownBy(() -> EtcdStateStore.builder().callTimeout(Duration.ZERO))
                .hasMessageContaining("callTimeout must be positive, got PT0S");
        assertThatThrownBy(() -> EtcdStateStore.builder()
                        .endpoints("http://127.0.0.1:2379")
                        .callTimeout(Duration.ofSeconds(10))
                        .operationTimeout(Duration.ofSeconds(5))
                        .build())
                .hasMessageContaining("operationTimeout (PT5S) must be at least callTimeout (PT10S)");
        assertThatThrownBy(() -> EtcdStateStore.builder().pageSize(0))
                .hasMessageContaining("pageSize must be 1-10000, got 0");
        assertThatThrownBy(() -> EtcdStateStore.builder().maxTxnOps(1))
                .hasMessageContaining("maxTxnOps must be >= 2, got 1");
        assertThatThrownBy(() -> EtcdStateStore.builder().endpoints(java.util.List.of()))
                .hasMessageContaining("endpoints must name at least one etcd member");
    }

    @Test
    @DisplayName("audit keys sort in sequence order, and record keys in id order")
    void keyOrder() {
        Keys keys = new Keys("/osc4j/");
        MigrationId id = MigrationId.of("m-1");
        assertThat(Keys.text(keys.audit(id, 9)).compareTo(Keys.text(keys.audit(id, 10))))
                .isNegative();
        assertThat(Keys.text(keys.audit(id, 1))).isEqualTo("/osc4j/audit/m-1/00000000000000000001");
        assertThat(Keys.text(keys.record(id))).isEqualTo("/osc4j/migrations/m-1");
        assertThat(keys.recordId(keys.record(id))).isEqualTo(id);
        assertThat(keys.recordId(Keys.bytes("/osc4j/migrations/no such id!"))).isNull();
        assertThat(Keys.text(keys.recordAfter(id)).compareTo(Keys.text(keys.record(MigrationId.of("m-10")))))
                .isNegative();
    }
}
