package dev.osc4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.InvalidRequestException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Comments, quotes and qualified names: a comment never hides a clause nor breaks a valid statement, a quote is lexed
 * with MySQL's escaping, and a qualified name must name the request's keyspace.
 */
@DisplayName("Ddl corpus")
class DdlCorpusTest {
    private static final String KEYSPACE = "commerce";
    private static final String TABLE = "orders";

    static Stream<Arguments> accepted() {
        return Stream.of(
                // comments are lexed, and left out of the normalised DDL
                Arguments.of("ADD COLUMN a INT /* it's a note */", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT /* \"quoted\" and `ticked` */", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT -- ; trailing", "ADD COLUMN a INT"),
                Arguments.of(
                        "ADD COLUMN a INT -- it's; a note\n, ADD COLUMN b INT",
                        "ADD COLUMN a INT \n, ADD COLUMN b INT"),
                Arguments.of("ADD COLUMN a INT --\tnote", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT --", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT # it's; a note", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT#note\n, DROP COLUMN b", "ADD COLUMN a INT\n, DROP COLUMN b"),
                Arguments.of("/* lead */ ALTER TABLE orders ADD COLUMN a INT", "ADD COLUMN a INT"),
                Arguments.of("ALTER /* x */ TABLE /* y */ orders /* z */ ADD COLUMN a INT", "ADD COLUMN a INT"),
                Arguments.of("ALTER TABLE orders/*x*/ADD COLUMN a INT", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT; -- done", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT /* ; */ ;", "ADD COLUMN a INT"),
                Arguments.of("/* RENAME TO x */ ADD COLUMN a INT", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT /*+ not a hint here */", "ADD COLUMN a INT"),
                Arguments.of("ADD COLUMN a INT /**/", "ADD COLUMN a INT"),
                // a comment marker inside a quote is text
                Arguments.of("ADD COLUMN a VARCHAR(9) DEFAULT '-- x'", "ADD COLUMN a VARCHAR(9) DEFAULT '-- x'"),
                Arguments.of("ADD COLUMN a VARCHAR(9) DEFAULT '/* x'", "ADD COLUMN a VARCHAR(9) DEFAULT '/* x'"),
                Arguments.of("ADD COLUMN a VARCHAR(9) DEFAULT '#;x'", "ADD COLUMN a VARCHAR(9) DEFAULT '#;x'"),
                Arguments.of("ADD COLUMN `a--b` INT", "ADD COLUMN `a--b` INT"),
                Arguments.of("ADD COLUMN `a/*b` INT", "ADD COLUMN `a/*b` INT"),
                // "--" not followed by a space or control character is two minus signs
                Arguments.of("ADD COLUMN a INT DEFAULT (1--1)", "ADD COLUMN a INT DEFAULT (1--1)"),
                // quotes: doubled and backslash-escaped
                Arguments.of(
                        "ADD COLUMN a VARCHAR(9) DEFAULT \"it\"\"s\"", "ADD COLUMN a VARCHAR(9) DEFAULT \"it\"\"s\""),
                Arguments.of(
                        "ADD COLUMN a VARCHAR(9) DEFAULT \"it\\\"s\"", "ADD COLUMN a VARCHAR(9) DEFAULT \"it\\\"s\""),
                Arguments.of("ADD COLUMN a VARCHAR(9) DEFAULT '\\\\'", "ADD COLUMN a VARCHAR(9) DEFAULT '\\\\'"),
                Arguments.of("ADD COLUMN `a``b` INT", "ADD COLUMN `a``b` INT"),
                Arguments.of("ADD COLUMN `a\\` INT", "ADD COLUMN `a\\` INT"),
                Arguments.of(
                        "ADD COLUMN a INT COMMENT 'RENAME TO x, RENAME y'",
                        "ADD COLUMN a INT COMMENT 'RENAME TO x, RENAME y'"),
                // qualified with the request's keyspace
                Arguments.of("ALTER TABLE commerce.orders ADD COLUMN a INT", "ADD COLUMN a INT"),
                Arguments.of("ALTER TABLE `commerce`.`orders` ADD COLUMN a INT", "ADD COLUMN a INT"),
                Arguments.of("ALTER TABLE commerce /* c */ . orders ADD COLUMN a INT", "ADD COLUMN a INT"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("accepted")
    @DisplayName("accepts comments, quotes and the keyspace as qualifier, and normalises without the comments")
    void accepts(String ddl, String clause) {
        Ddl parsed = Ddl.parse(KEYSPACE, TABLE, ddl);
        assertThat(parsed.clause()).isEqualTo(clause);
        assertThat(parsed.statement()).isEqualTo("ALTER TABLE `orders` " + clause);
        assertThat(Ddl.parse(KEYSPACE, TABLE, parsed.statement()).statement())
                .as("normalising is stable")
                .isEqualTo(parsed.statement());
    }

    static Stream<Arguments> refused() {
        String rename = "renaming the table is not an online schema change; use RENAME TABLE";
        String executable = "executable comment";
        return Stream.of(
                // a comment does not hide a clause
                Arguments.of("ADD COLUMN n INT, /* c */ RENAME TO items_old", rename),
                Arguments.of("ADD COLUMN n INT, -- c\nRENAME TO items_old", rename),
                Arguments.of("ADD COLUMN n INT, # c\nRENAME TO items_old", rename),
                Arguments.of("ADD COLUMN n INT,/**/RENAME items_old", rename),
                Arguments.of("ALTER TABLE orders /* c */ RENAME AS items_old", rename),
                Arguments.of("ADD COLUMN n INT, RENAME /* c */ TO items_old", rename),
                Arguments.of("/* c */ RENAME TO items_old", "got a RENAME statement"),
                Arguments.of(
                        "ADD COLUMN a INT /* c */ ; DROP TABLE orders",
                        "ddl must be a single statement; found ';' at offset 25"),
                Arguments.of(
                        "ADD COLUMN a INT -- c\n; DROP TABLE orders",
                        "ddl must be a single statement; found ';' at offset 22"),
                Arguments.of("/* c */ DROP TABLE orders", "got a DROP statement"),
                Arguments.of("-- c\nDROP TABLE orders", "got a DROP statement"),
                // executable comments run on some server versions only: refused
                Arguments.of("ADD COLUMN a INT /*!50100 , RENAME TO x */", executable),
                Arguments.of("ADD COLUMN a INT /*M!100100 , RENAME TO x */", executable),
                Arguments.of("ADD COLUMN a INT /*!, DROP COLUMN b */", executable),
                Arguments.of("ADD COLUMN a INT /*m!100100 x */", executable),
                // unterminated
                Arguments.of("ADD COLUMN a INT /* note", "ddl has an unterminated /* comment"),
                Arguments.of("ADD COLUMN a INT DEFAULT 'x\\'", "ddl has an unterminated ' quote"),
                Arguments.of("ADD COLUMN a INT DEFAULT \"x\\\"", "ddl has an unterminated \" quote"),
                Arguments.of("ADD COLUMN `a``", "ddl has an unterminated ` quote"),
                // NUL anywhere
                Arguments.of("ADD COLUMN a VARCHAR(3) DEFAULT 'a\0b'", "ddl contains a NUL character"),
                Arguments.of("ADD COLUMN `a\0b` INT", "ddl contains a NUL character"),
                Arguments.of("ADD COLUMN a INT /* \0 */", "ddl contains a NUL character"),
                Arguments.of("ADD COLUMN a INT -- \0", "ddl contains a NUL character"),
                // a qualified name naming another schema
                Arguments.of(
                        "ALTER TABLE billing.orders ADD COLUMN a INT",
                        "ddl names schema 'billing' but the request is for keyspace 'commerce'"),
                Arguments.of(
                        "ALTER TABLE `billing`.`orders` ADD COLUMN a INT",
                        "ddl names schema 'billing' but the request is for keyspace 'commerce'"),
                Arguments.of(
                        "ALTER TABLE Commerce.orders ADD COLUMN a INT",
                        "ddl names schema 'Commerce' but the request is for keyspace 'commerce'"),
                Arguments.of(
                        "ALTER TABLE /* c */ billing /* c */ . orders ADD COLUMN a INT",
                        "ddl names schema 'billing' but the request is for keyspace 'commerce'"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("refused")
    @DisplayName("refuses hidden clauses, executable comments, unterminated quotes, NUL and other schemas")
    void refuses(String ddl, String message) {
        assertThatThrownBy(() -> Ddl.parse(KEYSPACE, TABLE, ddl))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(message);
    }
}
