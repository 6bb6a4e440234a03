package dev.osc4j.internal;

import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.CutoverMode;
import dev.osc4j.DirectiveKind;
import dev.osc4j.DirectiveResult;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.RevertRefusedException;
import dev.osc4j.RevertRefusedException.Reason;
import dev.osc4j.ShardRecord;
import dev.osc4j.spi.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rules of reverts, pure: whether a DDL can be reverted without losing or refusing writes, until when a migration
 * is revertible, whether a revert may start, and the revert migration's record.
 */
final class Reverts {
    private Reverts() {}

    /**
     * Why a migration with this DDL cannot be reverted by swapping back to the kept original table, one note per
     * clause that prevents it; empty when it can. Conservative: a clause this does not know is not revertible.
     *
     * <p>Writes made after the swap are applied to the kept table for the columns both tables have. That loses data
     * or fails when the change dropped or renamed a column (the kept table's column gets nothing, and fails a write
     * when it is NOT NULL without a default), changed a column's definition (a value of the new type may not fit the
     * old one), dropped an index or a constraint (a dropped UNIQUE key lets rows in that the kept table refuses, or
     * that a reverse {@code REPLACE} would silently delete), or converted the character set.
     */
    public static List<String> notes(MigrationSpec spec) {
        List<String> notes = new ArrayList<>();
        for (List<String> words :
                Ddl.parse(spec.keyspace(), spec.table(), spec.ddl()).clauseWords(6)) {
            String note = note(words);
            if (note != null) {
                notes.add(note);
            }
        }
        return List.copyOf(notes);
    }

    private static @Nullable String note(List<String> words) {
        if (words.isEmpty()) {
            return "an empty clause";
        }
        List<String> w = words.stream().map(x -> x.toUpperCase(Locale.ROOT)).toList();
        String first = w.get(0);
        String second = w.size() > 1 ? w.get(1) : "";
        String clause = String.join(" ", words);
        switch (first) {
            case "ADD" -> {
                return null; // a new column, index or constraint: the kept table simply lacks it
            }
            case "DROP" -> {
                return switch (second) {
                    case "COLUMN" ->
                        "'" + clause + "' drops a column the kept table still has: writes made after the"
                                + " swap leave it empty there, and fail when it is NOT NULL without a default";
                    case "INDEX", "KEY", "PRIMARY", "FOREIGN", "CONSTRAINT", "CHECK" ->
                        "'" + clause
                                + "' drops an index or constraint the kept table still has: rows written after the swap"
                                + " may break it (a dropped UNIQUE key lets in duplicates)";
                    default ->
                        "'" + clause + "' drops column " + second
                                + ", which the kept table still has: writes made after the swap leave it empty there,"
                                + " and fail when it is NOT NULL without a default";
                };
            }
            case "MODIFY", "CHANGE" -> {
                return "'" + clause + "' changes a column's definition: a value written after the swap may not fit"
                        + " the old one";
            }
            case "ALTER" -> {
                return w.contains("DEFAULT") || w.contains("VISIBLE") || w.contains("INVISIBLE")
                        ? null
                        : "'" + clause + "' is an ALTER osc4j cannot tell is revertible";
            }
            case "RENAME" -> {
                return second.equals("INDEX") || second.equals("KEY")
                        ? null
                        : "'" + clause + "' renames a column: writes made after the swap would not reach the kept"
                                + " table's column of the old name";
            }
            case "CONVERT" -> {
                return "'" + clause + "' converts the character set: text written after the swap may not fit the"
                        + " old one";
            }
            case "ENGINE", "COMMENT", "ROW_FORMAT", "KEY_BLOCK_SIZE", "AUTO_INCREMENT", "FORCE", "STATS_PERSISTENT" -> {
                return null; // a table option or a rebuild: same columns, same keys
            }
            default -> {
                return "'" + clause + "' is a clause osc4j cannot tell is revertible";
            }
        }
    }

    /** Whether the revert window of {@code rec} has ended at {@code now} (by time, or because an operator closed it). */
    public static boolean windowOver(MigrationRecord rec, Instant now) {
        Optional<Instant> until = rec.revertibleUntil();
        return rec.controls().closeRevertWindow() || until.isEmpty() || !now.isBefore(until.get());
    }

    /**
     * The shards a revert with this argument (comma-separated shard names, or empty for every shard in its window)
     * covers.
     *
     * @throws RevertRefusedException saying why the revert cannot start
     */
    public static List<String> check(MigrationRecord rec, String argument, Instant now) {
        MigrationState state = rec.state();
        Controls c = rec.controls();
        if (c.revertedBy() != null || state == MigrationState.REVERTED) {
            throw refused(
                    rec,
                    Reason.ALREADY_REVERTING,
                    c.revertedBy() != null
                            ? "revert " + c.revertedBy() + " of this migration runs or ran already"
                            : "the migration was reverted already");
        }
        // In a staged rollout the migration as a whole may still wait for later waves while earlier ones are in
        // their window: what counts is whether some shard is.
        boolean anyOpen = rec.shards().stream().anyMatch(s -> s.state() == MigrationState.REVERTIBLE);
        if (!anyOpen) {
            if (state == MigrationState.COMPLETED && rec.spec().revertible()) {
                throw refused(rec, Reason.WINDOW_CLOSED, "its revert window ended; the kept table is gone");
            }
            if (state.isSwitched()) { // COMPLETED, BAKING or ALERTED without a kept table
                throw refused(rec, Reason.NOT_REVERTIBLE, "it was not made revertible: " + whyNot(rec));
            }
            throw refused(
                    rec,
                    Reason.NOT_SWITCHED,
                    "only a migration in its revert window (REVERTIBLE) can be reverted; one that has not swapped is"
                            + " aborted instead");
        }
        if (rec.shards().stream().anyMatch(s -> s.state() == MigrationState.SWITCHING_TRAFFIC)) {
            throw refused(
                    rec,
                    Reason.NOT_SWITCHED,
                    "shards are still swapping; revert once every shard of the release has swapped, so that the"
                            + " revert covers them all");
        }
        if (windowOver(rec, now)) {
            throw refused(
                    rec,
                    Reason.WINDOW_CLOSED,
                    "its revert window ended at " + rec.revertibleUntil().orElse(now));
        }
        Set<String> open = new LinkedHashSet<>();
        for (ShardRecord s : rec.shards()) {
            if (s.state() == MigrationState.REVERTIBLE) {
                open.add(s.shard());
            }
        }
        if (argument.isBlank()) {
            return List.copyOf(open);
        }
        List<String> named = new ArrayList<>();
        for (String part : argument.split(",", -1)) {
            String shard = part.strip();
            if (!open.contains(shard) || named.contains(shard)) {
                throw refused(
                        rec,
                        Reason.BAD_SHARDS,
                        "shard '" + shard + "' is not one of the shards in the revert window " + open
                                + (named.contains(shard) ? " (named twice)" : ""));
            }
            named.add(shard);
        }
        return List.copyOf(named);
    }

    /**
     * The shards a revert directive with {@code argument} names: those listed, or, when none is, every shard in its
     * revert window or already reverted (for a directive that is repeated after it took effect).
     */
    public static List<String> shardsOf(MigrationRecord forward, String argument) {
        if (!argument.isBlank()) {
            List<String> out = new ArrayList<>();
            for (String part : argument.split(",", -1)) {
                out.add(part.strip());
            }
            return List.copyOf(out);
        }
        return forward.shards().stream()
                .filter(s -> s.state() == MigrationState.REVERTIBLE || s.state() == MigrationState.REVERTED)
                .map(ShardRecord::shard)
                .toList();
    }

    /**
     * The revert record {@code forward} names in {@link Controls#revertedBy()}, built from the revert directive that
     * named it, for whoever must make sure it exists (the client after the directive, and the forward migration's
     * controller after a client died in between); empty when no revert is named.
     */
    public static Optional<Created> linkedRevert(MigrationRecord forward) {
        MigrationId linked = forward.controls().revertedBy();
        if (linked == null) {
            return Optional.empty();
        }
        for (DirectiveResult d : forward.directives().values()) {
            if (d.kind() == DirectiveKind.REVERT
                    && revertId(forward.id(), d.directiveId()).equals(linked)) {
                return Optional.of(
                        revertRecord(forward, shardsOf(forward, d.argument()), d.directiveId(), d.actor(), d.at()));
            }
        }
        return Optional.empty();
    }

    /** Why a migration's spec is not revertible, for messages. */
    static String whyNot(MigrationRecord rec) {
        if (rec.policy().revertWindowOrDefault().isZero()) {
            return "its policy has no revert window";
        }
        List<String> notes = notes(rec.spec());
        return notes.isEmpty() ? "engine " + rec.spec().engine() + " cannot revert a swap" : String.join("; ", notes);
    }

    private static RevertRefusedException refused(MigrationRecord rec, Reason reason, String why) {
        return new RevertRefusedException(rec.id(), rec.state(), reason, why);
    }

    /** The idempotency key of the revert a directive starts: one revert per forward migration and directive id. */
    public static String revertKey(MigrationId forward, String directiveId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(directiveId.getBytes(StandardCharsets.UTF_8));
            return "revert:" + forward.value() + ":" + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** The id of the revert migration a directive starts. */
    public static MigrationId revertId(MigrationId forward, String directiveId) {
        return MigrationId.forIdempotencyKey(revertKey(forward, directiveId));
    }

    /**
     * A record to create, with its first audit entry.
     *
     * @param record the record
     * @param submitted the entry that says it was submitted
     */
    public record Created(MigrationRecord record, AuditEntry submitted) {}

    /**
     * The record of the revert of {@code forward} on {@code shards}, as the revert directive {@code directiveId}
     * creates it, with its first audit entry: the forward migration's table, engine and policy (its approvals and
     * windows apply to the revert too), no revert window of its own, requested by {@code actor}.
     */
    public static Created revertRecord(
            MigrationRecord forward, List<String> shards, String directiveId, String actor, Instant now) {
        MigrationId id = revertId(forward.id(), directiveId);
        MigrationSpec spec = forward.spec().revertOf(forward.id(), forward.attempt(), shards);
        // The revert swaps every shard it covers back at once: no waves of its own.
        MigrationPolicy.Builder revertPolicy = forward.policy().toBuilder()
                .revertWindow(Duration.ZERO)
                .autoRevert(null)
                .rollout(null);
        if (actor.equals(AutoDirectives.ACTOR)) {
            // Approved by the policy that armed it: an emergency waits for no person, release or window.
            revertPolicy
                    .requireStartApproval(false)
                    .requireCutoverApproval(false)
                    .cutoverMode(CutoverMode.AUTOMATIC)
                    .cutoverWindow(null)
                    .copySchedule(null)
                    .cutoverSchedule(null);
        }
        MigrationPolicy policy = revertPolicy.build();
        List<ShardRecord> records = new ArrayList<>();
        for (ShardRecord s : forward.shards()) {
            if (shards.contains(s.shard())) {
                records.add(ShardRecord.queued(s.target(), now));
            }
        }
        String key = revertKey(forward.id(), directiveId);
        MigrationRecord record = new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                id,
                0,
                key,
                RecordCodec.fingerprint(spec, policy),
                spec,
                policy,
                actor,
                MigrationState.QUEUED,
                1,
                records,
                Controls.NONE,
                Map.of(),
                1,
                null,
                now,
                now,
                null);
        AuditEntry submitted = new AuditEntry(
                id,
                1,
                now,
                actor,
                AuditEntry.Kind.SUBMITTED,
                null,
                null,
                MigrationState.QUEUED,
                null,
                "revert:" + directiveId,
                "revert of " + forward.id() + " (" + forward.spec().ddl() + ") on " + shards);
        return new Created(record, submitted);
    }
}
