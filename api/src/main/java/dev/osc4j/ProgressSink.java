package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/**
 * Receives live progress and transitions. Called on the orchestrator's reconcile thread: implementations must be
 * quick and must not block; an exception is logged and otherwise ignored. Ready-made sinks are in {@link
 * ProgressSinks}.
 */
@API(status = MAINTAINED, since = "0.1")
public interface ProgressSink {

    /** Progress after a reconcile pass of a migration. */
    default void onProgress(ProgressSnapshot snapshot) {}

    /** A transition that was just recorded. */
    default void onTransition(TransitionEvent event) {}
}
