package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.internal.StoreClient;
import dev.osc4j.spi.AuditKeys;
import dev.osc4j.spi.StateStore;
import java.time.Clock;
import java.util.List;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * Reads migrations and sends operators' directives through the store alone: what a command line, a dashboard host or
 * an admin endpoint needs, without a topology probe or an engine. Every {@link MigrationOrchestrator} is one too.
 *
 * <p>A directive is a compare-and-set on the record; the controller that owns the migration acts on it at its next
 * pass (at once when the store can watch, otherwise within its poll interval). Directive ids make every directive
 * idempotent: the same id again returns the first outcome and changes nothing.
 *
 * <p><b>Freshness.</b> What a client reads is what the owning controller last wrote. The controller writes a
 * migration's progress at most every {@link MigrationOrchestrator.Builder#progressWriteInterval progress write
 * interval} (default 1 s) while a figure changes, and at once on every transition, so a reader in another process sees
 * figures at most that interval plus one pass old; {@link MigrationRecord#progressPersistedAt()} says how old they
 * are.
 *
 * <pre>{@code
 * MigrationClient client = MigrationClient.of(store);
 * for (MigrationSummary s : client.list(MigrationFilter.active())) { ... }
 * client.pause(id, "pause-" + ticket, "alice");
 * }</pre>
 */
@API(status = MAINTAINED, since = "0.2")
public interface MigrationClient {

    /** A client on {@code store}, with the system clock for directive timestamps. The caller keeps closing the store. */
    static MigrationClient of(StateStore store) {
        return of(store, Clock.systemUTC());
    }

    /** A client on {@code store}, stamping directives with {@code clock}. The caller keeps closing the store. */
    static MigrationClient of(StateStore store, Clock clock) {
        return new StoreClient(store, clock, () -> {}, () -> {});
    }

    /**
     * A client on {@code store} that seals its directives' audit entries with {@code keys} and verifies trails with
     * them, as the controllers built with {@link MigrationOrchestrator.Builder#auditKeys} do.
     */
    static MigrationClient of(StateStore store, Clock clock, AuditKeys keys) {
        return new StoreClient(store, clock, () -> {}, () -> {}, keys);
    }

    /**
     * The migration's record.
     *
     * @throws MigrationNotFoundException when there is none
     */
    MigrationRecord get(MigrationId id);

    /** Summaries for dashboards, ordered by id. */
    List<MigrationSummary> list(MigrationFilter filter);

    /** The whole audit trail of a migration, in order. */
    List<AuditEntry> audit(MigrationId id);

    /**
     * Checks the audit trail against its hash chain ({@link dev.osc4j.spi.AuditChain}): what was edited, removed or
     * added, by entry; empty when the trail is intact. Reads the record first, then the trail up to the record's last
     * entry, so writes during the check are not mistaken for tampering.
     */
    default List<String> verifyAudit(MigrationId id) {
        return verifyAudit(id, null);
    }

    /**
     * {@link #verifyAudit(MigrationId)}, and that the trail still has the entry a checkpoint kept outside the store
     * names ({@link dev.osc4j.spi.AuditCheckpoints}), with the same hash: this also finds entries removed from the end of
     * the trail together with the record's head. A client with audit keys checks keyed links and refuses a chain that
     * stops being keyed.
     */
    default List<String> verifyAudit(MigrationId id, dev.osc4j.spi.AuditChain.@Nullable Checkpoint checkpoint) {
        MigrationRecord record = get(id);
        List<AuditEntry> trail =
                audit(id).stream().filter(e -> e.seq() <= record.auditSeq()).toList();
        return dev.osc4j.spi.AuditChain.verify(record, trail, null, checkpoint);
    }

    /** Records an approval of {@code stage}. */
    DirectiveResult approve(MigrationId id, String directiveId, ApprovalStage stage, String actor);

    /**
     * Withdraws {@code actor}'s approval of {@code stage}, before the stage has passed (the start has not happened, or
     * the cut-over has not begun); the approval stays in the audit trail, and no longer counts.
     *
     * @throws IllegalDirectiveException when the actor has no approval of the stage, or the stage has passed
     */
    DirectiveResult revokeApproval(MigrationId id, String directiveId, ApprovalStage stage, String actor);

    /** Releases the cut-over of a migration whose policy has {@link CutoverMode#MANUAL}. */
    DirectiveResult releaseCutover(MigrationId id, String directiveId, String actor);

    /** Retries a failed migration: its failed shards start again, after their artifacts are cleaned up. */
    DirectiveResult retry(MigrationId id, String directiveId, String actor);

    /** Aborts a migration: runs are cancelled, artifacts dropped, and it ends {@link MigrationState#ABORTED}. */
    DirectiveResult abort(MigrationId id, String directiveId, String actor);

    /** Pauses a migration: nothing new starts and copies are fully throttled. */
    DirectiveResult pause(MigrationId id, String directiveId, String actor);

    /** Resumes a paused migration. */
    DirectiveResult resume(MigrationId id, String directiveId, String actor);

    /** Sets the throttle ratio of the running copies: 0 runs freely, 1 pauses them. */
    DirectiveResult throttle(MigrationId id, String directiveId, double ratio, String actor);

    /**
     * Reverts a migration in its revert window ({@link MigrationState#REVERTIBLE}) on every shard: starts a new
     * migration, linked both ways ({@link MigrationSpec#revertOf()}, {@link Controls#revertedBy()}), that swaps the
     * tables back without losing a write made since the swap. The revert passes the same gates, approvals, barrier and
     * audit as the forward migration; when all its shards swapped back, the forward migration ends {@link
     * MigrationState#REVERTED}. The same directive id again returns the same revert.
     *
     * @return the revert migration's id
     * @throws RevertRefusedException when the migration cannot be reverted, with the reason
     */
    default MigrationId revert(MigrationId id, String directiveId, String actor) {
        return revert(id, directiveId, List.of(), actor);
    }

    /**
     * Reverts a migration on some of its shards (all of them when {@code shards} is empty), for a staged rollout that
     * stopped after its first waves; see {@link #revert(MigrationId, String, String)}.
     *
     * @return the revert migration's id
     * @throws RevertRefusedException when the migration cannot be reverted, with the reason
     */
    MigrationId revert(MigrationId id, String directiveId, List<String> shards, String actor);

    /**
     * Ends a migration's revert window now: what kept the original table is retired, and the migration ends {@link
     * MigrationState#COMPLETED}. Lets another migration of the table start earlier.
     *
     * @throws IllegalDirectiveException when there is no open revert window, or a revert runs
     */
    DirectiveResult closeRevertWindow(MigrationId id, String directiveId, String actor);

    /**
     * Acknowledges the health alert of a migration in {@link MigrationState#ALERTED}: a signal of its {@link
     * MigrationPolicy#autoRevert()} breached after a swap that cannot be reverted. The new schema stays live (there was
     * nothing to revert to); the alerted shards end {@link MigrationState#COMPLETED}, and the acknowledgement is in the
     * audit trail with the actor's name.
     *
     * @throws IllegalDirectiveException when no shard is alerted
     */
    DirectiveResult acknowledgeAlert(MigrationId id, String directiveId, String actor);
}
