package dev.osc4j.testkit.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The statements the server answers itself, without a network. */
class BuiltInQueriesTest {

    private final List<String> kills = new ArrayList<>();
    private final BuiltInQueries builtIns = new BuiltInQueries((id, queryOnly) -> {
        kills.add((queryOnly ? "query " : "connection ") + id);
        return id == 7;
    });
    private ConnectionSession session = newSession();

    private static ConnectionSession newSession() {
        // `var`: NullAway on JDK 17 cannot see @Nullable type arguments in class files, so keep the declared type.
        var defaults = SessionVariables.mysqlDefaults("8.0.40-Vitess");
        defaults.put("ddl_strategy", "direct");
        return new ConnectionSession(7, "vt", "127.0.0.1", null, defaults, Map.of());
    }

    @BeforeEach
    void freshSession() {
        session = newSession();
    }

    private @Nullable QueryResult answer(String sql) throws MySqlError {
        return builtIns.answer(session, sql);
    }

    private QueryResult.Rows rows(String sql) throws MySqlError {
        QueryResult result = answer(sql);
        assertThat(result).as(sql).isInstanceOf(QueryResult.Rows.class);
        return (QueryResult.Rows) Objects.requireNonNull(result);
    }

    private List<Object> row(String sql) throws MySqlError {
        QueryResult.Rows rows = rows(sql);
        assertThat(rows.rows()).hasSize(1);
        return rows.rows().get(0);
    }

    @Test
    @DisplayName("SET understands scopes, several assignments, literals, comments and DEFAULT")
    void setVariants() throws MySqlError {
        assertThat(answer("/* client */ SET @@session.a = -5, SESSION b = 'it''s', LOCAL c := 1.50, @@d = ON;"))
                .isEqualTo(QueryResult.ok());
        assertThat(session.variable("a")).isEqualTo(-5L);
        assertThat(session.variable("b")).isEqualTo("it's");
        assertThat(session.variable("c")).isEqualTo(new BigDecimal("1.50"));
        assertThat(session.variable("d")).isEqualTo("ON");
        answer("set autocommit = OFF, sql_safe_updates = TRUE, e = NULL, `f` = \"x\\ny\"");
        assertThat(session.variable("autocommit")).isEqualTo(0L);
        assertThat(session.autocommit()).isFalse();
        assertThat(session.variable("sql_safe_updates")).isEqualTo(1L);
        assertThat(session.hasVariable("e")).isTrue();
        assertThat(session.variable("e")).isNull();
        assertThat(session.variable("f")).isEqualTo("x\ny");
        answer("SET ddl_strategy = 'vitess'");
        answer("SET ddl_strategy = DEFAULT, a = DEFAULT");
        assertThat(session.variable("ddl_strategy")).isEqualTo("direct");
        assertThat(session.hasVariable("a")).isFalse();
    }

    @Test
    @DisplayName("SET NAMES, CHARACTER SET and SET TRANSACTION update the variables MySQL would")
    void setNamesAndTransaction() throws MySqlError {
        answer("SET NAMES latin1");
        assertThat(row("SELECT @@character_set_client, @@character_set_results, @@collation_connection"))
                .containsExactly("latin1", "latin1", "latin1_swedish_ci");
        answer("SET NAMES 'utf8mb4' COLLATE 'utf8mb4_bin'");
        assertThat(session.variable("collation_connection")).isEqualTo("utf8mb4_bin");
        answer("SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY");
        assertThat(row("SELECT @@transaction_isolation, @@session.transaction_read_only"))
                .containsExactly("SERIALIZABLE", 1L);
        answer("SET TRANSACTION READ WRITE");
        assertThat(session.variable("transaction_read_only")).isEqualTo(0L);
    }

    @Test
    @DisplayName("statements it cannot fully parse, SET GLOBAL and SELECT ... FROM go to the user's handler")
    void leavesOtherStatementsAlone() throws MySqlError {
        assertThat(answer("SET GLOBAL x = 1")).isNull();
        assertThat(answer("SET @@global.x = 1")).isNull();
        assertThat(answer("SET x = y + 1")).isNull();
        assertThat(answer("SET @@ddl_strategy = 'a', x")).isNull();
        assertThat(session.variable("ddl_strategy"))
                .as("a statement is applied whole or not at all")
                .isEqualTo("direct");
        assertThat(answer("SELECT @@version FROM dual")).isNull();
        assertThat(answer("SELECT NOW()")).isNull();
        assertThat(answer("SELECT `col`")).isNull();
        assertThat(answer("SHOW VITESS_MIGRATIONS LIKE 'x'")).isNull();
        assertThat(answer("ALTER TABLE t ADD c INT")).isNull();
        assertThat(answer("SELECT 'unterminated")).isNull();
        assertThat(answer("ROLLBACK TO SAVEPOINT s")).isNull();
    }

    @Test
    @DisplayName("SELECT of variables, literals and session functions names columns like MySQL")
    void selectLists() throws MySqlError {
        QueryResult.Rows rows =
                rows("SELECT @@session.auto_increment_increment AS auto_increment_increment, @@max_allowed_packet,"
                        + " 1, 'a' b, NULL, -2.5, CONNECTION_ID(), DATABASE(), VERSION() LIMIT 1");
        assertThat(rows.columns())
                .extracting(Column::name)
                .containsExactly(
                        "auto_increment_increment",
                        "@@max_allowed_packet",
                        "1",
                        "b",
                        "NULL",
                        "-2.5",
                        "CONNECTION_ID()",
                        "DATABASE()",
                        "VERSION()");
        assertThat(rows.rows().get(0))
                .containsExactly(1L, 67108864L, 1L, "a", null, new BigDecimal("-2.5"), 7L, null, "8.0.40-Vitess");
        assertThat(rows.columns().get(0).type()).isEqualTo(ColumnType.LONGLONG);
        assertThat(rows("select @@global.ddl_strategy limit 0").rows()).isEmpty();
    }

    @Test
    @DisplayName("user variables are per session and NULL until set")
    void userVariables() throws MySqlError {
        assertThat(row("SELECT @v")).containsExactly((Object) null);
        answer("SET @v = 'x', @`w` := 3");
        assertThat(row("SELECT @v, @W")).containsExactly("x", 3L);
    }

    @Test
    @DisplayName("SHOW WARNINGS, USE, BEGIN/COMMIT/ROLLBACK and KILL are answered")
    void miscellaneous() throws MySqlError {
        QueryResult.Rows warnings = rows("SHOW WARNINGS LIMIT 10");
        assertThat(warnings.rows()).isEmpty();
        assertThat(warnings.columns()).extracting(Column::name).containsExactly("Level", "Code", "Message");
        answer("USE `commerce`");
        assertThat(session.database()).contains("commerce");
        for (String sql : List.of("BEGIN", "START TRANSACTION READ ONLY", "COMMIT", "rollback work")) {
            assertThat(answer(sql)).as(sql).isEqualTo(QueryResult.ok());
        }
        answer("KILL QUERY 7");
        answer("KILL CONNECTION 7");
        assertThatThrownBy(() -> answer("KILL 8"))
                .isInstanceOfSatisfying(
                        MySqlError.class, e -> assertThat(e.errorCode()).isEqualTo(1094));
        assertThat(kills).containsExactly("query 7", "connection 7", "connection 8");
    }

    @Test
    @DisplayName("an empty statement fails with 1065")
    void emptyStatement() {
        assertThatThrownBy(() -> answer(" /* nothing */ ;"))
                .isInstanceOfSatisfying(
                        MySqlError.class, e -> assertThat(e.errorCode()).isEqualTo(1065));
    }

    @Test
    @DisplayName("Session.setVariable normalises names and values and rejects other types")
    void sessionApi() {
        session.setVariable("@@SESSION.Foo", 5);
        assertThat(session.variable("foo")).isEqualTo(5L);
        assertThat(session.stringVariable("@@foo")).contains("5");
        session.setVariable("autocommit", "off");
        assertThat(session.variable("autocommit")).isEqualTo(0L);
        assertThatThrownBy(() -> session.setVariable("x", new Object()))
                .hasMessageStartingWith("session variable 'x' can hold a String, Number or Boolean");
        assertThatThrownBy(() -> session.setVariable("@@", 1)).hasMessageContaining("must not be empty");
        session.reset();
        assertThat(session.hasVariable("foo")).isFalse();
        assertThat(session.variable("autocommit")).isEqualTo(1L);
    }
}
