package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/** The stages a {@link MigrationPolicy} can make wait for an approval. */
@API(status = MAINTAINED, since = "0.1")
public enum ApprovalStage {
    /** Before any engine starts. */
    START,
    /** Before the tables are swapped. */
    CUTOVER
}
