package dev.osc4j.testkit.mysql;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Names, value normalisation and server defaults of session variables; the one place that knows them. */
final class SessionVariables {

    /** Variables that MySQL reports as 1/0 whatever ON/OFF/TRUE/FALSE spelling set them. */
    private static final Set<String> BOOLEAN_VARIABLES = Set.of(
            "autocommit",
            "transaction_read_only",
            "foreign_key_checks",
            "unique_checks",
            "sql_safe_updates",
            "sql_log_bin",
            "sql_auto_is_null",
            "sql_notes",
            "sql_warnings",
            "big_tables",
            "sql_buffer_result");

    private SessionVariables() {}

    /**
     * The values a fresh MySQL 8.0 session reports for what mysql-connector-j and pools read at connect time, plus a
     * few commonly queried ones.
     */
    static Map<String, @Nullable Object> mysqlDefaults(String serverVersion) {
        Map<String, @Nullable Object> defaults = new LinkedHashMap<>();
        defaults.put("auto_increment_increment", 1L);
        defaults.put("auto_increment_offset", 1L);
        defaults.put("autocommit", 1L);
        defaults.put("character_set_client", "utf8mb4");
        defaults.put("character_set_connection", "utf8mb4");
        defaults.put("character_set_database", "utf8mb4");
        defaults.put("character_set_results", "utf8mb4");
        defaults.put("character_set_server", "utf8mb4");
        defaults.put("collation_connection", "utf8mb4_0900_ai_ci");
        defaults.put("collation_database", "utf8mb4_0900_ai_ci");
        defaults.put("collation_server", "utf8mb4_0900_ai_ci");
        defaults.put("foreign_key_checks", 1L);
        defaults.put("init_connect", "");
        defaults.put("interactive_timeout", 28800L);
        defaults.put("license", "GPL");
        defaults.put("lower_case_table_names", 0L);
        defaults.put("max_allowed_packet", 67108864L);
        defaults.put("net_buffer_length", 16384L);
        defaults.put("net_write_timeout", 60L);
        defaults.put("performance_schema", 0L);
        defaults.put(
                "sql_mode",
                "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
                        + "NO_ENGINE_SUBSTITUTION");
        defaults.put("sql_safe_updates", 0L);
        defaults.put("sql_select_limit", new BigDecimal("18446744073709551615"));
        defaults.put("system_time_zone", "UTC");
        defaults.put("time_zone", "SYSTEM");
        defaults.put("transaction_isolation", "REPEATABLE-READ");
        defaults.put("transaction_read_only", 0L);
        defaults.put("unique_checks", 1L);
        defaults.put("version", serverVersion);
        defaults.put("version_comment", "osc4j testkit MySQL protocol server");
        defaults.put("wait_timeout", 28800L);
        return defaults;
    }

    /**
     * The canonical name: lower case, without {@code @@} and without a {@code session.}, {@code local.} or {@code
     * global.} scope.
     */
    static String normalizeName(String name) {
        String normalized = name.trim().toLowerCase(Locale.ROOT);
        if (normalized.startsWith("@@")) {
            normalized = normalized.substring(2);
        }
        for (String scope : new String[] {"session.", "local.", "global."}) {
            if (normalized.startsWith(scope)) {
                normalized = normalized.substring(scope.length());
                break;
            }
        }
        if (normalized.isEmpty()) {
            throw new IllegalArgumentException("variable name must not be empty but was '" + name + "'");
        }
        return normalized;
    }

    /**
     * The value as stored: integral numbers become {@link Long} (or {@link BigDecimal} beyond its range), floats
     * {@link Double}, booleans and ON/OFF of boolean variables 1/0.
     *
     * @throws IllegalArgumentException for a type a session variable cannot hold
     */
    static @Nullable Object normalizeValue(String normalizedName, @Nullable Object value) {
        if (value == null || value instanceof Long || value instanceof BigDecimal || value instanceof Double) {
            return booleanOrSelf(normalizedName, value);
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger integer) {
            return integer.bitLength() < 64 ? (Object) integer.longValue() : new BigDecimal(integer);
        }
        if (value instanceof Float number) {
            return number.doubleValue();
        }
        if (value instanceof Boolean flag) {
            return flag ? 1L : 0L;
        }
        if (value instanceof String string) {
            return booleanOrSelf(normalizedName, string);
        }
        throw new IllegalArgumentException(
                "session variable '" + normalizedName + "' can hold a String, Number or Boolean but not a "
                        + value.getClass().getName());
    }

    private static @Nullable Object booleanOrSelf(String name, @Nullable Object value) {
        if (value instanceof String string && BOOLEAN_VARIABLES.contains(name)) {
            return switch (string.toUpperCase(Locale.ROOT)) {
                case "ON", "TRUE" -> 1L;
                case "OFF", "FALSE" -> 0L;
                default -> string;
            };
        }
        return value;
    }

    /** The collation {@code SET NAMES charset} selects when no COLLATE is given. */
    static String defaultCollation(String charset) {
        return switch (charset) {
            case "utf8mb4" -> "utf8mb4_0900_ai_ci";
            case "utf8", "utf8mb3" -> "utf8mb3_general_ci";
            case "latin1" -> "latin1_swedish_ci";
            case "binary" -> "binary";
            default -> charset + "_general_ci";
        };
    }
}
