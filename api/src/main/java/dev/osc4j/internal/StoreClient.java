package dev.osc4j.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.DirectiveKind;
import dev.osc4j.DirectiveResult;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationNotFoundException;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.RevertOf;
import dev.osc4j.RevertRefusedException;
import dev.osc4j.StoreException;
import dev.osc4j.VersionConflictException;
import dev.osc4j.spi.AuditChain;
import dev.osc4j.spi.AuditKeys;
import dev.osc4j.spi.StateStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store-only {@link MigrationClient}: reads, and directives as compare-and-sets re-read on conflicts. The
 * orchestrator uses one too, with a check that it is open before each call and a wake-up of its loop after each
 * directive written.
 */
@API(status = INTERNAL, since = "0.2")
public final class StoreClient implements MigrationClient {
    private static final Logger LOG = LoggerFactory.getLogger(StoreClient.class);
    private static final int DIRECTIVE_CAS_ATTEMPTS = 20;
    private static final int AUDIT_PAGE = 1000;

    private final StateStore store;
    private final Clock clock;
    private final Runnable beforeCall;
    private final Runnable afterDirective;
    private final @Nullable AuditKeys keys;

    /**
     * Creates the client.
     *
     * @param store the store
     * @param clock stamps directives
     * @param beforeCall runs before every call (it may throw to refuse it)
     * @param afterDirective runs after a directive was written
     */
    public StoreClient(StateStore store, Clock clock, Runnable beforeCall, Runnable afterDirective) {
        this(store, clock, beforeCall, afterDirective, null);
    }

    /**
     * Creates the client, sealing the audit entries of its directives with {@code keys} (null: plain hashes) and
     * verifying trails with them.
     */
    public StoreClient(
            StateStore store, Clock clock, Runnable beforeCall, Runnable afterDirective, @Nullable AuditKeys keys) {
        this.store = ChainingStore.of(store, keys, null);
        this.clock = clock;
        this.beforeCall = beforeCall;
        this.afterDirective = afterDirective;
        this.keys = keys;
    }

    @Override
    public List<String> verifyAudit(MigrationId id, AuditChain.@Nullable Checkpoint checkpoint) {
        MigrationRecord record = get(id);
        List<AuditEntry> trail =
                audit(id).stream().filter(e -> e.seq() <= record.auditSeq()).toList();
        return AuditChain.verify(record, trail, keys, checkpoint);
    }

    @Override
    public MigrationRecord get(MigrationId id) {
        beforeCall.run();
        return store.read(id).orElseThrow(() -> new MigrationNotFoundException("no migration " + id, id));
    }

    @Override
    public List<MigrationSummary> list(MigrationFilter filter) {
        beforeCall.run();
        return store.list(filter);
    }

    @Override
    public List<AuditEntry> audit(MigrationId id) {
        beforeCall.run();
        List<AuditEntry> out = new ArrayList<>();
        long after = 0;
        while (true) {
            List<AuditEntry> page = store.audit(id, after, AUDIT_PAGE);
            out.addAll(page);
            if (page.size() < AUDIT_PAGE) {
                return out;
            }
            after = page.get(page.size() - 1).seq();
        }
    }

    @Override
    public DirectiveResult approve(MigrationId id, String directiveId, ApprovalStage stage, String actor) {
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.APPROVE, stage.name(), actor));
    }

    @Override
    public DirectiveResult revokeApproval(MigrationId id, String directiveId, ApprovalStage stage, String actor) {
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.REVOKE_APPROVAL, stage.name(), actor));
    }

    @Override
    public DirectiveResult releaseCutover(MigrationId id, String directiveId, String actor) {
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.RELEASE_CUTOVER, "", actor));
    }

    @Override
    public DirectiveResult retry(MigrationId id, String directiveId, String actor) {
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.RETRY, "", actor));
    }

    @Override
    public DirectiveResult abort(MigrationId id, String directiveId, String actor) {
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.ABORT, "", actor));
    }

    @Override
    public DirectiveResult pause(MigrationId id, String directiveId, String actor) {
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.PAUSE, "", actor));
    }

    @Override
    public DirectiveResult resume(MigrationId id, String directiveId, String actor) {
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.RESUME, "", actor));
    }

    @Override
    public DirectiveResult throttle(MigrationId id, String directiveId, double ratio, String actor) {
        String argument = Double.toString(ratio);
        Directives.parseRatio(argument);
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.THROTTLE, argument, actor));
    }

    @Override
    public MigrationId revert(MigrationId id, String directiveId, List<String> shards, String actor) {
        String argument = String.join(",", shards);
        MigrationRecord forward = get(id);
        refuseIfSuperseded(forward);
        directive(id, new Directives.Directive(directiveId, DirectiveKind.REVERT, argument, actor));
        MigrationId revertId = Reverts.revertId(id, directiveId);
        // The forward record names the revert before the revert exists; a crash in between is repaired by the
        // forward migration's controller, which creates the missing revert from the same record (Reverts.ensure).
        Reverts.linkedRevert(get(id))
                .ifPresent(created -> store.create(created.record(), List.of(created.submitted())));
        afterDirective.run();
        return revertId;
    }

    /**
     * Aborts {@code earlier}, which the amended request {@code by} supersedes, unless it started meanwhile. Idempotent:
     * the directive id is derived from {@code by}, so the submit and the repair by {@code by}'s controller send the
     * same directive.
     */
    public DirectiveResult supersede(MigrationId earlier, MigrationId by, String actor) {
        return directive(
                earlier,
                new Directives.Directive("supersede:" + by.value(), DirectiveKind.SUPERSEDE, by.value(), actor));
    }

    @Override
    public DirectiveResult closeRevertWindow(MigrationId id, String directiveId, String actor) {
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.CLOSE_REVERT_WINDOW, "", actor));
    }

    @Override
    public DirectiveResult acknowledgeAlert(MigrationId id, String directiveId, String actor) {
        return directive(id, new Directives.Directive(directiveId, DirectiveKind.ACKNOWLEDGE, "", actor));
    }

    /**
     * Refuses the revert of a migration when a later migration of the same table swapped its tables: reverting would
     * undo that one too.
     */
    private void refuseIfSuperseded(MigrationRecord forward) {
        MigrationFilter filter = new MigrationFilter(
                java.util.EnumSet.of(MigrationState.REVERTIBLE, MigrationState.COMPLETED),
                forward.spec().keyspace(),
                null,
                MigrationFilter.DEFAULT_LIMIT);
        for (MigrationRecord other : ofTable(store, filter, forward.spec().table())) {
            RevertOf of = other.spec().revertOf();
            if (!other.id().equals(forward.id())
                    && (of == null || !of.migration().equals(forward.id()))
                    && other.createdAt().isAfter(forward.createdAt())) {
                throw new RevertRefusedException(
                        forward.id(),
                        forward.state(),
                        RevertRefusedException.Reason.SUPERSEDED,
                        "migration " + other.id() + " (" + other.spec().ddl() + ") changed table "
                                + forward.spec().table() + " later; revert that one first");
            }
        }
    }

    /** The records of the migrations {@code filter} selects, every page of it, that change {@code table}. */
    static List<MigrationRecord> ofTable(StateStore store, MigrationFilter filter, String table) {
        List<MigrationRecord> out = new ArrayList<>();
        MigrationFilter page = filter;
        while (true) {
            List<MigrationSummary> summaries = store.list(page);
            for (MigrationSummary s : summaries) {
                if (s.table().equals(table)) {
                    store.read(s.id()).ifPresent(out::add);
                }
            }
            if (summaries.size() < page.limit()) {
                return out;
            }
            page = page.after(summaries.get(summaries.size() - 1).id());
        }
    }

    /** Applies a directive with a compare-and-set, re-reading on conflicts. Directives carry no fencing token. */
    private DirectiveResult directive(MigrationId id, Directives.Directive d) {
        for (int attempt = 0; attempt < DIRECTIVE_CAS_ATTEMPTS; attempt++) {
            MigrationRecord rec = get(id);
            Directives.Applied applied = Directives.apply(rec, d, clock.instant());
            Outcomes.Result change = applied.change();
            if (change == null) {
                return applied.outcome();
            }
            try {
                store.compareAndSet(change.record(), rec.version(), null, change.audit());
                LOG.info(
                        "migration {}: {} {} by {} (directive {})",
                        id,
                        d.kind().name().toLowerCase(Locale.ROOT),
                        d.argument(),
                        d.actor(),
                        d.id());
                afterDirective.run();
                return applied.outcome();
            } catch (VersionConflictException e) {
                // The owner or another caller wrote in between: read again and decide again.
            }
        }
        throw StoreException.unavailable(
                "directive " + d.id() + " on " + id + " lost " + DIRECTIVE_CAS_ATTEMPTS
                        + " compare-and-set races in a row",
                id,
                null);
    }
}
