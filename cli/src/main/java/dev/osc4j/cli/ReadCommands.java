package dev.osc4j.cli;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Owner;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The read commands: {@code list}, {@code show}, {@code audit}. */
final class ReadCommands {
    private ReadCommands() {}

    @Command(
            name = "list",
            description = "Lists the active migrations (--all: every migration), with their revert windows and links.")
    static final class ListCommand extends StoreCommand {
        @Option(names = "--all", description = "include COMPLETED, ABORTED and REVERTED migrations")
        boolean all;

        @Override
        int run(MigrationClient client) {
            List<MigrationSummary> list = client.list(all ? MigrationFilter.all() : MigrationFilter.active());
            // A summary says nothing of reverts: the record does (one read per migration, as the dashboard does).
            Instant now = Instant.now();
            Map<MigrationId, MigrationRecord> records = new HashMap<>();
            for (MigrationSummary s : list) {
                records.put(s.id(), client.get(s.id()));
            }
            if (json()) {
                root().out.println(Json.summaries(list, records::get, now));
                return ExitCodes.OK;
            }
            root().out
                    .printf(
                            Locale.ROOT,
                            "%-28s %-19s %-28s %6s %7s %8s  %s%n",
                            "ID",
                            "STATE",
                            "KEYSPACE.TABLE",
                            "SHARDS",
                            "DONE",
                            "ETA",
                            "OWNER");
            for (MigrationSummary s : list) {
                Owner o = s.owner();
                Duration eta = s.eta();
                MigrationRecord r = records.get(s.id());
                List<String> notes = r == null ? List.of() : RevertNotes.of(r, now);
                root().out
                        .println(ProgressView.cut(
                                String.format(
                                        Locale.ROOT,
                                        "%-28s %-19s %-28s %6d %6.1f%% %8s  %s",
                                        s.id().value(),
                                        s.state() + (s.paused() ? " (paused)" : ""),
                                        s.keyspace() + "." + s.table(),
                                        s.shards(),
                                        s.percent(),
                                        eta == null
                                                        || s.state().isTerminal()
                                                        || s.state().isSwitched()
                                                ? "-"
                                                : ProgressView.duration(eta),
                                        o == null || o.releasedAt() != null ? "-" : o.controllerId()),
                                width()));
                if (!notes.isEmpty()) {
                    root().out.println(ProgressView.cut("    " + String.join("; ", notes), width()));
                }
            }
            if (list.isEmpty()) {
                root().out.println(all ? "(no migrations)" : "(no active migrations; --all lists every one)");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Shows a migration and each of its shards.")
    static final class ShowCommand extends StoreCommand {
        @Parameters(paramLabel = "ID", description = "the migration id")
        String id = "";

        @Override
        int run(MigrationClient client) {
            MigrationRecord r = client.get(id(id));
            if (json()) {
                root().out.println(Json.record(r));
                return ExitCodes.OK;
            }
            for (String line : ProgressView.lines(r, Instant.now(), width(), Integer.MAX_VALUE)) {
                root().out.println(line);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "audit", description = "Prints a migration's audit trail, or checks its hash chain (--verify).")
    static final class AuditCommand extends StoreCommand {
        @Parameters(paramLabel = "ID", description = "the migration id")
        String id = "";

        @Option(
                names = "--verify",
                description = "check the trail against its hash chain; exit code 8 when it was edited, cut or extended")
        boolean verify;

        @Override
        int run(MigrationClient client) {
            if (verify) {
                MigrationRecord record = client.get(id(id));
                List<String> problems = client.verifyAudit(id(id));
                if (problems.isEmpty()) {
                    root().out
                            .println("audit trail of " + id + ": " + record.auditSeq()
                                    + " entries, hash chain intact; head " + record.auditHead()
                                    + " (keep it elsewhere to detect a rewrite of the whole trail)");
                    return ExitCodes.OK;
                }
                root().out.println("audit trail of " + id + " does NOT match its hash chain:");
                problems.forEach(p -> root().out.println("  " + p));
                return ExitCodes.TAMPERED;
            }
            List<AuditEntry> trail = client.audit(id(id));
            if (json()) {
                root().out.println(Json.audit(trail));
                return ExitCodes.OK;
            }
            for (AuditEntry e : trail) {
                StringBuilder b = new StringBuilder();
                b.append(String.format(Locale.ROOT, "%4d  %s  %-10s %-24s", e.seq(), e.at(), e.kind(), e.actor()));
                if (e.shard() != null) {
                    b.append(" shard ").append(e.shard());
                }
                if (e.from() != null || e.to() != null) {
                    b.append(' ').append(e.from()).append(" -> ").append(e.to());
                }
                if (e.trigger() != null) {
                    b.append(" (").append(e.trigger()).append(')');
                }
                if (!e.detail().isEmpty()) {
                    b.append("  ").append(e.detail());
                }
                root().out.println(b);
            }
            return ExitCodes.OK;
        }
    }
}
