package dev.osc4j.testkit.vitess;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A VTGate session target, {@code keyspace[:shard][@tablet_type]} ({@code /} may replace {@code :}), as {@code USE}
 * sets it. VTGate parses it the same way: the last {@code @} separates the tablet type, then the last {@code /} or
 * {@code :} separates the shard.
 *
 * @param keyspace the keyspace
 * @param shard the shard, or null for every shard of the keyspace
 * @param tabletType the tablet type, lower case ({@code primary} unless given)
 */
record VtgateTarget(String keyspace, @Nullable String shard, String tabletType) {

    /** The target of a session database string, or null when none is selected. */
    static @Nullable VtgateTarget parse(@Nullable String database) {
        if (database == null || database.isEmpty()) {
            return null;
        }
        String s = database;
        String type = "primary";
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            type = s.substring(at + 1).toLowerCase(Locale.ROOT);
            if (type.equals("master")) {
                type = "primary";
            }
            s = s.substring(0, at);
        }
        String shard = null;
        int sep = Math.max(s.lastIndexOf('/'), s.lastIndexOf(':'));
        if (sep >= 0) {
            shard = s.substring(sep + 1);
            s = s.substring(0, sep);
        }
        return new VtgateTarget(s, shard, type);
    }

    boolean primary() {
        return tabletType.equals("primary");
    }

    @Override
    public String toString() {
        return keyspace + (shard == null ? "" : ":" + shard) + "@" + tabletType;
    }
}
