package dev.osc4j.testkit.mysql;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/**
 * The column types a {@link QueryResult.Rows} can declare, named after the MySQL protocol's {@code MYSQL_TYPE_*}
 * constants.
 *
 * <p>Values are sent in the text protocol, or as Binary Protocol Values in the result of a prepared statement. Every
 * type accepts a {@link String} (sent as is, so the caller controls the
 * exact text) and a {@code byte[]} (sent raw). Beyond that each type accepts the Java values listed on its constant;
 * anything else is rejected when the result is built.
 */
public enum ColumnType {
    /** {@code MYSQL_TYPE_VARCHAR}, utf8mb4; accepts any {@link CharSequence}. */
    VARCHAR(0x0f, Kind.TEXT, 1020),
    /** {@code MYSQL_TYPE_VAR_STRING}, utf8mb4 (what MySQL reports for VARCHAR columns); accepts any {@link CharSequence}. */
    VAR_STRING(0xfd, Kind.TEXT, 1020),
    /** {@code MYSQL_TYPE_BLOB} with utf8mb4, which clients read as TEXT; accepts any {@link CharSequence}. */
    TEXT(0xfc, Kind.TEXT, 262_140),
    /** {@code MYSQL_TYPE_TINY} (TINYINT(4)); accepts integral numbers and {@link Boolean}. */
    TINY(0x01, Kind.INTEGER, 4),
    /** {@code MYSQL_TYPE_LONG} (INT); accepts integral numbers. */
    LONG(0x03, Kind.INTEGER, 11),
    /** {@code MYSQL_TYPE_LONGLONG} (BIGINT); accepts integral numbers. */
    LONGLONG(0x08, Kind.INTEGER, 20),
    /** {@code MYSQL_TYPE_FLOAT}; accepts finite numbers. */
    FLOAT(0x04, Kind.FLOATING, 12),
    /** {@code MYSQL_TYPE_DOUBLE}; accepts finite numbers. */
    DOUBLE(0x05, Kind.FLOATING, 22),
    /** {@code MYSQL_TYPE_NEWDECIMAL}; accepts {@link BigDecimal}, integral numbers and finite doubles. */
    DECIMAL(0xf6, Kind.DECIMAL, 67),
    /** {@code MYSQL_TYPE_DATE}; accepts {@link LocalDate}. */
    DATE(0x0a, Kind.DATE, 10),
    /** {@code MYSQL_TYPE_DATETIME}; accepts {@link LocalDateTime} (sent with microseconds when it has a fraction). */
    DATETIME(0x0c, Kind.DATETIME, 26),
    /** {@code MYSQL_TYPE_TIMESTAMP}; accepts {@link LocalDateTime}, read as a time in the session's time zone. */
    TIMESTAMP(0x07, Kind.DATETIME, 26);

    private enum Kind {
        TEXT,
        INTEGER,
        FLOATING,
        DECIMAL,
        DATE,
        DATETIME
    }

    /** utf8mb4_0900_ai_ci, the MySQL 8.0 default collation. */
    static final int UTF8MB4_COLLATION = 255;

    private static final int BINARY_COLLATION = 63;
    private static final int BINARY_FLAG = 128;
    private static final int NUM_FLAG = 32768;
    private static final int NOT_FIXED_DECIMALS = 31;
    private static final DateTimeFormatter DATETIME_SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");
    private static final DateTimeFormatter DATETIME_MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private final int protocolCode;
    private final Kind kind;
    private final long columnLength;

    ColumnType(int protocolCode, Kind kind, long columnLength) {
        this.protocolCode = protocolCode;
        this.kind = kind;
        this.columnLength = columnLength;
    }

    int protocolCode() {
        return protocolCode;
    }

    long columnLength() {
        return columnLength;
    }

    int collation() {
        return kind == Kind.TEXT ? UTF8MB4_COLLATION : BINARY_COLLATION;
    }

    int flags() {
        return switch (kind) {
            case TEXT -> 0;
            case INTEGER, FLOATING, DECIMAL -> BINARY_FLAG | NUM_FLAG;
            case DATE, DATETIME -> BINARY_FLAG;
        };
    }

    /** The column definition's "decimals" byte for a column holding {@code values}. */
    int decimals(Iterable<? extends @Nullable Object> values) {
        return switch (kind) {
            case FLOATING -> NOT_FIXED_DECIMALS;
            case DECIMAL -> {
                int scale = 0;
                for (Object value : values) {
                    if (value instanceof BigDecimal decimal) {
                        scale = Math.max(scale, decimal.scale());
                    } else if (value instanceof Double || value instanceof Float) {
                        scale = Math.max(
                                scale,
                                BigDecimal.valueOf(((Number) value).doubleValue())
                                        .scale());
                    }
                }
                yield Math.min(scale, 30);
            }
            case DATETIME -> {
                for (Object value : values) {
                    if (value instanceof LocalDateTime time && hasFraction(time)) {
                        yield 6;
                    }
                }
                yield 0;
            }
            case TEXT, INTEGER, DATE -> 0;
        };
    }

    private static boolean hasFraction(LocalDateTime time) {
        return !time.truncatedTo(ChronoUnit.SECONDS).equals(time);
    }

    /** Whether this type can encode {@code value}; null is always allowed and not asked about. */
    boolean accepts(Object value) {
        if (value instanceof String || value instanceof byte[]) {
            return true;
        }
        return switch (kind) {
            case TEXT -> value instanceof CharSequence;
            case INTEGER -> isIntegral(value) || (this == TINY && value instanceof Boolean);
            case FLOATING -> value instanceof Number number && Double.isFinite(number.doubleValue());
            case DECIMAL ->
                value instanceof BigDecimal
                        || isIntegral(value)
                        || ((value instanceof Double || value instanceof Float)
                                && Double.isFinite(((Number) value).doubleValue()));
            case DATE -> value instanceof LocalDate;
            case DATETIME -> value instanceof LocalDateTime;
        };
    }

    /** What {@link #accepts} allows besides String and byte[], for error messages. */
    String acceptedDescription() {
        return switch (kind) {
            case TEXT -> "CharSequence";
            case INTEGER ->
                this == TINY
                        ? "Long, Integer, Short, Byte, BigInteger or Boolean"
                        : "Long, Integer, Short, Byte or BigInteger";
            case FLOATING -> "a finite Number";
            case DECIMAL -> "BigDecimal, an integral Number or a finite Double";
            case DATE -> "LocalDate";
            case DATETIME -> "LocalDateTime";
        };
    }

    /** The text-protocol bytes of an accepted, non-null value. */
    byte[] encode(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes.clone();
        }
        return text(value).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes an accepted, non-null value as a Binary Protocol Value (page_protocol_binary_resultset.html): integers
     * and floating-point numbers in little-endian binary, dates and times as length-prefixed fields, text and decimals
     * as length-encoded strings. A String (or byte[]) given for a numeric or temporal column is parsed first.
     *
     * @throws IllegalArgumentException if a String or byte[] value does not parse as this type
     */
    void writeBinary(Object value, PayloadWriter out) {
        String text = value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : text(value);
        try {
            switch (kind) {
                case TEXT, DECIMAL -> out.lengthEncodedBytes(encode(value));
                case INTEGER -> {
                    long number = new BigDecimal(text.strip()).longValueExact();
                    switch (this) {
                        case TINY -> out.int1((int) number);
                        case LONG -> out.int4(number);
                        default -> out.int8(number);
                    }
                }
                case FLOATING -> {
                    double number = Double.parseDouble(text.strip());
                    if (this == FLOAT) {
                        out.int4(Float.floatToIntBits((float) number));
                    } else {
                        out.int8(Double.doubleToLongBits(number));
                    }
                }
                case DATE -> {
                    LocalDate date = LocalDate.parse(text.strip());
                    out.int1(4).int2(date.getYear()).int1(date.getMonthValue()).int1(date.getDayOfMonth());
                }
                case DATETIME -> {
                    LocalDateTime time = LocalDateTime.parse(text.strip().replace(' ', 'T'));
                    boolean fraction = hasFraction(time);
                    out.int1(fraction ? 11 : 7)
                            .int2(time.getYear())
                            .int1(time.getMonthValue())
                            .int1(time.getDayOfMonth())
                            .int1(time.getHour())
                            .int1(time.getMinute())
                            .int1(time.getSecond());
                    if (fraction) {
                        out.int4(time.get(ChronoField.MICRO_OF_SECOND));
                    }
                }
            }
        } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "cannot send '" + text + "' as a " + this + " in the binary protocol: " + e.getMessage(), e);
        }
    }

    private String text(Object value) {
        if (value instanceof String string) {
            return string;
        }
        return switch (kind) {
            case TEXT, INTEGER -> value instanceof Boolean flag ? (flag ? "1" : "0") : value.toString();
            case FLOATING ->
                value instanceof Float || value instanceof Double
                        ? Double.toString(((Number) value).doubleValue())
                        : value.toString();
            case DECIMAL ->
                value instanceof BigDecimal decimal
                        ? decimal.toPlainString()
                        : value instanceof Double || value instanceof Float
                                ? BigDecimal.valueOf(((Number) value).doubleValue())
                                        .toPlainString()
                                : value.toString();
            case DATE -> value.toString();
            case DATETIME -> {
                LocalDateTime time = (LocalDateTime) value;
                yield hasFraction(time) ? DATETIME_MICROS.format(time) : DATETIME_SECONDS.format(time);
            }
        };
    }

    private static boolean isIntegral(Object value) {
        return value instanceof Long
                || value instanceof Integer
                || value instanceof Short
                || value instanceof Byte
                || value instanceof BigInteger;
    }
}
