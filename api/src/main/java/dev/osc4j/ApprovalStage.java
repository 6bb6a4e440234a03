package dev.osc4j;

/** The stages a {@link MigrationPolicy} can make wait for an approval. */
public enum ApprovalStage {
    /** Before any engine starts. */
    START,
    /** Before the tables are swapped. */
    CUTOVER
}
