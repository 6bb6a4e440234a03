package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/**
 * A condition on a transition. The built-in gates cover replica lag, binlog alignment, topology freshness,
 * approvals, the cut-over window and the global barrier; users add their own per edge on the orchestrator's builder.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public interface Gate {

    /** A short name shown in wait reasons and the audit trail. */
    String name();

    /** Pass, wait with a reason, or fail with a reason. Must not block or perform I/O. */
    GateResult evaluate(GateContext context);
}
