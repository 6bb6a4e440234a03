package dev.osc4j;

/**
 * Receives live progress and transitions. Called on the orchestrator's reconcile thread: implementations must be
 * quick and must not block; an exception is logged and otherwise ignored. Ready-made sinks are in {@link
 * ProgressSinks}.
 */
public interface ProgressSink {

    /** Progress after a reconcile pass of a migration. */
    default void onProgress(ProgressSnapshot snapshot) {}

    /** A transition that was just recorded. */
    default void onTransition(TransitionEvent event) {}
}
