package dev.osc4j.testkit.mysql;

import dev.osc4j.testkit.mysql.SqlLexer.Kind;
import dev.osc4j.testkit.mysql.SqlLexer.Token;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The statements the server answers before the user's {@link QueryHandler}: what drivers and pools send to set up and
 * check a session. A statement is answered only when it parses completely; anything else returns {@code null} and goes
 * to the user's handler.
 */
final class BuiltInQueries {

    /** Words that end a select list item, so they cannot be a bare alias. */
    private static final Set<String> CLAUSE_WORDS =
            Set.of("FROM", "WHERE", "LIMIT", "INTO", "FOR", "UNION", "GROUP", "ORDER", "HAVING", "LOCK", "WINDOW");

    private static final Set<String> SESSION_FUNCTIONS = Set.of(
            "DATABASE", "SCHEMA", "VERSION", "CONNECTION_ID", "USER", "SESSION_USER", "SYSTEM_USER", "CURRENT_USER");

    /** Kills statements or connections by id, for {@code KILL}. */
    interface Killer {
        /** Returns false if no connection has that id. */
        boolean kill(long connectionId, boolean queryOnly);
    }

    /** The value of {@code SET name = DEFAULT}. */
    private static final Object DEFAULT_VALUE = new Object();

    /** What {@link #literal} and {@link #selectExpression} return when the tokens are not what they accept. */
    private static final Object NOT_PARSED = new Object();

    private final Killer killer;

    BuiltInQueries(Killer killer) {
        this.killer = killer;
    }

    /** The answer, or {@code null} if the statement is not one of the built-in ones. */
    @Nullable
    QueryResult answer(ConnectionSession session, String sql) throws MySqlError {
        List<Token> tokens = SqlLexer.tokenize(sql);
        if (tokens == null) {
            return null;
        }
        while (!tokens.isEmpty() && tokens.get(tokens.size() - 1).isSymbol(";")) {
            tokens = tokens.subList(0, tokens.size() - 1);
        }
        if (tokens.isEmpty()) {
            throw new MySqlError(1065, "42000", "Query was empty");
        }
        Cursor cursor = new Cursor(tokens);
        Token first = cursor.next();
        if (first.kind() != Kind.WORD) {
            return null;
        }
        return switch (first.upper()) {
            case "SET" -> set(session, cursor);
            case "SELECT" -> select(session, cursor, sql);
            case "SHOW" -> show(cursor);
            case "USE" -> use(session, cursor);
            case "BEGIN", "COMMIT", "ROLLBACK" -> transaction(cursor);
            case "START" -> cursor.acceptWord("TRANSACTION") ? QueryResult.ok() : null;
            case "KILL" -> kill(cursor);
            default -> null;
        };
    }

    // ---- SET ----

    private interface Assignment {
        void apply(ConnectionSession session);
    }

    private static @Nullable QueryResult set(ConnectionSession session, Cursor cursor) {
        List<Assignment> assignments = new ArrayList<>();
        if (cursor.peekWord("TRANSACTION")
                || ((cursor.peekWord("SESSION") || cursor.peekWord("LOCAL")) && cursor.peekWordAt(1, "TRANSACTION"))) {
            if (!cursor.acceptWord("TRANSACTION")) {
                cursor.next();
                cursor.next();
            }
            if (!transactionCharacteristics(cursor, assignments)) {
                return null;
            }
        } else {
            do {
                Assignment assignment = assignment(cursor);
                if (assignment == null) {
                    return null;
                }
                assignments.add(assignment);
            } while (cursor.acceptSymbol(","));
        }
        if (!cursor.atEnd()) {
            return null;
        }
        for (Assignment assignment : assignments) {
            assignment.apply(session);
        }
        return QueryResult.ok();
    }

    private static boolean transactionCharacteristics(Cursor cursor, List<Assignment> assignments) {
        do {
            if (cursor.acceptWord("ISOLATION")) {
                if (!cursor.acceptWord("LEVEL")) {
                    return false;
                }
                String level;
                if (cursor.acceptWord("SERIALIZABLE")) {
                    level = "SERIALIZABLE";
                } else if (cursor.acceptWord("REPEATABLE") && cursor.acceptWord("READ")) {
                    level = "REPEATABLE-READ";
                } else if (cursor.acceptWord("READ")
                        && (cursor.peekWord("COMMITTED") || cursor.peekWord("UNCOMMITTED"))) {
                    level = "READ-" + cursor.next().upper();
                } else {
                    return false;
                }
                assignments.add(session -> session.setVariable("transaction_isolation", level));
            } else if (cursor.acceptWord("READ")) {
                long readOnly;
                if (cursor.acceptWord("ONLY")) {
                    readOnly = 1L;
                } else if (cursor.acceptWord("WRITE")) {
                    readOnly = 0L;
                } else {
                    return false;
                }
                assignments.add(session -> session.setVariable("transaction_read_only", readOnly));
            } else {
                return false;
            }
        } while (cursor.acceptSymbol(","));
        return true;
    }

    private static @Nullable Assignment assignment(Cursor cursor) {
        if (cursor.atEnd()) {
            return null;
        }
        Token target = cursor.next();
        if (target.isWord("NAMES")) {
            return names(cursor);
        }
        if ((target.isWord("CHARACTER") && cursor.acceptWord("SET")) || target.isWord("CHARSET")) {
            String charset = nameOrDefault(cursor);
            if (charset == null) {
                return null;
            }
            return session -> {
                session.setVariable("character_set_client", charset);
                session.setVariable("character_set_results", charset);
                session.setVariable("character_set_connection", session.variable("character_set_database"));
                session.setVariable("collation_connection", session.variable("collation_database"));
            };
        }
        if (target.kind() == Kind.USER_VARIABLE) {
            if (!cursor.acceptSymbol("=") && !cursor.acceptSymbol(":=")) {
                return null;
            }
            Object assigned = literal(cursor, false);
            if (assigned == NOT_PARSED) {
                return null;
            }
            String name = target.text();
            return session -> session.setUserVariable(name, assigned);
        }
        String name;
        if (target.kind() == Kind.SYSTEM_VARIABLE) {
            String text = target.text().toLowerCase(Locale.ROOT);
            if (text.startsWith("global.") || text.startsWith("persist.") || text.startsWith("persist_only.")) {
                return null; // server-wide changes are not modelled; the user's handler may answer them
            }
            name = text;
        } else if (target.isWord("GLOBAL") || target.isWord("PERSIST") || target.isWord("PERSIST_ONLY")) {
            return null;
        } else {
            if (target.isWord("SESSION") || target.isWord("LOCAL")) {
                if (cursor.atEnd()) {
                    return null;
                }
                target = cursor.next();
            }
            if (target.kind() != Kind.WORD && target.kind() != Kind.QUOTED_IDENTIFIER) {
                return null;
            }
            name = target.text();
        }
        if (!cursor.acceptSymbol("=") && !cursor.acceptSymbol(":=")) {
            return null;
        }
        Object assigned = literal(cursor, true);
        if (assigned == NOT_PARSED) {
            return null;
        }
        if (assigned == DEFAULT_VALUE) {
            return session -> session.resetVariable(name);
        }
        return session -> session.setVariable(name, assigned);
    }

    private static @Nullable Assignment names(Cursor cursor) {
        String charset = nameOrDefault(cursor);
        if (charset == null) {
            return null;
        }
        String collation = SessionVariables.defaultCollation(charset);
        if (cursor.acceptWord("COLLATE")) {
            String explicit = nameOrDefault(cursor);
            if (explicit == null) {
                return null;
            }
            collation = explicit;
        }
        String chosenCollation = collation;
        return session -> {
            session.setVariable("character_set_client", charset);
            session.setVariable("character_set_connection", charset);
            session.setVariable("character_set_results", charset);
            session.setVariable("collation_connection", chosenCollation);
        };
    }

    /** A charset or collation name; DEFAULT means utf8mb4. */
    private static @Nullable String nameOrDefault(Cursor cursor) {
        if (cursor.atEnd()) {
            return null;
        }
        Token token = cursor.next();
        if (token.isWord("DEFAULT")) {
            return "utf8mb4";
        }
        if (token.kind() == Kind.WORD || token.kind() == Kind.STRING || token.kind() == Kind.QUOTED_IDENTIFIER) {
            return token.text().toLowerCase(Locale.ROOT);
        }
        return null;
    }

    /**
     * Reads a literal: a string, a possibly negative number, NULL, TRUE/FALSE, DEFAULT (when allowed) or a bare word
     * such as ON or OFF, kept as text; {@link #NOT_PARSED} for anything else.
     */
    private static @Nullable Object literal(Cursor cursor, boolean allowDefault) {
        if (cursor.atEnd()) {
            return NOT_PARSED;
        }
        Token token = cursor.next();
        boolean negative = false;
        if (token.isSymbol("-") || token.isSymbol("+")) {
            negative = token.isSymbol("-");
            if (cursor.atEnd() || cursor.peek().kind() != Kind.NUMBER) {
                return NOT_PARSED;
            }
            token = cursor.next();
        }
        return switch (token.kind()) {
            case STRING, QUOTED_IDENTIFIER -> token.text();
            case NUMBER -> number(negative ? "-" + token.text() : token.text());
            case WORD ->
                switch (token.upper()) {
                    case "NULL" -> null;
                    case "TRUE" -> 1L;
                    case "FALSE" -> 0L;
                    case "DEFAULT" -> allowDefault ? DEFAULT_VALUE : NOT_PARSED;
                    default -> token.text();
                };
            default -> NOT_PARSED;
        };
    }

    private static Object number(String text) {
        if (text.contains("e") || text.contains("E")) {
            return Double.parseDouble(text);
        }
        BigDecimal decimal = new BigDecimal(text);
        if (decimal.scale() <= 0) {
            try {
                return decimal.longValueExact();
            } catch (ArithmeticException tooLarge) {
                return decimal;
            }
        }
        return decimal;
    }

    // ---- SELECT ----

    private @Nullable QueryResult select(ConnectionSession session, Cursor cursor, String sql) throws MySqlError {
        List<String> names = new ArrayList<>();
        List<@Nullable Object> values = new ArrayList<>();
        do {
            if (cursor.atEnd()) {
                return null;
            }
            int start = cursor.peek().start();
            Object value = selectExpression(session, cursor);
            if (value == NOT_PARSED) {
                return null;
            }
            String name = sql.substring(start, cursor.previous().end());
            if (cursor.acceptWord("AS")) {
                if (cursor.atEnd()) {
                    return null;
                }
                Token alias = cursor.next();
                if (alias.kind() != Kind.WORD
                        && alias.kind() != Kind.QUOTED_IDENTIFIER
                        && alias.kind() != Kind.STRING) {
                    return null;
                }
                name = alias.text();
            } else if (!cursor.atEnd()
                    && (cursor.peek().kind() == Kind.QUOTED_IDENTIFIER
                            || (cursor.peek().kind() == Kind.WORD
                                    && !CLAUSE_WORDS.contains(cursor.peek().upper())))) {
                name = cursor.next().text();
            }
            names.add(name);
            values.add(value);
        } while (cursor.acceptSymbol(","));
        long limit = Long.MAX_VALUE;
        if (cursor.acceptWord("LIMIT")) {
            if (cursor.atEnd() || cursor.peek().kind() != Kind.NUMBER) {
                return null;
            }
            limit = new BigDecimal(cursor.next().text()).longValue();
        }
        if (!cursor.atEnd()) {
            return null;
        }
        QueryResult.RowsBuilder result = QueryResult.resultSet();
        for (int i = 0; i < names.size(); i++) {
            result.column(uniqueName(names, i), typeOf(values.get(i)));
        }
        if (limit > 0) {
            result.row(values);
        }
        return result.build();
    }

    /** MySQL allows duplicate labels; our result sets do not, so later duplicates get a suffix. */
    private static String uniqueName(List<String> names, int index) {
        String name = names.get(index);
        int duplicates = 0;
        for (int i = 0; i < index; i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                duplicates++;
            }
        }
        return duplicates == 0 ? name : name + "_" + duplicates;
    }

    /** The value of one select list expression, or {@link #NOT_PARSED}. */
    private static @Nullable Object selectExpression(ConnectionSession session, Cursor cursor) throws MySqlError {
        Token token = cursor.peek();
        return switch (token.kind()) {
            case SYSTEM_VARIABLE -> systemVariable(session, cursor.next());
            case USER_VARIABLE -> session.userVariable(cursor.next().text());
            case WORD -> {
                if (SESSION_FUNCTIONS.contains(token.upper()) && cursor.peekSymbolAt(1, "(")) {
                    cursor.next();
                    cursor.next();
                    yield cursor.acceptSymbol(")") ? sessionFunction(session, token.upper()) : NOT_PARSED;
                }
                if (token.isWord("NULL") || token.isWord("TRUE") || token.isWord("FALSE")) {
                    yield literal(cursor, false);
                }
                yield NOT_PARSED; // a column, or a function we do not evaluate
            }
            case STRING, NUMBER, SYMBOL -> literal(cursor, false);
            case QUOTED_IDENTIFIER -> NOT_PARSED;
        };
    }

    private static @Nullable Object systemVariable(ConnectionSession session, Token token) throws MySqlError {
        String text = token.text().toLowerCase(Locale.ROOT);
        boolean global = text.startsWith("global.");
        String name = SessionVariables.normalizeName(text);
        boolean known = global ? session.hasGlobalVariable(name) : session.hasVariable(name);
        if (!known) {
            throw new MySqlError(
                    MySqlError.UNKNOWN_SYSTEM_VARIABLE,
                    MySqlError.GENERAL_SQL_STATE,
                    "Unknown system variable '" + name + "'");
        }
        return global ? session.globalVariable(name) : session.variable(name);
    }

    private static @Nullable Object sessionFunction(ConnectionSession session, String function) {
        return switch (function) {
            case "DATABASE", "SCHEMA" -> session.database().orElse(null);
            case "VERSION" -> session.variable("version");
            case "CONNECTION_ID" -> session.connectionId();
            case "CURRENT_USER" -> session.user() + "@%";
            default -> session.user() + "@" + session.clientHost();
        };
    }

    private static ColumnType typeOf(@Nullable Object value) {
        if (value instanceof Long) {
            return ColumnType.LONGLONG;
        }
        if (value instanceof BigDecimal) {
            return ColumnType.DECIMAL;
        }
        if (value instanceof Double) {
            return ColumnType.DOUBLE;
        }
        return ColumnType.VAR_STRING;
    }

    // ---- SHOW, USE, transactions, KILL ----

    private static @Nullable QueryResult show(Cursor cursor) {
        if (!cursor.acceptWord("WARNINGS") && !cursor.acceptWord("ERRORS")) {
            return null;
        }
        if (cursor.acceptWord("LIMIT")) {
            while (!cursor.atEnd()
                    && (cursor.peek().kind() == Kind.NUMBER || cursor.peek().isSymbol(","))) {
                cursor.next();
            }
        }
        if (!cursor.atEnd()) {
            return null;
        }
        return QueryResult.resultSet()
                .column("Level", ColumnType.VARCHAR)
                .column("Code", ColumnType.LONG)
                .column("Message", ColumnType.VARCHAR)
                .build();
    }

    private static @Nullable QueryResult use(ConnectionSession session, Cursor cursor) {
        if (cursor.atEnd()) {
            return null;
        }
        Token database = cursor.next();
        if ((database.kind() != Kind.WORD && database.kind() != Kind.QUOTED_IDENTIFIER) || !cursor.atEnd()) {
            return null;
        }
        session.setDatabase(database.text());
        return QueryResult.ok();
    }

    private static @Nullable QueryResult transaction(Cursor cursor) {
        cursor.acceptWord("WORK");
        return cursor.atEnd() ? QueryResult.ok() : null;
    }

    private @Nullable QueryResult kill(Cursor cursor) throws MySqlError {
        boolean queryOnly = cursor.acceptWord("QUERY");
        if (!queryOnly) {
            cursor.acceptWord("CONNECTION");
        }
        if (cursor.atEnd() || cursor.peek().kind() != Kind.NUMBER) {
            return null;
        }
        String idText = cursor.next().text();
        if (!cursor.atEnd() || !idText.chars().allMatch(Character::isDigit) || idText.length() > 18) {
            return null;
        }
        long id = Long.parseLong(idText);
        if (!killer.kill(id, queryOnly)) {
            throw new MySqlError(1094, MySqlError.GENERAL_SQL_STATE, "Unknown thread id: " + id);
        }
        return QueryResult.ok();
    }

    /** A position in a token list. */
    private static final class Cursor {
        private final List<Token> tokens;
        private int index;

        Cursor(List<Token> tokens) {
            this.tokens = tokens;
        }

        boolean atEnd() {
            return index >= tokens.size();
        }

        Token peek() {
            return tokens.get(index);
        }

        Token next() {
            return tokens.get(index++);
        }

        Token previous() {
            return tokens.get(index - 1);
        }

        boolean peekWord(String word) {
            return !atEnd() && peek().isWord(word);
        }

        boolean peekWordAt(int offset, String word) {
            return index + offset < tokens.size() && tokens.get(index + offset).isWord(word);
        }

        boolean peekSymbolAt(int offset, String symbol) {
            return index + offset < tokens.size() && tokens.get(index + offset).isSymbol(symbol);
        }

        boolean acceptWord(String word) {
            if (peekWord(word)) {
                index++;
                return true;
            }
            return false;
        }

        boolean acceptSymbol(String symbol) {
            if (!atEnd() && peek().isSymbol(symbol)) {
                index++;
                return true;
            }
            return false;
        }

        @Override
        public String toString() {
            return Arrays.toString(tokens.subList(index, tokens.size()).toArray());
        }
    }
}
