package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/** Who decides that the cut-over may happen once every gate passes. */
@API(status = MAINTAINED, since = "0.1")
public enum CutoverMode {
    /** The orchestrator cuts over as soon as every shard is ready and every cut-over gate passes. */
    AUTOMATIC,
    /** Additionally, an operator must send {@link MigrationOrchestrator#releaseCutover}. */
    MANUAL
}
