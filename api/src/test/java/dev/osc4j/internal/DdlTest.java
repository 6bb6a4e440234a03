package dev.osc4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.ErrorCode;
import dev.osc4j.InvalidRequestException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Ddl")
class DdlTest {
    private static final String KEYSPACE = "shop";
    private static final String TABLE = "orders";

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("ALTER TABLE orders ADD COLUMN note VARCHAR(64)", "ADD COLUMN note VARCHAR(64)"),
                Arguments.of("alter table orders add column note int", "add column note int"),
                Arguments.of("ALTER TABLE `orders` ADD INDEX idx_note (note)", "ADD INDEX idx_note (note)"),
                Arguments.of("ALTER TABLE shop.orders DROP COLUMN note", "DROP COLUMN note"),
                Arguments.of("ALTER TABLE `shop`.`orders` DROP COLUMN note", "DROP COLUMN note"),
                Arguments.of("ALTER TABLE `shop` . `orders` DROP COLUMN note", "DROP COLUMN note"),
                Arguments.of("ALTER ONLINE TABLE orders ADD COLUMN a INT", "ADD COLUMN a INT"),
                Arguments.of(
                        "  ALTER\n  TABLE orders\n  ADD COLUMN a INT,\n  ADD COLUMN b INT  ",
                        "ADD COLUMN a INT,\n  ADD COLUMN b INT"),
                Arguments.of("ADD COLUMN note VARCHAR(64)", "ADD COLUMN note VARCHAR(64)"),
                Arguments.of("DROP COLUMN note", "DROP COLUMN note"),
                Arguments.of("drop index idx_note", "drop index idx_note"),
                Arguments.of(
                        "DROP PRIMARY KEY, ADD PRIMARY KEY (id, note)", "DROP PRIMARY KEY, ADD PRIMARY KEY (id, note)"),
                Arguments.of("DROP FOREIGN KEY fk_customer", "DROP FOREIGN KEY fk_customer"),
                Arguments.of("ALTER COLUMN note SET DEFAULT 'n/a'", "ALTER COLUMN note SET DEFAULT 'n/a'"),
                Arguments.of("RENAME COLUMN note TO remark", "RENAME COLUMN note TO remark"),
                Arguments.of("ALTER TABLE orders RENAME INDEX a TO b", "RENAME INDEX a TO b"),
                Arguments.of("MODIFY note TEXT", "MODIFY note TEXT"),
                Arguments.of("ALTER TABLE orders ADD COLUMN a INT;", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT ; ;\n", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a VARCHAR(3) DEFAULT ';'", "ADD COLUMN a VARCHAR(3) DEFAULT ';'"),
                Arguments.of("ADD COLUMN a VARCHAR(9) DEFAULT 'it''s;'", "ADD COLUMN a VARCHAR(9) DEFAULT 'it''s;'"),
                Arguments.of("ADD COLUMN a VARCHAR(9) DEFAULT 'it\\'s;'", "ADD COLUMN a VARCHAR(9) DEFAULT 'it\\'s;'"),
                Arguments.of("ADD COLUMN `a;b` INT COMMENT \"x;y\"", "ADD COLUMN `a;b` INT COMMENT \"x;y\""));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("accepted")
    @DisplayName("accepts ALTER TABLE on the request's table or a bare clause, and produces statement and clause")
    void accepts(String ddl, String clause) {
        Ddl parsed = Ddl.parse(KEYSPACE, TABLE, ddl);
        assertThat(parsed.clause()).isEqualTo(clause);
        assertThat(parsed.statement()).isEqualTo("ALTER TABLE `orders` " + clause);
        Ddl again = Ddl.parse(KEYSPACE, TABLE, parsed.statement());
        assertThat(again.statement()).as("normalising is stable").isEqualTo(parsed.statement());
        assertThat(again.clause()).isEqualTo(clause);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(
                        "ALTER TABLE customers ADD COLUMN a INT",
                        "ddl alters table 'customers' but the request is for table 'orders'"),
                Arguments.of(
                        "ALTER TABLE shop.customers ADD COLUMN a INT",
                        "ddl alters table 'customers' but the request is for table 'orders'"),
                Arguments.of(
                        "ALTER TABLE orders_archive ADD COLUMN a INT",
                        "ddl alters table 'orders_archive' but the request is for table 'orders'"),
                Arguments.of(
                        "ALTER TABLE `Orders` ADD COLUMN a INT",
                        "ddl alters table 'Orders' but the request is for table 'orders'"),
                Arguments.of(
                        "ALTER TABLE orders ADD COLUMN a INT; DROP TABLE orders",
                        "ddl must be a single statement; found ';' at offset 35"),
                Arguments.of(
                        "ADD COLUMN a INT;;DROP TABLE x;", "ddl must be a single statement; found ';' at offset 16"),
                Arguments.of("", "ddl is empty"),
                Arguments.of("   ", "ddl is empty"),
                Arguments.of(" ; ", "ddl is empty"),
                Arguments.of("ALTER TABLE orders", "ddl has no alter clause after the table name"),
                Arguments.of("ALTER TABLE orders ;", "ddl has no alter clause after the table name"),
                Arguments.of(
                        "CREATE TABLE orders (id INT PRIMARY KEY)",
                        "ddl must be 'ALTER TABLE orders ...' or an ALTER clause such as 'ADD COLUMN ...', got a CREATE"
                                + " statement"),
                Arguments.of(
                        "DROP TABLE orders",
                        "ddl must be 'ALTER TABLE orders ...' or an ALTER clause such as 'ADD COLUMN ...', got a DROP"
                                + " statement"),
                Arguments.of(
                        "drop table orders",
                        "ddl must be 'ALTER TABLE orders ...' or an ALTER clause such as 'ADD COLUMN ...', got a DROP"
                                + " statement"),
                Arguments.of(
                        "UPDATE orders SET note = ''",
                        "ddl must be 'ALTER TABLE orders ...' or an ALTER clause such as 'ADD COLUMN ...', got a"
                                + " UPDATE statement"),
                Arguments.of(
                        "ALTER TABLE orders RENAME TO orders_old",
                        "renaming the table is not an online schema change; use RENAME TABLE"),
                Arguments.of(
                        "ALTER TABLE orders RENAME AS orders_old",
                        "renaming the table is not an online schema change; use RENAME TABLE"),
                Arguments.of(
                        "ALTER TABLE orders rename orders_old",
                        "renaming the table is not an online schema change; use RENAME TABLE"),
                Arguments.of(
                        "ALTER TABLE orders ADD COLUMN a INT, RENAME TO orders_old",
                        "renaming the table is not an online schema change; use RENAME TABLE"),
                Arguments.of("ADD COLUMN a VARCHAR(3) DEFAULT 'abc", "ddl has an unterminated ' quote"),
                Arguments.of("ADD COLUMN `a INT", "ddl has an unterminated ` quote"),
                Arguments.of("ADD COLUMN a INT COMMENT \"x", "ddl has an unterminated \" quote"),
                Arguments.of("ADD COLUMN a INT\0", "ddl contains a NUL character at offset 16"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("refused")
    @DisplayName("refuses what is not one ALTER of the request's table, saying what is wrong")
    void refuses(String ddl, String message) {
        assertThatThrownBy(() -> Ddl.parse(KEYSPACE, TABLE, ddl))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST))
                .hasMessage(message);
    }

    @Test
    @DisplayName("does not mistake a RENAME inside a string or a column rename for a table rename")
    void renameLookalikes() {
        assertThat(Ddl.parse(KEYSPACE, TABLE, "ADD COLUMN a VARCHAR(30) DEFAULT 'x, RENAME TO y'")
                        .clause())
                .isEqualTo("ADD COLUMN a VARCHAR(30) DEFAULT 'x, RENAME TO y'");
        assertThat(Ddl.parse(KEYSPACE, TABLE, "ADD COLUMN a INT, RENAME COLUMN b TO c")
                        .clause())
                .isEqualTo("ADD COLUMN a INT, RENAME COLUMN b TO c");
        assertThat(Ddl.parse(KEYSPACE, TABLE, "ADD COLUMN renamed INT").clause())
                .isEqualTo("ADD COLUMN renamed INT");
    }
}
