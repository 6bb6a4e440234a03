package dev.osc4j.testkit.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Construction-time validation of the result types, and how values are put on the wire. */
class QueryResultTest {

    @Test
    @DisplayName("a row with the wrong number of values names the row and the counts")
    void rowWidthIsChecked() {
        QueryResult.RowsBuilder builder = QueryResult.resultSet().column("a", ColumnType.LONGLONG);
        assertThatThrownBy(() -> builder.row(1L, 2L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("row 0 has 2 values but 1 columns are declared");
        assertThatThrownBy(() ->
                        new QueryResult.Rows(List.of(Column.of("a", ColumnType.LONGLONG)), List.of(List.of(1L, 2L))))
                .hasMessageContaining("row 0 has 2 values but the result has 1 columns [a]");
    }

    @Test
    @DisplayName("a value the column type cannot carry is rejected with row, column and expected types")
    void valueTypeIsChecked() {
        assertThatThrownBy(() -> QueryResult.resultSet()
                        .column("id", ColumnType.LONGLONG)
                        .column("at", ColumnType.DATETIME)
                        .row(1L, LocalDateTime.of(2024, 1, 1, 0, 0))
                        .row(2L, 17L)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "row 1, column 'at' (DATETIME): cannot send a java.lang.Long; expected LocalDateTime, String"
                                + " or byte[]");
        assertThatThrownBy(() -> QueryResult.resultSet()
                        .column("x", ColumnType.DOUBLE)
                        .row(Double.NaN)
                        .build())
                .hasMessageContaining("column 'x' (DOUBLE)");
    }

    @Test
    @DisplayName("result sets need columns with unique names, declared before rows")
    void columnsAreChecked() {
        assertThatThrownBy(() -> QueryResult.resultSet().build()).hasMessage("a result set needs at least one column");
        assertThatThrownBy(() -> QueryResult.resultSet()
                        .column("a", ColumnType.VARCHAR)
                        .column("A", ColumnType.VARCHAR)
                        .build())
                .hasMessage("duplicate column name 'A'");
        assertThatThrownBy(() -> QueryResult.resultSet()
                        .column("a", ColumnType.VARCHAR)
                        .row("x")
                        .column("b", ColumnType.VARCHAR))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Column.of("", ColumnType.VARCHAR)).hasMessage("column name must not be empty");
    }

    @Test
    @DisplayName("rows are copied: changing the source list afterwards changes nothing")
    void rowsAreImmutable() {
        List<@Nullable Object> row = new ArrayList<>(Arrays.asList("a", null));
        QueryResult.Rows rows = QueryResult.resultSet()
                .column("s", ColumnType.VARCHAR)
                .column("n", ColumnType.LONG)
                .row(row)
                .build();
        row.set(0, "changed");
        assertThat(rows.rows().get(0)).containsExactly("a", null);
        assertThatThrownBy(() -> rows.rows().get(0).set(0, "x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    @DisplayName("OK counters and delays are validated")
    void okAndDelayAreChecked() {
        assertThatThrownBy(() -> QueryResult.ok(-1)).hasMessage("affectedRows must not be negative but was -1");
        assertThatThrownBy(() -> new QueryResult.Ok(0, 0, 70_000, ""))
                .hasMessage("warnings must be between 0 and 65535 but was 70000");
        assertThatThrownBy(() -> QueryResult.delayed(Duration.ofSeconds(-1), QueryResult.ok()))
                .hasMessageContaining("delay must not be negative");
        assertThat(QueryResult.ok(3, 9)).isEqualTo(new QueryResult.Ok(3, 9, 0, ""));
    }

    @Test
    @DisplayName("MySqlError validates its code and SQLSTATE and offers VTGate's 1105")
    void mySqlError() {
        MySqlError error = MySqlError.unknownError("boom");
        assertThat(error.errorCode()).isEqualTo(1105);
        assertThat(error.sqlState()).isEqualTo("HY000");
        assertThat(error.getMessage()).isEqualTo("boom");
        assertThatThrownBy(() -> new MySqlError(0, "HY000", "x"))
                .hasMessage("errorCode must be between 1 and 65535 but was 0");
        assertThatThrownBy(() -> new MySqlError(1105, "HY0", "x")).hasMessageContaining("'HY0'");
    }

    @Test
    @DisplayName("values are sent as MySQL prints them")
    void textEncoding() {
        assertThat(text(ColumnType.DATETIME, LocalDateTime.of(2024, 5, 6, 7, 8, 9)))
                .isEqualTo("2024-05-06 07:08:09");
        assertThat(text(ColumnType.DATETIME, LocalDateTime.of(2024, 5, 6, 7, 8, 9, 120_000_000)))
                .isEqualTo("2024-05-06 07:08:09.120000");
        assertThat(text(ColumnType.DATE, LocalDate.of(2024, 5, 6))).isEqualTo("2024-05-06");
        assertThat(text(ColumnType.DECIMAL, new BigDecimal("1E+3"))).isEqualTo("1000");
        assertThat(text(ColumnType.TINY, true)).isEqualTo("1");
        assertThat(text(ColumnType.DOUBLE, 0.25)).isEqualTo("0.25");
        assertThat(text(ColumnType.LONGLONG, "raw text")).isEqualTo("raw text");
        assertThat(ColumnType.DATETIME.decimals(Arrays.asList(null, LocalDateTime.of(2024, 1, 1, 0, 0, 0, 1000))))
                .isEqualTo(6);
        assertThat(ColumnType.DECIMAL.decimals(List.of(new BigDecimal("1.5"), new BigDecimal("2.125"))))
                .isEqualTo(3);
    }

    private static String text(ColumnType type, Object value) {
        assertThat(type.accepts(value)).isTrue();
        return new String(type.encode(value), StandardCharsets.UTF_8);
    }
}
