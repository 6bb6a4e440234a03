package dev.osc4j.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("MySqlNames quotes identifiers")
class MySqlNamesTest {

    @Test
    @DisplayName("with backticks, doubling a backtick inside the name")
    void quotes() {
        assertThat(MySqlNames.quote("orders")).isEqualTo("`orders`");
        assertThat(MySqlNames.quote("we`ird")).isEqualTo("`we``ird`");
        assertThat(MySqlNames.qualified("shop", "_orders_gho")).isEqualTo("`shop`.`_orders_gho`");
        assertThat(MySqlNames.qualified("a`b", "c")).isEqualTo("`a``b`.`c`");
    }
}
