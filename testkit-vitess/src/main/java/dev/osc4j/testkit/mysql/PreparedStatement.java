package dev.osc4j.testkit.mysql;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A statement prepared on one connection ({@code COM_STMT_PREPARE}): its text, where its {@code ?} placeholders are,
 * the parameter types the client last bound and the long data it sent for the next execution.
 *
 * <p>An execution ({@code COM_STMT_EXECUTE}) substitutes the bound values into the text as SQL literals, so that the
 * statement runs through the same built-in answers and {@link QueryHandler} as a text query; VTGate likewise turns the
 * parameters into bind variables of the same statement. The layouts follow the MySQL protocol documentation,
 * dev.mysql.com/doc/dev/mysql-server/latest/: page_protocol_com_stmt_execute.html (null bitmap, new-params-bound flag,
 * two-byte types with the unsigned flag 0x80) and page_protocol_binary_resultset.html (Binary Protocol Value: the
 * encoding of each type).
 *
 * <p>Not thread-safe: it belongs to the connection's thread.
 */
final class PreparedStatement {

    // MYSQL_TYPE_* codes a client binds (enum_field_types).
    private static final int DECIMAL = 0x00;
    private static final int TINY = 0x01;
    private static final int SHORT = 0x02;
    private static final int LONG = 0x03;
    private static final int FLOAT = 0x04;
    private static final int DOUBLE = 0x05;
    private static final int NULL = 0x06;
    private static final int TIMESTAMP = 0x07;
    private static final int LONGLONG = 0x08;
    private static final int INT24 = 0x09;
    private static final int DATE = 0x0a;
    private static final int TIME = 0x0b;
    private static final int DATETIME = 0x0c;
    private static final int YEAR = 0x0d;
    private static final int VARCHAR = 0x0f;
    private static final int BIT = 0x10;
    private static final int JSON = 0xf5;
    private static final int NEWDECIMAL = 0xf6;
    private static final int GEOMETRY = 0xff;
    private static final int UNSIGNED_FLAG = 0x80;

    /** ER_WRONG_ARGUMENTS: what MySQL answers for parameters it cannot read. */
    static final int WRONG_ARGUMENTS = 1210;

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    private final long id;
    private final String sql;
    private final List<Integer> placeholders;
    private int @Nullable [] types; // two bytes per parameter: type | flags << 8
    private final @Nullable ByteArrayOutputStream[] longData;
    private boolean longDataRefused;

    PreparedStatement(long id, String sql, List<Integer> placeholders) {
        this.id = id;
        this.sql = sql;
        this.placeholders = List.copyOf(placeholders);
        this.longData = new ByteArrayOutputStream[placeholders.size()];
    }

    long id() {
        return id;
    }

    int parameterCount() {
        return placeholders.size();
    }

    /** COM_STMT_SEND_LONG_DATA: appends a chunk to a parameter; a wrong parameter number fails the next execution. */
    void appendLongData(int parameter, byte[] chunk) {
        if (parameter >= longData.length) {
            longDataRefused = true;
            return;
        }
        ByteArrayOutputStream data = longData[parameter];
        if (data == null) {
            data = new ByteArrayOutputStream();
            longData[parameter] = data;
        }
        data.writeBytes(chunk);
    }

    /** COM_STMT_RESET: forgets the long data sent since the last execution. */
    void reset() {
        Arrays.fill(longData, null);
        longDataRefused = false;
    }

    /**
     * The statement text with the values of a COM_STMT_EXECUTE in place of its placeholders; the long data is used up.
     *
     * @param in the execute payload after statement id, flags and iteration count
     * @throws MySqlError 1210 if the parameters cannot be read
     */
    String bind(PayloadReader in) throws MySqlError {
        try {
            return substitute(in);
        } catch (MalformedPacketException e) {
            throw wrongArguments(e.reason());
        } finally {
            reset();
        }
    }

    private String substitute(PayloadReader in) throws MySqlError, MalformedPacketException {
        int count = placeholders.size();
        if (longDataRefused) {
            throw new MySqlError(
                    WRONG_ARGUMENTS, MySqlError.GENERAL_SQL_STATE, "Incorrect arguments to mysqld_stmt_send_long_data");
        }
        if (count == 0) {
            return sql;
        }
        byte[] nullBitmap = in.bytes((count + 7) / 8);
        if (in.int1() == 1) {
            int[] bound = new int[count];
            for (int i = 0; i < count; i++) {
                bound[i] = in.int2();
            }
            types = bound;
        }
        int[] known = types;
        if (known == null) {
            throw wrongArguments("the first execution did not send the parameter types");
        }
        StringBuilder text = new StringBuilder(sql.length() + 16 * count);
        int copied = 0;
        for (int i = 0; i < count; i++) {
            int offset = placeholders.get(i);
            text.append(sql, copied, offset);
            copied = offset + 1;
            ByteArrayOutputStream data = longData[i];
            if (data != null) {
                text.append(stringLiteral(data.toByteArray()));
            } else if ((nullBitmap[i / 8] & (1 << (i % 8))) != 0) {
                text.append("NULL");
            } else {
                text.append(literal(known[i] & 0xFF, (known[i] >>> 8 & UNSIGNED_FLAG) != 0, in));
            }
        }
        return text.append(sql, copied, sql.length()).toString();
    }

    /** Reads one Binary Protocol Value of {@code type} and writes it as an SQL literal. */
    private static String literal(int type, boolean unsigned, PayloadReader in)
            throws MySqlError, MalformedPacketException {
        return switch (type) {
            case NULL -> "NULL";
            case TINY -> integer(in.int1(), 1, unsigned);
            case SHORT, YEAR -> integer(in.int2(), 2, unsigned);
            case LONG, INT24 -> integer(in.int4(), 4, unsigned);
            case LONGLONG -> {
                long value = in.int8();
                yield unsigned ? Long.toUnsignedString(value) : Long.toString(value);
            }
            case FLOAT -> finite(Float.intBitsToFloat((int) in.int4()));
            case DOUBLE -> finite(Double.longBitsToDouble(in.int8()));
            case DATE, DATETIME, TIMESTAMP -> "'" + dateTime(in) + "'";
            case TIME -> "'" + time(in) + "'";
            case DECIMAL, NEWDECIMAL -> {
                String number = new String(in.lengthEncodedBytes(), StandardCharsets.US_ASCII);
                if (!NUMBER.matcher(number).matches()) {
                    throw wrongArguments("a DECIMAL parameter is not a number");
                }
                yield number;
            }
            case VARCHAR, BIT, JSON, GEOMETRY -> stringLiteral(in.lengthEncodedBytes());
            default -> {
                if (type >= 0xf7 && type <= 0xfe) { // ENUM, SET, the BLOB types, VAR_STRING, STRING
                    yield stringLiteral(in.lengthEncodedBytes());
                }
                throw wrongArguments("parameter type 0x" + Integer.toHexString(type) + " is not supported");
            }
        };
    }

    private static String integer(long raw, int bytes, boolean unsigned) {
        if (unsigned) {
            return Long.toString(raw);
        }
        int shift = 64 - 8 * bytes;
        return Long.toString(raw << shift >> shift);
    }

    private static String finite(double value) throws MySqlError {
        if (!Double.isFinite(value)) {
            throw wrongArguments("a floating-point parameter is not finite");
        }
        return Double.toString(value);
    }

    /** DATE, DATETIME, TIMESTAMP: a length of 0, 4, 7 or 11, then year, month, day, hour, minute, second, micros. */
    private static String dateTime(PayloadReader in) throws MySqlError, MalformedPacketException {
        int length = in.int1();
        if (length != 0 && length != 4 && length != 7 && length != 11) {
            throw wrongArguments("a date parameter has length " + length);
        }
        int year = length >= 4 ? in.int2() : 0;
        int month = length >= 4 ? in.int1() : 0;
        int day = length >= 4 ? in.int1() : 0;
        int hour = length >= 7 ? in.int1() : 0;
        int minute = length >= 7 ? in.int1() : 0;
        int second = length >= 7 ? in.int1() : 0;
        long micros = length == 11 ? in.int4() : 0;
        String date = String.format("%04d-%02d-%02d", year, month, day);
        if (length <= 4) {
            return date;
        }
        return date
                + String.format(" %02d:%02d:%02d", hour, minute, second)
                + (micros == 0 ? "" : String.format(".%06d", micros));
    }

    /** TIME: a length of 0, 8 or 12, then sign, days, hours, minutes, seconds, micros. */
    private static String time(PayloadReader in) throws MySqlError, MalformedPacketException {
        int length = in.int1();
        if (length != 0 && length != 8 && length != 12) {
            throw wrongArguments("a time parameter has length " + length);
        }
        if (length == 0) {
            return "00:00:00";
        }
        boolean negative = in.int1() == 1;
        long hours = in.int4() * 24 + in.int1();
        int minute = in.int1();
        int second = in.int1();
        long micros = length == 12 ? in.int4() : 0;
        return (negative ? "-" : "")
                + String.format("%02d:%02d:%02d", hours, minute, second)
                + (micros == 0 ? "" : String.format(".%06d", micros));
    }

    /** A quoted string literal of UTF-8 text, or a hexadecimal literal for bytes that are not UTF-8. */
    static String stringLiteral(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException notText) {
            return "X'" + HexFormat.of().formatHex(bytes) + "'";
        }
        StringBuilder literal = new StringBuilder(text.length() + 2).append('\'');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\'' -> literal.append("''");
                case '\\' -> literal.append("\\\\");
                case '\0' -> literal.append("\\0");
                default -> literal.append(c);
            }
        }
        return literal.append('\'').toString();
    }

    private static MySqlError wrongArguments(String why) {
        return new MySqlError(
                WRONG_ARGUMENTS, MySqlError.GENERAL_SQL_STATE, "Incorrect arguments to mysqld_stmt_execute: " + why);
    }
}
