package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("MigrationSpec")
class MigrationSpecTest {

    private static MigrationSpec spec(String keyspace, String table, String engine) {
        return new MigrationSpec(keyspace, table, "ADD COLUMN a INT", engine, Map.of(), List.of());
    }

    @Test
    @DisplayName("normalises the DDL to the full statement and gives the clause back")
    void normalisesDdl() {
        MigrationSpec s = new MigrationSpec(
                "commerce", "orders", "alter table commerce.orders add column a int;", "gh-ost", Map.of(), List.of());
        assertThat(s.ddl()).isEqualTo("ALTER TABLE `orders` add column a int");
        assertThat(s.alterClause()).isEqualTo("add column a int");
        MigrationSpec again =
                new MigrationSpec(s.keyspace(), s.table(), s.ddl(), s.engine(), s.engineOptions(), s.shards());
        assertThat(again).isEqualTo(s);
    }

    @Test
    @DisplayName(
            "accepts keyspace, table, engine and shard names of letters, digits, _ and $ (and - except for tables)")
    void acceptsNames() {
        MigrationSpec s = new MigrationSpec(
                "my-keyspace_1", "order$_2", "ADD COLUMN a INT", "pt-osc", Map.of(), List.of("-80", "80-"));
        assertThat(s.shards()).containsExactly("-80", "80-");
        assertThat(spec("k".repeat(64), "t".repeat(64), "e").keyspace()).hasSize(64);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "com merce", "commerce;", "k\u00e9", "db.name"})
    @DisplayName("refuses a bad keyspace name, naming it")
    void badKeyspace(String keyspace) {
        assertThatThrownBy(() -> spec(keyspace, "orders", "fake"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("keyspace '" + keyspace + "' must match [A-Za-z0-9_$-]{1,64}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "my-table", "shop.orders", "`orders`", "orders "})
    @DisplayName("refuses a bad table name, naming it")
    void badTable(String table) {
        assertThatThrownBy(() -> spec("commerce", table, "fake"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("table '" + table + "' must match [A-Za-z0-9_$]{1,64}");
    }

    @Test
    @DisplayName("refuses names longer than 64 characters and bad engine names")
    void tooLong() {
        assertThatThrownBy(() -> spec("commerce", "t".repeat(65), "fake"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("table 'tttt");
        assertThatThrownBy(() -> spec("commerce", "orders", "gh ost"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("engine 'gh ost' must match [A-Za-z0-9_$-]{1,64}");
    }

    @Test
    @DisplayName("refuses a DDL for another table")
    void ddlForAnotherTable() {
        assertThatThrownBy(() -> new MigrationSpec(
                        "commerce", "orders", "ALTER TABLE users ADD COLUMN a INT", "fake", Map.of(), List.of()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("ddl alters table 'users' but the request is for table 'orders'");
    }

    @Test
    @DisplayName("refuses DDL that names another schema than the keyspace")
    void ddlForAnotherSchema() {
        assertThatThrownBy(() -> new MigrationSpec(
                        "commerce",
                        "orders",
                        "ALTER TABLE billing.orders ADD COLUMN a INT",
                        "fake",
                        Map.of(),
                        List.of()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("ddl names schema 'billing' but the request is for keyspace 'commerce'");
    }

    @Test
    @DisplayName(
            "says to drop the leading dashes of an option written as a flag, and never repeats a value in its name")
    void optionNameWrittenAsFlag() {
        assertThatThrownBy(() -> new MigrationSpec(
                        "commerce", "orders", "ADD COLUMN a INT", "fake", Map.of("--chunk-size", "0"), List.of()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("engine option name '--chunk-size' (drop the leading dashes");
        assertThatThrownBy(() -> new MigrationSpec(
                        "commerce",
                        "orders",
                        "ADD COLUMN a INT",
                        "fake",
                        Map.of("--password=s3cr3t-VALUE", "x"),
                        List.of()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("engine option name '--password=…' (drop the leading dashes")
                .message()
                .doesNotContain("s3cr3t");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Chunk-Size", "", ".x", "chunk size", "a/b"})
    @DisplayName("refuses a bad engine option name")
    void badOptionName(String name) {
        assertThatThrownBy(() -> new MigrationSpec(
                        "commerce", "orders", "ADD COLUMN a INT", "fake", Map.of(name, "1"), List.of()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("engine option name '" + name + "' must match [a-z0-9][a-z0-9._-]{0,63}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1\n--execute", "a\rb", "nul\0"})
    @DisplayName("refuses an engine option value with a line break or NUL")
    void badOptionValue(String value) {
        assertThatThrownBy(() -> new MigrationSpec(
                        "commerce", "orders", "ADD COLUMN a INT", "fake", Map.of("chunk-size", value), List.of()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("engine option 'chunk-size' contains a line break or NUL");
    }

    @Test
    @DisplayName("keeps engine options, and returns a default for one not set")
    void options() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("max-load", "Threads_running=25");
        options.put("chunk-size", "1000");
        MigrationSpec s = new MigrationSpec("commerce", "orders", "ADD COLUMN a INT", "gh-ost", options, List.of());
        options.put("added-later", "x");
        assertThat(s.engineOptions()).containsOnlyKeys("max-load", "chunk-size");
        assertThat(s.option("chunk-size", "500")).isEqualTo("1000");
        assertThat(s.option("critical-load", "none")).isEqualTo("none");
    }

    @Test
    @DisplayName("refuses duplicate shards and bad shard names")
    void shards() {
        assertThatThrownBy(() -> new MigrationSpec(
                        "commerce", "orders", "ADD COLUMN a INT", "fake", Map.of(), List.of("-80", "80-", "-80")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("shards contain duplicates: [-80, 80-, -80]");
        assertThatThrownBy(() ->
                        new MigrationSpec("commerce", "orders", "ADD COLUMN a INT", "fake", Map.of(), List.of("a b")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("shard 'a b' must match [A-Za-z0-9_$-]{1,64}");
    }

    @Test
    @DisplayName("copies the shard list")
    void copiesShards() {
        List<String> shards = new ArrayList<>(List.of("-80"));
        MigrationSpec s = new MigrationSpec("commerce", "orders", "ADD COLUMN a INT", "fake", Map.of(), shards);
        shards.add("80-");
        assertThat(s.shards()).containsExactly("-80");
        assertThatThrownBy(() -> s.shards().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }
}
