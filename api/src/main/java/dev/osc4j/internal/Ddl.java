package dev.osc4j.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import dev.osc4j.InvalidRequestException;
import dev.osc4j.spi.UserInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * The one place that checks and normalises the DDL of a request. It accepts {@code ALTER TABLE <table> <clause>} or
 * a bare clause, and produces both forms, because Vitess wants the statement and gh-ost and pt-osc want the clause.
 * It is a guard against obvious mistakes, not a SQL parser: the engine still has the last word.
 *
 * <p>It lexes the text the way MySQL does before looking at it:
 *
 * <ul>
 *   <li>Quotes: {@code '...'} and {@code "..."} with backslash escapes and doubled quotes, {@code `...`} with doubled
 *       backticks. Nothing inside a quote is a comment, a separator or a clause.
 *   <li>Comments: {@code /* ... *}{@code /}, {@code #} to the end of the line, and {@code --} to the end of the line
 *       when the dashes are followed by a space, a control character or the end (otherwise they are two minus
 *       signs). Comments separate words and are left out of the normalised DDL, so a comment can neither hide a
 *       clause from the checks nor break a valid statement.
 *   <li>Executable comments, MySQL's {@code /*!...*}{@code /} and MariaDB's {@code /*M!...*}{@code /}, are refused:
 *       the server runs their content depending on its version, so they could hold a clause the checks never see.
 *   <li>A NUL anywhere, inside quotes and comments too, is refused: no tool can take it as an argument.
 * </ul>
 *
 * <p>It refuses more than one statement, statements other than {@code ALTER TABLE}, another table, a schema qualifier
 * other than the request's keyspace ({@code ALTER TABLE commerce.orders} is accepted for keyspace {@code commerce}; the
 * normalised DDL names the table alone, because each shard's schema is known only when it runs), and renaming the
 * table.
 */
@API(status = INTERNAL, since = "0.1")
public final class Ddl {
    private static final String IDENT = "(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)";
    private static final Pattern ALTER_TABLE = Pattern.compile("(?is)^ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)?TABLE\\s+(?:("
            + IDENT + ")\\s*\\.\\s*)?(" + IDENT + ")\\s*(.*)$");
    private static final Pattern CLAUSE_KEYWORD =
            Pattern.compile("(?is)^(DROP|ALTER|RENAME)\\s+(COLUMN|INDEX|KEY|PRIMARY|FOREIGN|CONSTRAINT|CHECK)\\b");
    /** What may follow RENAME in a clause that does not rename the table. */
    private static final Set<String> RENAME_OBJECTS = Set.of("COLUMN", "INDEX", "KEY");

    private static final Set<String> STATEMENT_KEYWORDS = Set.of(
            "ALTER",
            "CREATE",
            "DROP",
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "REPLACE",
            "RENAME",
            "TRUNCATE",
            "GRANT",
            "REVOKE",
            "SET",
            "USE",
            "CALL",
            "LOCK",
            "UNLOCK");

    private final String statement;
    private final String clause;

    private Ddl(String statement, String clause) {
        this.statement = statement;
        this.clause = clause;
    }

    /** The full statement, {@code ALTER TABLE `table` clause}, without comments. */
    public String statement() {
        return statement;
    }

    /** The clause after the table name, as gh-ost's and pt-osc's {@code --alter} want it, without comments. */
    public String clause() {
        return clause;
    }

    /**
     * Checks {@code ddl} against {@code keyspace} and {@code table} and normalises it.
     *
     * @throws InvalidRequestException with a message naming what is wrong
     */
    public static Ddl parse(String keyspace, String table, String ddl) {
        int nul = ddl.indexOf('\0');
        if (nul >= 0) {
            throw new InvalidRequestException("ddl contains a NUL character at offset " + nul, null);
        }
        List<Token> tokens = lex(ddl);
        int end = tokens.size();
        while (end > 0
                && (tokens.get(end - 1).kind == Kind.SPACE
                        || tokens.get(end - 1).is(";"))) {
            end--;
        }
        StringBuilder code = new StringBuilder();
        for (Token t : tokens.subList(0, end)) {
            if (t.is(";")) {
                throw new InvalidRequestException(
                        "ddl must be a single statement; found ';' at offset " + t.offset, null);
            }
            code.append(t.text);
        }
        String text = code.toString().strip();
        if (text.isEmpty()) {
            throw new InvalidRequestException("ddl is empty", null);
        }
        String clause;
        Matcher m = ALTER_TABLE.matcher(text);
        if (m.matches()) {
            String namedTable = unquote(m.group(2));
            if (!namedTable.equals(table)) {
                throw new InvalidRequestException(
                        "ddl alters table " + UserInput.quote(namedTable) + " but the request is for table '" + table
                                + "'",
                        null);
            }
            String schema = m.group(1);
            if (schema != null && !unquote(schema).equals(keyspace)) {
                throw new InvalidRequestException(
                        "ddl names schema " + UserInput.quote(unquote(schema)) + " but the request is for keyspace '"
                                + keyspace + "'; name the table alone (it is altered in each shard's schema)",
                        null);
            }
            clause = m.group(3).strip();
        } else {
            String first = firstWord(text).toUpperCase(Locale.ROOT);
            if (STATEMENT_KEYWORDS.contains(first)
                    && !CLAUSE_KEYWORD.matcher(text).find()) {
                throw new InvalidRequestException(
                        "ddl must be 'ALTER TABLE " + table
                                + " ...' or an ALTER clause such as 'ADD COLUMN ...', got a " + first + " statement",
                        null);
            }
            clause = text;
        }
        if (clause.isEmpty()) {
            throw new InvalidRequestException("ddl has no alter clause after the table name", null);
        }
        refuseTableRename(clause);
        return new Ddl("ALTER TABLE `" + table + "` " + clause, clause);
    }

    /**
     * The leading words of each top-level clause of the ALTER ({@code ADD COLUMN c INT, DROP INDEX i} gives {@code
     * [[ADD, COLUMN, c, INT], [DROP, INDEX, i]]}): as written, identifiers unquoted, at most {@code max} words each,
     * nothing inside parentheses.
     */
    public List<List<String>> clauseWords(int max) {
        List<List<String>> out = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int depth = 0;
        for (Token t : lex(clause)) {
            if (t.is("(")) {
                depth++;
            } else if (t.is(")")) {
                depth--;
            } else if (depth == 0 && t.is(",")) {
                out.add(List.copyOf(current));
                current = new ArrayList<>();
            } else if (depth == 0 && current.size() < max && t.kind != Kind.SPACE) {
                current.add(unquote(t.text));
            }
        }
        out.add(List.copyOf(current));
        return List.copyOf(out);
    }

    /** Refuses a top-level clause {@code RENAME [TO|AS] x}; {@code RENAME COLUMN|INDEX|KEY} is a clause like others. */
    private static void refuseTableRename(String clause) {
        int depth = 0;
        boolean clauseStart = true;
        boolean afterRename = false;
        for (Token t : lex(clause)) {
            if (t.kind == Kind.SPACE) {
                continue;
            }
            if (afterRename) {
                if (t.kind != Kind.WORD || !RENAME_OBJECTS.contains(t.text.toUpperCase(Locale.ROOT))) {
                    throw new InvalidRequestException(
                            "renaming the table is not an online schema change; use RENAME TABLE", null);
                }
                afterRename = false;
            } else if (clauseStart && depth == 0 && t.kind == Kind.WORD && t.text.equalsIgnoreCase("RENAME")) {
                afterRename = true;
            } else if (t.is("(")) {
                depth++;
            } else if (t.is(")")) {
                depth--;
            }
            clauseStart = depth == 0 && t.is(",");
        }
        if (afterRename) {
            throw new InvalidRequestException(
                    "renaming the table is not an online schema change; use RENAME TABLE", null);
        }
    }

    private enum Kind {
        /** Letters, digits, {@code _} and {@code $}. */
        WORD,
        /** A quoted string or identifier, quotes included. */
        QUOTED,
        /** Whitespace, or a comment (as one space, or nothing for a line comment, whose line break follows). */
        SPACE,
        /** Any other single character. */
        SYMBOL
    }

    private record Token(Kind kind, String text, int offset) {
        boolean is(String symbol) {
            return kind == Kind.SYMBOL && text.equals(symbol);
        }
    }

    /** MySQL's lexing of quotes and comments; see the class comment. */
    private static List<Token> lex(String s) {
        List<Token> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            int start = i;
            if (c == '\'' || c == '"' || c == '`') {
                i = endOfQuote(s, i);
                out.add(new Token(Kind.QUOTED, s.substring(start, i), start));
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                if (isExecutableComment(s, i)) {
                    throw new InvalidRequestException(
                            "ddl contains an executable comment (/*! ... */ or /*M! ... */) at offset " + i
                                    + ": the server runs its content depending on its version, so it is refused",
                            null);
                }
                int close = s.indexOf("*/", i + 2);
                if (close < 0) {
                    throw new InvalidRequestException("ddl has an unterminated /* comment at offset " + i, null);
                }
                i = close + 2;
                out.add(new Token(Kind.SPACE, " ", start));
            } else if (c == '#' || isDashDashComment(s, i)) {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
                out.add(new Token(Kind.SPACE, "", start));
            } else if (Character.isWhitespace(c)) {
                while (i < n && Character.isWhitespace(s.charAt(i))) {
                    i++;
                }
                out.add(new Token(Kind.SPACE, s.substring(start, i), start));
            } else if (isWordChar(c)) {
                while (i < n && isWordChar(s.charAt(i))) {
                    i++;
                }
                out.add(new Token(Kind.WORD, s.substring(start, i), start));
            } else {
                i++;
                out.add(new Token(Kind.SYMBOL, String.valueOf(c), start));
            }
        }
        return out;
    }

    /** The index after the quote that opens at {@code open}. */
    private static int endOfQuote(String s, int open) {
        char quote = s.charAt(open);
        int i = open + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\' && quote != '`') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i += 2; // doubled quote
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        throw new InvalidRequestException("ddl has an unterminated " + quote + " quote", null);
    }

    private static boolean isExecutableComment(String s, int i) {
        return s.startsWith("/*!", i) || s.regionMatches(true, i, "/*M!", 0, 4);
    }

    /** {@code --} starts a comment only when followed by whitespace, a control character or the end. */
    private static boolean isDashDashComment(String s, int i) {
        if (!s.startsWith("--", i)) {
            return false;
        }
        if (i + 2 >= s.length()) {
            return true;
        }
        char next = s.charAt(i + 2);
        return Character.isWhitespace(next) || Character.isISOControl(next);
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static String unquote(String ident) {
        return ident.startsWith("`") && ident.endsWith("`")
                ? ident.substring(1, ident.length() - 1).replace("``", "`")
                : ident;
    }

    private static String firstWord(String text) {
        int end = 0;
        while (end < text.length() && Character.isLetter(text.charAt(end))) {
            end++;
        }
        return text.substring(0, end);
    }
}
