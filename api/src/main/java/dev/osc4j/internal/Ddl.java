package dev.osc4j.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import dev.osc4j.InvalidRequestException;
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
 */
@API(status = INTERNAL, since = "0.1")
public final class Ddl {
    private static final Pattern ALTER_TABLE = Pattern.compile(
            "(?is)^ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)?TABLE\\s+((?:`[^`]+`|[A-Za-z0-9_$]+)(?:\\s*\\.\\s*(?:`[^`]+`|[A-Za-z0-9_$]+))?)\\s*(.*)$");
    private static final Pattern QUALIFIED =
            Pattern.compile("(?:(`[^`]+`|[A-Za-z0-9_$]+)\\s*\\.\\s*)?(`[^`]+`|[A-Za-z0-9_$]+)");
    private static final Pattern RENAME_TABLE =
            Pattern.compile("(?is)^RENAME\\s+(?:TO\\s+|AS\\s+)?(?!COLUMN\\b|INDEX\\b|KEY\\b)");
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

    /** The full statement, {@code ALTER TABLE `table` clause}. */
    public String statement() {
        return statement;
    }

    /** The clause after the table name, as gh-ost's and pt-osc's {@code --alter} want it. */
    public String clause() {
        return clause;
    }

    /**
     * Checks {@code ddl} against {@code table} and normalises it.
     *
     * @throws InvalidRequestException with a message naming what is wrong
     */
    public static Ddl parse(String table, String ddl) {
        String text = stripTrailingSemicolons(ddl.strip());
        if (text.isEmpty()) {
            throw new InvalidRequestException("ddl is empty", null);
        }
        checkSingleStatement(text);
        String clause;
        Matcher m = ALTER_TABLE.matcher(text);
        if (m.matches()) {
            String named = m.group(1);
            String namedTable = unquote(lastPart(named));
            if (!namedTable.equals(table)) {
                throw new InvalidRequestException(
                        "ddl alters table '" + namedTable + "' but the request is for table '" + table + "'", null);
            }
            clause = m.group(2).strip();
        } else {
            String first = firstWord(text).toUpperCase(Locale.ROOT);
            if (STATEMENT_KEYWORDS.contains(first) && !isClauseKeyword(text)) {
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
        for (String part : topLevelClauses(clause)) {
            if (RENAME_TABLE.matcher(part.strip()).find()) {
                throw new InvalidRequestException(
                        "renaming the table is not an online schema change; use RENAME TABLE", null);
            }
        }
        return new Ddl("ALTER TABLE `" + table + "` " + clause, clause);
    }

    private static boolean isClauseKeyword(String text) {
        // "DROP COLUMN x", "ALTER COLUMN x ..." and "RENAME COLUMN a TO b" are clauses, not statements.
        return Pattern.compile("(?is)^(DROP|ALTER|RENAME)\\s+(COLUMN|INDEX|KEY|PRIMARY|FOREIGN|CONSTRAINT|CHECK)\\b")
                .matcher(text)
                .find();
    }

    private static String stripTrailingSemicolons(String text) {
        String s = text;
        while (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        return s;
    }

    private static void checkSingleStatement(String text) {
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote != '`') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == ';') {
                throw new InvalidRequestException("ddl must be a single statement; found ';' at offset " + i, null);
            } else if (c == '\0') {
                throw new InvalidRequestException("ddl contains a NUL character", null);
            }
        }
        if (quote != 0) {
            throw new InvalidRequestException("ddl has an unterminated " + quote + " quote", null);
        }
    }

    /** The comma-separated parts of an alter clause; commas in quotes and parentheses do not separate. */
    private static List<String> topLevelClauses(String clause) {
        List<String> parts = new ArrayList<>();
        char quote = 0;
        int depth = 0;
        int start = 0;
        for (int i = 0; i < clause.length(); i++) {
            char c = clause.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote != '`') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(clause.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(clause.substring(start));
        return parts;
    }

    private static String lastPart(String qualified) {
        Matcher m = QUALIFIED.matcher(qualified.strip());
        return m.matches() ? m.group(2) : qualified.strip();
    }

    private static String unquote(String ident) {
        return ident.startsWith("`") && ident.endsWith("`") ? ident.substring(1, ident.length() - 1) : ident;
    }

    private static String firstWord(String text) {
        int end = 0;
        while (end < text.length() && Character.isLetter(text.charAt(end))) {
            end++;
        }
        return text.substring(0, end);
    }
}
