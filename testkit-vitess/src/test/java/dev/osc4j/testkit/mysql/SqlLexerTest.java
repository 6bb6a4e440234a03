package dev.osc4j.testkit.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SqlLexerTest {

    @Test
    @DisplayName("statements split at semicolons outside quotes and comments; empty pieces make no statement")
    void splitStatements() {
        assertThat(SqlLexer.splitStatements("SET @a = ';'; SELECT `x;y` /* ; */ FROM t -- ;\n; # ;\n"))
                .containsExactly("SET @a = ';'", "SELECT `x;y` /* ; */ FROM t -- ;");
        assertThat(SqlLexer.splitStatements("SELECT 1;")).containsExactly("SELECT 1");
        assertThat(SqlLexer.splitStatements(" ; ;")).isEmpty();
        assertThat(SqlLexer.splitStatements("SELECT 'a\\';' ; SELECT \"b\"\"; \""))
                .hasSize(2);
        assertThat(SqlLexer.splitStatements("SELECT 'unterminated; SELECT 2")).isNull();
    }

    @Test
    @DisplayName("placeholders are the question marks outside quotes and comments")
    void placeholders() {
        String sql = "SELECT ?, '?', `?`, \"?\" /* ? */ FROM t WHERE a = ? -- ?";
        assertThat(SqlLexer.placeholders(sql)).containsExactly(sql.indexOf('?'), sql.indexOf("= ?") + 2);
        assertThat(SqlLexer.placeholders("SELECT '?")).isNull();
    }
}
