package dev.osc4j.testkit.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How bound values become SQL literals in the statement text. */
class PreparedStatementTest {

    private static PreparedStatement statement(String sql) {
        return new PreparedStatement(1, sql, Objects.requireNonNull(SqlLexer.placeholders(sql)));
    }

    /** An execute payload after the fixed header: no NULLs, the given types, then the values. */
    private static PayloadReader parameters(int count, int[] types, byte[] values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[(count + 7) / 8]);
        out.write(1);
        for (int type : types) {
            out.write(type & 0xFF);
            out.write(type >>> 8);
        }
        out.writeBytes(values);
        return new PayloadReader(out.toByteArray());
    }

    @Test
    @DisplayName("integers (signed and unsigned), doubles, dates and text become literals; quotes are escaped")
    void literals() throws Exception {
        PreparedStatement p = statement("SELECT ?, ?, ?, ?, ?, ?");
        byte[] values = {
            (byte) 0xFF, // TINY -1
            (byte) 0xFF, // TINY unsigned 255
            0,
            0,
            0,
            0,
            0,
            0,
            (byte) 0xF8,
            0x3F, // DOUBLE 1.5
            7,
            (byte) 0xEA,
            0x07,
            12,
            3,
            8,
            30,
            5, // DATETIME 2026-12-03 08:30:05
            5,
            'a',
            '\'',
            'b',
            '\\',
            'c', // STRING a'b\c
            2,
            (byte) 0xC3,
            0x28 // BLOB, not UTF-8
        };
        String sql = p.bind(parameters(6, new int[] {0x01, 0x01 | 0x8000, 0x05, 0x0c, 0xfe, 0xfc}, values));
        assertThat(sql).isEqualTo("SELECT -1, 255, 1.5, '2026-12-03 08:30:05', 'a''b\\\\c', X'c328'");
        assertThat(SqlLexer.tokenize(sql)).extracting(SqlLexer.Token::text).contains("a'b\\c");
    }

    @Test
    @DisplayName("long data stands for its parameter once; a chunk for a missing parameter fails the execution")
    void longData() throws Exception {
        PreparedStatement p = statement("SELECT ?, ?");
        p.appendLongData(1, "lo".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.appendLongData(1, "ng".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(p.bind(parameters(2, new int[] {0x08, 0xfc}, new byte[] {3, 0, 0, 0, 0, 0, 0, 0})))
                .isEqualTo("SELECT 3, 'long'");
        p.appendLongData(5, new byte[] {1});
        MySqlError error = catchThrowableOfType(
                MySqlError.class, () -> p.bind(parameters(2, new int[] {0x08, 0x08}, new byte[16])));
        assertThat(error.errorCode()).isEqualTo(PreparedStatement.WRONG_ARGUMENTS);
        assertThat(p.bind(parameters(2, new int[] {0x08, 0x08}, new byte[16]))).isEqualTo("SELECT 0, 0");
    }

    @Test
    @DisplayName("an unknown parameter type or a truncated value is error 1210, not a broken connection")
    void wrongArguments() {
        PreparedStatement p = statement("SELECT ?");
        assertThat(catchThrowableOfType(MySqlError.class, () -> p.bind(parameters(1, new int[] {0x42}, new byte[] {1})))
                        .errorCode())
                .isEqualTo(1210);
        assertThat(catchThrowableOfType(MySqlError.class, () -> p.bind(parameters(1, new int[] {0x08}, new byte[] {1})))
                        .errorCode())
                .isEqualTo(1210);
        assertThat(p.parameterCount()).isEqualTo(1);
    }
}
