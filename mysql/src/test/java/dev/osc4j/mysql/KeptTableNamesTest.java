package dev.osc4j.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class KeptTableNamesTest {

    /** The order of the server's metadata-lock keys for two tables of one schema: bytes of name and NUL, then length. */
    private static int lockOrder(String a, String b) {
        byte[] x = (a + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] y = (b + "\0").getBytes(StandardCharsets.UTF_8);
        int n = Math.min(x.length, y.length);
        int c = Arrays.compareUnsigned(x, 0, n, y, 0, n);
        return c != 0 ? c : x.length - y.length;
    }

    @Test
    @DisplayName("the copy and the kept table sort after the table in lock order, so a RENAME waits for it first")
    void namesSortAfterTheTable() {
        for (String t : new String[] {"t", "orders", "Z", "a_b$c", "x".repeat(54), "x".repeat(55), "y".repeat(64)}) {
            String kept = KeptTable.keptName(t);
            String copy = KeptTable.newTableName(t);
            assertThat(kept).hasSizeLessThanOrEqualTo(64).isNotEqualTo(copy);
            assertThat(lockOrder(t, kept)).as(kept).isNegative();
            assertThat(lockOrder(t, copy)).as(copy).isNegative();
            // pt-osc's own names sort before a table whose name starts with a lower-case letter (after '_'): the order
            // that made waiting writes fail with 1146
            assertThat(lockOrder("_" + t + "_new", t) < 0).isEqualTo(t.charAt(0) > '_');
        }
        assertThat(KeptTable.keptName("orders")).isEqualTo("orders_osc4j_old");
        assertThat(KeptTable.newTableName("orders")).isEqualTo("orders_osc4j_new");
        assertThat(KeptTable.keptName("y".repeat(64))).isEqualTo("y".repeat(54) + "~osc4j_old");
    }

    @Test
    @DisplayName("a long name whose character at the cut sorts after '~' is refused with the reason")
    void unorderableNameRefused() {
        String t = "x".repeat(54) + "é" + "x".repeat(9);
        assertThatThrownBy(() -> KeptTable.keptName(t))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("position 54")
                .hasMessageContaining("shorter name");
    }
}
