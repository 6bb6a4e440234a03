package dev.osc4j;

/** Who decides that the cut-over may happen once every gate passes. */
public enum CutoverMode {
    /** The orchestrator cuts over as soon as every shard is ready and every cut-over gate passes. */
    AUTOMATIC,
    /** Additionally, an operator must send {@link MigrationOrchestrator#releaseCutover}. */
    MANUAL
}
