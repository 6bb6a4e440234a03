package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * A position in a server's binary log, in one of the three forms MySQL and MariaDB use: a file and offset ({@code
 * mysql-bin.000003:1234}), a MySQL GTID set ({@code 3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7-9,...}) or a MariaDB GTID
 * position ({@code 0-1-100,1-2-5}). {@link #covers} compares two positions of the same form.
 *
 * @param value the position as the server prints it
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record ReplicationPosition(String value) {
    // One uuid's part of a MySQL GTID set: untagged intervals, then tags each with their intervals (MySQL 8.3+), as
    // in 3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:11:dba:1-3:etl:7.
    private static final String MYSQL_UUID_SET =
            "[0-9a-fA-F-]{36}(:[A-Za-z_][A-Za-z0-9_]{0,31})?(:\\d+(-\\d+)?)+(:[A-Za-z_][A-Za-z0-9_]{0,31}(:\\d+(-\\d+)?)+)*";
    private static final Pattern MYSQL = Pattern.compile(MYSQL_UUID_SET + "(," + MYSQL_UUID_SET + ")*");

    /** The form of a position. */
    public enum Form {
        /** {@code file.000001:4}. */
        FILE_POSITION,
        /** MySQL GTID set. */
        MYSQL_GTID,
        /** MariaDB GTID position. */
        MARIADB_GTID,
        /** Nothing executed yet (an empty GTID set). */
        EMPTY
    }

    /** Validates the form. */
    public ReplicationPosition {
        value = stripWhitespace(value);
        form(value);
    }

    private static String stripWhitespace(String v) {
        for (int i = 0; i < v.length(); i++) {
            if (Character.isWhitespace(v.charAt(i))) {
                StringBuilder b = new StringBuilder(v.length());
                for (int j = 0; j < v.length(); j++) {
                    if (!Character.isWhitespace(v.charAt(j))) {
                        b.append(v.charAt(j));
                    }
                }
                return b.toString();
            }
        }
        return v;
    }

    /** Parses a position. */
    public static ReplicationPosition of(String value) {
        return new ReplicationPosition(value);
    }

    /** The form of this position. */
    public Form form() {
        return form(value);
    }

    private static Form form(String v) {
        // Scanners rather than regular expressions for the two common forms: positions are parsed on every poll.
        if (v.isEmpty()) {
            return Form.EMPTY;
        }
        if (isMariaDb(v)) {
            return Form.MARIADB_GTID;
        }
        if (isFilePosition(v)) {
            return Form.FILE_POSITION;
        }
        if (MYSQL.matcher(v).matches()) {
            return Form.MYSQL_GTID;
        }
        throw new IllegalArgumentException("not a binlog position or GTID set: '" + v + "'");
    }

    /** {@code d-s-n(,d-s-n)*} with decimal numbers. */
    private static boolean isMariaDb(String v) {
        int numbers = 0;
        int digits = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '-' || c == ',') {
                if (digits == 0 || (c == '-') == (numbers % 3 == 2)) {
                    return false;
                }
                numbers++;
                digits = 0;
            } else {
                return false;
            }
        }
        return digits > 0 && (numbers + 1) % 3 == 0;
    }

    /** {@code name.digits:digits}, the name without ':' or ','. */
    private static boolean isFilePosition(String v) {
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1 || v.indexOf(',') >= 0 || v.indexOf(':') != colon) {
            return false;
        }
        for (int i = colon + 1; i < v.length(); i++) {
            if (!Character.isDigit(v.charAt(i))) {
                return false;
            }
        }
        int dot = v.lastIndexOf('.', colon);
        if (dot <= 0 || dot == colon - 1) {
            return false;
        }
        for (int i = dot + 1; i < colon; i++) {
            if (!Character.isDigit(v.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether both positions have a form that {@link #covers} can compare. */
    public boolean comparableWith(ReplicationPosition other) {
        return form() == Form.EMPTY || other.form() == Form.EMPTY || form() == other.form();
    }

    /**
     * Whether this position includes everything {@code other} includes: equal or later in the same file sequence,
     * or a GTID set containing the other. Positions of different forms are not comparable and never cover each
     * other (see {@link #comparableWith}).
     */
    public boolean covers(ReplicationPosition other) {
        Form otherForm = other.form();
        if (otherForm == Form.EMPTY) {
            return true;
        }
        Form form = form();
        if (form == Form.EMPTY || form != otherForm) {
            return false;
        }
        return switch (form) {
            case FILE_POSITION -> compareFilePositions(value, other.value) >= 0;
            case MARIADB_GTID -> coversMariaDb(value, other.value);
            case MYSQL_GTID -> coversMySql(value, other.value);
            case EMPTY -> true;
        };
    }

    private static int compareFilePositions(String a, String b) {
        int ca = a.lastIndexOf(':');
        int cb = b.lastIndexOf(':');
        String fa = a.substring(0, ca);
        String fb = b.substring(0, cb);
        int byFile = compareFileNames(fa, fb);
        if (byFile != 0) {
            return byFile;
        }
        return Long.compare(Long.parseLong(a.substring(ca + 1)), Long.parseLong(b.substring(cb + 1)));
    }

    private static int compareFileNames(String a, String b) {
        int da = a.lastIndexOf('.');
        int db = b.lastIndexOf('.');
        int byBase = a.substring(0, da).compareTo(b.substring(0, db));
        if (byBase != 0) {
            return byBase;
        }
        return Long.compare(Long.parseLong(a.substring(da + 1)), Long.parseLong(b.substring(db + 1)));
    }

    private static boolean coversMariaDb(String have, String want) {
        Map<Long, Long> seqByDomain = new HashMap<>();
        for (String gtid : have.split(",")) {
            String[] p = gtid.split("-");
            seqByDomain.merge(Long.parseLong(p[0]), Long.parseLong(p[2]), Math::max);
        }
        for (String gtid : want.split(",")) {
            String[] p = gtid.split("-");
            Long seq = seqByDomain.get(Long.parseLong(p[0]));
            if (seq == null || seq < Long.parseLong(p[2])) {
                return false;
            }
        }
        return true;
    }

    private static boolean coversMySql(String have, String want) {
        Map<String, long[][]> haveSets = parseMySql(have);
        for (Map.Entry<String, long[][]> e : parseMySql(want).entrySet()) {
            long[][] ranges = haveSets.getOrDefault(e.getKey(), new long[0][]);
            for (long[] w : e.getValue()) {
                boolean contained = false;
                for (long[] h : ranges) {
                    if (h[0] <= w[0] && w[1] <= h[1]) {
                        contained = true;
                        break;
                    }
                }
                if (!contained) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Map<String, long[][]> parseMySql(String set) {
        Map<String, long[][]> out = new HashMap<>();
        for (String part : set.split(",")) {
            String[] fields = part.split(":");
            String uuid = fields[0].toLowerCase(Locale.ROOT);
            String source = uuid;
            for (int i = 1; i < fields.length; i++) {
                if (!Character.isDigit(fields[i].charAt(0))) {
                    source = uuid + ":" + fields[i]; // a tag (MySQL 8.3+): the intervals after it are its own
                    continue;
                }
                String[] bounds = fields[i].split("-");
                long lo = Long.parseLong(bounds[0]);
                long[][] range = {{lo, bounds.length > 1 ? Long.parseLong(bounds[1]) : lo}};
                out.merge(source, range, (x, y) -> {
                    long[][] merged = new long[x.length + y.length][];
                    System.arraycopy(x, 0, merged, 0, x.length);
                    System.arraycopy(y, 0, merged, x.length, y.length);
                    return merged;
                });
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return value;
    }
}
