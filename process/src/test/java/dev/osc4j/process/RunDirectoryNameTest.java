package dev.osc4j.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.spi.EngineKey;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RunDirectoryName")
class RunDirectoryNameTest {
    @Test
    @DisplayName("the same key always gives the same name; another key another one")
    void stable() {
        EngineKey key = new EngineKey(MigrationId.of("m-1"), 2, "s1");
        EngineKey same = new EngineKey(MigrationId.of("m-1"), 2, "s1");
        EngineKey other = new EngineKey(MigrationId.of("m-1"), 3, "s1");
        assertThat(RunDirectoryName.readable(key)).isEqualTo(RunDirectoryName.readable(same));
        assertThat(RunDirectoryName.readable(key)).isNotEqualTo(RunDirectoryName.readable(other));
        assertThat(RunDirectoryName.hashed("gh-", key)).isEqualTo(RunDirectoryName.hashed("gh-", same));
        assertThat(RunDirectoryName.hashed("gh-", key)).isNotEqualTo(RunDirectoryName.hashed("gh-", other));
    }

    @Test
    @DisplayName("readable: the key without ':' and a 10-hex digest; hashed: the prefix and 16 hex digits")
    void shape() {
        EngineKey key = new EngineKey(MigrationId.of("m-1"), 2, "s1");
        assertThat(RunDirectoryName.readable(key))
                .startsWith(key.value().replace(':', '_') + "-")
                .doesNotContain(":")
                .matches(".*-[0-9a-f]{10}");
        assertThat(RunDirectoryName.hashed("gh-", key)).matches("gh-[0-9a-f]{16}");
    }
}
