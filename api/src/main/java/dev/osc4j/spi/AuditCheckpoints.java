package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationId;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the head of each migration's audit chain is kept outside the store, after every write: a log line shipped
 * elsewhere, a file, an object store. A chain, even keyed, cannot show that its last entries were removed together with
 * the record's head; the head kept here can ({@link AuditChain.Checkpoint}, {@code MigrationClient.verifyAudit(id,
 * checkpoint)}). Called by the writer after its write succeeded; a checkpoint that fails is logged and does not stop the
 * migration. Registered with {@link dev.osc4j.MigrationOrchestrator.Builder#auditCheckpoints}.
 */
@API(status = EXPERIMENTAL, since = "0.3")
@FunctionalInterface
public interface AuditCheckpoints {

    /** Entry {@code seq} of migration {@code id}, the last one written, has hash {@code head}. */
    void checkpoint(MigrationId id, long seq, String head);

    /**
     * Checkpoints as log lines on the logger {@code dev.osc4j.audit.checkpoint} at INFO ({@code audit head <id> <seq>
     * <head>}), for a log pipeline that keeps them away from the store.
     */
    static AuditCheckpoints logging() {
        Logger log = LoggerFactory.getLogger("dev.osc4j.audit.checkpoint");
        return (id, seq, head) -> log.info("audit head {} {} {}", id.value(), seq, head);
    }
}
