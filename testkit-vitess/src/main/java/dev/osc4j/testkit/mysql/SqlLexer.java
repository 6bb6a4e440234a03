package dev.osc4j.testkit.mysql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Splits a statement into tokens, dropping whitespace and comments; just enough SQL for the statements the server
 * answers itself.
 */
final class SqlLexer {

    enum Kind {
        /** An unquoted word: keyword or identifier. */
        WORD,
        /** A back-quoted identifier; text is the unquoted name. */
        QUOTED_IDENTIFIER,
        /** A '...' or "..." literal; text is the unescaped value. */
        STRING,
        NUMBER,
        /** {@code @@name} or {@code @@scope.name}; text is what follows the {@code @@}. */
        SYSTEM_VARIABLE,
        /** {@code @name}; text is the name. */
        USER_VARIABLE,
        /** Any other character, or {@code :=}. */
        SYMBOL
    }

    /** A token and where it is in the statement ({@code end} exclusive). */
    record Token(Kind kind, String text, int start, int end) {

        boolean isWord(String word) {
            return kind == Kind.WORD && text.equalsIgnoreCase(word);
        }

        boolean isSymbol(String symbol) {
            return kind == Kind.SYMBOL && text.equals(symbol);
        }

        String upper() {
            return text.toUpperCase(Locale.ROOT);
        }
    }

    private final String sql;
    private int position;

    private SqlLexer(String sql) {
        this.sql = sql;
    }

    /** The tokens of {@code sql}, or {@code null} if it has an unterminated string, identifier or comment. */
    static @Nullable List<Token> tokenize(String sql) {
        return new SqlLexer(sql).tokens();
    }

    /**
     * The statements of a multi-statement text, split at the semicolons outside quotes and comments as VTGate's {@code
     * sqlparser.SplitStatementToPieces} does: each one stripped of surrounding whitespace, without its semicolon, and
     * without the empty ones (a trailing semicolon or comment makes no statement).
     *
     * @return the statements, or {@code null} if the text has an unterminated quote or comment (it is then one
     *     statement, for the handler to refuse)
     */
    static @Nullable List<String> splitStatements(String sql) {
        List<Token> tokens = tokenize(sql);
        if (tokens == null) {
            return null;
        }
        List<String> statements = new ArrayList<>();
        int start = 0;
        boolean empty = true;
        for (Token token : tokens) {
            if (token.isSymbol(";")) {
                if (!empty) {
                    statements.add(sql.substring(start, token.start()).strip());
                }
                start = token.end();
                empty = true;
            } else {
                empty = false;
            }
        }
        if (!empty) {
            statements.add(sql.substring(start).strip());
        }
        return statements;
    }

    /**
     * Where the {@code ?} placeholders of a statement to prepare are: their offsets in {@code sql}, in order.
     *
     * @return the offsets, or {@code null} if the text has an unterminated quote or comment
     */
    static @Nullable List<Integer> placeholders(String sql) {
        List<Token> tokens = tokenize(sql);
        if (tokens == null) {
            return null;
        }
        List<Integer> offsets = new ArrayList<>();
        for (Token token : tokens) {
            if (token.isSymbol("?")) {
                offsets.add(token.start());
            }
        }
        return offsets;
    }

    private @Nullable List<Token> tokens() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            if (!skipWhitespaceAndComments()) {
                return null;
            }
            if (position >= sql.length()) {
                return tokens;
            }
            Token token = next();
            if (token == null) {
                return null;
            }
            tokens.add(token);
        }
    }

    private boolean skipWhitespaceAndComments() {
        while (position < sql.length()) {
            char c = sql.charAt(position);
            if (Character.isWhitespace(c)) {
                position++;
            } else if (sql.startsWith("/*", position)) {
                int end = sql.indexOf("*/", position + 2);
                if (end < 0) {
                    return false;
                }
                position = end + 2;
            } else if (c == '#'
                    || (sql.startsWith("--", position)
                            && (position + 2 == sql.length() || Character.isWhitespace(sql.charAt(position + 2))))) {
                int end = sql.indexOf('\n', position);
                position = end < 0 ? sql.length() : end + 1;
            } else {
                return true;
            }
        }
        return true;
    }

    private @Nullable Token next() {
        int start = position;
        char c = sql.charAt(position);
        if (c == '\'' || c == '"') {
            String value = quoted(c, true);
            return value == null ? null : new Token(Kind.STRING, value, start, position);
        }
        if (c == '`') {
            String value = quoted('`', false);
            return value == null ? null : new Token(Kind.QUOTED_IDENTIFIER, value, start, position);
        }
        if (sql.startsWith("@@", position)) {
            position += 2;
            String name = dottedName();
            return name.isEmpty()
                    ? new Token(Kind.SYMBOL, "@@", start, position)
                    : new Token(Kind.SYSTEM_VARIABLE, name, start, position);
        }
        if (c == '@') {
            position++;
            if (position < sql.length() && "'\"`".indexOf(sql.charAt(position)) >= 0) {
                String name = quoted(sql.charAt(position), sql.charAt(position) != '`');
                return name == null ? null : new Token(Kind.USER_VARIABLE, name, start, position);
            }
            String name = dottedName();
            return name.isEmpty()
                    ? new Token(Kind.SYMBOL, "@", start, position)
                    : new Token(Kind.USER_VARIABLE, name, start, position);
        }
        if (Character.isDigit(c)
                || (c == '.' && position + 1 < sql.length() && Character.isDigit(sql.charAt(position + 1)))) {
            return number(start);
        }
        if (isWordChar(c)) {
            while (position < sql.length() && isWordChar(sql.charAt(position))) {
                position++;
            }
            return new Token(Kind.WORD, sql.substring(start, position), start, position);
        }
        if (sql.startsWith(":=", position)) {
            position += 2;
            return new Token(Kind.SYMBOL, ":=", start, position);
        }
        position++;
        return new Token(Kind.SYMBOL, String.valueOf(c), start, position);
    }

    private Token number(int start) {
        while (position < sql.length() && Character.isDigit(sql.charAt(position))) {
            position++;
        }
        if (position < sql.length() && sql.charAt(position) == '.') {
            position++;
            while (position < sql.length() && Character.isDigit(sql.charAt(position))) {
                position++;
            }
        }
        if (position < sql.length() && (sql.charAt(position) == 'e' || sql.charAt(position) == 'E')) {
            int mark = position;
            position++;
            if (position < sql.length() && (sql.charAt(position) == '+' || sql.charAt(position) == '-')) {
                position++;
            }
            if (position < sql.length() && Character.isDigit(sql.charAt(position))) {
                while (position < sql.length() && Character.isDigit(sql.charAt(position))) {
                    position++;
                }
            } else {
                position = mark;
            }
        }
        return new Token(Kind.NUMBER, sql.substring(start, position), start, position);
    }

    private String dottedName() {
        int start = position;
        while (position < sql.length() && (isWordChar(sql.charAt(position)) || sql.charAt(position) == '.')) {
            position++;
        }
        return sql.substring(start, position);
    }

    /** Reads a quoted run starting at the opening quote; doubled quotes stand for one, backslash escapes if asked. */
    private @Nullable String quoted(char quote, boolean backslashEscapes) {
        StringBuilder value = new StringBuilder();
        position++;
        while (position < sql.length()) {
            char c = sql.charAt(position++);
            if (c == quote) {
                if (position < sql.length() && sql.charAt(position) == quote) {
                    value.append(quote);
                    position++;
                } else {
                    return value.toString();
                }
            } else if (c == '\\' && backslashEscapes && position < sql.length()) {
                char escaped = sql.charAt(position++);
                switch (escaped) {
                    case '0' -> value.append('\0');
                    case 'b' -> value.append('\b');
                    case 'n' -> value.append('\n');
                    case 'r' -> value.append('\r');
                    case 't' -> value.append('\t');
                    case 'Z' -> value.append('\u001A');
                    case '%', '_' -> value.append('\\').append(escaped);
                    default -> value.append(escaped);
                }
            } else {
                value.append(c);
            }
        }
        return null;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
