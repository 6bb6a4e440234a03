package dev.osc4j.store.etcd;

import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationId;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.OptionsUtil;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The key layout of the store, in one place. Under the prefix {@code P}:
 *
 * <ul>
 *   <li>{@code P/migrations/<id>}: the record, as {@link dev.osc4j.spi.RecordCodec} JSON; its mod revision is the
 *       record's version;
 *   <li>{@code P/audit/<id>/<seq, 20 digits>}: one audit entry each, zero-padded so that key order is seq order;
 *   <li>{@code P/owners/<id>}: the owner's id, attached to the owner's etcd lease; its create revision is the fencing
 *       token;
 *   <li>{@code P/summaries/<id>}: the record's {@link dev.osc4j.MigrationSummary}, written in the same transaction as
 *       the record (so with the same mod revision): what a listing reads instead of the record (a few hundred bytes
 *       against 48 KB at 64 shards). A summary older than its record (the record rewritten by an osc4j before
 *       summaries), or a record without one, is not trusted: the listing reads the record.
 * </ul>
 */
final class Keys {
    private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9._-]+)+/");

    private final String prefix;
    private final String records;
    private final String owners;
    private final String summaries;
    private final ByteSequence recordsKey;

    Keys(String prefix) {
        this.prefix = prefix;
        this.records = prefix + "migrations/";
        this.owners = prefix + "owners/";
        this.summaries = prefix + "summaries/";
        this.recordsKey = bytes(records);
    }

    /**
     * Checks a prefix: absolute, ending in {@code /}, of path segments, and not inside a Vitess topology root (Vitess
     * lists its directories by key prefix, so keys of ours under its root would show up in its listings).
     */
    static String validatePrefix(String prefix, Set<String> forbiddenRoots) {
        if (!PREFIX.matcher(prefix).matches()) {
            throw new InvalidRequestException(
                    "prefix must be an absolute key path of [A-Za-z0-9._-] segments ending in '/', such as "
                            + EtcdStateStore.DEFAULT_PREFIX + ", got '" + prefix + "'",
                    null);
        }
        for (String root : forbiddenRoots) {
            String normalized = root.endsWith("/") ? root : root + "/";
            if (prefix.startsWith(normalized)
                    || prefix.toLowerCase(Locale.ROOT).startsWith(normalized.toLowerCase(Locale.ROOT))) {
                throw new InvalidRequestException(
                        "prefix '" + prefix + "' is inside the Vitess topology root '" + normalized
                                + "': Vitess lists its directories by key prefix and would see osc4j's keys; choose a"
                                + " separate prefix such as " + EtcdStateStore.DEFAULT_PREFIX,
                        null);
            }
        }
        return prefix;
    }

    String prefix() {
        return prefix;
    }

    ByteSequence record(MigrationId id) {
        return bytes(records + id.value());
    }

    ByteSequence owner(MigrationId id) {
        return bytes(owners + id.value());
    }

    ByteSequence audit(MigrationId id, long seq) {
        return bytes(prefix + "audit/" + id.value() + "/" + String.format(Locale.ROOT, "%020d", seq));
    }

    /** The first key after every audit entry of {@code id}. */
    ByteSequence auditEnd(MigrationId id) {
        return OptionsUtil.prefixEndOf(bytes(prefix + "audit/" + id.value() + "/"));
    }

    /** The prefix all owner keys share. */
    ByteSequence owners() {
        return bytes(owners);
    }

    /** The first key after every owner key. */
    ByteSequence ownersEnd() {
        return OptionsUtil.prefixEndOf(owners());
    }

    /** The migration an owner key names, or null for a key under the owners prefix that names none. */
    @Nullable
    MigrationId ownerId(ByteSequence key) {
        return idUnder(owners, key);
    }

    ByteSequence summary(MigrationId id) {
        return bytes(summaries + id.value());
    }

    /** The first summary key after the summary of {@code id}. */
    ByteSequence summaryAfter(MigrationId id) {
        return bytes(summaries + id.value() + "\0");
    }

    /** The migration a summary key names, or null for a key that names none. */
    @Nullable
    MigrationId summaryId(ByteSequence key) {
        return idUnder(summaries, key);
    }

    /** The prefix all records share. */
    ByteSequence records() {
        return recordsKey;
    }

    /** The first key after every record. */
    ByteSequence recordsEnd() {
        return OptionsUtil.prefixEndOf(recordsKey);
    }

    /** The first record key after the record of {@code id}. */
    ByteSequence recordAfter(MigrationId id) {
        return bytes(records + id.value() + "\0");
    }

    /** The migration a record key names, or null for a key under the records prefix that names none. */
    @Nullable
    MigrationId recordId(ByteSequence key) {
        return idUnder(records, key);
    }

    private static @Nullable MigrationId idUnder(String under, ByteSequence key) {
        String k = key.toString(StandardCharsets.UTF_8);
        if (!k.startsWith(under)) {
            return null;
        }
        try {
            return MigrationId.of(k.substring(under.length()));
        } catch (InvalidRequestException e) {
            return null;
        }
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }
}
